/**
 * Two tokens plugged in at once (an accountant's company tokens), a batch open on each, and the
 * PKCS#11 worker crashing under one of them (a segfault in C_Sign, injected by test/fault-module).
 * The restarted worker numbers its logins afresh: the dead batch's calls must never reach the
 * other token's login — neither a signature with the other key nor a logout of the other batch.
 */
import { X509Certificate, createHash, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { HostResponse, SignItemResult } from '../../shared/protocol/host.js';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';
import { addSecondToken } from '../support/token.js';

const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');
const origin = 'https://hoadondientu.gdt.gov.vn';
const SECOND_LABEL = 'kyso-cong-ty-2';
const SECOND_KEY_ID = '07';
const document = (n: number) => Buffer.from(`Hoá đơn điện tử số ${n} — Công ty Cổ phần Thứ Hai\n`);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

function resultOf<T>(response: HostResponse): T {
  if (!response.ok) throw new Error(JSON.stringify(response.error));
  return response.result as T;
}

describe('two tokens, a batch on each, and a worker that crashes under one', () => {
  let dir: string;
  let control: string;
  let second: SoftwareIdentity;
  let session: HostSession;
  const setFaults = (...lines: string[]) => writeFileSync(control, lines.join('\n') + '\n');

  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-two-tokens-'));
    control = path.join(dir, 'faults');
    setFaults();
    second = makeSoftwareIdentity(dir, 'EC', '/C=VN/O=Công ty Cổ phần Thứ Hai/CN=Công ty Cổ phần Thứ Hai');
    const keyPem = path.join(dir, 'second.key');
    writeFileSync(keyPem, second.key.export({ type: 'pkcs8', format: 'pem' }));
    session = await startHostSession({
      env: (token) => {
        // before the host (and its worker) starts: SoftHSM reads its token store at C_Initialize
        addSecondToken(token, SECOND_LABEL, SECOND_KEY_ID, keyPem, second.certificateDer);
        return {
          ...token.env,
          KYSO_PKCS11_MODULES: FAULT_MODULE,
          KYSO_FAULT_TARGET: SOFTHSM_MODULE,
          KYSO_FAULT_CONTROL: control,
        };
      },
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signRaw = async (batchId: string, n: number) =>
    resultOf<{ results: SignItemResult[] }>(
      await session.host.request('sign-batch', {
        batchId,
        items: [{ kind: 'raw', digest: sha256(document(n)), digestAlgorithm: 'SHA-256' }],
      }),
    ).results[0]!;
  const verifiesUnder = (certificateDer: Buffer, n: number, result: SignItemResult) =>
    result.ok &&
    'signature' in result &&
    verify(
      'sha256',
      document(n),
      { key: new X509Certificate(certificateDer).publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(result.signature, 'base64'),
    );

  it("the dead batch's calls fail; they neither sign with the other token's key nor log out its batch", async () => {
    const first: CertificateEntry = session.certificate('02');
    const other: CertificateEntry = session.certificate(SECOND_KEY_ID);
    expect(other.token.serial).not.toBe(first.token.serial);
    const begin = async (entry: CertificateEntry) =>
      resultOf<{ batchId: string }>(
        await session.host.request('begin-batch', {
          certificateId: entry.id,
          pin: session.token.pin,
          origin,
          total: 10,
        }),
      ).batchId;

    const batchA = await begin(first);
    expect(verifiesUnder(session.token.certDer('02'), 1, await signRaw(batchA, 1))).toBe(true);

    setFaults('segfault C_Sign');
    const crashed = await signRaw(batchA, 2);
    setFaults();
    expect(crashed).toMatchObject({ ok: false, error: { code: 'TOKEN_DRIVER_FAILED' } });

    // The other token's batch, in the restarted worker.
    const batchB = await begin(other);
    expect(verifiesUnder(second.certificateDer, 3, await signRaw(batchB, 3))).toBe(true);

    // Batch A's login died with its worker: its next item fails, and is not B's key's signature.
    const stale = await signRaw(batchA, 4);
    expect(verifiesUnder(second.certificateDer, 4, stale), 'signed with the other token’s key').toBe(false);
    expect(stale).toMatchObject({ ok: false, error: { code: 'TOKEN_DRIVER_FAILED' } });

    // Ending batch A (the extension always does) must not log out batch B.
    expect(
      resultOf<{ signed: number }>(await session.host.request('end-batch', { batchId: batchA })),
    ).toEqual({
      signed: 1,
    });
    expect(verifiesUnder(second.certificateDer, 5, await signRaw(batchB, 5))).toBe(true);
    expect(
      resultOf<{ signed: number }>(await session.host.request('end-batch', { batchId: batchB })),
    ).toEqual({
      signed: 2,
    });
  });
});
