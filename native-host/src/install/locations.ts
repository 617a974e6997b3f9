/**
 * Where each browser looks for native-messaging host manifests, per OS and scope. Pure: no file
 * system access, so every platform's answer can be tested anywhere.
 *
 * Sources: Chrome's "Native messaging host location", MDN "Native manifests", Microsoft Edge's
 * native messaging guide, and the Chromium/Brave sources where vendors document nothing (noted inline).
 * Cốc Cốc, the Chromium browser most used in Vietnam, documents nothing: its places are the ones real
 * programs use (noted inline), and none is written where nothing shows one.
 */
import path from 'node:path';
import { NATIVE_HOST_NAME } from '../../../shared/version.js';
import { KysoError } from '../../../shared/protocol/errors.js';

export const BROWSERS = [
  'chrome',
  'chromium',
  'edge',
  'brave',
  'vivaldi',
  'opera',
  'coccoc',
  'firefox',
] as const;
export type Browser = (typeof BROWSERS)[number];
/** Browsers installed when none are named: the ones whose locations are documented. */
export const DEFAULT_BROWSERS: readonly Browser[] = BROWSERS;

export type Platform = 'linux' | 'darwin' | 'win32';
export type Scope = 'user' | 'system';
/** The two manifest shapes: Chromium family (allowed_origins) and Firefox (allowed_extensions). */
export type BrowserFamily = 'chromium' | 'firefox';

export type Env = Readonly<Record<string, string | undefined>>;

export interface LocationQuery {
  platform: Platform;
  scope: Scope;
  /** The user's home directory (C:\Users\name on Windows). */
  home: string;
  /** Environment for XDG_CONFIG_HOME, CHROME_CONFIG_HOME, LOCALAPPDATA, ProgramData. */
  env?: Env;
}

export interface HostLocation {
  browser: Browser;
  family: BrowserFamily;
  /** Manifest files to write; usually one, two for Firefox system-wide on Linux (lib and lib64). */
  manifestPaths: string[];
  /**
   * Windows only: registry keys whose default value must be the manifest path
   * (e.g. HKCU\Software\Google\Chrome\NativeMessagingHosts\vn.kyso.host). Empty elsewhere.
   */
  registryKeys: string[];
}

export function isPlatform(value: string): value is Platform {
  return value === 'linux' || value === 'darwin' || value === 'win32';
}

/** The running OS, or an error on one kyso does not support. */
export function currentPlatform(): Platform {
  const platform: string = process.platform;
  if (isPlatform(platform)) return platform;
  throw new KysoError('NOT_SUPPORTED', `Unsupported platform: ${platform}`);
}

export function isBrowser(value: string): value is Browser {
  return (BROWSERS as readonly string[]).includes(value);
}

export function familyOf(browser: Browser): BrowserFamily {
  return browser === 'firefox' ? 'firefox' : 'chromium';
}

export const MANIFEST_FILE_NAME = `${NATIVE_HOST_NAME}.json`;

/** The path module matching the target OS, so Windows paths are built correctly on Linux too. */
export function pathFor(platform: Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/**
 * Whether `file` is a full path on the target OS. On Windows that means a drive letter or a UNC path:
 * path.win32.isAbsolute also accepts "\\dir", which depends on the current drive.
 */
export function isFullPath(file: string, platform: Platform): boolean {
  if (platform === 'win32') return /^(?:[A-Za-z]:[\\/]|\\\\[^\\])/.test(file);
  return path.posix.isAbsolute(file);
}

/** Looks a variable up the way the target OS does (Windows names are case-insensitive); ignores empty values. */
export function envValue(env: Env | undefined, name: string, platform: Platform): string | undefined {
  if (!env) return undefined;
  const direct = env[name];
  if (direct) return direct;
  if (platform !== 'win32') return undefined;
  const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? env[key] || undefined : undefined;
}

/**
 * The manifest location of one browser, or undefined when the browser has no documented location
 * for that platform and scope (Vivaldi and Opera system-wide on Linux and macOS; Cốc Cốc on macOS,
 * and system-wide on Linux).
 */
export function hostLocation(browser: Browser, query: LocationQuery): HostLocation | undefined {
  const dirs = manifestDirs(browser, query);
  if (!dirs) return undefined;
  const p = pathFor(query.platform);
  return {
    browser,
    family: familyOf(browser),
    manifestPaths: dirs.map((dir) => p.join(dir, MANIFEST_FILE_NAME)),
    registryKeys: query.platform === 'win32' ? [windowsRegistryKey(browser, query.scope)] : [],
  };
}

/** Locations for several browsers; those without a documented location are listed apart. */
export function hostLocations(
  query: LocationQuery,
  browsers: readonly Browser[] = DEFAULT_BROWSERS,
): { located: HostLocation[]; unsupported: Browser[] } {
  const located: HostLocation[] = [];
  const unsupported: Browser[] = [];
  for (const browser of browsers) {
    const location = hostLocation(browser, query);
    if (location) located.push(location);
    else unsupported.push(browser);
  }
  return { located, unsupported };
}

/**
 * A Chromium-family browser started with --user-data-dir=<dir> also reads user-level host
 * manifests from <dir>/NativeMessagingHosts (Linux and macOS; Windows uses only the registry).
 * This is how tests register the host for a throwaway profile without touching the real one.
 */
export function userDataDirLocation(
  userDataDir: string,
  browser: Browser = 'chromium',
  platform: Platform = 'linux',
): HostLocation {
  if (familyOf(browser) !== 'chromium')
    throw new KysoError('BAD_REQUEST', `${browser} has no Chromium user-data-dir`);
  if (platform === 'win32') {
    throw new KysoError(
      'NOT_SUPPORTED',
      'On Windows, Chromium finds hosts only through the registry, not in --user-data-dir',
    );
  }
  const p = pathFor(platform);
  return {
    browser,
    family: 'chromium',
    manifestPaths: [p.join(userDataDir, 'NativeMessagingHosts', MANIFEST_FILE_NAME)],
    registryKeys: [],
  };
}

function manifestDirs(browser: Browser, query: LocationQuery): string[] | undefined {
  switch (query.platform) {
    case 'linux':
      return query.scope === 'user' ? linuxUserDirs(browser, query) : LINUX_SYSTEM_DIRS[browser];
    case 'darwin':
      return query.scope === 'user' ? macUserDirs(browser, query.home) : MAC_SYSTEM_DIRS[browser];
    case 'win32':
      return [windowsManifestDir(browser, query)];
  }
}

/**
 * Linux user level: <user data dir>/NativeMessagingHosts. Chromium-based browsers put their user data
 * dir under $XDG_CONFIG_HOME (default ~/.config); Chrome and Chromium honour $CHROME_CONFIG_HOME first.
 * Firefox still reads ~/.mozilla/native-messaging-hosts even after its move to XDG directories.
 */
function linuxUserDirs(browser: Browser, query: LocationQuery): string[] {
  const p = path.posix;
  const xdg = absoluteOr(envValue(query.env, 'XDG_CONFIG_HOME', 'linux'), p.join(query.home, '.config'));
  const chromeConfig = absoluteOr(envValue(query.env, 'CHROME_CONFIG_HOME', 'linux'), xdg);
  const hosts = 'NativeMessagingHosts';
  switch (browser) {
    case 'chrome':
      return [p.join(chromeConfig, 'google-chrome', hosts)];
    case 'chromium':
      return [p.join(chromeConfig, 'chromium', hosts)];
    case 'edge':
      return [p.join(xdg, 'microsoft-edge', hosts)];
    case 'brave':
      return [p.join(xdg, 'BraveSoftware', 'Brave-Browser', hosts)];
    case 'vivaldi':
      return [p.join(xdg, 'vivaldi', hosts)];
    case 'opera':
      return [p.join(xdg, 'opera', hosts)];
    case 'coccoc':
      // Its user data dir, as people driving their own Cốc Cốc profile with puppeteer or playwright
      // name it (the Linux package's binary is coccoc-browser).
      return [p.join(xdg, 'coccoc-browser', hosts)];
    case 'firefox':
      return [p.join(query.home, '.mozilla', 'native-messaging-hosts')];
  }
}

/**
 * Brave keeps Chromium's unbranded system directory (brave-core does not rebrand
 * chrome::DIR_NATIVE_MESSAGING), so it shares /etc/chromium with Chromium. Firefox builds read
 * either /usr/lib or /usr/lib64 depending on the distribution, so both are written.
 */
const LINUX_SYSTEM_DIRS: Record<Browser, string[] | undefined> = {
  chrome: ['/etc/opt/chrome/native-messaging-hosts'],
  chromium: ['/etc/chromium/native-messaging-hosts'],
  edge: ['/etc/opt/edge/native-messaging-hosts'],
  brave: ['/etc/chromium/native-messaging-hosts'],
  vivaldi: undefined,
  opera: undefined,
  coccoc: undefined,
  firefox: ['/usr/lib/mozilla/native-messaging-hosts', '/usr/lib64/mozilla/native-messaging-hosts'],
};

function macUserDirs(browser: Browser, home: string): string[] | undefined {
  const support = path.posix.join(home, 'Library', 'Application Support');
  // Cốc Cốc: only its top folder is known (Homebrew's cask removes ~/Library/Application Support/Coccoc),
  // not whether its user data dir is that folder or one below it.
  const sub: Record<Browser, string | undefined> = {
    chrome: 'Google/Chrome',
    chromium: 'Chromium',
    edge: 'Microsoft Edge',
    brave: 'BraveSoftware/Brave-Browser',
    vivaldi: 'Vivaldi',
    opera: 'com.operasoftware.Opera',
    coccoc: undefined,
    firefox: 'Mozilla',
  };
  const dir = sub[browser];
  return dir === undefined ? undefined : [path.posix.join(support, dir, 'NativeMessagingHosts')];
}

const MAC_SYSTEM_DIRS: Record<Browser, string[] | undefined> = {
  chrome: ['/Library/Google/Chrome/NativeMessagingHosts'],
  chromium: ['/Library/Application Support/Chromium/NativeMessagingHosts'],
  edge: ['/Library/Microsoft/Edge/NativeMessagingHosts'],
  brave: ['/Library/Application Support/Chromium/NativeMessagingHosts'],
  vivaldi: undefined,
  opera: undefined,
  coccoc: undefined,
  firefox: ['/Library/Application Support/Mozilla/NativeMessagingHosts'],
};

/**
 * Windows has no fixed manifest directory: the registry points at the file. kyso keeps one file per
 * manifest shape under %LOCALAPPDATA% (user) or %ProgramData% (system, writable only by administrators).
 */
function windowsManifestDir(browser: Browser, query: LocationQuery): string {
  const w = path.win32;
  const base =
    query.scope === 'user'
      ? (envValue(query.env, 'LOCALAPPDATA', 'win32') ?? w.join(query.home, 'AppData', 'Local'))
      : (envValue(query.env, 'ProgramData', 'win32') ?? 'C:\\ProgramData');
  return w.join(base, 'kyso', 'NativeMessagingHosts', familyOf(browser));
}

/**
 * Registry vendor paths. Chromium-branded builds (Chromium, Brave, Vivaldi, Opera) look in
 * Software\Chromium and then fall back to Software\Google\Chrome; Brave, Vivaldi and Opera are
 * registered under Chrome's key, which every one of them reads. Edge reads its own key first. Cốc Cốc
 * has a key of its own: Internet Download Manager registers its host there, and its uninstaller
 * removes it.
 */
const WINDOWS_VENDOR_KEYS: Record<Browser, string> = {
  chrome: 'Google\\Chrome',
  chromium: 'Chromium',
  edge: 'Microsoft\\Edge',
  brave: 'Google\\Chrome',
  vivaldi: 'Google\\Chrome',
  opera: 'Google\\Chrome',
  coccoc: 'CocCoc\\Browser',
  firefox: 'Mozilla',
};

export function windowsRegistryKey(browser: Browser, scope: Scope): string {
  const root = scope === 'user' ? 'HKCU\\Software' : 'HKLM\\SOFTWARE';
  return `${root}\\${WINDOWS_VENDOR_KEYS[browser]}\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`;
}

function absoluteOr(value: string | undefined, fallback: string): string {
  // The XDG spec says relative values are invalid and must be ignored.
  return value && path.posix.isAbsolute(value) ? value : fallback;
}
