/** Generic XMLDSig (any XML, enveloped, URI=""), judged by xmlsec1; refusals before signing. */
import { describe, expect, it } from 'vitest';
import {
  completeGenericXmlSignature,
  genericXmlRows,
  prepareGenericXmlSignature,
} from '../../shared/xml/generic.js';
import { summarizeXml } from '../../shared/xml/summary.js';
import { prepareXmlSignature } from '../../shared/xml/xmldsig.js';
import { EINVOICE, HTKK_RETURN } from '../support/fixtures.js';
import type { SoftwareIdentity } from '../support/software-signer.js';
import { useSoftwareIdentities } from '../support/software-identities.js';
import { HOC_BA_ID_ATTRIBUTE, xmlsecVerify } from '../support/xmlsec.js';

/** The XML a school-records portal signs through vgca_sign_xml (its testSigned call). */
const HOC_BA = '<DU_LIEU_HOC_BA Id="data">THONG_TIN_HOC_BA</DU_LIEU_HOC_BA>';

describe('generic XMLDSig', () => {
  const ids = useSoftwareIdentities('xml-generic', {
    RSA: '/C=VN/CN=Nguyễn Văn Ân/UID=CCCD:001099012345',
    EC: '/C=VN/CN=Trường THPT Ba Đình/UID=MNS:1234567',
  });

  const signWith = async (identity: SoftwareIdentity, xml: string, referenceId?: string) => {
    const prepared = await prepareGenericXmlSignature(xml, {
      keyType: identity.signer.keyType,
      ...(referenceId !== undefined && { referenceId }),
    });
    const value = await identity.signer.signDigest(
      prepared.signedInfoDigest,
      'SHA-256',
      prepared.canonicalSignedInfo,
    );
    return completeGenericXmlSignature(prepared, value, identity.certificateDer, identity.signer.keyType);
  };
  /** xmlsec1 on `xml` trusting `caPem`: a `URI=""` signature, or with byId one over DU_LIEU_HOC_BA/@Id. */
  const xmlsec = (xml: string, caPem: string, idAttributes: readonly string[] = []) =>
    xmlsecVerify(ids.dir, xml, caPem, `signed-${Math.random().toString(36).slice(2)}.xml`, idAttributes);
  const byId = HOC_BA_ID_ATTRIBUTE;
  const signatureElement = (xml: string) =>
    xml.slice(xml.indexOf('<Signature '), xml.indexOf('</Signature>') + 12);

  it('signs any document enveloped over the whole of it (RSA and ECDSA); xmlsec1 verifies; a changed value breaks it', async () => {
    for (const identity of [ids.RSA, ids.EC]) {
      const signed = await signWith(
        identity,
        `<?xml version="1.0" encoding="UTF-8"?>\n<ns:HoSo xmlns:ns="urn:vd">${HOC_BA}<Ten>Trần Thị Bích</Ten></ns:HoSo>`,
      );
      expect(signed).toMatch(
        /<Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#" Id="sig-[0-9a-f]+"><SignedInfo>/,
      );
      expect(signed).toContain('<Reference URI="">');
      const run = xmlsec(signed, identity.caPem);
      expect(run.ok, run.output).toBe(true);
      expect(xmlsec(signed.replace('Trần Thị Bích', 'Trần Thị Bich'), identity.caPem).ok).toBe(false);
    }
    const bare = await signWith(ids.RSA, HOC_BA);
    expect(xmlsec(bare, ids.RSA.caPem).ok).toBe(true);
  });

  it('refuses before signing what it would not sign faithfully; lists every value for the consent window', async () => {
    await expect(prepareGenericXmlSignature('<a><?pi x?></a>', { keyType: 'RSA' })).rejects.toThrow(
      /processing instructions/,
    );
    await expect(prepareGenericXmlSignature('<?pi x?><a/>', { keyType: 'RSA' })).rejects.toThrow(
      /processing instructions/,
    );
    await expect(prepareGenericXmlSignature('<a>', { keyType: 'RSA' })).rejects.toThrow();
    await expect(
      prepareGenericXmlSignature('<a/>', { keyType: 'EC', digestAlgorithm: 'SHA-1', allowSha1: true }),
    ).rejects.toThrow(/SHA-1/);
    expect(genericXmlRows(`<HoSo so="12"><HocSinh><Ten>An</Ten></HocSinh>${HOC_BA}</HoSo>`)).toEqual([
      { path: 'HoSo/@so', value: '12' },
      { path: 'HoSo/HocSinh/Ten', value: 'An' },
      { path: 'HoSo/DU_LIEU_HOC_BA/@Id', value: 'data' },
      { path: 'HoSo/DU_LIEU_HOC_BA', value: 'THONG_TIN_HOC_BA' },
    ]);
  });

  it('signs only the element with a given Id: URI="#id", detached when it is not the root; xmlsec1 (--id-attr) verifies, also once the page moves the Signature', async () => {
    // A child element: the Signature is its sibling, C14N only; values outside it are not signed.
    const outside = `<HoSo><HocSinh><Ten>An</Ten></HocSinh>${HOC_BA}</HoSo>`;
    const detached = await signWith(ids.RSA, outside, 'data');
    expect(detached).toContain('<Reference URI="#data">');
    expect(detached).not.toContain('enveloped-signature');
    expect(detached).toMatch(/<\/DU_LIEU_HOC_BA><Signature /);
    const run = xmlsec(detached, ids.RSA.caPem, byId);
    expect(run.ok, run.output).toBe(true);
    expect(xmlsec(detached.replace('<Ten>An<', '<Ten>Binh<'), ids.RSA.caPem, byId).ok).toBe(true);
    expect(xmlsec(detached.replace('THONG_TIN_HOC_BA', 'THONG_TIN_KHAC'), ids.RSA.caPem, byId).ok).toBe(
      false,
    );

    // The root itself (the school-records portal's call with ReturnSignatureOnly): enveloped, and
    // the Signature alone still verifies where the page puts it (its <CBQL>, beside the data).
    for (const identity of [ids.RSA, ids.EC]) {
      const signed = await signWith(identity, HOC_BA, 'data');
      expect(signed).toContain('<Reference URI="#data">');
      expect(xmlsec(signed, identity.caPem, byId).ok).toBe(true);
      const placed = `<HoSo>${HOC_BA}<CBQL>${signatureElement(signed)}</CBQL></HoSo>`;
      const run = xmlsec(placed, identity.caPem, byId);
      expect(run.ok, run.output).toBe(true);
      expect(xmlsec(placed.replace('THONG_TIN_HOC_BA', 'X'), identity.caPem, byId).ok).toBe(false);
    }
  });

  it('by Id: the consent rows are that element’s only; an Id nobody or two elements hold is refused', async () => {
    const xml = `<HoSo so="12"><HocSinh><Ten>An</Ten></HocSinh>${HOC_BA}</HoSo>`;
    expect(genericXmlRows(xml, 'data')).toEqual([
      { path: 'DU_LIEU_HOC_BA/@Id', value: 'data' },
      { path: 'DU_LIEU_HOC_BA', value: 'THONG_TIN_HOC_BA' },
    ]);
    await expect(prepareGenericXmlSignature(xml, { keyType: 'RSA', referenceId: 'other' })).rejects.toThrow(
      /no element has the id/,
    );
    const twice = `<HoSo><A Id="data">1</A>${HOC_BA}</HoSo>`;
    await expect(prepareGenericXmlSignature(twice, { keyType: 'RSA', referenceId: 'data' })).rejects.toThrow(
      /share the id/,
    );
    expect(() => genericXmlRows(twice, 'data')).toThrow(/share the id/);
  });

  it('a second signature where an earlier one covers it is refused (it would break that one); beside what it covers, both verify', async () => {
    const first = await signWith(ids.RSA, `<HoSo><Ten>An</Ten>${HOC_BA}</HoSo>`);
    expect(xmlsec(first, ids.RSA.caPem).ok).toBe(true);
    // What a second signer's Signature in the root does to the first (URI="") one: xmlsec1 refuses it.
    const broken = first.replace(
      '</HoSo>',
      `${signatureElement(first).replace(/Id="[^"]*"/, 'Id="x"')}</HoSo>`,
    );
    expect(xmlsec(broken, ids.RSA.caPem).output).toMatch(/data and digest do not match/);
    for (const referenceId of [undefined, 'data']) {
      await expect(
        prepareGenericXmlSignature(first, { keyType: 'RSA', ...(referenceId && { referenceId }) }),
      ).rejects.toMatchObject({ code: 'XML_NOT_ACCEPTED', problem: 'ALREADY_SIGNED' });
      expect(() => genericXmlRows(first, referenceId)).toThrow(/covers <HoSo>/);
    }
    // Signed by the root's Id, the same.
    const byRootId = await signWith(ids.RSA, HOC_BA, 'data');
    await expect(prepareGenericXmlSignature(byRootId, { keyType: 'RSA' })).rejects.toMatchObject({
      problem: 'ALREADY_SIGNED',
    });

    // A signature over one child leaves the root free: the second signer's covers the first, and
    // xmlsec1 verifies each (the first found, then the second by its Id).
    const detached = await signWith(ids.RSA, `<HoSo><Ten>An</Ten>${HOC_BA}</HoSo>`, 'data');
    const twice = await signWith(ids.EC, detached);
    expect(xmlsec(twice, ids.RSA.caPem, byId).ok).toBe(true);
    const second = /<Signature [^>]*Id="([^"]+)"/g;
    const secondId = [...twice.matchAll(second)][1]![1]!;
    const run = xmlsecVerify(ids.dir, twice, ids.EC.caPem, 'twice.xml', [
      ...byId,
      '--id-attr:Id',
      'Signature',
      '--node-id',
      secondId,
    ]);
    expect(run.ok, run.output).toBe(true);
  });

  it('a tax return or invoice signed whole first (URI=""): the profile signature, inside it, is refused before the window', async () => {
    for (const [xml, profile] of [
      [HTKK_RETURN, 'htkk'],
      [EINVOICE, 'einvoice'],
    ] as const) {
      const whole = await signWith(ids.RSA, xml);
      expect(xmlsec(whole, ids.RSA.caPem).ok).toBe(true);
      expect(() => summarizeXml(whole, profile)).toThrow(/covers <(CKyDTu|NBan)>/);
      await expect(prepareXmlSignature(whole, { profile, keyType: 'RSA' })).rejects.toMatchObject({
        code: 'XML_NOT_ACCEPTED',
        problem: 'ALREADY_SIGNED',
      });
    }
  });

  it('the rows are every signed value, whole: none left out past 2,000 values or cut past 500 characters', async () => {
    const long = `${'Đ'.repeat(600)}Z`;
    const values = Array.from({ length: 2100 }, (_, i) => `<v>${i}</v>`).join('');
    const xml = `<BangKe><Ghi>${long}</Ghi>${values}<Tong>999</Tong></BangKe>`;
    const signed = await signWith(ids.RSA, xml);
    expect(xmlsec(signed, ids.RSA.caPem).ok).toBe(true);
    // The last value and the long one's end are signed: changing either breaks the signature.
    expect(xmlsec(signed.replace('<Tong>999<', '<Tong>1<'), ids.RSA.caPem).ok).toBe(false);
    expect(xmlsec(signed.replace('ĐZ</Ghi>', 'ĐY</Ghi>'), ids.RSA.caPem).ok).toBe(false);
    const rows = genericXmlRows(xml);
    expect(rows).toHaveLength(1 + 2100 + 1);
    expect(rows[0]).toEqual({ path: 'BangKe/Ghi', value: long });
    expect(rows.at(-1)).toEqual({ path: 'BangKe/Tong', value: '999' });
  });
});
