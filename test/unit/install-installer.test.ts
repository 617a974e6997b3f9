import { describe, expect, it } from 'vitest';
import {
  formatReport,
  install,
  uninstall,
  type InstallerFs,
  type InstallOptions,
} from '../../native-host/src/install/installer.js';
import type { Registry } from '../../native-host/src/install/windows-registry.js';

/** An in-memory file system: files with modes, a launch problem on demand, write failures by prefix. */
function memoryFs(options: { launchProblem?: string; readOnly?: string } = {}) {
  const files = new Map<string, { text: string; mode: number }>();
  const fs: InstallerFs = {
    readText: async (file) => files.get(file)?.text,
    writeText: async (file, text, mode) => {
      if (options.readOnly && file.startsWith(options.readOnly)) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
      }
      files.set(file, { text, mode });
      return undefined;
    },
    remove: async (file) => files.delete(file),
    launchProblem: async () => options.launchProblem,
  };
  return { fs, files };
}

function memoryRegistry() {
  const keys = new Map<string, string>();
  const calls: string[] = [];
  const registry: Registry = {
    getDefault: async (key) => keys.get(key),
    setDefault: async (key, value) => {
      calls.push(`set ${key}`);
      keys.set(key, value);
    },
    deleteKey: async (key) => {
      calls.push(`delete ${key}`);
      keys.delete(key);
    },
  };
  return { registry, keys, calls };
}

const home = '/home/an';
const hostPath = '/home/an/.local/share/kyso/kyso-host.sh';

/** install() on an in-memory file system: its report and the files it wrote. */
async function installInMemory(options: Omit<InstallOptions, 'fs'>) {
  const { fs, files } = memoryFs();
  return { report: await install({ ...options, fs }), files };
}

describe('install / uninstall (in memory)', () => {
  it('writes one manifest per browser at user scope on Linux, mode 0644, with the right shape', async () => {
    const { report, files } = await installInMemory({
      platform: 'linux',
      scope: 'user',
      home,
      env: {},
      hostPath,
    });
    expect(report.ok).toBe(true);
    expect(report.entries.map((e) => [e.browsers.join('+'), e.action])).toEqual([
      ['chrome', 'written'],
      ['chromium', 'written'],
      ['edge', 'written'],
      ['brave', 'written'],
      ['vivaldi', 'written'],
      ['opera', 'written'],
      ['coccoc', 'written'],
      ['firefox', 'written'],
    ]);
    expect(files.has('/home/an/.config/coccoc-browser/NativeMessagingHosts/vn.kyso.host.json')).toBe(true);
    const chrome = files.get('/home/an/.config/google-chrome/NativeMessagingHosts/vn.kyso.host.json');
    expect(chrome?.mode).toBe(0o644);
    expect(JSON.parse(chrome?.text ?? '')).toMatchObject({
      path: hostPath,
      allowed_origins: expect.any(Array),
    });
    const firefox = files.get('/home/an/.mozilla/native-messaging-hosts/vn.kyso.host.json');
    expect(JSON.parse(firefox?.text ?? '')).toMatchObject({
      path: hostPath,
      allowed_extensions: ['kyso@kyso.vn'],
    });
    expect(report.problems).toEqual([]);
  });

  it('is idempotent: a second run reports unchanged', async () => {
    const { fs } = memoryFs();
    await install({ platform: 'linux', scope: 'user', home, hostPath, fs, browsers: ['chrome'] });
    const again = await install({
      platform: 'linux',
      scope: 'user',
      home,
      hostPath,
      fs,
      browsers: ['chrome'],
    });
    expect(again.entries.map((e) => e.action)).toEqual(['unchanged']);
    const moved = await install({
      platform: 'linux',
      scope: 'user',
      home,
      hostPath: '/x/h.sh',
      fs,
      browsers: ['chrome'],
    });
    expect(moved.entries.map((e) => e.action)).toEqual(['written']);
  });

  it('dry run changes nothing', async () => {
    const { report, files } = await installInMemory({
      platform: 'darwin',
      scope: 'user',
      home: '/Users/an',
      hostPath,
      dryRun: true,
    });
    expect(report.dryRun).toBe(true);
    // Cốc Cốc's folder on macOS is not known: skipped, as an undocumented location is.
    expect(
      report.entries.filter((e) => e.action !== 'would-write').map((e) => [e.browsers, e.action]),
    ).toEqual([[['coccoc'], 'skipped']]);
    expect(files.size).toBe(0);
  });

  it('system scope on Linux: shared /etc/chromium written once, Firefox lib and lib64, Vivaldi/Opera/Cốc Cốc skipped', async () => {
    const { report, files } = await installInMemory({ platform: 'linux', scope: 'system', home, hostPath });
    expect(report.entries.map((e) => [e.browsers.join('+'), e.target, e.action])).toEqual([
      ['vivaldi', '', 'skipped'],
      ['opera', '', 'skipped'],
      ['coccoc', '', 'skipped'],
      ['chrome', '/etc/opt/chrome/native-messaging-hosts/vn.kyso.host.json', 'written'],
      ['chromium+brave', '/etc/chromium/native-messaging-hosts/vn.kyso.host.json', 'written'],
      ['edge', '/etc/opt/edge/native-messaging-hosts/vn.kyso.host.json', 'written'],
      ['firefox', '/usr/lib/mozilla/native-messaging-hosts/vn.kyso.host.json', 'written'],
      ['firefox', '/usr/lib64/mozilla/native-messaging-hosts/vn.kyso.host.json', 'written'],
    ]);
    expect(files.size).toBe(5);
    expect(report.ok).toBe(true); // skipping an undocumented location is not a failure
  });

  it('reports permission failures (system scope without root) and is not ok', async () => {
    const { fs } = memoryFs({ readOnly: '/etc/' });
    const report = await install({
      platform: 'linux',
      scope: 'system',
      home,
      hostPath,
      fs,
      browsers: ['chrome', 'firefox'],
    });
    expect(report.ok).toBe(false);
    const chrome = report.entries.find((e) => e.browsers.includes('chrome'));
    expect(chrome?.action).toBe('failed');
    expect(chrome?.detail).toMatch(/EACCES.*root/);
    expect(report.entries.filter((e) => e.browsers.includes('firefox')).map((e) => e.action)).toEqual([
      'written',
      'written',
    ]);
  });

  it('reports a launcher that cannot be executed, but still writes the manifests', async () => {
    const { fs, files } = memoryFs({
      launchProblem: 'The host launcher /x is not executable (chmod 755 it)',
    });
    const report = await install({
      platform: 'linux',
      scope: 'user',
      home,
      hostPath,
      fs,
      browsers: ['firefox'],
    });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(['The host launcher /x is not executable (chmod 755 it)']);
    expect(files.size).toBe(1);
    expect(formatReport(report)).toMatch(/problem: .*not executable/);
  });

  it('refuses a relative host path', async () => {
    const { fs } = memoryFs();
    await expect(
      install({ platform: 'linux', scope: 'user', home, hostPath: 'kyso-host.sh', fs }),
    ).rejects.toThrow(/absolute/);
    await expect(
      install({ platform: 'win32', scope: 'user', home: 'C:\\Users\\an', hostPath: '/unix/style.bat', fs }),
    ).rejects.toThrow(/absolute/);
  });

  it('with a user-data-dir: Chromium goes to <dir>/NativeMessagingHosts, Firefox to the (private) HOME', async () => {
    const { fs, files } = memoryFs();
    const report = await install({
      platform: 'linux',
      scope: 'user',
      home: '/tmp/home',
      userDataDir: '/tmp/profile',
      browsers: ['chromium', 'chrome', 'firefox'],
      hostPath,
      fs,
    });
    expect(report.entries.map((e) => [e.browsers.join('+'), e.target])).toEqual([
      ['chromium+chrome', '/tmp/profile/NativeMessagingHosts/vn.kyso.host.json'],
      ['firefox', '/tmp/home/.mozilla/native-messaging-hosts/vn.kyso.host.json'],
    ]);
    expect([...files.keys()]).toHaveLength(2);
    // Without browsers, a user-data-dir means Chromium only.
    const only = await install({
      platform: 'linux',
      scope: 'user',
      home,
      userDataDir: '/p',
      hostPath,
      fs,
      dryRun: true,
    });
    expect(only.entries.map((e) => e.target)).toEqual(['/p/NativeMessagingHosts/vn.kyso.host.json']);
  });

  it('passes extra extension ids into the right manifest', async () => {
    const { fs, files } = memoryFs();
    const dev = 'abcdefghijklmnopabcdefghijklmnop';
    await install({
      platform: 'linux',
      scope: 'user',
      home,
      env: {},
      hostPath,
      fs,
      browsers: ['chromium', 'firefox'],
      extraChromiumExtensionIds: [dev],
      extraFirefoxExtensionIds: ['dev@kyso.vn'],
    });
    const chromium = JSON.parse(
      files.get('/home/an/.config/chromium/NativeMessagingHosts/vn.kyso.host.json')!.text,
    );
    const firefox = JSON.parse(files.get('/home/an/.mozilla/native-messaging-hosts/vn.kyso.host.json')!.text);
    expect(chromium.allowed_origins).toContain(`chrome-extension://${dev}/`);
    expect(firefox.allowed_extensions).toEqual(['kyso@kyso.vn', 'dev@kyso.vn']);
  });

  it('uninstall removes what install wrote, then reports absent', async () => {
    const { fs, files } = memoryFs();
    await install({ platform: 'linux', scope: 'user', home, hostPath, fs });
    const dry = await uninstall({ platform: 'linux', scope: 'user', home, fs, dryRun: true });
    expect(new Set(dry.entries.map((e) => e.action))).toEqual(new Set(['would-remove']));
    expect(files.size).toBe(8);
    const report = await uninstall({ platform: 'linux', scope: 'user', home, fs });
    expect(new Set(report.entries.map((e) => e.action))).toEqual(new Set(['removed']));
    expect(files.size).toBe(0);
    const again = await uninstall({ platform: 'linux', scope: 'user', home, fs });
    expect(new Set(again.entries.map((e) => e.action))).toEqual(new Set(['absent']));
    expect(again.ok).toBe(true);
  });

  it('uninstalling one browser keeps a location another browser still reads', async () => {
    const { fs, files } = memoryFs();
    await install({
      platform: 'linux',
      scope: 'system',
      home,
      hostPath,
      fs,
      browsers: ['chromium', 'brave'],
    });
    const report = await uninstall({ platform: 'linux', scope: 'system', home, fs, browsers: ['brave'] });
    expect(report.entries).toEqual([
      {
        browsers: ['brave'],
        kind: 'manifest',
        target: '/etc/chromium/native-messaging-hosts/vn.kyso.host.json',
        action: 'kept-shared',
        detail: 'also used by chromium',
      },
    ]);
    expect(files.size).toBe(1);
  });
});

describe('install / uninstall on Windows (in memory, registry faked)', () => {
  const winHome = 'C:\\Users\\an';
  const env = { LOCALAPPDATA: 'C:\\Users\\an\\AppData\\Local' };
  const winHost = 'C:\\Users\\an\\AppData\\Local\\kyso\\kyso-host.bat';
  const chromiumFile =
    'C:\\Users\\an\\AppData\\Local\\kyso\\NativeMessagingHosts\\chromium\\vn.kyso.host.json';
  const firefoxFile = 'C:\\Users\\an\\AppData\\Local\\kyso\\NativeMessagingHosts\\firefox\\vn.kyso.host.json';
  const installForUser = (fs: InstallerFs, registry: Registry) =>
    install({ platform: 'win32', scope: 'user', home: winHome, env, hostPath: winHost, fs, registry });

  it('writes two manifests and points each distinct registry key at the right one', async () => {
    const { fs, files } = memoryFs();
    const { registry, keys, calls } = memoryRegistry();
    const report = await installForUser(fs, registry);
    expect(report.ok).toBe(true);
    expect([...files.keys()]).toEqual([chromiumFile, firefoxFile]);
    expect(JSON.parse(files.get(chromiumFile)!.text).path).toBe(winHost);
    expect(Object.fromEntries(keys)).toEqual({
      'HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\vn.kyso.host': chromiumFile,
      'HKCU\\Software\\Chromium\\NativeMessagingHosts\\vn.kyso.host': chromiumFile,
      'HKCU\\Software\\Microsoft\\Edge\\NativeMessagingHosts\\vn.kyso.host': chromiumFile,
      'HKCU\\Software\\CocCoc\\Browser\\NativeMessagingHosts\\vn.kyso.host': chromiumFile,
      'HKCU\\Software\\Mozilla\\NativeMessagingHosts\\vn.kyso.host': firefoxFile,
    });
    expect(calls).toHaveLength(5); // Chrome's key is shared by Chrome, Brave, Vivaldi and Opera: set once
    const chromeKey = report.entries.find((e) => e.target.includes('Google\\Chrome'));
    expect(chromeKey?.browsers).toEqual(['chrome', 'brave', 'vivaldi', 'opera']);

    const again = await installForUser(fs, registry);
    expect(new Set(again.entries.map((e) => e.action))).toEqual(new Set(['unchanged']));
  });

  it('uninstall deletes the keys and the manifests; HKLM for system scope', async () => {
    const { fs, files } = memoryFs();
    const { registry, keys } = memoryRegistry();
    await install({
      platform: 'win32',
      scope: 'system',
      home: winHome,
      env: {},
      hostPath: winHost,
      fs,
      registry,
      browsers: ['edge', 'firefox'],
    });
    expect([...keys.keys()]).toEqual([
      'HKLM\\SOFTWARE\\Microsoft\\Edge\\NativeMessagingHosts\\vn.kyso.host',
      'HKLM\\SOFTWARE\\Mozilla\\NativeMessagingHosts\\vn.kyso.host',
    ]);
    expect([...files.keys()][0]).toBe(
      'C:\\ProgramData\\kyso\\NativeMessagingHosts\\chromium\\vn.kyso.host.json',
    );
    const report = await uninstall({
      platform: 'win32',
      scope: 'system',
      home: winHome,
      env: {},
      fs,
      registry,
    });
    expect(report.entries.filter((e) => e.action === 'removed')).toHaveLength(4);
    expect(keys.size).toBe(0);
    expect(files.size).toBe(0);
  });

  it('uninstalling Brave alone keeps the Chrome key and the shared manifest', async () => {
    const { fs, files } = memoryFs();
    const { registry, keys } = memoryRegistry();
    await install({ platform: 'win32', scope: 'user', home: winHome, env, hostPath: winHost, fs, registry });
    const report = await uninstall({
      platform: 'win32',
      scope: 'user',
      home: winHome,
      env,
      fs,
      registry,
      browsers: ['brave'],
    });
    expect(report.entries.map((e) => e.action)).toEqual(['kept-shared', 'kept-shared']);
    expect(keys.size).toBe(5);
    expect(files.size).toBe(2);
  });

  it('a failing registry write is reported, not thrown', async () => {
    const { fs } = memoryFs();
    const registry: Registry = {
      getDefault: async () => undefined,
      setDefault: async () => {
        throw new Error('ERROR: Access is denied.');
      },
      deleteKey: async () => undefined,
    };
    const report = await install({
      platform: 'win32',
      scope: 'system',
      home: winHome,
      hostPath: winHost,
      fs,
      registry,
      browsers: ['chrome'],
    });
    expect(report.ok).toBe(false);
    expect(report.entries.find((e) => e.kind === 'registry')).toMatchObject({
      action: 'failed',
      detail: expect.stringMatching(/Access is denied.*administrator/),
    });
  });
});
