/**
 * The extension's batch job (jobs.ts) against the real host, on a slow token and with a host that
 * dies. Real tokens take 0.3–1 s per signature (RSA-2048 on a USB token), here SoftHSM behind
 * test/fault-module slowed to ~0.5 s per C_Sign. The job keeps two calls of up to 32 items in
 * flight, and the token signs them one after the other: the second call's answer comes after both
 * calls' signatures. The extension must wait as long as the host itself would (its token timeout
 * per item), never give up on signatures the token is still making. A batch lives in its host:
 * when the host dies, the rest of the batch fails as the calls in flight did. Beginning the batch
 * may take what the host allows too: the token busy with another browser's batch, then a slow
 * login. The browser's part
 * (connectNative) is test/support/native-messaging-browser.ts; everything of kyso's is real.
 */
import { X509Certificate, createHash, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { planBatch } from '../../extension/src/background/batch-plans.js';
import { batchJob } from '../../extension/src/background/jobs.js';
import { NativeHostClient } from '../../extension/src/background/native-host.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import type { PageResult } from '../../shared/protocol/page.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import { HostProcess } from '../support/host-process.js';
import { hostEnvironment, startedHosts, startedHostsEnded } from '../support/native-messaging-browser.js';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { copyTestToken, type TestToken } from '../support/token.js';

vi.hoisted(() => {
  // bench.ts's compile-time constant, as every build but the benchmark's defines it.
  (globalThis as { __KYSO_BENCH__?: boolean }).__KYSO_BENCH__ = false;
});
vi.mock('webextension-polyfill', async () => ({
  default: (await import('../support/native-messaging-browser.js')).nativeMessagingBrowser,
}));

const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');
/** Per signature: two calls of 32 take ~33 s, past the 30 s of LIMITS.tokenOperationTimeoutMs. */
const SIGN_MS = 520;
const COUNT = 2 * LIMITS.maxBatchItemsPerCall;
const document = (n: number) => Buffer.from(`Hoá đơn GTGT số ${String(n + 1).padStart(7, '0')}\n`);

describe('the extension’s batch job on a slow token, and on a host that dies', () => {
  let dir: string;
  let control: string;
  let token: TestToken;
  let client: NativeHostClient;
  beforeAll(() => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-slow-batch-'));
    control = path.join(dir, 'faults');
    writeFileSync(control, '');
    token = copyTestToken();
    Object.assign(hostEnvironment, token.env, {
      KYSO_PKCS11_MODULES: FAULT_MODULE,
      KYSO_FAULT_TARGET: SOFTHSM_MODULE,
      KYSO_FAULT_CONTROL: control,
    });
    client = new NativeHostClient();
  });
  afterAll(async () => {
    client?.disconnect();
    await startedHostsEnded();
    token?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A batch job of `total` raw invoice digests, as the extension plans one, and the token's key 02 to sign it. */
  async function invoiceBatch(total: number) {
    const { certificates } = await client.call('list-certificates', {}, LIMITS.tokenOperationTimeoutMs);
    const signer = certificates.find((c) => c.id.endsWith('/02'))!;
    const documents = Array.from({ length: total }, (_, n) => ({
      kind: 'raw' as const,
      name: `hoa-don-${n + 1}.xml`,
      digest: createHash('sha256').update(document(n)).digest('base64'),
      digestAlgorithm: 'SHA-256' as const,
    }));
    const plans = await planBatch(() => Promise.reject(new Error('digests need no preparer')), documents);
    const job = batchJob(
      client,
      'https://hoadondientu.gdt.gov.vn',
      { documents, description: `${total} hoá đơn` },
      plans,
    );
    return { signer, job };
  }

  it(`signs all ${COUNT} documents, however long the token takes for the calls ahead of each`, async () => {
    const { signer, job } = await invoiceBatch(COUNT);
    writeFileSync(control, `slow C_Sign ${SIGN_MS}\n`);
    const progress: number[] = [];
    const result = (await job.run(
      signer.id,
      token.pin,
      (done) => progress.push(done),
      () => false,
    )) as PageResult<'sign-many'>;
    writeFileSync(control, '');

    expect(progress.at(-1)).toBe(COUNT);
    const key = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
    for (const [n, item] of result.results.entries()) {
      if (!item.ok || !('signature' in item)) throw new Error(`document ${n + 1}: ${JSON.stringify(item)}`);
      const signature = Buffer.from(item.signature, 'base64');
      expect(verify('sha256', document(n), { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    }
  }, 120_000);

  it('a host that dies mid-batch: the rest of the batch fails as "host stopped", without starting a host for a batch that is gone', async () => {
    writeFileSync(control, '');
    const total = 4 * LIMITS.maxBatchItemsPerCall;
    const { signer, job } = await invoiceBatch(total);
    const hostsBefore = startedHosts.length;
    const host = startedHosts.at(-1)!;
    writeFileSync(control, 'slow C_Sign 40\n');
    // The host is killed (out of memory, say) once the first call has answered.
    const result = (await job.run(
      signer.id,
      token.pin,
      (done) => done === LIMITS.maxBatchItemsPerCall && host.kill('SIGKILL'),
      () => false,
    )) as PageResult<'sign-many'>;
    writeFileSync(control, '');

    const key = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
    for (const [n, item] of result.results.entries()) {
      if (n < LIMITS.maxBatchItemsPerCall) {
        if (!item.ok || !('signature' in item)) throw new Error(`document ${n + 1}: ${JSON.stringify(item)}`);
        const signature = Buffer.from(item.signature, 'base64');
        expect(verify('sha256', document(n), { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
      } else
        expect(item, `document ${n + 1}`).toMatchObject({
          ok: false,
          error: { code: 'INTERNAL', message: 'the kyso host stopped' },
        });
    }
    expect(startedHosts).toHaveLength(hostsBefore);
  }, 120_000);

  it('begins the batch when the token was busy for a while and the login is slow, as the host allows', async () => {
    writeFileSync(control, '');
    const { certificates } = await client.call('list-certificates', {}, LIMITS.tokenOperationTimeoutMs);
    const signer = certificates.find((c) => c.id.endsWith('/02'))!;
    // Another browser's host holds the token in a batch for 12 s ...
    const other = new HostProcess({ ...hostEnvironment });
    try {
      const greeted = await other.request('hello', {
        protocolVersion: PROTOCOL_VERSION,
        extensionVersion: KYSO_VERSION,
      });
      expect(greeted.ok).toBe(true);
      const begun = await other.request('begin-batch', {
        certificateId: signer.id,
        pin: token.pin,
        origin: 'https://hoadondientu.gdt.gov.vn',
        total: 1,
      });
      if (!begun.ok) throw new Error(JSON.stringify(begun.error));
      const { batchId } = begun.result as { batchId: string };
      const ended = new Promise((resolve) => setTimeout(resolve, 12_000)).then(() =>
        other.request('end-batch', { batchId }),
      );
      // ... and then the login takes 19 s (a slow token, a vendor's dialog).
      writeFileSync(control, 'slow C_Login 19000\n');
      const documents = [0, 1].map((n) => ({
        kind: 'raw' as const,
        name: `hoa-don-${n + 1}.xml`,
        digest: createHash('sha256').update(document(n)).digest('base64'),
        digestAlgorithm: 'SHA-256' as const,
      }));
      const plans = await planBatch(() => Promise.reject(new Error('digests need no preparer')), documents);
      const job = batchJob(
        client,
        'https://hoadondientu.gdt.gov.vn',
        { documents, description: '2 hoá đơn' },
        plans,
      );
      const result = (await job.run(
        signer.id,
        token.pin,
        () => undefined,
        () => false,
      )) as PageResult<'sign-many'>;
      writeFileSync(control, '');
      expect((await ended).ok).toBe(true);
      const key = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
      for (const [n, item] of result.results.entries()) {
        if (!item.ok || !('signature' in item)) throw new Error(`document ${n + 1}: ${JSON.stringify(item)}`);
        const signature = Buffer.from(item.signature, 'base64');
        expect(verify('sha256', document(n), { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
      }
    } finally {
      writeFileSync(control, '');
      await other.close();
    }
  }, 120_000);
});
