/**
 * Which PKCS#11 modules the host loads: KYSO_PKCS11_MODULES (path-delimiter separated) replaces
 * discovery when set (tests, kiosks); otherwise every known module file that exists, plus the
 * modules the user added in the config file.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { knownModulePaths } from './registry.js';

export interface DiscoveryContext {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  exists?: (file: string) => boolean;
  /** Extra module paths from the user's configuration. */
  configured?: string[];
}

/** ~/.config/kyso/config.json (or %APPDATA%\kyso\config.json): { "modules": ["/path/to/module.so"] } */
export function configFilePath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.KYSO_CONFIG) return env.KYSO_CONFIG;
  if (platform === 'win32') return path.join(env.APPDATA ?? os.homedir(), 'kyso', 'config.json');
  const base = env.XDG_CONFIG_HOME ?? path.join(os.homedir(), platform === 'darwin' ? 'Library/Application Support' : '.config');
  return path.join(base, 'kyso', 'config.json');
}

export function readConfiguredModules(file = configFilePath()): string[] {
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as { modules?: unknown };
    return Array.isArray(config.modules) ? config.modules.filter((m): m is string => typeof m === 'string') : [];
  } catch {
    return []; // no config, or unreadable: discovery alone
  }
}

export function modulesToLoad(context: DiscoveryContext = {}): string[] {
  const env = context.env ?? process.env;
  const platform = context.platform ?? process.platform;
  const exists = context.exists ?? existsSync;
  const override = env.KYSO_PKCS11_MODULES?.split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const candidates = override?.length
    ? override
    : [...(context.configured ?? readConfiguredModules(configFilePath(env, platform))), ...knownModulePaths(platform)];
  return [...new Set(candidates)].filter((file) => exists(file));
}
