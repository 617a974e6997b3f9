import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  symlinkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { install, uninstall } from '../../native-host/src/install/installer.js';
import { findHostScript, writeLauncher } from '../../native-host/src/install/launcher.js';
import { HOST_LAUNCHER } from '../support/paths.js';

const onPosix = process.platform === 'linux' || process.platform === 'darwin';

describe.runIf(onPosix)('installing the host for real (temporary HOME and Chromium profile)', () => {
  let root: string;
  let home: string;
  let profile: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'kyso-install-'));
    home = path.join(root, 'home');
    profile = path.join(root, 'chromium-profile');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes an executable launcher that runs the given script with this node, env and the browser arguments', async () => {
    // A stand-in host script: prints what the real one would receive.
    const script = path.join(root, 'fake-host.js');
    writeFileSync(
      script,
      'console.log(JSON.stringify({ argv: process.argv.slice(2), conf: process.env.SOFTHSM2_CONF, node: process.execPath }));\n',
    );
    const first = await writeLauncher(path.join(root, 'bin'), {
      hostScript: script,
      env: { SOFTHSM2_CONF: "/tmp/it's here/softhsm2.conf" },
    });
    expect(first.action).toBe('written');
    expect(statSync(first.path).mode & 0o777).toBe(0o755);
    expect((await writeLauncher(path.join(root, 'bin'), { hostScript: script })).action).toBe('written');
    expect((await writeLauncher(path.join(root, 'bin'), { hostScript: script })).action).toBe('unchanged');
    await writeLauncher(path.join(root, 'bin'), {
      hostScript: script,
      env: { SOFTHSM2_CONF: "/tmp/it's here/softhsm2.conf" },
    });

    // Run it the way Chrome does: no PATH at all, origin as the argument.
    const out = execFileSync(first.path, ['chrome-extension://x/', '--parent-window=0'], {
      env: {},
    }).toString();
    expect(JSON.parse(out)).toEqual({
      argv: ['chrome-extension://x/', '--parent-window=0'],
      conf: "/tmp/it's here/softhsm2.conf",
      node: process.execPath,
    });
  });

  it('installs into a Chromium user-data-dir and a private HOME for Firefox, then uninstalls', async () => {
    const launcher = await writeLauncher(path.join(root, 'bin'), { hostScript: findHostScript() });
    const options = {
      scope: 'user' as const,
      home,
      env: {},
      userDataDir: profile,
      browsers: ['chromium' as const, 'firefox' as const],
    };
    const report = await install({ ...options, hostPath: launcher.path });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);

    const chromiumManifest = path.join(profile, 'NativeMessagingHosts', 'vn.kyso.host.json');
    const firefoxManifest = path.join(home, '.mozilla', 'native-messaging-hosts', 'vn.kyso.host.json');
    expect(report.entries.map((e) => [e.target, e.action])).toEqual([
      [chromiumManifest, 'written'],
      [firefoxManifest, 'written'],
    ]);
    expect(JSON.parse(readFileSync(chromiumManifest, 'utf8'))).toEqual({
      name: 'vn.kyso.host',
      description: expect.any(String),
      path: launcher.path,
      type: 'stdio',
      allowed_origins: [`chrome-extension://${CHROMIUM_EXTENSION_ID}/`],
    });
    expect(JSON.parse(readFileSync(firefoxManifest, 'utf8'))).toEqual({
      name: 'vn.kyso.host',
      description: expect.any(String),
      path: launcher.path,
      type: 'stdio',
      allowed_extensions: [FIREFOX_EXTENSION_ID],
    });
    for (const file of [chromiumManifest, firefoxManifest]) expect(statSync(file).mode & 0o777).toBe(0o644);

    const again = await install({ ...options, hostPath: launcher.path });
    expect(again.entries.map((e) => e.action)).toEqual(['unchanged', 'unchanged']);

    const removed = await uninstall(options);
    expect(removed.entries.map((e) => e.action)).toEqual(['removed', 'removed']);
    expect(existsSync(chromiumManifest)).toBe(false);
    expect(existsSync(firefoxManifest)).toBe(false);
    expect((await uninstall(options)).entries.map((e) => e.action)).toEqual(['absent', 'absent']);
  });

  it('installs for every browser at user scope under the private HOME, honouring XDG_CONFIG_HOME', async () => {
    const launcher = await writeLauncher(path.join(root, 'bin'), { hostScript: findHostScript() });
    const env = { XDG_CONFIG_HOME: path.join(home, 'xdg') };
    const platform = process.platform as 'linux' | 'darwin';
    const report = await install({ platform, scope: 'user', home, env, hostPath: launcher.path });
    expect(report.ok).toBe(true);
    const written = report.entries.filter((e) => e.action === 'written').map((e) => e.target);
    expect(written).toHaveLength(platform === 'linux' ? 8 : 7); // Cốc Cốc's folder on macOS is not known
    for (const file of written) {
      expect(file.startsWith(home + path.sep)).toBe(true);
      expect(existsSync(file)).toBe(true);
    }
    if (platform === 'linux') {
      expect(written).toContain(path.join(home, 'xdg/google-chrome/NativeMessagingHosts/vn.kyso.host.json'));
      expect(written).toContain(path.join(home, 'xdg/coccoc-browser/NativeMessagingHosts/vn.kyso.host.json'));
    }
    await uninstall({ platform, scope: 'user', home, env });
    for (const file of written) expect(existsSync(file)).toBe(false);
  });

  it('reports a launcher that is missing or not executable, and a dry run writes nothing', async () => {
    const notExecutable = path.join(root, 'kyso-host.sh');
    writeFileSync(notExecutable, '#!/bin/sh\n');
    chmodSync(notExecutable, 0o644);
    const base = { scope: 'user' as const, home, env: {}, userDataDir: profile };
    const report = await install({ ...base, hostPath: notExecutable });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.stringMatching(/not executable/)]);

    chmodSync(notExecutable, 0o700);
    expect((await install({ ...base, hostPath: notExecutable })).problems).toEqual([]);
    // A system-wide host must be executable by every user.
    const system = await install({
      ...base,
      userDataDir: undefined,
      scope: 'system',
      browsers: [],
      hostPath: notExecutable,
    });
    expect(system.problems).toEqual([expect.stringMatching(/every user/)]);

    const missing = await install({ ...base, hostPath: path.join(root, 'nope.sh'), dryRun: true });
    expect(missing.problems).toEqual([expect.stringMatching(/does not exist/)]);
    rmSync(profile, { recursive: true, force: true });
    const dry = await install({ ...base, hostPath: notExecutable, dryRun: true });
    expect(dry.entries.map((e) => e.action)).toEqual(['would-write']);
    expect(existsSync(profile)).toBe(false);
  });

  /** Every path under `dir`, folders marked with a trailing slash: what a user would find. */
  const tree = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)) + (e.isDirectory() ? '/' : ''))
      .sort();

  it('`kyso-host uninstall` leaves HOME as install found it: what kyso made goes, browsers’ own folders stay', () => {
    // Chrome is installed (its profile, and another program's host beside where kyso's goes); no other browser is.
    mkdirSync(path.join(home, '.config/google-chrome/Default'), { recursive: true });
    writeFileSync(path.join(home, '.config/google-chrome/Default/Preferences'), '{}');
    mkdirSync(path.join(home, '.config/google-chrome/NativeMessagingHosts'));
    writeFileSync(path.join(home, '.config/google-chrome/NativeMessagingHosts/other.host.json'), '{}');
    const before = tree(home);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    for (const name of ['XDG_CONFIG_HOME', 'CHROME_CONFIG_HOME']) delete env[name];
    const kysoHost = (args: string[]) =>
      spawnSync(process.execPath, [HOST_LAUNCHER, ...args], { env, encoding: 'utf8' });

    for (let run = 0; run < 2; run++) expect(kysoHost(['install']).status).toBe(0);
    expect(tree(home)).toContain('.local/share/kyso/kyso-host.sh');
    expect(tree(home)).toContain('.config/microsoft-edge/NativeMessagingHosts/vn.kyso.host.json');
    // Uninstalling one browser keeps the launcher the others still use.
    expect(kysoHost(['uninstall', '--browser', 'edge']).status).toBe(0);
    expect(tree(home)).not.toContain('.config/microsoft-edge/');
    expect(tree(home)).toContain('.local/share/kyso/kyso-host.sh');

    // --dry-run names what the uninstall then removes — the launcher and the folders install made — and removes nothing.
    const installed = tree(home);
    const dryRun = kysoHost(['uninstall', '--dry-run']);
    expect(dryRun.status, dryRun.stdout + dryRun.stderr).toBe(0);
    expect(tree(home)).toEqual(installed);
    const uninstalled = kysoHost(['uninstall']);
    expect(uninstalled.status, uninstalled.stdout + uninstalled.stderr).toBe(0);
    expect(tree(home)).toEqual(before);
    const lines = (output: string, pattern: RegExp) =>
      output
        .split('\n')
        .flatMap((line) => pattern.exec(line)?.slice(1, 2) ?? [])
        .sort();
    const launcher = path.join(home, '.local/share/kyso/kyso-host.sh');
    expect(lines(dryRun.stdout, /^launcher (.*): would-remove$/)).toEqual([launcher]);
    expect(lines(uninstalled.stdout, /^launcher (.*): removed$/)).toEqual([launcher]);
    const removedFolders = lines(uninstalled.stdout, /^ {2}removed folder (.*) \(made by install\)$/);
    expect(removedFolders).toContain(path.join(home, '.local/share/kyso'));
    expect(lines(dryRun.stdout, /^ {2}would remove folder (.*) \(made by install\)$/)).toEqual(
      removedFolders,
    );
  });

  it('an install made before kyso recorded its folders: uninstall still removes kyso’s own launcher folder, once empty', () => {
    mkdirSync(path.join(home, '.local/share'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    for (const name of ['XDG_CONFIG_HOME', 'CHROME_CONFIG_HOME']) delete env[name];
    const kysoHost = (args: string[]) =>
      spawnSync(process.execPath, [HOST_LAUNCHER, ...args], { env, encoding: 'utf8' });
    expect(kysoHost(['install', '--browser', 'chromium']).status).toBe(0);
    const launcherDir = path.join(home, '.local/share/kyso');
    rmSync(path.join(launcherDir, 'created-folders.json')); // as installs before the record left it
    const uninstalled = kysoHost(['uninstall', '--browser', 'chromium']);
    expect(uninstalled.status, uninstalled.stdout + uninstalled.stderr).toBe(0);
    expect(existsSync(launcherDir)).toBe(false);
    expect(existsSync(path.join(home, '.local/share'))).toBe(true); // not kyso's
  });

  it('`--help` after any command prints the usage and runs nothing: install, uninstall, sign, list', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    for (const name of ['XDG_CONFIG_HOME', 'CHROME_CONFIG_HOME']) delete env[name];
    const kysoHost = (args: string[]) =>
      spawnSync(process.execPath, [HOST_LAUNCHER, ...args], { env, encoding: 'utf8' });
    expect(kysoHost(['install', '--browser', 'chromium']).status).toBe(0);
    const installed = tree(home);
    const asks = [
      ['install', '--browser', 'firefox', '--help'],
      ['uninstall', '--help'],
      ['uninstall', '-h'],
    ];
    for (const args of [...asks, ['sign', '--help'], ['list', '--help'], ['--help']]) {
      const asked = kysoHost(args);
      expect(asked.status, `${args.join(' ')}: ${asked.stderr}`).toBe(0);
      expect(asked.stdout, args.join(' ')).toMatch(/^kyso .* — ký số bằng USB token/);
      expect(asked.stdout).toContain('kyso-host uninstall');
      expect(asked.stderr).toBe('');
    }
    expect(tree(home)).toEqual(installed);
  });

  it('`kyso-host install --user-data-dir` takes a folder named relative to where it is run', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    const kysoHost = (args: string[]) =>
      spawnSync(process.execPath, [HOST_LAUNCHER, ...args], { cwd: root, env, encoding: 'utf8' });
    const args = ['--user-data-dir', 'chromium-profile', '--browser', 'chromium'];
    const installed = kysoHost(['install', ...args]);
    expect(installed.status, installed.stdout + installed.stderr).toBe(0);
    const manifest = path.join(profile, 'NativeMessagingHosts', 'vn.kyso.host.json');
    expect(JSON.parse(readFileSync(manifest, 'utf8'))).toMatchObject({
      path: path.join(profile, 'kyso-host.sh'),
    });
    expect(kysoHost(['uninstall', ...args]).status).toBe(0);
    expect(existsSync(profile)).toBe(false);
  });

  it('a browser folder that is a link to a folder that is gone is reported in kyso words, not Node’s', async () => {
    const launcher = await writeLauncher(path.join(root, 'bin'), { hostScript: findHostScript() });
    mkdirSync(path.join(home, '.config'), { recursive: true });
    // Chromium's folder links to a drive that is not mounted.
    symlinkSync(path.join(root, 'unmounted', 'chromium'), path.join(home, '.config/chromium'));
    const report = await install({
      platform: 'linux',
      scope: 'user',
      home,
      env: {},
      hostPath: launcher.path,
      browsers: ['chromium', 'chrome'],
    });
    expect(report.ok).toBe(false);
    expect(report.entries.map((e) => [e.browsers.join(), e.action, e.detail])).toEqual([
      ['chromium', 'failed', `cannot write ${path.join(home, '.config/chromium')} (ENOTDIR: not a folder)`],
      ['chrome', 'written', undefined],
    ]);
  });
});
