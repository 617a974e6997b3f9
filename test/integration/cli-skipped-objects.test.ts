/**
 * Certificate objects a listing leaves out (one the driver cannot read, one whose CKA_ID is too long
 * to name, one with no CKA_ID, one of an Ed25519 key, those past the listing's limit) are said by
 * `kyso list` and `kyso-host doctor`: how many, on which token, and why; the host's listing counts
 * them for the consent window. A certificate the user expects and does not see must not vanish
 * without a word.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SkippedCertificates } from '../../shared/protocol/common.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { buildFaultModule, faultModuleEnv } from '../support/fault-module.js';
import { HostProcess } from '../support/host-process.js';
import { HOST_LAUNCHER, REPO_ROOT, TOKEN_LABEL } from '../support/paths.js';
import {
  copyTestToken,
  writeCertificateObject,
  writeLongIdCertificate,
  writeUnlistableCertificates,
  type TestToken,
} from '../support/token.js';

const KYSO = path.join(REPO_ROOT, 'native-host/bin/kyso.js');

const run = (script: string, command: string, env: Record<string, string>) =>
  spawnSync(process.execPath, [script, command], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
/** The token's serial, from the ids `kyso list` prints (module/serial/CKA_ID). */
const serialIn = (listed: string) => {
  const serial = /^[^/\s]+\/([^/\s]+)\/01 /m.exec(listed)?.[1];
  if (!serial) throw new Error(`certificate 01 of the test token not listed:\n${listed}`);
  return serial;
};
/** The ids (CKA_ID) `kyso list` printed, one per certificate line (module/serial/CKA_ID  …). */
const listedIds = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => line.split('  ')[0]!.split('/').pop());

describe('certificate objects skipped while listing a token', () => {
  let token: TestToken;
  let home: string;
  let env: Record<string, string>;
  beforeAll(() => {
    buildFaultModule();
    token = copyTestToken();
    home = mkdtempSync(path.join(tmpdir(), 'kyso-skipped-'));
    writeLongIdCertificate(token);
    writeUnlistableCertificates(token); // no CKA_ID; an Ed25519 key
    const control = path.join(home, 'faults');
    writeFileSync(control, 'fail_object cert-03 0x30\n'); // CKR_DEVICE_ERROR for that object only
    env = { ...token.env, HOME: home, ...faultModuleEnv(control) };
  });
  afterAll(() => {
    token.remove();
    rmSync(home, { recursive: true, force: true });
  });

  /** The line (Vietnamese / English), whatever order the token returned its objects in. */
  const expectSkippedSaid = (output: string, serial: string) => {
    const token = `«${TOKEN_LABEL}» (${serial})`;
    const said = `4 đối tượng chứng thư số trên token ${token} bị bỏ qua / 4 objects on token ${token} were skipped: `;
    const line = output.split('\n').find((l) => l.includes(said));
    expect(line, output).toBeDefined();
    const reasons = line!.slice(line!.indexOf(said) + said.length).split('; ');
    expect(reasons.sort()).toEqual([
      'CKA_ID too long (100 bytes)',
      'a key kyso cannot sign with (neither RSA nor EC)',
      'no CKA_ID (it cannot be tied to a key)',
      'unreadable certificate object (CKR_DEVICE_ERROR)',
    ]);
  };

  it('kyso list says how many objects of which token were skipped, and why; the others are listed', () => {
    const listed = run(KYSO, 'list', env);
    expect(listed.status, listed.stderr).toBe(0);
    const ids = listedIds(listed.stdout);
    expect(ids).toContain('01');
    expect(ids).not.toContain('03');
    expectSkippedSaid(listed.stderr, serialIn(listed.stdout));
  });

  it('kyso-host doctor says it under the certificates, and it does not decide the verdict', () => {
    const doctor = run(HOST_LAUNCHER, 'doctor', env);
    const certificates = doctor.stdout.slice(doctor.stdout.indexOf('\nCertificates:'));
    expectSkippedSaid(certificates, serialIn(run(KYSO, 'list', env).stdout));
    expect(certificates).toMatch(/^ {2}! 4 đối tượng .* \/ 4 objects on token/m);
    expect(doctor.stdout).not.toContain('no certificate that can sign');
  });
});

describe('more certificates than a listing holds', () => {
  let token: TestToken;
  let home: string;
  let env: Record<string, string>;
  let before: number;
  beforeAll(() => {
    token = copyTestToken();
    home = mkdtempSync(path.join(tmpdir(), 'kyso-many-'));
    env = { ...token.env, HOME: home };
    const plain = run(KYSO, 'list', env);
    expect(plain.status, plain.stderr).toBe(0);
    before = listedIds(plain.stdout).length;
    // The limit's worth of certificate objects more (certificate 01's, under ids of their own).
    for (let i = 0; i < LIMITS.maxCertificates; i++)
      writeCertificateObject(token, token.certPemPath('01'), `cert-many-${i}`, (0xa000 + i).toString(16));
  }, 120_000);
  afterAll(() => {
    token.remove();
    rmSync(home, { recursive: true, force: true });
  });

  it('kyso list lists the first LIMITS.maxCertificates and says how many more were left out, and why', () => {
    const listed = run(KYSO, 'list', env);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listedIds(listed.stdout)).toHaveLength(LIMITS.maxCertificates);
    const left = before; // before + the limit's worth, less the limit
    const token = `«${TOKEN_LABEL}» (${serialIn(listed.stdout)})`;
    expect(listed.stderr).toContain(
      `${left} objects on token ${token} were skipped: more than ${LIMITS.maxCertificates} certificates on the tokens: only the first ${LIMITS.maxCertificates} are listed`,
    );
  });

  it("the host's listing counts them under the token's label, for the consent window", async () => {
    const host = new HostProcess(env);
    try {
      const response = await host.request('list-certificates', {});
      if (!response.ok) throw new Error(JSON.stringify(response.error));
      const { certificates, skipped } = response.result as {
        certificates: unknown[];
        skipped: SkippedCertificates[];
      };
      expect(certificates).toHaveLength(LIMITS.maxCertificates);
      expect(skipped).toEqual([{ tokenLabel: TOKEN_LABEL, count: before }]);
    } finally {
      await host.close();
    }
  });
});
