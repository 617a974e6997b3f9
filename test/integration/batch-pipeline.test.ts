/**
 * A batch's signing groups are pipelined to the PKCS#11 worker: each is sent as soon as it is
 * prepared, behind the groups the token is still signing. Against the real worker process and the
 * SoftHSM test token (through our fault-injecting module for a token pulled out mid-batch): order
 * is kept, an item that fails fails alone and in its place, and a removed token fails every item
 * after it — never a signature that does not match its item.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHA1_DIGEST_INFO_PREFIX } from '../../shared/cms/digest-info.js';
import { verifyCms } from '../../shared/cms/verify.js';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { SignItem, SignItemResult } from '../../shared/protocol/host.js';
import type * as CertificatesModule from '../../native-host/src/signing/certificates.js';
import type * as SigningModule from '../../native-host/src/signing/signing-operation.js';
import type * as WorkerModule from '../../native-host/src/worker/token-worker.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { copyTestToken, type TestToken } from '../support/token.js';

const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');
// The compiled host (npm run build:host): the worker process is started from its compiled entry.
const compiled = <T>(file: string) =>
  import(pathToFileURL(path.join(REPO_ROOT, 'dist/node/native-host/src', file)).href) as Promise<T>;

const docs = Array.from({ length: 64 }, (_, i) => Buffer.from(`Hoá đơn GTGT số ${i + 1} — lô ký tháng 11\n`));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const cmsItem = (doc: Buffer): SignItem => ({
  kind: 'cms',
  digest: sha256(doc),
  digestAlgorithm: 'SHA-256',
  signingTime: true,
});

describe('batch pipeline through the PKCS#11 worker', () => {
  let token: TestToken;
  let control: string;
  let worker: WorkerModule.TokenWorker;
  let signing: typeof SigningModule;
  let entries: CertificateEntry[];
  const setFaults = (...lines: string[]) => writeFileSync(control, lines.join('\n') + '\n');
  /** C_Sign calls started so far, from the fault module's trace. */
  const signCalls = () =>
    existsSync(trace)
      ? readFileSync(trace, 'utf8')
          .split('\n')
          .filter((l) => / C_Sign$/.test(l)).length
      : 0;
  let trace: string;
  const options = { timeoutMs: 10_000, loginTimeoutMs: 10_000, now: () => new Date() };
  const entry = (keyId: string) => entries.find((c) => c.id.endsWith(`/${keyId}`))!;

  async function expectSigned(result: SignItemResult | undefined, doc: Buffer, label: string) {
    if (!result?.ok || !('cms' in result)) throw new Error(`${label}: ${JSON.stringify(result)}`);
    const verified = await verifyCms({ cms: Buffer.from(result.cms, 'base64'), content: doc });
    expect(verified.problems, label).toEqual([]);
  }

  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    token = copyTestToken();
    control = path.join(mkdtempSync(path.join(tmpdir(), 'kyso-pipeline-')), 'faults');
    trace = path.join(path.dirname(control), 'trace');
    setFaults();
    const { TokenWorker } = await compiled<typeof WorkerModule>('worker/token-worker.js');
    signing = await compiled<typeof SigningModule>('signing/signing-operation.js');
    const { listTokenCertificates } = await compiled<typeof CertificatesModule>('signing/certificates.js');
    worker = new TokenWorker({
      modulePaths: [FAULT_MODULE],
      env: {
        SOFTHSM2_CONF: token.conf,
        KYSO_FAULT_TARGET: SOFTHSM_MODULE,
        KYSO_FAULT_CONTROL: control,
        KYSO_FAULT_TRACE: trace,
      },
    });
    entries = (await listTokenCertificates(worker, 10_000)).certificates;
  });
  afterEach(() => setFaults());
  afterAll(async () => {
    await worker?.shutdown();
    rmSync(path.dirname(control), { recursive: true, force: true });
    token?.remove();
  });

  it('sends the groups one behind the other, and each signature is its own item’s, in order', async () => {
    const operation = await signing.SigningOperation.open(worker, entry('02'), token.pin, options);
    try {
      const results = await operation.signItems(docs.map(cmsItem));
      expect(worker.maxInFlight).toBeGreaterThan(1); // a group was sent before the one ahead was answered
      expect(results).toHaveLength(docs.length);
      for (const [i, result] of results.entries()) await expectSigned(result, docs[i]!, `item ${i}`);
      const first = Buffer.from((results[0] as { cms: string }).cms, 'base64');
      expect(opensslCmsVerify({ cms: first, content: docs[0]!, caFile: token.caPem }).ok).toBe(true);
      expect(operation.signed).toBe(docs.length);
    } finally {
      await operation.close();
    }
  });

  it('items failing in the middle fail alone and in place (one in the worker, one before it); the rest sign', async () => {
    const operation = await signing.SigningOperation.open(worker, entry('02'), token.pin, options);
    try {
      const items = docs.map(cmsItem);
      // an EC key cannot make an rsa-sha1 signature: refused by the worker, for this item only
      const sha1 = createHash('sha1').update(docs[13]!).digest('hex');
      items[13] = {
        kind: 'sha1-digest-info',
        digestInfo: Buffer.from(SHA1_DIGEST_INFO_PREFIX + sha1, 'hex').toString('base64'),
      };
      // a time-stamp asked with no TSA configured: refused while preparing, for this item only
      items[42] = { ...cmsItem(docs[42]!), timestamp: true } as SignItem;
      const results = await operation.signItems(items);
      expect(results).toHaveLength(docs.length);
      expect(results[13]).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      expect(results[42]).toMatchObject({ ok: false, error: { code: 'TSA_NOT_CONFIGURED' } });
      for (const [i, result] of results.entries())
        if (i !== 13 && i !== 42) await expectSigned(result, docs[i]!, `item ${i}`);
      expect(operation.signed).toBe(docs.length - 2);
    } finally {
      await operation.close();
    }
  });

  it('a token removed mid-batch: the items signed before stay valid, every item after is TOKEN_NOT_PRESENT; a new operation then signs', async () => {
    setFaults('slow C_Sign 10'); // 64 items take 640 ms at least: the removal lands in the middle
    const operation = await signing.SigningOperation.open(worker, entry('01'), token.pin, options);
    try {
      const before = signCalls();
      const signed = operation.signItems(docs.map(cmsItem));
      // pulled out once the token has made a few signatures (the module's trace says so)
      while (signCalls() < before + 5) await new Promise((resolve) => setTimeout(resolve, 5));
      setFaults('slow C_Sign 10', 'device_removed_on_sign');
      const results = await signed;
      expect(results).toHaveLength(docs.length);
      const firstFailure = results.findIndex((r) => !r.ok);
      expect(firstFailure).toBeGreaterThan(0);
      expect(firstFailure).toBeLessThan(docs.length);
      for (const [i, result] of results.entries()) {
        if (i < firstFailure) await expectSigned(result, docs[i]!, `item ${i}`);
        else expect(result, `item ${i}`).toMatchObject({ ok: false, error: { code: 'TOKEN_NOT_PRESENT' } });
      }
    } finally {
      await operation.close();
    }
    setFaults(); // "re-inserted"
    const again = await signing.SigningOperation.open(worker, entry('01'), token.pin, options);
    try {
      const [result] = await again.signItems([cmsItem(docs[0]!)]);
      await expectSigned(result, docs[0]!, 'after re-insertion');
    } finally {
      await again.close();
    }
  });

  it('items of several kinds in one call go in runs of one kind, each signed as asked and in its place', async () => {
    const operation = await signing.SigningOperation.open(worker, entry('01'), token.pin, options);
    try {
      const digestOf = (algorithm: 'sha256' | 'sha384', doc: Buffer) =>
        createHash(algorithm).update(doc).digest('base64');
      const items: SignItem[] = docs.slice(0, 40).map((doc, i) =>
        i % 10 < 3
          ? { kind: 'cms', digest: digestOf('sha384', doc), digestAlgorithm: 'SHA-384', signingTime: true }
          : i % 10 < 5
            ? { ...cmsItem(doc), rsaScheme: 'PSS' }
            : i % 10 === 5
              ? { ...cmsItem(doc), signingTime: false } // PAdES: no signingTime attribute
              : cmsItem(doc),
      );
      const results = await operation.signItems(items);
      expect(results).toHaveLength(items.length);
      for (const [i, result] of results.entries()) await expectSigned(result, docs[i]!, `item ${i}`);
      const pss = Buffer.from((results[3] as { cms: string }).cms, 'base64');
      expect(opensslCmsVerify({ cms: pss, content: docs[3]!, caFile: token.caPem }).ok).toBe(true);
    } finally {
      await operation.close();
    }
  });

  it('an RSA token without CKM_RSA_PKCS: each item is hashed and signed on the token from its own signed bytes', async () => {
    setFaults('no_mechanism CKM_RSA_PKCS');
    const operation = await signing.SigningOperation.open(worker, entry('01'), token.pin, options);
    try {
      const results = await operation.signItems(docs.slice(0, 40).map(cmsItem));
      expect(results).toHaveLength(40);
      // a signature over another item's attributes would not verify for this document
      for (const [i, result] of results.entries()) await expectSigned(result, docs[i]!, `item ${i}`);
    } finally {
      await operation.close();
    }
  });
});
