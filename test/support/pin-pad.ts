import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, SOFTHSM_MODULE } from './paths.js';
import type { TestToken } from './token.js';

/**
 * The host environment of a token with a PIN pad (protected authentication path): our
 * fault-injecting module in front of SoftHSM, its "keypad" entering the token's right PIN. Builds
 * the module first; pass the result as a session's hostEnv.
 */
export function pinPadHostEnv(): (token: TestToken) => Record<string, string> {
  execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')]);
  const control = path.join(mkdtempSync(path.join(tmpdir(), 'kyso-pinpad-')), 'faults');
  return (token) => {
    writeFileSync(control, `protected_auth_path ${token.pin}\n`);
    return {
      ...token.env,
      KYSO_PKCS11_MODULES: path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so'),
      KYSO_FAULT_TARGET: SOFTHSM_MODULE,
      KYSO_FAULT_CONTROL: control,
    };
  };
}
