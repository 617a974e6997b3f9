import { spawnSync } from 'node:child_process';
import { HOST_LAUNCHER } from './paths.js';

/**
 * Registers the real host the way a user does: `kyso-host install`, which writes the launcher
 * (keeping the test token's environment) and the browser's host manifest.
 */
function kysoHostInstall(args: string[], env: Record<string, string>): string {
  const run = spawnSync(process.execPath, [HOST_LAUNCHER, 'install', '--scope', 'user', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`kyso-host install failed: ${run.stdout}${run.stderr}`);
  const launcher = /launcher (\S+):/.exec(run.stdout)?.[1];
  if (!launcher) throw new Error(`no launcher in: ${run.stdout}`);
  return launcher;
}

/** For a fresh Chromium profile: <profile>/NativeMessagingHosts. */
export function registerHostInProfile(profileDir: string, env: Record<string, string>): string {
  return kysoHostInstall(['--user-data-dir', profileDir, '--browser', 'chromium'], {
    ...env,
    HOME: profileDir,
  });
}

/** For Firefox under a private HOME: ~/.mozilla/native-messaging-hosts. */
export function registerHostForFirefox(home: string, env: Record<string, string>): string {
  return kysoHostInstall(['--browser', 'firefox'], { ...env, HOME: home });
}
