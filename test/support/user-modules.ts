import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SOFTHSM_MODULE } from './paths.js';
import type { TestToken } from './token.js';

/**
 * A host that finds PKCS#11 modules as on a user's machine: no KYSO_PKCS11_MODULES override, its
 * config file in a private folder (created by the host), and SoftHSM copied under a name kyso does
 * not know, as a CA's library the user must point to.
 */
export function userModuleSetup(prefix: string): {
  /** The setup's own folder, for more files a test needs. */
  dir: string;
  config: string;
  vendorModule: string;
  hostEnv: (token: TestToken) => Record<string, string>;
  remove: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const config = path.join(dir, 'config', 'kyso', 'config.json');
  const vendorModule = path.join(dir, 'vendor', 'libvendorca_p11.so');
  mkdirSync(path.dirname(vendorModule));
  copyFileSync(SOFTHSM_MODULE, vendorModule);
  return {
    dir,
    config,
    vendorModule,
    hostEnv: (token) => ({ SOFTHSM2_CONF: token.conf, KYSO_PKCS11_MODULES: '', KYSO_CONFIG: config }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
