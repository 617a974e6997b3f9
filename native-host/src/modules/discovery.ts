/**
 * Which PKCS#11 modules the host loads: KYSO_PKCS11_MODULES (path-delimiter separated) replaces
 * discovery when set (tests, kiosks); otherwise every known module file that exists, plus the
 * modules the user added in the config file.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
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
export function configFilePath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.KYSO_CONFIG) return env.KYSO_CONFIG;
  if (platform === 'win32') return path.join(env.APPDATA ?? os.homedir(), 'kyso', 'config.json');
  const base =
    env.XDG_CONFIG_HOME ??
    path.join(os.homedir(), platform === 'darwin' ? 'Library/Application Support' : '.config');
  return path.join(base, 'kyso', 'config.json');
}

export function readConfiguredModules(file = configFilePath()): string[] {
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as { modules?: unknown };
    return Array.isArray(config.modules)
      ? config.modules.filter((m): m is string => typeof m === 'string')
      : [];
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
    : [
        ...(context.configured ?? readConfiguredModules(configFilePath(env, platform))),
        ...knownModulePaths(platform),
      ];
  return onePathPerLibrary(candidates.filter((file) => exists(file)));
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Distros link one library under several names (/usr/lib/softhsm/… and /usr/lib/<arch>/softhsm/…);
 * loading it twice makes the second C_Initialize fail with CKR_CRYPTOKI_ALREADY_INITIALIZED.
 */
function onePathPerLibrary(files: string[]): string[] {
  const seen = new Set<string>();
  return files.filter((file) => {
    const real = realPath(file);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

export type ModuleSource = 'environment' | 'configured' | 'known';

/** Every module the host would consider, where it comes from, and whether the file is there. */
export function describeModules(
  context: DiscoveryContext = {},
): Array<{ path: string; source: ModuleSource; present: boolean }> {
  const env = context.env ?? process.env;
  const platform = context.platform ?? process.platform;
  const exists = context.exists ?? existsSync;
  const override = env.KYSO_PKCS11_MODULES?.split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const configured = context.configured ?? readConfiguredModules(configFilePath(env, platform));
  const seen = new Set<string>();
  const entries: Array<{ path: string; source: ModuleSource; present: boolean }> = [];
  const add = (path: string, source: ModuleSource, always: boolean) => {
    const present = exists(path);
    const key = present ? realPath(path) : path; // the same library under another name is one module
    if (seen.has(key)) return;
    seen.add(key);
    // Known names that are not installed are noise; what someone configured is always shown.
    if (present || always) entries.push({ path, source, present });
  };
  if (override?.length) override.forEach((p) => add(p, 'environment', true));
  configured.forEach((p) => add(p, 'configured', true));
  if (!override?.length) knownModulePaths(platform).forEach((p) => add(p, 'known', false));
  return entries;
}

/** Replaces the configured modules, keeping the file's other settings; written whole, then renamed. */
export function writeConfiguredModules(modules: string[], file = configFilePath()): void {
  let config: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      config = parsed as Record<string, unknown>;
  } catch {
    // none yet, or unreadable: start afresh
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ ...config, modules }, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
