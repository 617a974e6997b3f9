/**
 * Which PKCS#11 modules the host loads: those the user configured (KYSO_PKCS11_MODULES, a
 * path-delimiter separated list), else every known module file that exists on this machine.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { knownModulePaths } from './registry.js';

export function modulesToLoad(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const configured = env.KYSO_PKCS11_MODULES?.split(path.delimiter).filter(Boolean);
  const candidates = configured?.length ? configured : knownModulePaths(platform);
  return [...new Set(candidates)].filter((file) => existsSync(file));
}
