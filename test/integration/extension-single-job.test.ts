/**
 * The extension's one-signature job (jobs.ts singleJob) against the real host, when each part
 * takes what it is allowed: the token is in use by another program for a while (another browser's
 * batch: the host waits up to LIMITS.tokenWaitMs for it), and the time-stamp server answers slowly
 * (the host gives it 30 s). The host then signs and time-stamps; the extension must still be
 * waiting for that answer, not have given up on a signature the token made. The browser's part
 * (connectNative) is test/support/native-messaging-browser.ts; everything of kyso's is real.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifySignatureTimestamp } from '../../shared/cms/verify-timestamp.js';
import { singleJob } from '../../extension/src/background/jobs.js';
import { NativeHostClient } from '../../extension/src/background/native-host.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import type { PageResult } from '../../shared/protocol/page.js';
import { HostProcess } from '../support/host-process.js';
import { hostEnvironment, startedHostsEnded } from '../support/native-messaging-browser.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import type { CertificateEntry } from '../../shared/protocol/common.js';

vi.hoisted(() => {
  // bench.ts's compile-time constant, as every build but the benchmark's defines it.
  (globalThis as { __KYSO_BENCH__?: boolean }).__KYSO_BENCH__ = false;
});
vi.mock('webextension-polyfill', async () => ({
  default: (await import('../support/native-messaging-browser.js')).nativeMessagingBrowser,
}));

/** The other program's batch holds the token this long; the TSA then takes TSA_MS: over 30 s together. */
const HELD_MS = 12_000;
const TSA_MS = 20_000;
const document = Buffer.from('Tờ khai quyết toán thuế thu nhập cá nhân năm 2026\n');

describe('one signature, from the extension, when the token is busy and the TSA slow', () => {
  let token: TestToken;
  let tsa: LocalTsa;
  let client: NativeHostClient;
  let other: HostProcess;
  beforeAll(async () => {
    token = copyTestToken();
    tsa = await startLocalTsa();
    Object.assign(hostEnvironment, token.env);
    client = new NativeHostClient();
    other = new HostProcess(token.env); // another browser's host, on the same token
  });
  afterAll(async () => {
    client?.disconnect();
    await other?.close();
    await startedHostsEnded();
    await tsa?.close();
    token?.remove();
  });

  it('gets the time-stamped signature the host made', async () => {
    const { certificates } = await client.call('list-certificates', {}, LIMITS.tokenOperationTimeoutMs);
    const signer = certificates.find((c) => c.id.endsWith('/02'))!;
    const greeted = await other.request('hello', {
      protocolVersion: PROTOCOL_VERSION,
      extensionVersion: KYSO_VERSION,
    });
    expect(greeted.ok).toBe(true);
    const listed = await other.request('list-certificates', {});
    const otherEntry = (listed as { result: { certificates: CertificateEntry[] } }).result.certificates.find(
      (c) => c.id.endsWith('/01'),
    )!;
    const begun = await other.request('begin-batch', {
      certificateId: otherEntry.id,
      pin: token.pin,
      origin: 'https://hoadondientu.gdt.gov.vn',
      total: 1,
    });
    if (!begun.ok) throw new Error(JSON.stringify(begun.error));
    const { batchId } = begun.result as { batchId: string };
    const ended = new Promise((resolve) => setTimeout(resolve, HELD_MS)).then(() =>
      other.request('end-batch', { batchId }),
    );
    tsa.behave({ kind: 'delay', ms: TSA_MS });

    const job = singleJob(
      client,
      'https://thuedientu.gdt.gov.vn',
      {
        digest: createHash('sha256').update(document).digest('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'Quyết toán thuế TNCN 2026',
        timestamp: true,
      },
      tsa.url,
    );
    const started = Date.now();
    const result = (await job.run(
      signer.id,
      token.pin,
      () => undefined,
      () => false,
    )) as PageResult<'sign-cms'>;
    expect(Date.now() - started).toBeGreaterThan(HELD_MS + TSA_MS - 1_000); // it did take that long
    expect((await ended).ok).toBe(true);
    const cms = Buffer.from(result.cms, 'base64');
    expect(opensslCmsVerify({ cms, content: document, caFile: token.caPem }).ok).toBe(true);
    expect(await verifySignatureTimestamp(cms, { trustedRoots: [tsa.caDer] })).toMatchObject({
      present: true,
      valid: true,
    });
  }, 120_000);
});
