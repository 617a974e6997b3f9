/**
 * Where the packaged program (the single executable, its pkcs11js addon and fonts) is installed on
 * each OS, per user or for the whole machine. Pure, like locations.ts: the Windows and macOS
 * answers are tested on Linux. The installers (docs/packaging.md) follow it, then run
 * `kyso-host install --scope <scope>`, which registers that binary with every browser.
 */
import { PACKAGED_PKCS11_ADDON } from '../runtime.js';
import { envValue, pathFor, type Env, type Platform, type Scope } from './locations.js';

export interface ProgramLocation {
  /** The directory holding everything. */
  dir: string;
  /** The executable the browsers start (and the `kyso`/`kyso-host` commands). */
  binary: string;
  addon: string;
  fonts: string;
}

export function programLocation(
  platform: Platform,
  scope: Scope,
  home: string,
  env: Env = {},
): ProgramLocation {
  const p = pathFor(platform);
  let dir: string;
  if (platform === 'win32') {
    dir =
      scope === 'user'
        ? p.join(
            envValue(env, 'LOCALAPPDATA', platform) ?? p.join(home, 'AppData', 'Local'),
            'Programs',
            'kyso',
          )
        : p.join(envValue(env, 'ProgramFiles', platform) ?? 'C:\\Program Files', 'kyso');
  } else if (platform === 'darwin') {
    dir =
      scope === 'user'
        ? p.join(home, 'Library', 'Application Support', 'kyso')
        : '/Library/Application Support/kyso';
  } else {
    dir = scope === 'user' ? p.join(home, '.local', 'opt', 'kyso') : '/opt/kyso';
  }
  return {
    dir,
    binary: p.join(dir, platform === 'win32' ? 'kyso-host.exe' : 'kyso-host'),
    addon: p.join(dir, ...PACKAGED_PKCS11_ADDON.split('/')),
    fonts: p.join(dir, 'fonts'),
  };
}
