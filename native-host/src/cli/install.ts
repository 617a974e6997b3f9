/**
 * `kyso-host install` / `uninstall`: write the launcher the browsers execute and register it for
 * each browser (manifest files; registry keys on Windows); then say what was done, and what to do
 * about Snap/Flatpak browsers, which cannot start native hosts by themselves.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BROWSERS,
  currentPlatform,
  findHostScript,
  formatReport,
  install,
  isBrowser,
  sandboxedBrowserAdvice,
  uninstall,
  writeLauncher,
  type Browser,
  type Scope,
  type UninstallOptions,
} from '../install/index.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { isPackagedExecutable } from '../runtime.js';

export interface InstallCommandOptions {
  scope: Scope;
  browsers?: string;
  userDataDir?: string;
  dryRun: boolean;
  /** Environment the launcher exports (e.g. SOFTHSM2_CONF for a test or demo token). */
  launcherEnv?: Record<string, string>;
  home?: string;
}

/** Where the launcher lives: per user under ~/.local/share/kyso, system-wide under /usr/local/lib/kyso. */
export function launcherDirectory(scope: Scope, home: string, platform = currentPlatform()): string {
  if (platform === 'win32') {
    return scope === 'user'
      ? path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'kyso')
      : path.join(process.env.ProgramData ?? 'C:\\ProgramData', 'kyso');
  }
  if (platform === 'darwin')
    return scope === 'user'
      ? path.join(home, 'Library/Application Support/kyso')
      : '/Library/Application Support/kyso';
  return scope === 'user' ? path.join(home, '.local/share/kyso') : '/usr/local/lib/kyso';
}

function parseBrowsers(list: string | undefined): Browser[] | undefined {
  if (!list) return undefined;
  const names = list
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const unknown = names.filter((b) => !isBrowser(b));
  if (unknown.length)
    throw new KysoError(
      'BAD_REQUEST',
      `unknown browser ${unknown.join(', ')} (known: ${BROWSERS.join(', ')})`,
    );
  return names as Browser[];
}

/** What install and uninstall are both told: where, for whom, and whether to change anything. */
function commonOptions(options: InstallCommandOptions): UninstallOptions & { home: string } {
  const browsers = parseBrowsers(options.browsers);
  return {
    scope: options.scope,
    home: options.home ?? os.homedir(),
    dryRun: options.dryRun,
    ...(browsers && { browsers }),
    ...(options.userDataDir && { userDataDir: options.userDataDir }),
  };
}

/**
 * A file the installer cannot write or remove (system scope without administrator rights) named by
 * its path and error code: Node's own sentence is not printed (the CLI prints only kyso's errors).
 */
async function fileErrorsNamed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { code, path: file } = error as NodeJS.ErrnoException;
    if (typeof code === 'string' && typeof file === 'string')
      throw new KysoError('BAD_REQUEST', `cannot change ${file} (${code})`);
    throw error;
  }
}

export function runInstall(options: InstallCommandOptions, print: (line: string) => void): Promise<number> {
  return fileErrorsNamed(() => installWith(options, print));
}

export function runUninstall(options: InstallCommandOptions, print: (line: string) => void): Promise<number> {
  return fileErrorsNamed(() => uninstallWith(options, print));
}

async function installWith(options: InstallCommandOptions, print: (line: string) => void): Promise<number> {
  const common = commonOptions(options);
  // The packaged binary is its own launcher; a launcher script still carries test/demo environment.
  const packaged = isPackagedExecutable();
  const launcher =
    packaged && !options.launcherEnv
      ? { path: process.execPath, action: 'unchanged' as const }
      : await writeLauncher(options.userDataDir ?? launcherDirectory(options.scope, common.home), {
          ...(!packaged && { hostScript: findHostScript() }),
          ...(options.launcherEnv && { env: options.launcherEnv }),
          dryRun: options.dryRun,
        });
  const report = await install({ ...common, hostPath: launcher.path });
  print(`launcher ${launcher.path}: ${launcher.action}`);
  print(formatReport(report));
  if (currentPlatform() === 'linux') {
    for (const advice of sandboxedBrowserAdvice({ home: common.home, exists: existsSync }))
      print(`${advice.vi}\n${advice.en}`);
  }
  return report.ok ? 0 : 1;
}

async function uninstallWith(options: InstallCommandOptions, print: (line: string) => void): Promise<number> {
  const report = await uninstall(commonOptions(options));
  print(formatReport(report));
  return report.ok ? 0 : 1;
}
