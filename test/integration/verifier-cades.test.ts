/**
 * CMS / CAdES signatures changed by someone who wants the verifier to vouch for a time or a signer
 * nobody proved: a time-stamp of a TSA nobody trusts, made to look trusted by the certificates it
 * carries (unsigned: anyone adds them); a signature moved to another certificate of the same key
 * (the SignerInfo's sid is unsigned too); signed attributes given twice; a signer named by its key
 * identifier. Judged by the verifier and, where it has a say, openssl.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assembleSignedData,
  prepareSignedAttributes,
  signCades,
  signerCertificate,
} from '../../shared/cms/cades.js';
import { OID } from '../../shared/cms/algorithms.js';
import { addLongTermValues, parseSignedData, readLongTermValues } from '../../shared/cms/long-term.js';
import { childrenOf, encodedBytes, readTlv } from '../../shared/cms/der-reader.js';
import { contextConstructed, octetString, oid, sequence, setOf, tlv, utcTime } from '../../shared/cms/der.js';
import { digest } from '../../shared/cms/digest.js';
import { verifyCms } from '../../shared/cms/verify.js';
import { attachSignatureTimestamp, requestTimestamp, signatureValue } from '../../shared/cms/timestamp.js';
import { toArrayBuffer } from '../../shared/encoding.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { extendCms, verifyCmsSignature, type VerifyOptions } from '../../verifier/src/index.js';
import {
  issueTestCertificate,
  opensslCmsSign,
  opensslCmsVerify,
  opensslTsVerify,
  selfSigned,
} from '../support/openssl.js';
import { startRevocationCa } from '../support/revocation-ca.js';
import { useSoftwareIdentities } from '../support/software-identities.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';

const content = new TextEncoder().encode('Hồ sơ đăng ký kinh doanh — bản ký số\n');

let trustedTsa: LocalTsa;
/** Anyone's TSA: its own CA, trusted by nobody, and whatever clock it likes. */
let rogueTsa: LocalTsa;
const ids = useSoftwareIdentities('verifier-cades', {
  RSA: '/C=VN/CN=Nguyễn Thị Thời Gian/UID=CCCD:001199000888',
  EC: '/C=VN/O=Công ty Dấu Thời Gian/CN=Công ty Dấu Thời Gian/UID=MST:0109999999',
});

beforeAll(async () => {
  [trustedTsa, rogueTsa] = await Promise.all([startLocalTsa(), startLocalTsa()]);
});
afterAll(async () => {
  await Promise.all([trustedTsa?.close(), rogueTsa?.close()]);
});

const verifyOptions = (): VerifyOptions => ({
  trustedRoots: [ids.RSA.caDer],
  timestampRoots: [trustedTsa.caDer],
  revocation: { policy: 'off' },
});

async function signBes(): Promise<Uint8Array> {
  return signCades(
    {
      contentDigest: await digest('SHA-256', content),
      digestAlgorithm: 'SHA-256',
      signerCertificate: ids.RSA.certificateDer,
    },
    ids.RSA.signer,
  );
}

/** The token with `extra` certificates added to its (unsigned) certificate set: after its own, or before. */
function withCertificates(
  token: Uint8Array,
  extra: Uint8Array[],
  where: 'after' | 'before' = 'after',
): Uint8Array {
  const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(token));
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  const added = extra.map((der) => pkijs.Certificate.fromBER(toArrayBuffer(der)));
  const own = signedData.certificates ?? [];
  signedData.certificates = where === 'after' ? [...own, ...added] : [...added, ...own];
  contentInfo.content = signedData.toSchema(true);
  return new Uint8Array(contentInfo.toSchema().toBER());
}

describe('CAdES-T: whose time-stamp proves the signing time', () => {
  it('a rogue TSA carrying a trusted certificate after its own proves nothing: its time is not the signing time; openssl ts agrees', async () => {
    const bes = await signBes();
    const signature = signatureValue(bes);
    const rogueToken = await requestTimestamp(rogueTsa.url, signature);
    // The trusted TSA's certificate (or any certificate chaining to a TSA root) rides along, last.
    const disguised = withCertificates(rogueToken, [trustedTsa.tsaCertDer]);
    expect(
      opensslTsVerify({ token: disguised, over: { data: signature }, caFile: trustedTsa.caPemPath }).ok,
    ).toBe(false);

    const report = await verifyCmsSignature(
      { cms: attachSignatureTimestamp(bes, disguised), content },
      verifyOptions(),
    );
    // EN 319 102-1 §5.5.4: the untrusted token is dropped; the signature achieves B-B only, judged
    // at the validation time, and no time of the rogue TSA is reported.
    expect(report.signatures[0]).toMatchObject({ level: 'B-B', claimedLevel: 'B-T', problems: [] });
    expect(report.signatures[0]!.timeSource).not.toBe('timestamp');
    expect(report.signatures[0]!.timestamp).toBeUndefined();
    expect(report.signatures[0]!.details.join('\n')).toMatch(
      /the signature time-stamp .* is ignored: .*TSA certificate chain: no path to a trusted time-stamping root.*; B-T is not achieved, the signature is judged as B-B at the validation time/,
    );

    // The trusted TSA's own token passes: the check is of the signer, not of the bag.
    const good = await requestTimestamp(trustedTsa.url, signature);
    const passed = await verifyCmsSignature(
      { cms: attachSignatureTimestamp(bes, good), content },
      verifyOptions(),
    );
    expect(passed.signatures[0]).toMatchObject({
      indication: 'TOTAL-PASSED',
      timeSource: 'timestamp',
      level: 'B-T',
      timestamp: { tsa: expect.any(String) },
    });
    expect(passed.signatures[0]!.claimedLevel).toBeUndefined();
  });
});

describe("CAdES-T: certificates the TSA's token carries beside its chain", () => {
  it.each([
    ['another root (self-signed)', () => rogueTsa.caDer],
    ['a certificate of another hierarchy', () => rogueTsa.tsaCertDer],
  ])(
    "%s, before or after its own, does not hide the TSA's trusted path; openssl ts agrees",
    async (_, extra) => {
      const bes = await signBes();
      const signature = signatureValue(bes);
      const token = await requestTimestamp(trustedTsa.url, signature);
      for (const where of ['before', 'after'] as const) {
        const carried = withCertificates(token, [extra()], where);
        expect(
          opensslTsVerify({ token: carried, over: { data: signature }, caFile: trustedTsa.caPemPath }).ok,
          where,
        ).toBe(true);
        const report = await verifyCmsSignature(
          { cms: attachSignatureTimestamp(bes, carried), content },
          verifyOptions(),
        );
        expect(report.signatures[0], where).toMatchObject({
          indication: 'TOTAL-PASSED',
          timeSource: 'timestamp',
        });
      }
    },
  );
});

/** ESS signingCertificate (RFC 2634, v1): one ESSCertID, the SHA-1 hash of `der` and its issuerSerial. */
async function essV1Attribute(der: Uint8Array) {
  const { issuer, serialNumber } = await signerCertificate(der);
  const hash = createHash('sha1').update(der).digest();
  const value = sequence(
    sequence(sequence(octetString(hash), sequence(sequence(contextConstructed(4, issuer)), serialNumber))),
  );
  return sequence(oid('1.2.840.113549.1.9.16.2.12'), tlv(0x31, value));
}

describe("CAdES-T: a cross-certificate of the TSA's CA in the token", () => {
  it("the TSA CA's name and key issued by a root not trusted here, before or after its own, does not hide the trusted path; openssl ts agrees", async () => {
    const bes = await signBes();
    const signature = signatureValue(bes);
    const token = await requestTimestamp(trustedTsa.url, signature);
    // The TSA root's certificate with another issuer: its subject and key are the TSA CA's (its
    // signature is no matter: anyone can add such a copy to the unsigned certificate set).
    const cross = Buffer.from(trustedTsa.caDer);
    cross.write('Old', cross.indexOf(Buffer.from('Test TSA Root')), 'latin1');
    for (const where of ['before', 'after'] as const) {
      const carried = withCertificates(token, [cross], where);
      expect(
        opensslTsVerify({ token: carried, over: { data: signature }, caFile: trustedTsa.caPemPath }).ok,
        where,
      ).toBe(true);
      const report = await verifyCmsSignature(
        { cms: attachSignatureTimestamp(bes, carried), content },
        verifyOptions(),
      );
      expect(report.signatures[0], where).toMatchObject({
        indication: 'TOTAL-PASSED',
        timeSource: 'timestamp',
      });
    }
  });
});

describe("the time-stamp's TSA as reported", () => {
  it("is the certificate that signed the token, not another with its serial number put first in the token's bag", async () => {
    const bes = await signBes();
    const token = await requestTimestamp(trustedTsa.url, signatureValue(bes));
    const serial = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-serial'], {
      input: trustedTsa.tsaCertDer,
      encoding: 'utf8',
    })
      .split('=')[1]!
      .trim();
    const base = path.join(ids.dir, 'look-alike-tsa');
    selfSigned({
      keyFile: `${base}.key`,
      certFile: `${base}.pem`,
      subject: '/C=VN/CN=TSA Bộ Tư pháp',
      days: 2,
      extensions: [],
      serialHex: serial,
    });
    const lookAlike = new Uint8Array(
      execFileSync('openssl', ['x509', '-in', `${base}.pem`, '-outform', 'DER']),
    );
    const cms = attachSignatureTimestamp(bes, withCertificates(token, [lookAlike], 'before'));
    const report = await verifyCmsSignature({ cms, content }, verifyOptions());
    expect(report.signatures[0]).toMatchObject({ indication: 'TOTAL-PASSED', timeSource: 'timestamp' });
    expect(report.signatures[0]!.timestamp!.tsa).toBe('kyso Test Time-Stamping Authority');
  });
});

describe('ESS signing-certificate: which certificate signed', () => {
  it("a signature whose ESS v1 names one certificate, moved to another certificate of the same key: SIGNER_CERTIFICATE_MISMATCH, not a pass in the other's name", async () => {
    const holder = ids.RSA;
    // The same key certified again under another name (a renewal, a second role): the CA signed both.
    const base = path.join(ids.dir, 'same-key');
    const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl([
      'req',
      '-new',
      '-key',
      path.join(ids.dir, 'sw-rsa.key'),
      '-utf8',
      '-subj',
      '/C=VN/O=Công ty Khác/CN=Giám đốc Khác/UID=MST:0101111111',
      '-out',
      `${base}.csr`,
    ]);
    writeFileSync(
      `${base}.ext`,
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
    );
    openssl([
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      path.join(ids.dir, 'sw-ca.pem'),
      '-CAkey',
      path.join(ids.dir, 'sw-ca.key'),
      '-set_serial',
      '0x51a3e4e1',
      '-days',
      '30',
      '-extfile',
      `${base}.ext`,
      '-out',
      `${base}.pem`,
    ]);
    const other = new Uint8Array(execFileSync('openssl', ['x509', '-in', `${base}.pem`, '-outform', 'DER']));

    const options = { contentDigest: await digest('SHA-256', content), digestAlgorithm: 'SHA-256' as const };
    const prepared = await prepareSignedAttributes({ ...options, signerCertificate: holder.certificateDer });
    // As signers writing ESS v1 (RFC 2634) make it: the v2 attribute replaced by a v1 naming the holder.
    const attributes = [
      ...prepared.attributes.filter(
        (a) => !Buffer.from(a).includes(Buffer.from('2a864886f70d010910022f', 'hex')),
      ),
      await essV1Attribute(holder.certificateDer),
    ];
    const toBeSigned = setOf(0x31, attributes);
    const value = await holder.signer.signDigest(await digest('SHA-256', toBeSigned), 'SHA-256');
    const honest = assembleSignedData(
      { ...options, signerCertificate: holder.certificateDer },
      { attributes, toBeSigned, signer: prepared.signer },
      'RSA',
      value,
    );
    expect(opensslCmsVerify({ cms: honest, content, caFile: holder.caPem }).ok).toBe(true);
    const passed = await verifyCmsSignature({ cms: honest, content }, verifyOptions());
    expect(passed.signatures[0]).toMatchObject({ indication: 'TOTAL-PASSED' });

    // The same signed attributes and value, the sid (unsigned) and certificates now the other certificate's.
    const moved = assembleSignedData(
      { ...options, signerCertificate: other },
      { attributes, toBeSigned, signer: await signerCertificate(other) },
      'RSA',
      value,
    );
    // openssl 3.0's cms -verify checks no ESS attribute (v1 or v2: test/unit/cms.test.ts): no judge here.
    const report = await verifyCmsSignature({ cms: moved, content }, verifyOptions());
    expect(report.signatures[0]!.problems).toContain('SIGNER_CERTIFICATE_MISMATCH');
    expect(report.indication).not.toBe('TOTAL-PASSED');
  });
});

/** A detached CAdES signature by the RSA identity over exactly these signed attributes. */
async function signAttributes(attributes: Uint8Array[]): Promise<Uint8Array> {
  const options = { contentDigest: await digest('SHA-256', content), digestAlgorithm: 'SHA-256' as const };
  const prepared = await prepareSignedAttributes({ ...options, signerCertificate: ids.RSA.certificateDer });
  const toBeSigned = setOf(0x31, attributes);
  const value = await ids.RSA.signer.signDigest(await digest('SHA-256', toBeSigned), 'SHA-256');
  return assembleSignedData(
    { ...options, signerCertificate: ids.RSA.certificateDer },
    { attributes, toBeSigned, signer: prepared.signer },
    'RSA',
    value,
  );
}

describe('signed attributes RFC 5652 allows once', () => {
  it('a second messageDigest, signingTime or contentType (another attribute or another value): MALFORMED, as openssl refuses them', async () => {
    const attribute = (type: string, ...values: Uint8Array[]) => sequence(oid(type), tlv(0x31, ...values));
    const contentDigest = octetString(await digest('SHA-256', content));
    const otherDigest = octetString(await digest('SHA-256', new TextEncoder().encode('một văn bản khác')));
    const base = {
      contentType: attribute(OID.contentType, oid(OID.data)),
      messageDigest: attribute(OID.messageDigest, contentDigest),
      signingTime: attribute(OID.signingTime, utcTime(new Date())),
    };
    const honest = await signAttributes(Object.values(base));
    expect(opensslCmsVerify({ cms: honest, content, caFile: ids.RSA.caPem }).ok).toBe(true);
    expect((await verifyCmsSignature({ cms: honest, content }, verifyOptions())).indication).toBe(
      'TOTAL-PASSED',
    );

    const variants: Record<string, Uint8Array[]> = {
      // One signature, two documents: a reader taking the other digest verifies another text.
      'two messageDigest attributes': [...Object.values(base), attribute(OID.messageDigest, otherDigest)],
      'a messageDigest with two values': [
        base.contentType,
        base.signingTime,
        attribute(OID.messageDigest, contentDigest, otherDigest),
      ],
      'two signingTime attributes': [
        ...Object.values(base),
        attribute(OID.signingTime, utcTime(new Date(Date.now() - 400 * 86_400_000))),
      ],
      'two contentType attributes': [...Object.values(base), attribute(OID.contentType, oid(OID.data))],
    };
    for (const [name, attributes] of Object.entries(variants)) {
      const cms = await signAttributes(attributes);
      expect(opensslCmsVerify({ cms, content, caFile: ids.RSA.caPem }).ok, name).toBe(false);
      const report = await verifyCmsSignature({ cms, content }, verifyOptions());
      expect(report.signatures[0], name).toMatchObject({
        indication: 'TOTAL-FAILED',
        subIndication: 'FORMAT_FAILURE',
      });
      expect(report.signatures[0]!.problems, name).toContain('MALFORMED');
    }
  });
});

describe('signers named by their key identifier', () => {
  it("extended to CAdES-LT, a CMS signed with -keyid gets the signer's revocation evidence, not only the TSA's", async () => {
    const ca = await startRevocationCa();
    try {
      const signer = ca.issue('/C=VN/CN=Ký Bằng Mã Khóa/UID=CCCD:001199000999');
      const contentFile = path.join(ids.dir, 'keyid-lt-content.bin');
      writeFileSync(contentFile, content);
      const cms = await opensslCmsSign({
        contentFile,
        certificateFile: signer.pemPath,
        keyFile: signer.keyPath,
        outFile: path.join(ids.dir, 'keyid-lt.p7s'),
        flags: ['-keyid', '-cades'],
      });
      const extended = await extendCms(cms, { tsaUrl: trustedTsa.url, certificates: [ca.caDer] });
      const parsed = parseSignedData(extended.cms)!;
      expect(readLongTermValues(parsed.signedData, parsed.signerInfo).ocsps).toHaveLength(1);
      expect(extended.missing.join(' ')).not.toMatch(/Ký Bằng Mã Khóa/);
    } finally {
      await ca.close();
    }
  });

  it('openssl cms -sign -keyid (a subjectKeyIdentifier sid, as .NET can write): the signer is found and the signature passes; a tampered copy fails', async () => {
    const contentFile = path.join(ids.dir, 'keyid-content.bin');
    writeFileSync(contentFile, content);
    const cms = await opensslCmsSign({
      contentFile,
      certificateFile: ids.RSA.certificatePem,
      keyFile: path.join(ids.dir, 'sw-rsa.key'),
      outFile: path.join(ids.dir, 'keyid.p7s'),
      flags: ['-keyid', '-cades'],
    });
    expect(opensslCmsVerify({ cms, content, caFile: ids.RSA.caPem }).ok).toBe(true);
    const report = await verifyCmsSignature({ cms, content }, verifyOptions());
    expect(report.signatures[0]).toMatchObject({
      indication: 'TOTAL-PASSED',
      signer: { name: 'Nguyễn Thị Thời Gian', cccd: ['001199000888'] },
    });
    const tampered = content.slice();
    tampered[0]! ^= 1;
    const refused = await verifyCmsSignature({ cms, content: tampered }, verifyOptions());
    expect(refused.signatures[0]!.problems).toEqual(['DIGEST_MISMATCH']);
  });
});

const HASH_OIDS = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** RSASSA-PSS-params (RFC 4055) as a signer declares them: hash, MGF1's hash, salt length, trailer. */
function pssParameters(p: {
  hash: keyof typeof HASH_OIDS;
  mgf1: keyof typeof HASH_OIDS;
  saltLength: number;
  trailerField?: number;
}) {
  const hash = (name: keyof typeof HASH_OIDS) =>
    new pkijs.AlgorithmIdentifier({ algorithmId: HASH_OIDS[name], algorithmParams: new asn1js.Null() });
  return new pkijs.RSASSAPSSParams({
    hashAlgorithm: hash(p.hash),
    maskGenAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: OID.mgf1,
      algorithmParams: hash(p.mgf1).toSchema(),
    }),
    saltLength: p.saltLength,
    trailerField: p.trailerField ?? 1,
  }).toSchema();
}

/** The CMS with its signer's (unsigned) signatureAlgorithm declaring other PSS parameters. */
function declaringPss(cms: Uint8Array, params: ReturnType<typeof pssParameters>): Uint8Array {
  const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(cms));
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  signedData.signerInfos[0]!.signatureAlgorithm = new pkijs.AlgorithmIdentifier({
    algorithmId: OID.rsassaPss,
    algorithmParams: params,
  });
  contentInfo.content = signedData.toSchema(true);
  return new Uint8Array(contentInfo.toSchema().toBER());
}

describe('RSASSA-PSS signers (openssl cms -sign -keyopt rsa_padding_mode:pss)', () => {
  const signPss = async (name: string, md: string, keyopts: string[]) => {
    const contentFile = path.join(ids.dir, `pss-${name}.bin`);
    writeFileSync(contentFile, content);
    return opensslCmsSign({
      contentFile,
      certificateFile: ids.RSA.certificatePem,
      keyFile: path.join(ids.dir, 'sw-rsa.key'),
      outFile: path.join(ids.dir, `pss-${name}.p7s`),
      flags: ['-md', md],
      keyopts: ['rsa_padding_mode:pss', ...keyopts],
    });
  };

  it.each([
    ['sha256', 'rsa_pss_saltlen:digest'],
    ['sha256', 'rsa_pss_saltlen:max'],
    ['sha384', 'rsa_pss_saltlen:20'],
    ['sha512', 'rsa_pss_saltlen:0'],
  ])('%s, %s: passes, as openssl says', async (md, saltlen) => {
    const cms = await signPss(`${md}-${saltlen.split(':')[1]}`, md, [saltlen]);
    expect(opensslCmsVerify({ cms, content, caFile: ids.RSA.caPem }).ok).toBe(true);
    const report = await verifyCmsSignature({ cms, content }, verifyOptions());
    expect(report.signatures[0]).toMatchObject({ indication: 'TOTAL-PASSED', problems: [] });
  });

  it('a signature declaring other PSS parameters than it was made with (MGF1 hash, hash, trailer, salt length) fails, as openssl says', async () => {
    // Made with SHA-256, MGF1-SHA-256, a 32-byte salt.
    const cms = await signPss('declared', 'sha256', ['rsa_pss_saltlen:digest']);
    const asMade = declaringPss(cms, pssParameters({ hash: 'sha256', mgf1: 'sha256', saltLength: 32 }));
    expect(opensslCmsVerify({ cms: asMade, content, caFile: ids.RSA.caPem }).ok).toBe(true);
    expect((await verifyCmsSignature({ cms: asMade, content }, verifyOptions())).indication).toBe(
      'TOTAL-PASSED',
    );
    for (const [what, declared] of [
      ['MGF1 over SHA-512', { hash: 'sha256', mgf1: 'sha512', saltLength: 32 }],
      ['SHA-512 throughout', { hash: 'sha512', mgf1: 'sha512', saltLength: 32 }],
      ['trailer field 2', { hash: 'sha256', mgf1: 'sha256', saltLength: 32, trailerField: 2 }],
      ['a 20-byte salt', { hash: 'sha256', mgf1: 'sha256', saltLength: 20 }],
    ] as const) {
      const cms2 = declaringPss(cms, pssParameters(declared));
      expect(opensslCmsVerify({ cms: cms2, content, caFile: ids.RSA.caPem }).ok, what).toBe(false);
      const report = await verifyCmsSignature({ cms: cms2, content }, verifyOptions());
      expect(report.signatures[0]!.problems, what).toEqual(['SIGNATURE_INVALID']);
    }
  });

  it("MGF1 over another hash than the signature's (openssl accepts it): refused as unverifiable, never checked with the wrong mask", async () => {
    const cms = await signPss('mgf1-sha1', 'sha256', ['rsa_pss_saltlen:digest', 'rsa_mgf1_md:sha1']);
    expect(opensslCmsVerify({ cms, content, caFile: ids.RSA.caPem }).ok).toBe(true);
    const report = await verifyCmsSignature({ cms, content }, verifyOptions());
    expect(report.signatures[0]!.problems).toEqual(['SIGNATURE_INVALID']);
    expect(report.signatures[0]!.details.join(' ')).toMatch(/MGF1 with SHA-1/);
  });
});

/** A certificate or CRL (DER) whose unsigned outer signatureAlgorithm declares `algorithm`: its signed part unchanged. */
function declaringOuter(signed: Uint8Array, algorithm: pkijs.AlgorithmIdentifier): Uint8Array {
  const [tbs, , value] = childrenOf(signed, readTlv(signed, 0));
  return sequence(
    encodedBytes(signed, tbs!),
    new Uint8Array(algorithm.toSchema().toBER()),
    encodedBytes(signed, value!),
  );
}

const PSS_SHA256 = ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32'];
const pssDeclaringMgf1Sha1 = () =>
  new pkijs.AlgorithmIdentifier({
    algorithmId: OID.rsassaPss,
    algorithmParams: pssParameters({ hash: 'sha256', mgf1: 'sha1', saltLength: 32 }),
  });

describe('RSASSA-PSS issuers: certificates and CRLs the CA signed with PSS (openssl -sigopt)', () => {
  let serial = 0x5000;
  /** A signer certificate the software test CA issues with `sigopts`, and a CMS it signs (openssl). */
  const pssIssued = async (name: string, sigopts: string[]) => {
    const base = path.join(ids.dir, `pss-issued-${name}`);
    issueTestCertificate({
      base,
      subject: `/C=VN/CN=Ký Dưới PSS ${name}`,
      caFile: ids.RSA.caPem,
      caKeyFile: path.join(ids.dir, 'sw-ca.key'),
      serialHex: (serial++).toString(16),
      days: 10,
      extensions: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
      sigopts,
    });
    writeFileSync(`${base}.bin`, content);
    const cms = await opensslCmsSign({
      contentFile: `${base}.bin`,
      certificateFile: `${base}.pem`,
      keyFile: `${base}.key`,
      outFile: `${base}.p7s`,
    });
    return { cms: new Uint8Array(cms), certificatePem: `${base}.pem` };
  };
  /** The CMS with its signer's certificate (in its certificate set) replaced by `certificate`. */
  const withSignerCertificate = (cms: Uint8Array, certificate: Uint8Array) => {
    const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(cms));
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    signedData.certificates = [pkijs.Certificate.fromBER(toArrayBuffer(certificate))];
    contentInfo.content = signedData.toSchema(true);
    return new Uint8Array(contentInfo.toSchema().toBER());
  };
  const opensslVerify = (certificatePem: string) =>
    spawnSync('openssl', ['verify', '-CAfile', ids.RSA.caPem, certificatePem], { encoding: 'utf8' });
  const chainDetail = async (cms: Uint8Array) => {
    const [signature] = (await verifyCmsSignature({ cms, content }, verifyOptions())).signatures;
    expect(signature!.problems).toEqual(['UNTRUSTED_CHAIN']);
    return signature!.details.find((detail) => detail.startsWith('chain: '));
  };

  it('a certificate signed with SHA-256 and MGF1-SHA-256 passes, as openssl says', async () => {
    const { cms, certificatePem } = await pssIssued('sha256', PSS_SHA256);
    expect(opensslVerify(certificatePem).status).toBe(0);
    const report = await verifyCmsSignature({ cms, content }, verifyOptions());
    expect(report.signatures[0]).toMatchObject({ indication: 'TOTAL-PASSED', problems: [] });
  });

  it("a certificate signed with MGF1 over another hash than the signature's (openssl accepts it): refused as unverifiable, saying why", async () => {
    const { cms, certificatePem } = await pssIssued('mgf1-sha1', [...PSS_SHA256, 'rsa_mgf1_md:sha1']);
    expect(opensslVerify(certificatePem).status).toBe(0);
    expect(await chainDetail(cms)).toBe(
      "chain: the certificate CN=Ký Dưới PSS mgf1-sha1, C=VN cannot be checked: its RSASSA-PSS mask uses MGF1 with SHA-1, not with the signature's hash (SHA-256): kyso cannot verify that",
    );
  });

  it('a certificate whose outer signatureAlgorithm (unsigned) declares other parameters than it was signed with: refused, as openssl refuses it', async () => {
    const { cms, certificatePem } = await pssIssued('declared', PSS_SHA256);
    const signed = execFileSync('openssl', ['x509', '-in', certificatePem, '-outform', 'DER']);
    const cases = [
      // Made with MGF1-SHA-256, declaring MGF1-SHA-1: pkijs never looked at the mask.
      ['PSS with MGF1-SHA-1', pssDeclaringMgf1Sha1()],
      // sha256WithRSAEncryption without its NULL: pkijs never compared it with the signed copy.
      ['PKCS #1 without parameters', new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.1.1.11' })],
    ] as const;
    for (const [what, algorithm] of cases) {
      const declared = declaringOuter(signed, algorithm);
      const pem = path.join(ids.dir, `pss-outer-${what.replace(/\W+/g, '-')}.pem`);
      writeFileSync(pem, execFileSync('openssl', ['x509', '-inform', 'DER'], { input: declared }));
      const openssl = opensslVerify(pem);
      expect(openssl.status, what).not.toBe(0);
      expect(openssl.stdout + openssl.stderr, what).toMatch(/certificate signature failure/);
      expect(await chainDetail(withSignerCertificate(cms, declared)), what).toBe(
        'chain: the certificate CN=Ký Dưới PSS declared, C=VN cannot be checked: its signature algorithm is not the one its signed part names',
      );
    }
  });

  it('a CRL signed with MGF1 over another hash (openssl accepts it), or declaring other parameters than it was signed with (openssl refuses it), is no evidence: REVOCATION_UNKNOWN, saying why', async () => {
    const cms = await signBes();
    const required = (crl: Uint8Array) =>
      verifyCmsSignature(
        { cms, content },
        { ...verifyOptions(), revocation: { policy: 'require', offline: true, crls: [crl] } },
      );
    const opensslCrl = (crl: Uint8Array) =>
      spawnSync('openssl', ['crl', '-inform', 'DER', '-CAfile', ids.RSA.caPem, '-noout'], {
        input: crl,
        encoding: 'utf8',
      });

    const asSigned = largeCrl([], PSS_SHA256);
    expect(opensslCrl(asSigned).stderr).toMatch(/verify OK/);
    expect((await required(asSigned)).signatures[0]).toMatchObject({
      indication: 'TOTAL-PASSED',
      revocation: { status: 'good', source: 'crl', origin: 'given' },
    });

    const mgf1Sha1 = largeCrl([], [...PSS_SHA256, 'rsa_mgf1_md:sha1']);
    expect(opensslCrl(mgf1Sha1).stderr).toMatch(/verify OK/);
    const declared = declaringOuter(asSigned, pssDeclaringMgf1Sha1());
    expect(opensslCrl(declared).stderr).toMatch(/verify failure/);
    for (const [crl, why] of [
      [declared, 'its signature algorithm is not the one its signed part names'],
      [
        mgf1Sha1,
        "its RSASSA-PSS mask uses MGF1 with SHA-1, not with the signature's hash (SHA-256): kyso cannot verify that",
      ],
    ] as const) {
      const [signature] = (await required(crl)).signatures;
      expect(signature!.problems, why).toEqual(['REVOCATION_UNKNOWN']);
      expect(signature!.revocation!.notes, why).toContain(`given CRL: the CRL cannot be checked: ${why}`);
    }
  });
});

describe('the chain, with more certificates in the CMS than the path needs', () => {
  it("a certificate with the issuing CA's name and key but another issuer (a cross-certificate, or a copy anyone adds) does not hide the trusted path; openssl agrees", async () => {
    const cms = await signBes();
    // The CA's certificate re-issued by a root not trusted here: its issuer name differs, its
    // subject and key are the CA's (its signature is no matter: anyone can add such a copy).
    const ca = Buffer.from(ids.RSA.caDer);
    const otherIssuer = Buffer.from(ca);
    const at = ca.indexOf(Buffer.from('Software Test CA'));
    otherIssuer.write('Old', at, 'latin1');
    expect(
      pkijs.Certificate.fromBER(toArrayBuffer(otherIssuer)).issuer.isEqual(
        pkijs.Certificate.fromBER(toArrayBuffer(ca)).subject,
      ),
    ).toBe(false);
    const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(cms));
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    signedData.certificates = [
      ...(signedData.certificates ?? []),
      pkijs.Certificate.fromBER(toArrayBuffer(otherIssuer)),
    ];
    contentInfo.content = signedData.toSchema(true);
    const withCrossCertificate = new Uint8Array(contentInfo.toSchema().toBER());

    expect(opensslCmsVerify({ cms: withCrossCertificate, content, caFile: ids.RSA.caPem }).ok).toBe(true);
    const report = await verifyCmsSignature({ cms: withCrossCertificate, content }, verifyOptions());
    expect(report.signatures[0]!.problems).toEqual([]);
    expect(report.signatures[0]!.chain!.map((c) => c.subject)).toEqual([
      expect.stringContaining('Nguyễn Thị Thời Gian'),
      expect.stringContaining('kyso Software Test CA'),
    ]);
  });
});

/**
 * Certificates anyone can make that issue each other in a ring: one key K, `pairs` of "X" issued by
 * "Y" and "Y" by "X" (CA certificates, PEM files), and a signer "Vòng Lặp" issued by "X", in a new folder.
 */
function ring(pairs: number) {
  const dir = mkdtempSync(path.join(ids.dir, 'ring-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('k.key'));
  writeFileSync(file('ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n');
  for (const name of ['X', 'Y']) {
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      file('k.key'),
      '-subj',
      `/CN=${name}`,
      '-out',
      file(`${name}.pem`),
    );
    openssl('req', '-new', '-key', file('k.key'), '-subj', `/CN=${name}`, '-out', file(`${name}.csr`));
  }
  /** "X" or "Y" (key K) issued by `by`. */
  const crossIssue = (name: 'X' | 'Y', by: 'X' | 'Y', serial: number, out: string) =>
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file(`${by}.pem`),
      '-CAkey',
      file('k.key'),
      '-set_serial',
      String(serial),
      '-days',
      '30',
      '-extfile',
      file('ca.ext'),
      '-out',
      file(`${out}.pem`),
    );
  /** A new key and a certificate for it issued by "X" (key K): `<out>.key`, `<out>.pem`. */
  const issue = (subject: string, serial: number, extensions: string, out: string) =>
    issueTestCertificate({
      base: file(out),
      subject,
      caFile: file('X.pem'),
      caKeyFile: file('k.key'),
      serialHex: serial.toString(16),
      days: 30,
      extensions,
    });
  issue('/CN=Vòng Lặp', 1, 'keyUsage=critical,digitalSignature,nonRepudiation\n', 'leaf');
  const certificates: string[] = [];
  for (let i = 0; i < pairs; i++) {
    crossIssue('X', 'Y', 100 + i, `x${i}`);
    crossIssue('Y', 'X', 200 + i, `y${i}`);
    certificates.push(readFileSync(file(`x${i}.pem`), 'utf8'), readFileSync(file(`y${i}.pem`), 'utf8'));
  }
  writeFileSync(file('ring.pem'), certificates.join(''));
  writeFileSync(file('content.bin'), content);
  return { dir, file, issue };
}

describe('carried certificates that issue each other in a ring', () => {
  it.each([1, 16])(
    'two names under one key, each issuing the other (%i of each) in the CMS: judged untrusted, as openssl does, not searched without end',
    async (pairs) => {
      const { file } = ring(pairs);
      const cms = await opensslCmsSign({
        contentFile: file('content.bin'),
        certificateFile: file('leaf.pem'),
        keyFile: file('leaf.key'),
        outFile: file('ring.p7s'),
        flags: ['-certfile', file('ring.pem')],
      });
      expect(opensslCmsVerify({ cms, content, caFile: ids.RSA.caPem }).ok).toBe(false);
      const report = await verifyCmsSignature({ cms, content }, verifyOptions());
      expect(report.signatures[0]).toMatchObject({
        indication: 'INDETERMINATE',
        problems: ['UNTRUSTED_CHAIN'],
      });
      // shared/cms's own check, given roots, is the same search.
      expect((await verifyCms({ cms, content, trustedRoots: [ids.RSA.caDer] })).chainValid).toBe(false);
    },
  );

  it("the ring carried in a stored OCSP answer of a delegated responder (the signer's issuer one of it): the answer is read and judged, not searched without end", async () => {
    const { file, issue } = ring(2);
    issue(
      '/CN=Responder',
      2,
      'keyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n',
      'responder',
    );
    const leafSerial = '01';
    // Revoked: without a time-stamp only a revocation in stored answers counts, and shows the answer read.
    writeFileSync(file('index.txt'), `R\t301231000000Z\t260101000000Z\t${leafSerial}\tunknown\t/CN=x\n`);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl(
      'ocsp',
      '-issuer',
      file('X.pem'),
      '-cert',
      file('leaf.pem'),
      '-no_nonce',
      '-reqout',
      file('req.der'),
    );
    openssl(
      'ocsp',
      '-index',
      file('index.txt'),
      '-CA',
      file('X.pem'),
      '-rsigner',
      file('responder.pem'),
      '-rkey',
      file('responder.key'),
      '-rother',
      file('ring.pem'),
      '-reqin',
      file('req.der'),
      '-respout',
      file('resp.der'),
      '-ndays',
      '1',
    );
    const cms = await opensslCmsSign({
      contentFile: file('content.bin'),
      certificateFile: file('leaf.pem'),
      keyFile: file('leaf.key'),
      outFile: file('ring.p7s'),
      flags: ['-certfile', file('x0.pem')], // the signer's issuer: "X", issued by "Y"
    });
    const stored = addLongTermValues(cms, {
      certificates: [],
      ocsps: [new Uint8Array(readFileSync(file('resp.der')))],
      crls: [],
    });
    const report = await verifyCmsSignature(
      { cms: stored, content },
      { ...verifyOptions(), revocation: { policy: 'prefer', offline: true } },
    );
    expect(report.signatures[0]).toMatchObject({
      problems: ['UNTRUSTED_CHAIN', 'REVOKED'],
      revocation: { status: 'revoked', origin: 'embedded', source: 'ocsp' },
    });
  });
});

/**
 * A CRL by the software test CA revoking `serialsHex` and 6000 other certificates: what a
 * Vietnamese CA publishes is larger still (tens of thousands of entries). `sigopts`: how it is signed.
 */
function largeCrl(serialsHex: string[], sigopts: string[] = []): Uint8Array {
  const dir = mkdtempSync(path.join(ids.dir, 'crl-'));
  const file = (name: string) => path.join(dir, name);
  const others = Array.from({ length: 6000 }, (_, i) => (0x10000000 + i).toString(16).toUpperCase());
  const line = (serial: string) =>
    `R\t301231000000Z\t260101000000Z,keyCompromise\t${serial}\tunknown\t/CN=x${serial}\n`;
  writeFileSync(file('index.txt'), [...serialsHex, ...others].map(line).join(''));
  writeFileSync(file('index.txt.attr'), 'unique_subject = no\n');
  writeFileSync(file('crlnumber'), '01\n');
  writeFileSync(
    file('ca.cnf'),
    [
      '[ca]',
      'default_ca=c',
      '[c]',
      `database=${file('index.txt')}`,
      `certificate=${path.join(ids.dir, 'sw-ca.pem')}`,
      `private_key=${path.join(ids.dir, 'sw-ca.key')}`,
      'default_md=sha256',
      'default_crl_days=30',
      `crlnumber=${file('crlnumber')}`,
      '',
    ].join('\n'),
  );
  const signing = sigopts.flatMap((option) => ['-sigopt', option]);
  execFileSync('openssl', ['ca', '-config', file('ca.cnf'), '-gencrl', ...signing, '-out', file('crl.pem')], {
    stdio: 'ignore',
  });
  return new Uint8Array(execFileSync('openssl', ['crl', '-in', file('crl.pem'), '-outform', 'DER']));
}

describe('sizes: real CRLs are read, a flood of certificates is not', () => {
  it('a CMS carrying more than 64 certificates is refused before they are read (TOO_LARGE: 400), not judged for minutes', async () => {
    const ca = Buffer.from(ids.RSA.caDer);
    const at = ca.indexOf(Buffer.from('Software Test CA'));
    const letters = (i: number) =>
      [0, 1, 2].map((k) => String.fromCharCode(65 + (Math.floor(i / 26 ** k) % 26))).join('');
    const flood = Array.from({ length: LIMITS.maxCmsCertificates }, (_, i) => {
      const copy = Buffer.from(ca);
      copy.write(letters(i), at, 'latin1');
      return pkijs.Certificate.fromBER(toArrayBuffer(copy));
    });
    const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(await signBes()));
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    signedData.certificates = [...flood, ...(signedData.certificates ?? [])];
    contentInfo.content = signedData.toSchema(true);
    const cms = new Uint8Array(contentInfo.toSchema().toBER());
    await expect(verifyCmsSignature({ cms, content }, verifyOptions())).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: `the CMS carries ${LIMITS.maxCmsCertificates + 1} certificates, more than ${LIMITS.maxCmsCertificates}`,
    });
  });

  it('a CAdES-LT CMS carrying a CRL of 6000 entries is read and judged, not refused as not DER', async () => {
    const cms = addLongTermValues(await signBes(), {
      certificates: [ids.RSA.caDer],
      ocsps: [],
      crls: [largeCrl([])],
    });
    const report = await verifyCmsSignature({ cms, content }, verifyOptions());
    expect(report.signatures[0]).toMatchObject({ indication: 'TOTAL-PASSED' });
  });

  it('a CRL of 6000 entries revoking the signer makes it REVOKED (not a warning that the CRL could not be read); openssl agrees', async () => {
    const cms = await signBes();
    const serial = execFileSync('openssl', ['x509', '-noout', '-serial', '-in', ids.RSA.certificatePem], {
      encoding: 'utf8',
    })
      .split('=')[1]!
      .trim();
    const crl = largeCrl([serial]);
    const crlFile = path.join(ids.dir, 'large-crl.pem');
    writeFileSync(
      crlFile,
      execFileSync('openssl', ['crl', '-inform', 'DER', '-outform', 'PEM'], { input: crl }),
    );
    const withCrl = path.join(ids.dir, 'ca-and-crl.pem');
    writeFileSync(withCrl, readFileSync(ids.RSA.caPem, 'utf8') + readFileSync(crlFile, 'utf8'));
    const openssl = opensslCmsVerify({ cms, content, caFile: withCrl, extra: ['-crl_check'] });
    expect(openssl.ok).toBe(false);
    expect(openssl.output).toMatch(/certificate revoked/);

    const report = await verifyCmsSignature(
      { cms, content },
      { ...verifyOptions(), revocation: { policy: 'prefer', offline: true, crls: [crl] } },
    );
    expect(report.signatures[0]!.problems).toEqual(['REVOKED']);
    expect(report.indication).toBe('TOTAL-FAILED');
  });
});
