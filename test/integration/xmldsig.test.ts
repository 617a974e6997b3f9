import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeXmlSignature,
  prepareXmlSignature,
  signXml,
  XmlSignatureError,
  type DigestInfoSigner,
} from '../../shared/xml/index.js';
import { verifyXmlSignature } from '../../verifier/src/index.js';
import { EINVOICE, HTKK_RETURN } from '../support/fixtures.js';
import { rsaSignDigestInfo, type SoftwareIdentity } from '../support/software-signer.js';
import { useSoftwareIdentities } from '../support/software-identities.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { tokenSigner } from '../support/token-signer.js';
import { xmlsecVerify } from '../support/xmlsec.js';

const HTKK = HTKK_RETURN;
const INVOICE = EINVOICE;
const SIGNING_TIME = new Date('2026-11-22T07:05:09Z'); // 14:05:09 in Hà Nội

/** The software RSA identity, able to sign a DigestInfo as given (what rsa-sha1 needs). */
function withDigestInfo(identity: SoftwareIdentity): DigestInfoSigner {
  return {
    ...identity.signer,
    async signDigestInfo(digestInfo) {
      return rsaSignDigestInfo(identity.key, digestInfo);
    },
  };
}

describe('XMLDSig (HTKK tax returns, e-invoices) verified by xmlsec1', () => {
  const ids = useSoftwareIdentities('xmldsig', {
    RSA: '/C=VN/ST=Hà Nội/CN=Nguyễn Thị Thuỳ Dương/UID=CCCD:001199000777',
    EC: '/C=VN/ST=Hà Nội/O=Công ty TNHH Thương mại Ký Số Việt, Chi nhánh 1/CN=Công ty TNHH Thương mại Ký Số Việt/UID=MST:0101234567',
  });
  let token: TestToken;

  beforeAll(() => {
    token = copyTestToken();
  });
  afterAll(() => token?.remove());

  for (const keyType of ['RSA', 'EC'] as const) {
    it(`HTKK 01/GTGT, ${keyType} software key: Signature in CKyDTu over #_NODE_TO_SIGN; xmlsec1 verifies, a changed amount fails`, async () => {
      const signed = await signXml(
        HTKK,
        { profile: 'htkk', certificate: ids[keyType].certificateDer },
        ids[keyType].signer,
      );

      expect(signed).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
      expect(signed).toContain('<CKyDTu><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"');
      expect(signed).toContain('<Reference URI="#_NODE_TO_SIGN"><Transforms>');
      expect(signed).toContain(
        '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>',
      );
      expect(signed).toContain(
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>',
      );
      expect(signed).toContain(
        keyType === 'RSA'
          ? '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
          : '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>',
      );
      expect(signed).toContain('<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>');
      expect(signed).toMatch(/<X509SubjectName>[^<]*CN=[^<]*<\/X509SubjectName><X509Certificate>MII/);
      // The declaration itself is untouched.
      expect(signed).toContain(HTKK.slice(HTKK.indexOf('<HSoKhaiThue'), HTKK.indexOf('</HSoKhaiThue>')));

      const good = xmlsecVerify(ids.dir, signed, ids[keyType].caPem, `htkk-${keyType}.xml`);
      expect(good.ok, good.output).toBe(true);
      expect(good.output).toContain('OK');

      // Trust comes from the CA, not from the certificate in KeyInfo.
      expect(xmlsecVerify(ids.dir, signed, token.caPem, `htkk-${keyType}-other-ca.xml`).ok).toBe(false);

      const tampered = signed.replace('<ct40>11550000</ct40>', '<ct40>1550000</ct40>');
      expect(tampered).not.toBe(signed);
      const bad = xmlsecVerify(ids.dir, tampered, ids[keyType].caPem, `htkk-${keyType}-tampered.xml`);
      expect(bad.ok, bad.output).toBe(false);
    });
  }

  it('e-invoice, RSA software key: NBan signs #DLHDon and #SigningTime-…; amount or time changes fail', async () => {
    const signed = await signXml(
      INVOICE,
      {
        profile: 'einvoice',
        certificate: ids.RSA.certificateDer,
        signingTime: SIGNING_TIME,
        signatureId: 'seller',
      },
      ids.RSA.signer,
    );
    expect(signed).toContain(
      '<DSCKS>\n    <NBan><Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="seller">',
    );
    expect(signed).toContain('<Reference URI="#DLHDon-C26TKS-00001234">');
    expect(signed).toContain(
      '<Reference URI="#SigningTime-seller"><Transforms><Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/></Transforms>',
    );
    expect(signed).toContain(
      '<Object Id="SigningTime-seller"><SignatureProperties><SignatureProperty Target="#seller"><SigningTime>2026-11-22T14:05:09</SigningTime></SignatureProperty></SignatureProperties></Object></Signature></NBan>',
    );
    // KeyInfo sits between SignatureValue and Object, as the schema orders them.
    expect(signed).toMatch(/<\/SignatureValue><KeyInfo>.*<\/KeyInfo><Object /s);

    const good = xmlsecVerify(ids.dir, signed, ids.RSA.caPem, 'invoice-rsa.xml');
    expect(good.ok, good.output).toBe(true);

    const amount = signed.replace('<TgTTTBSo>21450000</TgTTTBSo>', '<TgTTTBSo>2145000</TgTTTBSo>');
    expect(xmlsecVerify(ids.dir, amount, ids.RSA.caPem, 'invoice-rsa-amount.xml').ok).toBe(false);
    const time = signed.replace('2026-11-22T14:05:09', '2026-11-21T14:05:09');
    expect(xmlsecVerify(ids.dir, time, ids.RSA.caPem, 'invoice-rsa-time.xml').ok).toBe(false);
  });

  it('e-invoice without DSCKS, EC software key (two steps): DSCKS/NBan created, raw r‖s verified', async () => {
    const withoutDscks = INVOICE.replace(/\s*<DSCKS>[\s\S]*<\/DSCKS>/, '');
    const prepared = await prepareXmlSignature(withoutDscks, {
      profile: 'einvoice',
      keyType: 'EC',
      signingTime: SIGNING_TIME,
      signingTimeWithOffset: true,
    });
    expect(prepared.digestAlgorithm).toBe('SHA-256');
    expect(prepared.signedInfoDigest).toHaveLength(32);
    expect(prepared.digestInfo).toBeUndefined();
    expect(prepared.idAttribute).toEqual({ element: 'DLHDon', namespace: null, attribute: 'Id' });

    const raw = await ids.EC.signer.signDigest(prepared.signedInfoDigest, 'SHA-256');
    expect(raw).toHaveLength(64);
    const signed = completeXmlSignature(prepared, raw, ids.EC.certificateDer, 'EC');
    expect(signed).toMatch(/<\/DLHDon>\s*<DSCKS><NBan><Signature /);
    expect(signed).toContain('<SigningTime>2026-11-22T14:05:09+07:00</SigningTime>');
    expect(signed).toMatch(
      /<X509SubjectName>UID=MST:0101234567,CN=Công ty TNHH Thương mại Ký Số Việt,O=Công ty TNHH Thương mại Ký Số Việt\\, Chi nhánh 1,ST=Hà Nội,C=VN<\/X509SubjectName>/,
    );

    const good = xmlsecVerify(ids.dir, signed, ids.EC.caPem, 'invoice-ec.xml');
    expect(good.ok, good.output).toBe(true);
    const tampered = signed.replace('<SLuong>10</SLuong>', '<SLuong>100</SLuong>');
    expect(xmlsecVerify(ids.dir, tampered, ids.EC.caPem, 'invoice-ec-tampered.xml').ok).toBe(false);
  });

  it('SoftHSM token through pkcs11js: RSA key 01 (CKM_RSA_PKCS over DigestInfo) and EC key 02 (CKM_ECDSA)', async () => {
    const rsa = tokenSigner(token, 'RSA');
    try {
      const prepared = await prepareXmlSignature(HTKK, { profile: 'htkk', keyType: 'RSA' });
      // The token signs our DigestInfo as given: what a host without CKM_SHA256_RSA_PKCS does.
      const value = await rsa.signer.signDigestInfo(prepared.digestInfo!);
      const signed = completeXmlSignature(prepared, value, token.certDer('01'), 'RSA');
      const result = xmlsecVerify(ids.dir, signed, token.caPem, 'htkk-token.xml');
      expect(result.ok, result.output).toBe(true);
      expect(
        xmlsecVerify(
          ids.dir,
          signed.replace('<ct22>4500000</ct22>', '<ct22>45000000</ct22>'),
          token.caPem,
          'htkk-token-bad.xml',
        ).ok,
      ).toBe(false);
    } finally {
      rsa.close();
    }
    const ec = tokenSigner(token, 'EC');
    try {
      const signed = await signXml(
        INVOICE,
        { profile: 'einvoice', certificate: token.certDer('02') },
        ec.signer,
      );
      const result = xmlsecVerify(ids.dir, signed, token.caPem, 'invoice-token.xml');
      expect(result.ok, result.output).toBe(true);
    } finally {
      ec.close();
    }
  });

  it('SHA-1: refused unless allowSha1 is passed; with it, rsa-sha1 verifies, and kyso judges it legacy', async () => {
    const options = {
      profile: 'htkk' as const,
      certificate: ids.RSA.certificateDer,
      digestAlgorithm: 'SHA-1' as const,
    };
    const refused = signXml(HTKK, options, withDigestInfo(ids.RSA));
    await expect(refused).rejects.toBeInstanceOf(XmlSignatureError);
    await expect(refused).rejects.toMatchObject({ problem: 'SHA1_NOT_ALLOWED', code: 'BAD_REQUEST' });
    // A plain DigestSigner speaks SHA-2 only, so it cannot make an rsa-sha1 signature either.
    await expect(signXml(HTKK, { ...options, allowSha1: true }, ids.RSA.signer)).rejects.toMatchObject({
      problem: 'SHA1_NOT_ALLOWED',
    });

    const signed = await signXml(HTKK, { ...options, allowSha1: true }, withDigestInfo(ids.RSA));
    expect(signed).toContain('<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>');
    expect(signed).toContain('<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>');
    const result = xmlsecVerify(ids.dir, signed, ids.RSA.caPem, 'htkk-sha1.xml');
    expect(result.ok, result.output).toBe(true);

    // Valid, but SHA-1 and no time-stamp before its sunset: not TOTAL-PASSED (docs/verifier.md, Cryptographic constraints).
    const roots = { trustedRoots: [ids.RSA.caDer], revocation: { policy: 'off' as const } };
    const [judged] = (await verifyXmlSignature(signed, roots)).signatures;
    expect(judged).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
      problems: ['WEAK_ALGORITHM'],
    });
    expect(judged!.details.join('\n')).toMatch(/the signature uses rsa-sha1[^]*the signature uses sha1/);
    // The same return signed with SHA-256 passes: the algorithm is what is judged.
    const sha256 = await signXml(HTKK, { ...options, digestAlgorithm: 'SHA-256' }, ids.RSA.signer);
    expect((await verifyXmlSignature(sha256, roots)).indication).toBe('TOTAL-PASSED');
  });

  it('completeXmlSignature refuses a DER ECDSA value, a key of the other type and a second signature', async () => {
    const prepared = await prepareXmlSignature(INVOICE, { profile: 'einvoice', keyType: 'EC' });
    const raw = await ids.EC.signer.signDigest(prepared.signedInfoDigest, 'SHA-256');
    const der = new Uint8Array([
      0x30,
      0x44,
      0x02,
      0x20,
      ...raw.subarray(0, 32),
      0x02,
      0x20,
      ...raw.subarray(32),
    ]);
    expect(() => completeXmlSignature(prepared, der, ids.EC.certificateDer, 'EC')).toThrow(/r‖s, 64 bytes/);
    expect(() => completeXmlSignature(prepared, raw, ids.RSA.certificateDer, 'EC')).toThrow(
      XmlSignatureError,
    );
    expect(() => completeXmlSignature(prepared, raw, ids.EC.certificateDer, 'RSA')).toThrow(
      XmlSignatureError,
    );

    const signed = completeXmlSignature(prepared, raw, ids.EC.certificateDer, 'EC');
    await expect(
      signXml(signed, { profile: 'einvoice', certificate: ids.EC.certificateDer }, ids.EC.signer),
    ).rejects.toMatchObject({ problem: 'ALREADY_SIGNED' });
  });

  it('an invoice Id or return id a reference cannot name everywhere (a space, a quote) is refused; other XML names sign and verify', async () => {
    const withId = (id: string) => INVOICE.replace('Id="DLHDon-C26TKS-00001234"', `Id="${id}"`);
    // Signed before, these verified in kyso's verifier while xmlsec1 could not resolve the reference
    // (xpointer(id('a b')): "libxml2 library function failed"; xpointer(id('a'b')): "Invalid expression").
    for (const id of ['a b', "a'b", 'a&#9;b', '50%25']) {
      await expect(
        signXml(withId(id), { profile: 'einvoice', certificate: ids.RSA.certificateDer }, ids.RSA.signer),
      ).rejects.toMatchObject({ code: 'XML_NOT_ACCEPTED', problem: 'PROFILE_MISMATCH' });
    }
    await expect(
      signXml(
        HTKK.replace('<HSoKhaiThue id="_NODE_TO_SIGN">', '<HSoKhaiThue id="tờ khai">'),
        { profile: 'htkk', certificate: ids.RSA.certificateDer },
        ids.RSA.signer,
      ),
    ).rejects.toMatchObject({ problem: 'PROFILE_MISMATCH' });
    for (const id of ['1234', 'Đ1-HĐ.2026', '_x']) {
      const signed = await signXml(
        withId(id),
        { profile: 'einvoice', certificate: ids.RSA.certificateDer },
        ids.RSA.signer,
      );
      const result = xmlsecVerify(ids.dir, signed, ids.RSA.caPem, 'invoice-id.xml');
      expect(result.ok, `${id}: ${result.output}`).toBe(true);
    }
  });
});
