import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { signCades } from '../../shared/cms/cades.js';
import { signCades as oracleSignCades } from '../support/pkijs-cades-oracle.js';
import { digest } from '../../shared/cms/digest.js';
import { verifyCms } from '../../shared/cms/verify.js';
import { toArrayBuffer } from '../../shared/encoding.js';
import type { DigestAlgorithm } from '../../shared/protocol/common.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { makeSoftwareIdentity, signContentCades } from '../support/software-signer.js';
import { useSoftwareIdentities } from '../support/software-identities.js';

const content = new TextEncoder().encode('Đơn đề nghị cấp giấy phép — bản ký số\n');

describe('CAdES-BES SignedData', () => {
  const ids = useSoftwareIdentities('cms', {
    RSA: '/C=VN/CN=Nguyễn Thị Bình/UID=CCCD:001199000444',
    EC: '/C=VN/O=Công ty Ánh Dương/CN=Công ty Ánh Dương/UID=MST:0109999999',
  });

  const cases: Array<['RSA' | 'EC', DigestAlgorithm]> = [
    ['RSA', 'SHA-256'],
    ['RSA', 'SHA-384'],
    ['RSA', 'SHA-512'],
    ['EC', 'SHA-256'],
    ['EC', 'SHA-384'],
  ];
  it.each(cases)('detached %s %s verifies with openssl and with verifyCms', async (keyType, algorithm) => {
    const id = ids[keyType];
    const cms = await signContentCades(id, content, { digestAlgorithm: algorithm });
    expect(opensslCmsVerify({ cms, content, caFile: id.caPem }).ok).toBe(true);
    const ours = await verifyCms({ cms, content, trustedRoots: [id.caDer] });
    expect(ours.problems).toEqual([]);
    expect(ours.valid).toBe(true);
    expect(ours.digestAlgorithm).toBe(algorithm);
    expect(Math.abs(ours.signingTime!.getTime() - Date.now())).toBeLessThan(60_000);

    const tampered = content.slice();
    tampered[0]! ^= 1;
    expect(opensslCmsVerify({ cms, content: tampered, caFile: id.caPem }).ok).toBe(false);
    const oursTampered = await verifyCms({ cms, content: tampered });
    expect(oursTampered.valid).toBe(false);
    expect(oursTampered.problems).toContain('messageDigest does not match the content');
  });

  it('attached signature carries the content and verifies without it', async () => {
    const id = ids.EC;
    const cms = await signContentCades(id, content, { attached: true });
    expect(opensslCmsVerify({ cms, caFile: id.caPem }).ok).toBe(true);
    const ours = await verifyCms({ cms });
    expect(ours.valid).toBe(true);
    expect(ours.content).toEqual(content);
  });

  it('signed attributes are DER-sorted and include the CAdES-BES set', async () => {
    const id = ids.RSA;
    const cms = await signContentCades(id, content);
    const asn1 = await import('asn1js');
    const text = Buffer.from(cms).toString('hex');
    // contentType, messageDigest, signingTime, signingCertificateV2 OIDs all present
    for (const oid of [
      '06092a864886f70d010903',
      '06092a864886f70d010904',
      '06092a864886f70d010905',
      '060b2a864886f70d010910022f',
    ]) {
      expect(text).toContain(oid);
    }
    expect(asn1.fromBER(cms).offset).toBe(cms.length);
  });

  it('rejects a signingCertificateV2 that names another certificate (OpenSSL does not check this)', async () => {
    const ec = ids.EC;
    const rsa = ids.RSA;
    // Sign with the EC key but reference the RSA certificate in signingCertificateV2.
    const { prepareSignedAttributes, assembleSignedData, ecdsaRawToDer } =
      await import('../../shared/cms/cades.js');
    const options = { contentDigest: await digest('SHA-256', content), digestAlgorithm: 'SHA-256' as const };
    const wrong = await prepareSignedAttributes({ ...options, signerCertificate: rsa.certificateDer });
    const right = await prepareSignedAttributes({ ...options, signerCertificate: ec.certificateDer });
    const raw = await ec.signer.signDigest(await digest('SHA-256', wrong.toBeSigned), 'SHA-256');
    const cms = assembleSignedData(
      { ...options, signerCertificate: ec.certificateDer },
      { ...wrong, signer: right.signer },
      'EC',
      ecdsaRawToDer(raw),
    );
    expect(opensslCmsVerify({ cms, content, caFile: ec.caPem }).ok).toBe(true);
    const ours = await verifyCms({ cms, content });
    expect(ours.valid).toBe(false);
    expect(ours.problems).toContain('signingCertificateV2 does not name the signer certificate');
  });

  it('reports an untrusted chain', async () => {
    const cms = await signContentCades(ids.EC, content);
    const otherCa = makeSoftwareIdentity(
      mkdtempSync(path.join(tmpdir(), 'kyso-cms-other-')),
      'EC',
      '/C=VN/CN=Khác',
    ).caDer;
    expect((await verifyCms({ cms, content, trustedRoots: [ids.EC.caDer] })).chainValid).toBe(true);
    const ours = await verifyCms({ cms, content, trustedRoots: [otherCa] });
    expect(ours.signatureValid).toBe(true);
    expect(ours.chainValid).toBe(false);
    expect(ours.valid).toBe(false);
  });

  it('an untrusted signer carrying a trusted certificate after its own is still untrusted; openssl agrees', async () => {
    const stranger = makeSoftwareIdentity(
      mkdtempSync(path.join(tmpdir(), 'kyso-cms-other-')),
      'EC',
      '/C=VN/CN=Lạ',
    );
    const signed = pkijs.ContentInfo.fromBER(toArrayBuffer(await signContentCades(stranger, content)));
    const signedData = new pkijs.SignedData({ schema: signed.content });
    // The certificate set is not signed: anyone can append one that chains to the trusted root.
    signedData.certificates = [
      ...(signedData.certificates ?? []),
      pkijs.Certificate.fromBER(toArrayBuffer(ids.EC.certificateDer)),
    ];
    signed.content = signedData.toSchema(true);
    const cms = new Uint8Array(signed.toSchema().toBER());
    expect(opensslCmsVerify({ cms, content, caFile: ids.EC.caPem }).ok).toBe(false);
    const ours = await verifyCms({ cms, content, trustedRoots: [ids.EC.caDer] });
    expect(ours.signatureValid).toBe(true);
    expect(ours.chainValid).toBe(false);
  });

  it('rejects garbage', async () => {
    const ours = await verifyCms({ cms: new Uint8Array([1, 2, 3]), content });
    expect(ours.valid).toBe(false);
    expect(ours.problems).toEqual(['not a CMS SignedData structure']);
  });
});

describe('fast DER writer against pkijs', () => {
  it.each([
    ['RSA', 'SHA-256', true, false],
    ['EC', 'SHA-384', true, true],
    ['EC', 'SHA-512', false, false],
    ['RSA', 'SHA-256', false, true],
  ] as const)(
    '%s %s (signingTime %s, attached %s) is byte-identical to the pkijs build',
    async (keyType, algorithm, withTime, attached) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'kyso-oracle-'));
      const id = makeSoftwareIdentity(
        dir,
        keyType,
        '/C=VN/ST=Hà Nội/O=Bộ Tài chính/CN=Vũ Thị Thu Hằng/UID=CCCD:001199000555',
      );
      const fixedSignature = new Uint8Array(keyType === 'RSA' ? 256 : 64).map((_, i) => (i * 37 + 11) & 0xff);
      const signer = { keyType, signDigest: async () => fixedSignature };
      const options = {
        contentDigest: await digest(algorithm, content),
        digestAlgorithm: algorithm,
        signerCertificate: id.certificateDer,
        signingTime: withTime ? new Date('2026-11-22T07:05:09Z') : null,
        ...(attached && { content }),
      };
      const ours = await signCades(options, signer);
      const reference = await oracleSignCades(options, signer);
      expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(reference).toString('hex'));
    },
  );
});
