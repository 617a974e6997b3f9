/**
 * What the host adds for the document formats: CAdES-T (the host asks the TSA), the PAdES CMS
 * (no signingTime), and rsa-sha1 for old XML receivers, accepted only as an exact SHA-1 DigestInfo.
 */
import { X509Certificate, createHash, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCms } from '../../shared/cms/verify.js';
import { SHA1_DIGEST_INFO_PREFIX } from '../../shared/cms/digest-info.js';
import type { SignItem, SignItemResult } from '../../shared/protocol/host.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { useHostSession } from '../support/host-session.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';

const document = Buffer.from('Tờ khai thuế GTGT mẫu 01/GTGT — kỳ tháng 10/2026\n');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const pemFileToDer = (file: string) =>
  new Uint8Array(Buffer.from(readFileSync(file, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64'));

describe('formats through the host', () => {
  const session = useHostSession();
  let tsa: LocalTsa;
  const cert = (keyId: string) => session.certificate(keyId);
  const origin = 'https://thuedientu.gdt.gov.vn';

  beforeAll(async () => {
    tsa = await startLocalTsa();
  });
  afterAll(async () => {
    await tsa?.close();
  });

  async function batch(keyId: string, items: object[], tsaUrl?: string): Promise<SignItemResult[]> {
    const begun = await session.host.request('begin-batch', {
      certificateId: cert(keyId).id,
      pin: session.token.pin,
      origin,
      total: items.length,
      ...(tsaUrl && { tsaUrl }),
    });
    if (!begun.ok) throw new Error(JSON.stringify(begun.error));
    const { batchId } = begun.result as { batchId: string };
    try {
      const signed = await session.host.request('sign-batch', { batchId, items: items as SignItem[] });
      if (!signed.ok) throw new Error(JSON.stringify(signed.error));
      return (signed.result as { results: SignItemResult[] }).results;
    } finally {
      await session.host.request('end-batch', { batchId });
    }
  }

  it('sign-cms with a TSA gives CAdES-T that OpenSSL and our verifier accept', async () => {
    const before = tsa.requests;
    const response = await session.host.request('sign-cms', {
      certificateId: cert('01').id,
      pin: session.token.pin,
      digest: sha256(document),
      digestAlgorithm: 'SHA-256',
      origin,
      tsaUrl: tsa.url,
    });
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    const cms = Buffer.from((response.result as { cms: string }).cms, 'base64');
    expect(tsa.requests).toBe(before + 1);
    expect(opensslCmsVerify({ cms, content: document, caFile: session.token.caPem }).ok).toBe(true);
    const ours = await verifyCms({
      cms,
      content: document,
      trustedRoots: [pemFileToDer(session.token.caPem)],
      timestampRoots: [new Uint8Array(tsa.caDer)],
    });
    expect(ours.problems).toEqual([]);
    expect(ours.timestamp).toMatchObject({ present: true, valid: true });
    expect(Math.abs(ours.timestamp!.time!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('in a batch, each item chooses: PAdES CMS without signingTime, CAdES-T, CAdES-BES', async () => {
    const results = await batch(
      '02',
      [
        { kind: 'cms', digest: sha256(document), digestAlgorithm: 'SHA-256', signingTime: false },
        {
          kind: 'cms',
          digest: sha256(document),
          digestAlgorithm: 'SHA-256',
          signingTime: true,
          timestamp: true,
        },
        { kind: 'cms', digest: sha256(document), digestAlgorithm: 'SHA-256', signingTime: true },
      ],
      tsa.url,
    );
    const verified = await Promise.all(
      results.map(async (r) => {
        if (!r.ok || !('cms' in r)) throw new Error(JSON.stringify(r));
        const cms = Buffer.from(r.cms, 'base64');
        expect(opensslCmsVerify({ cms, content: document, caFile: session.token.caPem }).ok).toBe(true);
        return verifyCms({ cms, content: document, timestampRoots: [new Uint8Array(tsa.caDer)] });
      }),
    );
    expect(verified.map((v) => v.valid)).toEqual([true, true, true]);
    expect(verified[0]!.signingTime).toBeUndefined();
    expect(verified[0]!.timestamp).toBeUndefined();
    expect(verified[1]!.timestamp).toMatchObject({ present: true, valid: true });
    expect(verified[2]!.signingTime).toBeInstanceOf(Date);
    expect(verified[2]!.timestamp).toBeUndefined();
  });

  it('a time-stamp without a TSA, or from a failing one, fails that item alone', async () => {
    const items = [
      {
        kind: 'cms',
        digest: sha256(document),
        digestAlgorithm: 'SHA-256',
        signingTime: true,
        timestamp: true,
      },
      { kind: 'raw', digest: sha256(document), digestAlgorithm: 'SHA-256' },
    ];
    const withoutTsa = await batch('01', items);
    expect(withoutTsa[0]).toMatchObject({ ok: false, error: { code: 'TSA_NOT_CONFIGURED' } });
    expect(withoutTsa[1]).toMatchObject({ ok: true });

    tsa.behave({ kind: 'reject' });
    try {
      const rejected = await batch('01', items, tsa.url);
      expect(rejected[0]).toMatchObject({
        ok: false,
        error: { code: 'TIMESTAMP_FAILED', details: { reason: 'tsa-rejected' } },
      });
      expect(rejected[1]).toMatchObject({ ok: true });
    } finally {
      tsa.behave({ kind: 'grant' });
    }
  });

  it('only http(s) TSA URLs are accepted', async () => {
    for (const tsaUrl of ['file:///etc/passwd', 'ftp://tsa.example/', 'javascript:alert(1)', 'not a url']) {
      const response = await session.host.request('begin-batch', {
        certificateId: cert('01').id,
        pin: session.token.pin,
        origin,
        total: 1,
        tsaUrl,
      });
      expect(response, tsaUrl).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
  });

  it('signs a SHA-1 DigestInfo with RSA (rsa-sha1), and nothing that merely looks like one', async () => {
    const sha1 = createHash('sha1').update(document).digest();
    const digestInfo = Buffer.concat([Buffer.from(SHA1_DIGEST_INFO_PREFIX, 'hex'), sha1]).toString('base64');
    const [result] = await batch('01', [{ kind: 'sha1-digest-info', digestInfo }]);
    if (!result?.ok || !('signature' in result)) throw new Error(JSON.stringify(result));
    const publicKey = new X509Certificate(Buffer.from(cert('01').certificate, 'base64')).publicKey;
    expect(verify('sha1', document, publicKey, Buffer.from(result.signature, 'base64'))).toBe(true);
    expect(verify('sha1', Buffer.from('khác'), publicKey, Buffer.from(result.signature, 'base64'))).toBe(
      false,
    );

    // An EC key has no rsa-sha1.
    const [ec] = await batch('02', [{ kind: 'sha1-digest-info', digestInfo }]);
    expect(ec).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

    // Anything but prefix ‖ 20 bytes is refused before it reaches the token: a SHA-256
    // DigestInfo, a longer tail, arbitrary bytes of the same length.
    const sha256Info = Buffer.concat([
      Buffer.from('3031300d060960864801650304020105000420', 'hex'),
      createHash('sha256').update(document).digest(),
    ]);
    const longer = Buffer.concat([Buffer.from(SHA1_DIGEST_INFO_PREFIX, 'hex'), sha1, Buffer.from([0])]);
    const arbitrary = Buffer.alloc(35, 0x41);
    const begun = await session.host.request('begin-batch', {
      certificateId: cert('01').id,
      pin: session.token.pin,
      origin,
      total: 3,
    });
    if (!begun.ok) throw new Error(JSON.stringify(begun.error));
    const { batchId } = begun.result as { batchId: string };
    try {
      for (const bytes of [sha256Info, longer, arbitrary]) {
        const response = await session.host.request('sign-batch', {
          batchId,
          items: [{ kind: 'sha1-digest-info', digestInfo: bytes.toString('base64') }],
        });
        expect(response).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      }
    } finally {
      await session.host.request('end-batch', { batchId });
    }
  });
});
