import { describe, expect, it } from 'vitest';
import {
  BROWSERS,
  envValue,
  hostLocation,
  hostLocations,
  isFullPath,
  userDataDirLocation,
  windowsRegistryKey,
  type Browser,
  type LocationQuery,
} from '../../native-host/src/install/locations.js';

const LINUX_HOME = '/home/an';
const MAC_HOME = '/Users/an';
const WIN_HOME = 'C:\\Users\\an';

function dirsOf(browser: Browser, query: LocationQuery): string[] | undefined {
  return hostLocation(browser, query)?.manifestPaths.map((f) => f.replace(/[/\\]vn\.kyso\.host\.json$/, ''));
}

const MAC_SUPPORT = `${MAC_HOME}/Library/Application Support`;
const HOMES: Record<'linux' | 'darwin', string> = { linux: LINUX_HOME, darwin: MAC_HOME };

/** Where each browser reads native-messaging manifests, by platform and scope (undefined: nowhere). */
const MANIFEST_DIRS: Array<['linux' | 'darwin', 'user' | 'system', Browser, string[] | undefined]> = [
  ['linux', 'user', 'chrome', ['/home/an/.config/google-chrome/NativeMessagingHosts']],
  ['linux', 'system', 'chrome', ['/etc/opt/chrome/native-messaging-hosts']],
  ['darwin', 'user', 'chrome', [`${MAC_SUPPORT}/Google/Chrome/NativeMessagingHosts`]],
  ['darwin', 'system', 'chrome', ['/Library/Google/Chrome/NativeMessagingHosts']],
  ['linux', 'user', 'chromium', ['/home/an/.config/chromium/NativeMessagingHosts']],
  ['linux', 'system', 'chromium', ['/etc/chromium/native-messaging-hosts']],
  ['darwin', 'user', 'chromium', [`${MAC_SUPPORT}/Chromium/NativeMessagingHosts`]],
  ['darwin', 'system', 'chromium', ['/Library/Application Support/Chromium/NativeMessagingHosts']],
  ['linux', 'user', 'edge', ['/home/an/.config/microsoft-edge/NativeMessagingHosts']],
  ['linux', 'system', 'edge', ['/etc/opt/edge/native-messaging-hosts']],
  ['darwin', 'user', 'edge', [`${MAC_SUPPORT}/Microsoft Edge/NativeMessagingHosts`]],
  ['darwin', 'system', 'edge', ['/Library/Microsoft/Edge/NativeMessagingHosts']],
  ['linux', 'user', 'brave', ['/home/an/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts']],
  ['linux', 'system', 'brave', ['/etc/chromium/native-messaging-hosts']],
  ['darwin', 'user', 'brave', [`${MAC_SUPPORT}/BraveSoftware/Brave-Browser/NativeMessagingHosts`]],
  ['darwin', 'system', 'brave', ['/Library/Application Support/Chromium/NativeMessagingHosts']],
  ['linux', 'user', 'vivaldi', ['/home/an/.config/vivaldi/NativeMessagingHosts']],
  ['linux', 'system', 'vivaldi', undefined],
  ['darwin', 'user', 'vivaldi', [`${MAC_SUPPORT}/Vivaldi/NativeMessagingHosts`]],
  ['darwin', 'system', 'vivaldi', undefined],
  ['linux', 'user', 'opera', ['/home/an/.config/opera/NativeMessagingHosts']],
  ['linux', 'system', 'opera', undefined],
  ['darwin', 'user', 'opera', [`${MAC_SUPPORT}/com.operasoftware.Opera/NativeMessagingHosts`]],
  ['darwin', 'system', 'opera', undefined],
  ['linux', 'user', 'coccoc', ['/home/an/.config/coccoc-browser/NativeMessagingHosts']],
  ['linux', 'system', 'coccoc', undefined],
  ['darwin', 'user', 'coccoc', undefined],
  ['darwin', 'system', 'coccoc', undefined],
  ['linux', 'user', 'firefox', ['/home/an/.mozilla/native-messaging-hosts']],
  ['linux', 'system', 'firefox', ['lib', 'lib64'].map((lib) => `/usr/${lib}/mozilla/native-messaging-hosts`)],
  ['darwin', 'user', 'firefox', [`${MAC_SUPPORT}/Mozilla/NativeMessagingHosts`]],
  ['darwin', 'system', 'firefox', ['/Library/Application Support/Mozilla/NativeMessagingHosts']],
];

describe('host manifest locations', () => {
  it.each(MANIFEST_DIRS)('%s, %s scope: %s', (platform, scope, browser, dirs) => {
    expect(dirsOf(browser, { platform, scope, home: HOMES[platform], env: {} })).toEqual(dirs);
  });

  it('Linux, user scope honours XDG_CONFIG_HOME and CHROME_CONFIG_HOME, but not for Firefox', () => {
    const q: LocationQuery = {
      platform: 'linux',
      scope: 'user',
      home: LINUX_HOME,
      env: { XDG_CONFIG_HOME: '/xdg', CHROME_CONFIG_HOME: '/chrome-config' },
    };
    expect(dirsOf('chrome', q)).toEqual(['/chrome-config/google-chrome/NativeMessagingHosts']);
    expect(dirsOf('chromium', q)).toEqual(['/chrome-config/chromium/NativeMessagingHosts']);
    expect(dirsOf('edge', q)).toEqual(['/xdg/microsoft-edge/NativeMessagingHosts']);
    expect(dirsOf('brave', q)).toEqual(['/xdg/BraveSoftware/Brave-Browser/NativeMessagingHosts']);
    expect(dirsOf('coccoc', q)).toEqual(['/xdg/coccoc-browser/NativeMessagingHosts']);
    expect(dirsOf('firefox', q)).toEqual(['/home/an/.mozilla/native-messaging-hosts']);
    // The XDG spec says relative values are ignored.
    const relative = { ...q, env: { XDG_CONFIG_HOME: 'relative/dir' } };
    expect(dirsOf('edge', relative)).toEqual(['/home/an/.config/microsoft-edge/NativeMessagingHosts']);
  });

  it('Linux and macOS need no registry', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      for (const scope of ['user', 'system'] as const) {
        for (const { registryKeys } of hostLocations({ platform, scope, home: '/h' }).located) {
          expect(registryKeys).toEqual([]);
        }
      }
    }
  });

  it('Windows, user scope: one manifest per shape under %LOCALAPPDATA%, keys under HKCU', () => {
    const q: LocationQuery = {
      platform: 'win32',
      scope: 'user',
      home: WIN_HOME,
      env: { localappdata: 'D:\\Local' }, // Windows variable names are case-insensitive
    };
    const chromiumFile = 'D:\\Local\\kyso\\NativeMessagingHosts\\chromium\\vn.kyso.host.json';
    const firefoxFile = 'D:\\Local\\kyso\\NativeMessagingHosts\\firefox\\vn.kyso.host.json';
    const chromeKey = 'HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\vn.kyso.host';
    expect(Object.fromEntries(BROWSERS.map((b) => [b, hostLocation(b, q)]))).toEqual({
      chrome: {
        browser: 'chrome',
        family: 'chromium',
        manifestPaths: [chromiumFile],
        registryKeys: [chromeKey],
      },
      chromium: {
        browser: 'chromium',
        family: 'chromium',
        manifestPaths: [chromiumFile],
        registryKeys: ['HKCU\\Software\\Chromium\\NativeMessagingHosts\\vn.kyso.host'],
      },
      edge: {
        browser: 'edge',
        family: 'chromium',
        manifestPaths: [chromiumFile],
        registryKeys: ['HKCU\\Software\\Microsoft\\Edge\\NativeMessagingHosts\\vn.kyso.host'],
      },
      brave: {
        browser: 'brave',
        family: 'chromium',
        manifestPaths: [chromiumFile],
        registryKeys: [chromeKey],
      },
      vivaldi: {
        browser: 'vivaldi',
        family: 'chromium',
        manifestPaths: [chromiumFile],
        registryKeys: [chromeKey],
      },
      opera: {
        browser: 'opera',
        family: 'chromium',
        manifestPaths: [chromiumFile],
        registryKeys: [chromeKey],
      },
      coccoc: {
        browser: 'coccoc',
        family: 'chromium',
        manifestPaths: [chromiumFile],
        registryKeys: ['HKCU\\Software\\CocCoc\\Browser\\NativeMessagingHosts\\vn.kyso.host'],
      },
      firefox: {
        browser: 'firefox',
        family: 'firefox',
        manifestPaths: [firefoxFile],
        registryKeys: ['HKCU\\Software\\Mozilla\\NativeMessagingHosts\\vn.kyso.host'],
      },
    });
  });

  it('Windows without LOCALAPPDATA falls back to <home>\\AppData\\Local', () => {
    const location = hostLocation('firefox', { platform: 'win32', scope: 'user', home: WIN_HOME, env: {} });
    expect(location?.manifestPaths).toEqual([
      'C:\\Users\\an\\AppData\\Local\\kyso\\NativeMessagingHosts\\firefox\\vn.kyso.host.json',
    ]);
  });

  it('Windows, system scope: %ProgramData% and HKLM', () => {
    const q: LocationQuery = { platform: 'win32', scope: 'system', home: WIN_HOME, env: {} };
    expect(hostLocation('edge', q)).toEqual({
      browser: 'edge',
      family: 'chromium',
      manifestPaths: ['C:\\ProgramData\\kyso\\NativeMessagingHosts\\chromium\\vn.kyso.host.json'],
      registryKeys: ['HKLM\\SOFTWARE\\Microsoft\\Edge\\NativeMessagingHosts\\vn.kyso.host'],
    });
    expect(hostLocation('firefox', { ...q, env: { ProgramData: 'E:\\PD' } })?.manifestPaths).toEqual([
      'E:\\PD\\kyso\\NativeMessagingHosts\\firefox\\vn.kyso.host.json',
    ]);
    expect(windowsRegistryKey('chrome', 'system')).toBe(
      'HKLM\\SOFTWARE\\Google\\Chrome\\NativeMessagingHosts\\vn.kyso.host',
    );
    expect(windowsRegistryKey('firefox', 'system')).toBe(
      'HKLM\\SOFTWARE\\Mozilla\\NativeMessagingHosts\\vn.kyso.host',
    );
  });

  it('every browser is located on Windows; Vivaldi, Opera and Cốc Cốc have no system location elsewhere, Cốc Cốc none on macOS', () => {
    expect(hostLocations({ platform: 'win32', scope: 'system', home: WIN_HOME }).unsupported).toEqual([]);
    expect(hostLocations({ platform: 'linux', scope: 'system', home: LINUX_HOME }).unsupported).toEqual([
      'vivaldi',
      'opera',
      'coccoc',
    ]);
    expect(hostLocations({ platform: 'linux', scope: 'user', home: LINUX_HOME }).unsupported).toEqual([]);
    expect(hostLocations({ platform: 'darwin', scope: 'user', home: MAC_HOME }).unsupported).toEqual([
      'coccoc',
    ]);
    expect(
      hostLocations({ platform: 'darwin', scope: 'user', home: MAC_HOME }, ['firefox']).located,
    ).toHaveLength(1);
  });

  it('a Chromium --user-data-dir gets <dir>/NativeMessagingHosts', () => {
    expect(userDataDirLocation('/tmp/profile')).toEqual({
      browser: 'chromium',
      family: 'chromium',
      manifestPaths: ['/tmp/profile/NativeMessagingHosts/vn.kyso.host.json'],
      registryKeys: [],
    });
    expect(userDataDirLocation('/p', 'chrome', 'darwin').manifestPaths).toEqual([
      '/p/NativeMessagingHosts/vn.kyso.host.json',
    ]);
    expect(() => userDataDirLocation('/p', 'firefox')).toThrow(/Chromium/);
    expect(() => userDataDirLocation('C:\\p', 'chrome', 'win32')).toThrow(/registry/);
  });

  it('reads environment variables case-insensitively only on Windows', () => {
    expect(envValue({ Path: 'x' }, 'PATH', 'win32')).toBe('x');
    expect(envValue({ Path: 'x' }, 'PATH', 'linux')).toBeUndefined();
    expect(envValue({ HOME: '' }, 'HOME', 'linux')).toBeUndefined();
    expect(envValue(undefined, 'HOME', 'linux')).toBeUndefined();
  });

  it('full paths: drive letter or UNC on Windows, leading slash elsewhere', () => {
    expect(isFullPath('C:\\kyso\\kyso-host.bat', 'win32')).toBe(true);
    expect(isFullPath('c:/kyso/kyso-host.bat', 'win32')).toBe(true);
    expect(isFullPath('\\\\server\\share\\h.bat', 'win32')).toBe(true);
    expect(isFullPath('\\kyso\\h.bat', 'win32')).toBe(false);
    expect(isFullPath('C:kyso\\h.bat', 'win32')).toBe(false);
    expect(isFullPath('/opt/h.sh', 'linux')).toBe(true);
    expect(isFullPath('h.sh', 'darwin')).toBe(false);
  });
});
