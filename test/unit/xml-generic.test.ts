/** Generic XMLDSig (any XML, enveloped, URI=""), judged by xmlsec1; refusals before signing. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeGenericXmlSignature,
  genericXmlRows,
  prepareGenericXmlSignature,
} from '../../shared/xml/generic.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';

/** The XML a school-records portal signs through vgca_sign_xml (its testSigned call). */
const HOC_BA = '<DU_LIEU_HOC_BA Id="data">THONG_TIN_HOC_BA</DU_LIEU_HOC_BA>';

describe('generic XMLDSig', () => {
  let dir: string;
  let rsa: SoftwareIdentity;
  let ec: SoftwareIdentity;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-xml-generic-'));
    rsa = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Nguyễn Văn Ân/UID=CCCD:001099012345');
    ec = makeSoftwareIdentity(dir, 'EC', '/C=VN/CN=Trường THPT Ba Đình/UID=MNS:1234567');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const signWith = async (identity: SoftwareIdentity, xml: string) => {
    const prepared = await prepareGenericXmlSignature(xml, { keyType: identity.signer.keyType });
    const value = await identity.signer.signDigest(
      prepared.signedInfoDigest,
      'SHA-256',
      prepared.canonicalSignedInfo,
    );
    return completeGenericXmlSignature(prepared, value, identity.certificateDer, identity.signer.keyType);
  };
  const xmlsec = (xml: string, caPem: string) => {
    const file = path.join(dir, `signed-${Math.random().toString(36).slice(2)}.xml`);
    writeFileSync(file, xml);
    return spawnSync('xmlsec1', ['--verify', '--trusted-pem', caPem, file], { encoding: 'utf8' });
  };

  it('signs any document enveloped over the whole of it (RSA and ECDSA); xmlsec1 verifies; a changed value breaks it', async () => {
    for (const identity of [rsa, ec]) {
      const signed = await signWith(
        identity,
        `<?xml version="1.0" encoding="UTF-8"?>\n<ns:HoSo xmlns:ns="urn:vd">${HOC_BA}<Ten>Trần Thị Bích</Ten></ns:HoSo>`,
      );
      expect(signed).toMatch(
        /<Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#" Id="sig-[0-9a-f]+"><SignedInfo>/,
      );
      expect(signed).toContain('<Reference URI="">');
      const run = xmlsec(signed, identity.caPem);
      expect(run.status, run.stderr).toBe(0);
      expect(xmlsec(signed.replace('Trần Thị Bích', 'Trần Thị Bich'), identity.caPem).status).not.toBe(0);
    }
    const bare = await signWith(rsa, HOC_BA);
    expect(xmlsec(bare, rsa.caPem).status).toBe(0);
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
});
