/**
 * A batch's idle time (KYSO_BATCH_IDLE_MS here, LIMITS.batchIdleTimeoutMs otherwise) counts only
 * while none of its calls is in flight: the extension keeps two calls going, and on a slow token
 * (test/fault-module slows C_Sign) one call may still be signing long after the other answered.
 * A batch really left idle ends, logs out and gives the token to the next request. A listing meanwhile
 * answers from memory, objects it left out counted as when read.
 */
import { X509Certificate, createHash, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostResponse, SignItemResult } from '../../shared/protocol/host.js';
import type { SkippedCertificates } from '../../shared/protocol/common.js';
import { REPO_ROOT, SOFTHSM_MODULE, TOKEN_LABEL } from '../support/paths.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { writeUnlistableCertificates } from '../support/token.js';

const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');
const IDLE_MS = 1_000;
const SIGN_MS = 250;
const origin = 'https://hoadondientu.gdt.gov.vn';
const document = (n: number) => Buffer.from(`Hoá đơn giá trị gia tăng số ${n}\n`);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

function resultOf<T>(response: HostResponse): T {
  if (!response.ok) throw new Error(JSON.stringify(response.error));
  return response.result as T;
}

describe('a batch’s idle time', () => {
  let dir: string;
  let control: string;
  let session: HostSession;
  const setFaults = (...lines: string[]) => writeFileSync(control, lines.join('\n') + '\n');

  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-batch-idle-'));
    control = path.join(dir, 'faults');
    setFaults();
    session = await startHostSession({
      env: (token) => ({
        ...token.env,
        KYSO_PKCS11_MODULES: FAULT_MODULE,
        KYSO_FAULT_TARGET: SOFTHSM_MODULE,
        KYSO_FAULT_CONTROL: control,
        KYSO_BATCH_IDLE_MS: String(IDLE_MS),
      }),
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const items = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      kind: 'raw' as const,
      digest: sha256(document(from + i)),
      digestAlgorithm: 'SHA-256' as const,
    }));
  const expectSigned = (from: number, results: SignItemResult[]) => {
    const key = new X509Certificate(session.token.certDer('02')).publicKey;
    for (const [i, result] of results.entries()) {
      if (!result.ok || !('signature' in result))
        throw new Error(`item ${from + i}: ${JSON.stringify(result)}`);
      const signature = Buffer.from(result.signature, 'base64');
      expect(verify('sha256', document(from + i), { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    }
  };
  const begin = async () =>
    resultOf<{ batchId: string }>(
      await session.host.request('begin-batch', {
        certificateId: session.certificate('02').id,
        pin: session.token.pin,
        origin,
        total: 20,
      }),
    ).batchId;

  it('does not run out while a call is still signing, however long ago the other call answered', async () => {
    const batchId = await begin();
    setFaults(`slow C_Sign ${SIGN_MS}`);
    // Two calls in flight, as the extension's two lanes send them: the short one answers first,
    // the long one signs for longer than the idle time after that.
    const short = session.host.start('sign-batch', { batchId, items: items(0, 1) });
    const long = session.host.start('sign-batch', { batchId, items: items(1, 8) });
    expectSigned(0, resultOf<{ results: SignItemResult[] }>(await session.host.frameFor(short)).results);
    expectSigned(1, resultOf<{ results: SignItemResult[] }>(await session.host.frameFor(long)).results);
    setFaults();
    // The next call, sent at once: the batch is still open and its login still good.
    const next = await session.host.request('sign-batch', { batchId, items: items(9, 2) });
    expectSigned(9, resultOf<{ results: SignItemResult[] }>(next).results);
    expect(resultOf<{ signed: number }>(await session.host.request('end-batch', { batchId }))).toEqual({
      signed: 11,
    });
  });

  it('a listing while a batch call signs answers from what was read last, without waiting for the token', async () => {
    // Two objects no listing shows: the answer from memory still counts them (the consent window says so).
    writeUnlistableCertificates(session.token);
    const readNow = resultOf<{ skipped: SkippedCertificates[] }>(
      await session.host.request('list-certificates', {}),
    ).skipped;
    expect(readNow).toEqual([{ tokenLabel: TOKEN_LABEL, count: 2 }]);
    const batchId = await begin();
    setFaults(`slow C_Sign ${SIGN_MS}`);
    const signing = session.host.start('sign-batch', { batchId, items: items(0, 12) });
    await new Promise((resolve) => setTimeout(resolve, 2 * SIGN_MS)); // the token is signing
    const listing = session.host.start('list-certificates', {});
    // Another tab (a plugin page, the options page) lists: it is answered before the call ends.
    const listed = session.host.frameFor(listing);
    const signed = session.host.frameFor(signing);
    const first = await Promise.race([listed.then(() => 'listing'), signed.then(() => 'signing')]);
    expect(first).toBe('listing');
    const { certificates, skipped } = resultOf<{
      certificates: Array<{ id: string }>;
      skipped: SkippedCertificates[];
    }>(await listed);
    expect(certificates.map((c) => c.id)).toEqual(session.certificates.map((c) => c.id));
    expect(skipped).toEqual(readNow);
    expectSigned(0, resultOf<{ results: SignItemResult[] }>(await signed).results);
    setFaults();
    await session.host.request('end-batch', { batchId });
  });

  it('ends when really left idle: later calls are told its time ran out, and the token is free for the next request', async () => {
    const batchId = await begin();
    expectSigned(
      0,
      resultOf<{ results: SignItemResult[] }>(
        await session.host.request('sign-batch', { batchId, items: items(0, 1) }),
      ).results,
    );
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS + 500));
    // TIMEOUT (the extension says "Hết thời gian chờ"), not BAD_REQUEST: nothing was wrong with the call.
    expect(await session.host.request('sign-batch', { batchId, items: items(1, 1) })).toMatchObject({
      ok: false,
      error: { code: 'TIMEOUT', details: { reason: 'batch idle', afterMs: IDLE_MS } },
    });
    expect(await session.host.request('end-batch', { batchId })).toMatchObject({
      ok: false,
      error: { code: 'TIMEOUT' },
    });
    // The token is not held by the ended batch: a single signature signs without waiting for it.
    const single = session.host.start('sign-raw', {
      certificateId: session.certificate('02').id,
      pin: session.token.pin,
      digest: sha256(document(2)),
      digestAlgorithm: 'SHA-256',
      origin,
    });
    const answer = resultOf<{ signature: string }>(await session.host.frameFor(single));
    const key = new X509Certificate(session.token.certDer('02')).publicKey;
    expect(
      verify(
        'sha256',
        document(2),
        { key, dsaEncoding: 'ieee-p1363' },
        Buffer.from(answer.signature, 'base64'),
      ),
    ).toBe(true);
  });
});
