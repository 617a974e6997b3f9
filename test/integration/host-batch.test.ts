import { X509Certificate, createHash, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyCms } from '../../shared/cms/verify.js';
import type { SignItemResult } from '../../shared/protocol/host.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { useHostSession } from '../support/host-session.js';

const docs = Array.from({ length: 70 }, (_, i) =>
  Buffer.from(`Hoá đơn số ${i + 1} — Công ty TNHH Ký Số Việt\n`),
);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

describe('raw signatures and batches through the host', () => {
  const session = useHostSession();
  const cert = (keyId: string) => session.certificate(keyId);
  const origin = 'https://hoadondientu.gdt.gov.vn';

  it.each([
    ['01', 'RSASSA-PKCS1-v1_5'],
    ['02', 'ECDSA-P1363'],
  ])('sign-raw with key %s returns a %s signature over the digest', async (keyId, algorithm) => {
    const data = Buffer.from('Chuỗi dữ liệu do cổng tự đóng gói');
    const response = await session.host.request('sign-raw', {
      certificateId: cert(keyId).id,
      pin: session.token.pin,
      digest: sha256(data),
      digestAlgorithm: 'SHA-256',
      origin,
    });
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    const result = response.result as { signature: string; signatureAlgorithm: string; certificate: string };
    expect(result.signatureAlgorithm).toBe(algorithm);
    const publicKey = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
    const signature = Buffer.from(result.signature, 'base64');
    const options = keyId === '02' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey;
    expect(verify('sha256', data, options, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('khác'), options, signature)).toBe(false);
  });

  it('signs 70 documents with one login, in calls of at most 32 items; other signing waits for the batch', async () => {
    const wrong = await session.host.request('begin-batch', {
      certificateId: cert('02').id,
      pin: '999999',
      origin,
      total: docs.length,
    });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'PIN_INCORRECT' } });

    const begun = await session.host.request('begin-batch', {
      certificateId: cert('02').id,
      pin: session.token.pin,
      origin,
      total: docs.length,
    });
    if (!begun.ok) throw new Error(JSON.stringify(begun.error));
    const { batchId } = begun.result as { batchId: string };

    // Another request for the same token waits for the batch (and says so), never takes its session.
    const waiting = session.host.start('sign-cms', {
      certificateId: cert('01').id,
      pin: session.token.pin,
      digest: sha256(docs[0]!),
      digestAlgorithm: 'SHA-256',
      origin,
    });
    expect(await session.host.statusFor(waiting)).toMatchObject({
      status: 'waiting-for-token',
      reason: 'other-request',
    });

    const results: SignItemResult[] = [];
    for (let i = 0; i < docs.length; i += 32) {
      const items = docs.slice(i, i + 32).map((doc, j) =>
        (i + j) % 10 === 9
          ? { kind: 'raw' as const, digest: sha256(doc), digestAlgorithm: 'SHA-256' as const }
          : {
              kind: 'cms' as const,
              digest: sha256(doc),
              digestAlgorithm: 'SHA-256' as const,
              signingTime: (i + j) % 2 === 0,
            },
      );
      const response = await session.host.request('sign-batch', { batchId, items });
      if (!response.ok) throw new Error(JSON.stringify(response.error));
      results.push(...(response.result as { results: SignItemResult[] }).results);
    }
    const tooMany = await session.host.request('sign-batch', {
      batchId,
      items: Array.from({ length: 33 }, () => ({
        kind: 'raw' as const,
        digest: sha256(docs[0]!),
        digestAlgorithm: 'SHA-256' as const,
      })),
    });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

    const ended = await session.host.request('end-batch', { batchId });
    expect(ended).toEqual({ id: ended.id, ok: true, result: { signed: docs.length } });
    const waited = await session.host.frameFor(waiting);
    if (!waited.ok) throw new Error(JSON.stringify(waited.error));
    const waitedCms = Buffer.from((waited.result as { cms: string }).cms, 'base64');
    expect(opensslCmsVerify({ cms: waitedCms, content: docs[0]!, caFile: session.token.caPem }).ok).toBe(
      true,
    );
    const after = await session.host.request('sign-batch', {
      batchId,
      items: [{ kind: 'raw', digest: sha256(docs[0]!), digestAlgorithm: 'SHA-256' }],
    });
    expect(after).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

    expect(results).toHaveLength(docs.length);
    const publicKey = new X509Certificate(session.token.certDer('02')).publicKey;
    for (const [i, result] of results.entries()) {
      if (!result.ok) throw new Error(`item ${i}: ${JSON.stringify(result.error)}`);
      if ('signature' in result) {
        expect(
          verify(
            'sha256',
            docs[i]!,
            { key: publicKey, dsaEncoding: 'ieee-p1363' },
            Buffer.from(result.signature, 'base64'),
          ),
        ).toBe(true);
        continue;
      }
      const cms = Buffer.from(result.cms, 'base64');
      const ours = await verifyCms({ cms, content: docs[i]! });
      expect(ours.problems, `item ${i}`).toEqual([]);
      expect(ours.signingTime === undefined).toBe(i % 2 === 1); // PAdES-style items carry no signingTime
      if (i < 4)
        expect(opensslCmsVerify({ cms, content: docs[i]!, caFile: session.token.caPem }).ok).toBe(true);
    }

    // the token was logged out: a fresh single signature needs (and checks) the PIN again
    const again = await session.host.request('sign-cms', {
      certificateId: cert('02').id,
      pin: '000000',
      digest: sha256(docs[0]!),
      digestAlgorithm: 'SHA-256',
      origin,
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'PIN_INCORRECT' } });
  });
});
