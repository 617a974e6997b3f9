/** Several PKCS#11 modules at once: certificates from each, and a broken module hides nothing. */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMessage } from '../../shared/protocol/errors.js';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { copyTestToken, type TestToken } from '../support/token.js';

const KYSO = path.join(REPO_ROOT, 'native-host/bin/kyso.js');
const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');

describe('module discovery with several modules', () => {
  let token: TestToken;
  let notAModule: string;
  let secondSoftHsm: string;
  beforeAll(() => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')]);
    token = copyTestToken();
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-modules-'));
    notAModule = path.join(dir, 'libbroken.so');
    writeFileSync(notAModule, 'this is not a shared library');
    // A second vendor's library: a copy of SoftHSM is a distinct module to the dynamic loader
    // (the same file loaded twice would be one instance), reached through our fault-injecting shim.
    secondSoftHsm = path.join(dir, 'libvendor2.so');
    copyFileSync(SOFTHSM_MODULE, secondSoftHsm);
  });
  afterAll(() => token.remove());

  it('lists the certificates of every module that loads, and reports the ones that do not', () => {
    const modules = [notAModule, '/nonexistent/vendor_p11.so', SOFTHSM_MODULE, FAULT_MODULE].join(':');
    const run = spawnSync(process.execPath, [KYSO, 'list'], {
      env: { ...process.env, ...token.env, KYSO_PKCS11_MODULES: modules, KYSO_FAULT_TARGET: secondSoftHsm },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    // the same token seen through two modules: each certificate twice, under two module keys
    expect(lines).toHaveLength(10);
    expect(new Set(lines.map((l) => l.split('/')[0])).size).toBe(2);
    expect(lines.filter((l) => l.includes('MST:0312345678'))).toHaveLength(2);
    // the broken file is reported, the missing one is simply not loaded
    expect(run.stderr).toContain(`module ${notAModule}`);
    expect(run.stderr).not.toContain('/nonexistent/vendor_p11.so');
  });

  it('no module that loads: kyso list says no certificate was found (vi / en), exit 1', () => {
    const run = spawnSync(process.execPath, [KYSO, 'list'], {
      env: { ...process.env, ...token.env, KYSO_PKCS11_MODULES: notAModule },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `${errorMessage('NO_CERTIFICATE', 'vi')} / ${errorMessage('NO_CERTIFICATE', 'en')} (NO_CERTIFICATE)`,
    );
  });
});
