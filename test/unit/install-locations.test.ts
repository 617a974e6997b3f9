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

describe('host manifest locations', () => {
  it('Linux, user scope', () => {
    const q: LocationQuery = { platform: 'linux', scope: 'user', home: LINUX_HOME, env: {} };
    expect(Object.fromEntries(BROWSERS.map((b) => [b, dirsOf(b, q)]))).toEqual({
      chrome: ['/home/an/.config/google-chrome/NativeMessagingHosts'],
      chromium: ['/home/an/.config/chromium/NativeMessagingHosts'],
      edge: ['/home/an/.config/microsoft-edge/NativeMessagingHosts'],
      brave: ['/home/an/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts'],
      vivaldi: ['/home/an/.config/vivaldi/NativeMessagingHosts'],
      opera: ['/home/an/.config/opera/NativeMessagingHosts'],
      firefox: ['/home/an/.mozilla/native-messaging-hosts'],
    });
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
    expect(dirsOf('firefox', q)).toEqual(['/home/an/.mozilla/native-messaging-hosts']);
    // The XDG spec says relative values are ignored.
    const relative = { ...q, env: { XDG_CONFIG_HOME: 'relative/dir' } };
    expect(dirsOf('edge', relative)).toEqual(['/home/an/.config/microsoft-edge/NativeMessagingHosts']);
  });

  it('Linux, system scope', () => {
    const q: LocationQuery = { platform: 'linux', scope: 'system', home: LINUX_HOME };
    expect(Object.fromEntries(BROWSERS.map((b) => [b, dirsOf(b, q)]))).toEqual({
      chrome: ['/etc/opt/chrome/native-messaging-hosts'],
      chromium: ['/etc/chromium/native-messaging-hosts'],
      edge: ['/etc/opt/edge/native-messaging-hosts'],
      brave: ['/etc/chromium/native-messaging-hosts'],
      vivaldi: undefined,
      opera: undefined,
      firefox: ['/usr/lib/mozilla/native-messaging-hosts', '/usr/lib64/mozilla/native-messaging-hosts'],
    });
  });

  it('macOS, user scope', () => {
    const q: LocationQuery = { platform: 'darwin', scope: 'user', home: MAC_HOME };
    const support = '/Users/an/Library/Application Support';
    expect(Object.fromEntries(BROWSERS.map((b) => [b, dirsOf(b, q)]))).toEqual({
      chrome: [`${support}/Google/Chrome/NativeMessagingHosts`],
      chromium: [`${support}/Chromium/NativeMessagingHosts`],
      edge: [`${support}/Microsoft Edge/NativeMessagingHosts`],
      brave: [`${support}/BraveSoftware/Brave-Browser/NativeMessagingHosts`],
      vivaldi: [`${support}/Vivaldi/NativeMessagingHosts`],
      opera: [`${support}/com.operasoftware.Opera/NativeMessagingHosts`],
      firefox: [`${support}/Mozilla/NativeMessagingHosts`],
    });
  });

  it('macOS, system scope', () => {
    const q: LocationQuery = { platform: 'darwin', scope: 'system', home: MAC_HOME };
    expect(Object.fromEntries(BROWSERS.map((b) => [b, dirsOf(b, q)]))).toEqual({
      chrome: ['/Library/Google/Chrome/NativeMessagingHosts'],
      chromium: ['/Library/Application Support/Chromium/NativeMessagingHosts'],
      edge: ['/Library/Microsoft/Edge/NativeMessagingHosts'],
      brave: ['/Library/Application Support/Chromium/NativeMessagingHosts'],
      vivaldi: undefined,
      opera: undefined,
      firefox: ['/Library/Application Support/Mozilla/NativeMessagingHosts'],
    });
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
    expect(location?.manifestPaths).toEqual(['C:\\Users\\an\\AppData\\Local\\kyso\\NativeMessagingHosts\\firefox\\vn.kyso.host.json']);
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
    expect(windowsRegistryKey('chrome', 'system')).toBe('HKLM\\SOFTWARE\\Google\\Chrome\\NativeMessagingHosts\\vn.kyso.host');
    expect(windowsRegistryKey('firefox', 'system')).toBe('HKLM\\SOFTWARE\\Mozilla\\NativeMessagingHosts\\vn.kyso.host');
  });

  it('every browser is located on Windows; Vivaldi and Opera have no system location elsewhere', () => {
    expect(hostLocations({ platform: 'win32', scope: 'system', home: WIN_HOME }).unsupported).toEqual([]);
    expect(hostLocations({ platform: 'linux', scope: 'system', home: LINUX_HOME }).unsupported).toEqual(['vivaldi', 'opera']);
    expect(hostLocations({ platform: 'linux', scope: 'user', home: LINUX_HOME }).unsupported).toEqual([]);
    expect(hostLocations({ platform: 'darwin', scope: 'user', home: MAC_HOME }, ['firefox']).located).toHaveLength(1);
  });

  it('a Chromium --user-data-dir gets <dir>/NativeMessagingHosts', () => {
    expect(userDataDirLocation('/tmp/profile')).toEqual({
      browser: 'chromium',
      family: 'chromium',
      manifestPaths: ['/tmp/profile/NativeMessagingHosts/vn.kyso.host.json'],
      registryKeys: [],
    });
    expect(userDataDirLocation('/p', 'chrome', 'darwin').manifestPaths).toEqual(['/p/NativeMessagingHosts/vn.kyso.host.json']);
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
