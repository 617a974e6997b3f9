/**
 * The server-side verifier (verifier/): CMS, PAdES and XMLDSig, signer identity, chain, revocation
 * by OCSP and CRL from a local CA, signing-time bounds; cross-checked against openssl, pdfsig and
 * xmlsec1 where they have an opinion.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCades } from '../../shared/cms/cades.js';
import {
  collectRevocation,
  fetchOcspResponse,
  readCrlEvidence,
  readOcspEvidence,
} from '../../shared/cms/revocation-data.js';
import { parseCertificate } from '../../verifier/src/certificates.js';
import { signPdf } from '../../shared/pdf/pades.js';
import { HTKK_NS } from '../../shared/xml/profiles.js';
import { signXml } from '../../shared/xml/xmldsig.js';
import { dotnetSignedXmlChecker } from '../support/dotnet-signedxml.js';
import {
  verifyCmsSignature,
  verifyPdfSignatures,
  verifyXmlSignature,
  type VerifyOptions,
} from '../../verifier/src/index.js';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { issueTestCertificate, opensslCmsVerify } from '../support/openssl.js';
import { makeNssDb, writePdf } from '../support/pdf-tools.js';
import { startRevocationCa, type IssuedCertificate, type RevocationCa } from '../support/revocation-ca.js';
import { makeSoftwareIdentity, padesSignerOf, rsaSignDigest } from '../support/software-signer.js';
import { onePagePdf } from '../support/sample-pdf.js';

const content = Buffer.from('Hồ sơ đề nghị cấp phép — bản điện tử\n');
const HTKK = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8');
const EINVOICE = readFileSync(new URL('../fixtures/xml/einvoice-gtgt.xml', import.meta.url), 'utf8');
/** Prints a PEM certificate's subject, issuer (X500Principal.getName(): RFC 2253) and serial (decimal), as the JDK writes them. */
const JAVA_NAMES = `import java.io.FileInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

public class Names {
  public static void main(String[] args) throws Exception {
    X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new FileInputStream(args[0]));
    System.out.println(c.getSubjectX500Principal().getName());
    System.out.println(c.getIssuerX500Principal().getName());
    System.out.println(c.getSerialNumber());
  }
}
`;
/** Prints a PEM certificate's subject and issuer names as .NET's X500DistinguishedName.Name writes them. */
const DOTNET_NAMES = `using System;
using System.Security.Cryptography.X509Certificates;

class Names {
  static void Main(string[] args) {
    var c = new X509Certificate2(args[0]);
    Console.WriteLine(c.SubjectName.Name);
    Console.WriteLine(c.IssuerName.Name);
  }
}
`;

describe('server-side verifier', () => {
  let ca: RevocationCa;
  let dir: string;
  let good: IssuedCertificate;
  let revoked: IssuedCertificate;
  let options: VerifyOptions;

  const cmsBy = (who: IssuedCertificate, data: Uint8Array = content) =>
    signCades(
      {
        contentDigest: createHash('sha256').update(data).digest(),
        digestAlgorithm: 'SHA-256',
        signerCertificate: who.der,
      },
      who.signer,
    );

  /** A leaf `subCa` issues (`extensions` added to a signer's), with its software signer. */
  function leafUnder(
    subCa: IssuedCertificate,
    name: string,
    subject: string,
    serialHex: string,
    extensions = '',
  ): Pick<IssuedCertificate, 'der' | 'signer'> {
    const base = path.join(dir, name);
    issueTestCertificate({
      base,
      subject,
      caFile: subCa.pemPath,
      caKeyFile: subCa.keyPath,
      serialHex,
      days: 5,
      extensions: `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n${extensions}`,
    });
    const der = new Uint8Array(execFileSync('openssl', ['x509', '-in', `${base}.pem`, '-outform', 'DER']));
    const key = createPrivateKey(readFileSync(`${base}.key`));
    return {
      der,
      signer: {
        keyType: 'RSA',
        signDigest: async (digest, algorithm) => rsaSignDigest(key, digest, algorithm),
      },
    };
  }

  /** A CMS over `content` by a leaf `subCa` issues (leafUnder), carrying `subCa` when `carried`. */
  async function cmsUnder(
    subCa: IssuedCertificate,
    name: string,
    subject: string,
    serialHex: string,
    extensions = '',
    carried = false,
  ): Promise<Uint8Array> {
    const leaf = leafUnder(subCa, name, subject, serialHex, extensions);
    return signCades(
      {
        contentDigest: createHash('sha256').update(content).digest(),
        digestAlgorithm: 'SHA-256',
        signerCertificate: leaf.der,
        ...(carried && { chain: [subCa.der] }),
      },
      leaf.signer,
    );
  }

  /** xmlsec1 finds the tax return's signature valid, trusting the test CA. */
  function expectXmlsecValid(name: string, xml: string): void {
    const file = path.join(dir, name);
    writeFileSync(file, xml);
    const xmlsec = spawnSync(
      'xmlsec1',
      ['--verify', '--trusted-pem', ca.caPemPath, '--id-attr:id', `${HTKK_NS}:HSoKhaiThue`, file],
      { encoding: 'utf8' },
    );
    expect(xmlsec.status, xmlsec.stderr).toBe(0);
  }

  beforeAll(async () => {
    ca = await startRevocationCa();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-verifier-'));
    good = ca.issue('/C=VN/ST=Hà Nội/CN=Phạm Thị Hợp Lệ/UID=CCCD:001199000321');
    revoked = ca.issue('/C=VN/O=Công ty Đã Thu Hồi/CN=Công ty Đã Thu Hồi/UID=MST:0109999999');
    ca.revoke(revoked);
    options = { trustedRoots: [ca.caDer], revocation: { policy: 'require' } };
  });
  afterAll(async () => {
    await ca.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a good CMS: valid, who signed (name, CCCD), OCSP says good; openssl agrees', async () => {
    const cms = await cmsBy(good);
    const report = await verifyCmsSignature({ cms, content }, options);
    expect(report.valid, JSON.stringify(report.signatures[0]?.details)).toBe(true);
    const [signature] = report.signatures;
    expect(signature!.signer).toMatchObject({ name: 'Phạm Thị Hợp Lệ', cccd: ['001199000321'] });
    expect(signature!.revocation).toMatchObject({ status: 'good', source: 'ocsp' });
    expect(signature!.timeSource).toBe('signed-attribute');
    expect(opensslCmsVerify({ cms, content, caFile: ca.caPemPath }).ok).toBe(true);
  });

  it('a revoked certificate is refused by OCSP, and by the CRL when OCSP is down', async () => {
    const cms = await cmsBy(revoked);
    const byOcsp = await verifyCmsSignature({ cms, content }, options);
    expect(byOcsp.valid).toBe(false);
    expect(byOcsp.signatures[0]!.problems).toContain('REVOKED');
    expect(byOcsp.signatures[0]!.revocation).toMatchObject({ status: 'revoked', source: 'ocsp' });
    expect(byOcsp.signatures[0]!.signer?.mst).toEqual(['0109999999']);

    ca.set('ocsp', false);
    try {
      const byCrl = await verifyCmsSignature({ cms, content }, options);
      expect(byCrl.signatures[0]!.problems).toContain('REVOKED');
      expect(byCrl.signatures[0]!.revocation).toMatchObject({ status: 'revoked', source: 'crl' });
      const goodByCrl = await verifyCmsSignature({ cms: await cmsBy(good), content }, options);
      expect(goodByCrl.valid).toBe(true);
      expect(goodByCrl.signatures[0]!.revocation).toMatchObject({ status: 'good', source: 'crl' });
    } finally {
      ca.set('ocsp', true);
    }
  });

  it('with neither OCSP nor CRL reachable: invalid when required, a warning when preferred', async () => {
    const cms = await cmsBy(good);
    ca.set('ocsp', false);
    ca.set('crl', false);
    try {
      const required = await verifyCmsSignature({ cms, content }, options);
      expect(required.valid).toBe(false);
      expect(required.signatures[0]!.problems).toEqual(['REVOCATION_UNKNOWN']);
      const preferred = await verifyCmsSignature(
        { cms, content },
        { ...options, revocation: { policy: 'prefer' } },
      );
      expect(preferred.valid).toBe(true);
      expect(preferred.signatures[0]!.details.join(' ')).toMatch(/warning: revocation not checked/);
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
  });

  describe('OCSP answers signed by a delegated responder (RFC 6960 §4.2.2.2)', () => {
    /** `openssl ocsp` asking the CA's responder about `who` (asynchronously: it answers from this process). */
    const opensslOcsp = (who: IssuedCertificate) =>
      promisify(execFile)('openssl', [
        'ocsp',
        '-issuer',
        ca.caPemPath,
        '-cert',
        who.pemPath,
        '-url',
        `${ca.url}/ocsp`,
        '-CAfile',
        ca.caPemPath,
      ]).then(
        ({ stdout, stderr }) => stdout + stderr,
        (error: { stdout: string; stderr: string }) => error.stdout + error.stderr,
      );
    afterAll(() => ca.respondAs(undefined));

    it("the CA's responder, issued by it for OCSP signing: its answers count; openssl agrees", async () => {
      ca.respondAs(ca.issueResponder());
      ca.set('crl', false); // OCSP alone answers
      try {
        const openssl = await opensslOcsp(good);
        expect(openssl).toMatch(/Response verify OK/);
        expect(openssl).toMatch(/leaf-\w+\.pem: good/);
        const report = await verifyCmsSignature({ cms: await cmsBy(good), content }, options);
        expect(report.indication, JSON.stringify(report.signatures[0]!.details)).toBe('TOTAL-PASSED');
        expect(report.signatures[0]!.revocation).toMatchObject({ status: 'good', source: 'ocsp' });
        const byRevoked = await verifyCmsSignature({ cms: await cmsBy(revoked), content }, options);
        expect(byRevoked.signatures[0]!.problems).toEqual(['REVOKED']);
      } finally {
        ca.set('crl', true);
      }
    });

    it("answers the CA signs with RSASSA-PSS, its mask MGF1 over another hash than the signature's (openssl accepts them): no evidence, saying why", async () => {
      ca.respondAs(undefined, ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32', 'rsa_mgf1_md:sha1']);
      ca.set('crl', false);
      try {
        expect(await opensslOcsp(good)).toMatch(/Response verify OK/);
        const [signature] = (await verifyCmsSignature({ cms: await cmsBy(good), content }, options))
          .signatures;
        expect(signature!.problems).toEqual(['REVOCATION_UNKNOWN']);
        expect(signature!.revocation!.notes).toContain(
          `OCSP ${ca.url}/ocsp: the OCSP answer cannot be checked: its RSASSA-PSS mask uses MGF1 with SHA-1, not with the signature's hash (SHA-256): kyso cannot verify that`,
        );
      } finally {
        ca.set('crl', true);
        ca.respondAs(undefined);
      }
    });

    it('the evidence names the certificate that signed the answer, whatever certificate the answer carries first', async () => {
      const issuer = parseCertificate(ca.caDer);
      const certificate = parseCertificate(good.der);
      /** The CA's answer about `good`, with `first` put before the certificates it carries (they are not signed). */
      const answerCarryingFirst = async (first: Uint8Array) => {
        const response = pkijs.OCSPResponse.fromBER(
          (await fetchOcspResponse(certificate, issuer, `${ca.url}/ocsp`)).slice().buffer,
        );
        const basic = pkijs.BasicOCSPResponse.fromBER(
          response.responseBytes!.response.valueBlock.valueHexView.slice().buffer,
        );
        basic.certs = [parseCertificate(first), ...(basic.certs ?? [])];
        response.responseBytes!.response = new asn1js.OctetString({ valueHex: basic.toSchema().toBER() });
        return new Uint8Array(response.toSchema().toBER());
      };
      const responder = ca.issueResponder();
      try {
        // The CA signs; a responder certificate of its own (another key) comes first.
        const bySelf = await answerCarryingFirst(responder.der);
        expect(Buffer.from((await readOcspEvidence(bySelf, certificate, issuer)).responder!)).toEqual(
          Buffer.from(ca.caDer),
        );
        // The delegated responder signs; the signer's certificate comes first.
        ca.respondAs(responder);
        const byResponder = await answerCarryingFirst(good.der);
        const evidence = await readOcspEvidence(byResponder, certificate, issuer);
        expect(evidence.status).toBe('good');
        expect(Buffer.from(evidence.responder!)).toEqual(Buffer.from(responder.der));
      } finally {
        ca.respondAs(undefined);
      }
    });

    it.each([
      ['without the id-kp-OCSPSigning purpose', 'no-ocsp-signing'],
      ["issued by another CA of the issuer's name", 'other-ca'],
      ['expired before the answer was produced', 'expired'],
    ] as const)(
      'a responder %s: its answers, "good" or "revoked", are no evidence (REVOCATION_UNKNOWN); openssl refuses them too',
      async (_, flaw) => {
        ca.respondAs(ca.issueResponder(flaw));
        ca.set('crl', false); // else the CRL answers in its place
        try {
          expect(await opensslOcsp(good)).toMatch(/Response Verify Failure/);
          for (const who of [good, revoked]) {
            const report = await verifyCmsSignature({ cms: await cmsBy(who), content }, options);
            const [signature] = report.signatures;
            expect(report.indication, who.serial).toBe('INDETERMINATE');
            expect(signature!.problems, who.serial).toEqual(['REVOCATION_UNKNOWN']);
            expect(signature!.revocation).toMatchObject({ status: 'unknown', source: null });
            expect(signature!.revocation!.notes).toContain(
              `OCSP ${ca.url}/ocsp: OCSP answer not signed by the issuer or its responder`,
            );
          }
        } finally {
          ca.set('crl', true);
          ca.respondAs(undefined);
        }
      },
    );
  });

  it("revocation notes are kyso's words only: a port that refuses, an HTML page for an OCSP answer or a CRL, a given CRL that is none", async () => {
    // A port that was listening a moment ago: nothing answers there now (ECONNREFUSED).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/ocsp`;
    await new Promise((resolve) => closed.close(resolve));
    const cms = await cmsBy(good);
    const noAnswer = 'no answer (the server cannot be reached, or it closed the connection)';
    ca.set('ocsp', 'html');
    ca.set('crl', 'html');
    try {
      const viaProxy = await verifyCmsSignature(
        { cms, content },
        { ...options, revocation: { policy: 'require', ocspUrl: refused, crls: [Buffer.from('<html>')] } },
      );
      expect(viaProxy.signatures[0]!.problems).toEqual(['REVOCATION_UNKNOWN']);
      expect(viaProxy.signatures[0]!.details).toEqual([
        `revocation status unknown: given CRL: not a CRL; OCSP ${refused}: ${noAnswer}; CRL ${ca.url}/crl: not a CRL`,
      ]);
      const direct = await verifyCmsSignature({ cms, content }, options);
      expect(direct.signatures[0]!.details).toEqual([
        `revocation status unknown: OCSP ${ca.url}/ocsp: not an OCSP response; CRL ${ca.url}/crl: not a CRL`,
      ]);
      // What /extend and kyso verify --extend report as `missing`.
      const collected = await collectRevocation([
        { certificate: parseCertificate(good.der), issuer: parseCertificate(ca.caDer) },
      ]);
      expect(collected.missing).toEqual([
        expect.stringMatching(
          new RegExp(`: OCSP ${ca.url}/ocsp: not an OCSP response; CRL ${ca.url}/crl: not a CRL$`),
        ),
      ]);
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
  });

  it("a SignerInfo whose signatureAlgorithm does not fit the signer's key (unsigned, so anyone can change it): refused, as openssl refuses it", async () => {
    const cms = await cmsBy(good);
    for (const [name, oid] of [
      ['ecdsa-with-SHA256 for an RSA key', '1.2.840.10045.4.3.2'],
      ['an algorithm nobody knows', '1.2.840.113549.6.1.11'],
    ] as const) {
      const info = pkijs.ContentInfo.fromBER(new Uint8Array(cms).buffer);
      const signedData = new pkijs.SignedData({ schema: info.content });
      signedData.signerInfos[0]!.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: oid });
      const changed = new Uint8Array(
        new pkijs.ContentInfo({ contentType: info.contentType, content: signedData.toSchema(true) })
          .toSchema()
          .toBER(),
      );
      expect(opensslCmsVerify({ cms: changed, content, caFile: ca.caPemPath }).ok, name).toBe(false);
      const report = await verifyCmsSignature({ cms: changed, content }, options);
      expect(report.indication, name).toBe('TOTAL-FAILED');
      expect(report.signatures[0]!.problems, name).toEqual(['SIGNATURE_INVALID']);
    }
    // The rsaEncryption OID some signers write instead of sha256WithRSAEncryption: accepted, by openssl too.
    const info = pkijs.ContentInfo.fromBER(new Uint8Array(cms).buffer);
    const signedData = new pkijs.SignedData({ schema: info.content });
    signedData.signerInfos[0]!.signatureAlgorithm = new pkijs.AlgorithmIdentifier({
      algorithmId: '1.2.840.113549.1.1.1',
      algorithmParams: new asn1js.Null(),
    });
    const plainRsa = new Uint8Array(
      new pkijs.ContentInfo({ contentType: info.contentType, content: signedData.toSchema(true) })
        .toSchema()
        .toBER(),
    );
    expect(opensslCmsVerify({ cms: plainRsa, content, caFile: ca.caPemPath }).ok).toBe(true);
    expect((await verifyCmsSignature({ cms: plainRsa, content }, options)).valid).toBe(true);
  });

  it('a delta CRL (only what changed since its base) or a partial CRL never says a revoked certificate is good; openssl agrees', async () => {
    // A CA of our own whose CRLs openssl makes: the base lists the revoked leaf, the delta (no change
    // since the base) and a CA-certificates-only CRL do not.
    const crlDir = mkdtempSync(path.join(tmpdir(), 'kyso-delta-crl-'));
    try {
      const leaf = makeSoftwareIdentity(crlDir, 'RSA', '/C=VN/CN=Người Bị Thu Hồi');
      const at = (name: string) => path.join(crlDir, name);
      const serial = execFileSync('openssl', ['x509', '-in', leaf.certificatePem, '-noout', '-serial'], {
        encoding: 'utf8',
      })
        .trim()
        .replace(/^serial=/, '');
      const revokedAt = new Date(Date.now() - 60_000).toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
      const crl = (name: string, index: string, extensions?: string) => {
        writeFileSync(at(`${name}.index`), index);
        writeFileSync(at(`${name}.number`), '02\n');
        writeFileSync(
          at(`${name}.cnf`),
          `[ca]\ndefault_ca = t\n[t]\ndatabase = ${at(`${name}.index`)}\ncrlnumber = ${at(`${name}.number`)}\ndefault_md = sha256\ndefault_crl_days = 1\n[exts]\n${extensions ?? ''}\n`,
        );
        execFileSync('openssl', [
          ...['ca', '-gencrl', '-config', at(`${name}.cnf`), ...(extensions ? ['-crlexts', 'exts'] : [])],
          ...['-keyfile', at('sw-ca.key'), '-cert', leaf.caPem, '-out', at(`${name}.pem`)],
        ]);
        return new Uint8Array(execFileSync('openssl', ['crl', '-in', at(`${name}.pem`), '-outform', 'DER']));
      };
      const revokedLine = `R\t300101000000Z\t${revokedAt}\t${serial}\tunknown\t/CN=x\n`;
      const base = crl('base', revokedLine);
      const delta = crl('delta', '', '2.5.29.27 = critical,DER:02:01:01');
      const caOnly = crl('ca-only', '', 'issuingDistributionPoint = critical,@idp\n[idp]\nonlyCA = TRUE');
      const opensslSays = (crlName: string) =>
        spawnSync(
          'openssl',
          [
            'verify',
            '-crl_check',
            '-CAfile',
            leaf.caPem,
            '-CRLfile',
            at(`${crlName}.pem`),
            leaf.certificatePem,
          ],
          { encoding: 'utf8' },
        ).status === 0;
      expect(opensslSays('base')).toBe(false); // certificate revoked
      expect(opensslSays('ca-only')).toBe(false); // different CRL scope
      // openssl verify takes a lone delta CRL for a complete one; RFC 5280 §5.2.4 does not: it only
      // completes its base, which lists what was revoked before it (here the leaf).

      const cms = await signCades(
        {
          contentDigest: createHash('sha256').update(content).digest(),
          digestAlgorithm: 'SHA-256',
          signerCertificate: leaf.certificateDer,
        },
        leaf.signer,
      );
      const withCrl = (crls: Uint8Array[]) =>
        verifyCmsSignature(
          { cms, content },
          { trustedRoots: [leaf.caDer], revocation: { policy: 'require', offline: true, crls } },
        );
      expect((await withCrl([base])).signatures[0]!.problems).toEqual(['REVOKED']);
      for (const [name, partial] of [
        ['delta', delta],
        ['ca-only', caOnly],
      ] as const) {
        const report = await withCrl([partial]);
        expect(report.indication, name).toBe('INDETERMINATE');
        expect(report.signatures[0]!.problems, name).toEqual(['REVOCATION_UNKNOWN']);
      }
      expect((await withCrl([delta])).signatures[0]!.revocation!.notes[0]).toBe(
        'given CRL: a delta CRL, which lists only what changed since its base CRL',
      );

      // The CAs between signer and root are checked too: an authority revocation list (CA
      // certificates only) answers for a CA's certificate, one of end-entity certificates does not.
      issueTestCertificate({
        base: at('sub-ca'),
        subject: '/C=VN/CN=CA Con Bị Thu Hồi',
        caFile: leaf.caPem,
        caKeyFile: at('sw-ca.key'),
        serialHex: 'A11CE5',
        days: 5,
        extensions: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n',
      });
      const subCaRevoked = `R\t300101000000Z\t${revokedAt}\tA11CE5\tunknown\t/CN=x\n`;
      const arl = crl('arl', subCaRevoked, 'issuingDistributionPoint = critical,@idp\n[idp]\nonlyCA = TRUE');
      const userOnly = crl(
        'user-only',
        subCaRevoked,
        'issuingDistributionPoint = critical,@idp\n[idp]\nonlyuser = TRUE',
      );
      const certificateOf = (pem: string) =>
        pkijs.Certificate.fromBER(execFileSync('openssl', ['x509', '-in', pem, '-outform', 'DER']));
      const [subCa, root] = [certificateOf(at('sub-ca.pem')), certificateOf(leaf.caPem)];
      const openssl = spawnSync(
        'openssl',
        ['verify', '-crl_check', '-CAfile', leaf.caPem, '-CRLfile', at('arl.pem'), at('sub-ca.pem')],
        { encoding: 'utf8' },
      );
      expect(openssl.stdout + openssl.stderr).toMatch(/certificate revoked/);
      expect((await readCrlEvidence(arl, subCa, root)).status).toBe('revoked');
      await expect(readCrlEvidence(userOnly, subCa, root)).rejects.toThrow(/partial CRL .*CA certificates/);
    } finally {
      rmSync(crlDir, { recursive: true, force: true });
    }
  });

  it("a signer whose issuing CA's certificate was revoked (by the root's CRL and OCSP) is REVOKED; openssl agrees", async () => {
    const subCa = ca.issueIntermediate('/C=VN/O=CA Con/CN=CA Con Thử Nghiệm');
    const cms = await cmsUnder(subCa, 'sub-ca-leaf', '/C=VN/CN=Người Ký Dưới CA Con', 'C0FFEE01');
    // The leaf names no OCSP responder or CRL: its own status is a warning under 'prefer'.
    const subOptions: VerifyOptions = { trustedRoots: [ca.caDer], intermediates: [subCa.der] };
    const before = await verifyCmsSignature({ cms, content }, subOptions);
    expect(before.indication, JSON.stringify(before.signatures[0]!.details)).toBe('TOTAL-PASSED');

    ca.revoke(subCa);
    const crl = path.join(dir, 'root.crl.pem');
    const crlDer = Buffer.from(await (await fetch(`${ca.url}/crl`)).arrayBuffer());
    execFileSync('openssl', ['crl', '-inform', 'DER', '-out', crl], { input: crlDer });
    const judged = spawnSync(
      'openssl',
      ['verify', '-crl_check', '-CAfile', ca.caPemPath, '-CRLfile', crl, subCa.pemPath],
      { encoding: 'utf8' },
    );
    expect(judged.stdout + judged.stderr).toMatch(/certificate revoked/);

    for (const service of ['ocsp', 'crl'] as const) {
      const other = service === 'ocsp' ? 'crl' : 'ocsp';
      ca.set(other, false); // each source alone says so
      try {
        const after = await verifyCmsSignature({ cms, content }, subOptions);
        expect(after.indication, service).toBe('TOTAL-FAILED');
        expect(after.signatures[0]!.problems, service).toEqual(['REVOKED']);
        expect(after.signatures[0]!.details, service).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^the issuing CA's certificate \\(CN=CA Con Thử Nghiệm.*\\) was revoked at .* \\(${service}\\)$`,
            ),
          ),
        );
      } finally {
        ca.set(other, true);
      }
    }
  });

  it('tampered content, an untrusted root and a signing time out of bounds are each refused', async () => {
    const cms = await cmsBy(good);
    const tampered = await verifyCmsSignature({ cms, content: Buffer.from('Hồ sơ khác') }, options);
    expect(tampered.signatures[0]!.problems).toContain('DIGEST_MISMATCH');
    expect(opensslCmsVerify({ cms, content: Buffer.from('Hồ sơ khác'), caFile: ca.caPemPath }).ok).toBe(
      false,
    );

    const other = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Khác/UID=CCCD:001199000999');
    const untrusted = await verifyCmsSignature(
      { cms, content },
      { ...options, trustedRoots: [new Uint8Array(other.caDer)] },
    );
    expect(untrusted.signatures[0]!.problems).toContain('UNTRUSTED_CHAIN');

    const late = await verifyCmsSignature(
      { cms, content },
      { ...options, notAfter: new Date(Date.now() - 3_600_000) },
    );
    expect(late.signatures[0]!.problems).toEqual(['SIGNING_TIME_OUT_OF_BOUNDS']);
  });

  it("a certificate that chains to no trusted root is not checked online: its OCSP and CRL addresses are the uploader's to choose", async () => {
    // Anyone can make a CA (here one under the test CA, so that the same chain, trusted, is
    // checkable) whose leaf names any OCSP and CRL address the verifying server can reach: an
    // internal service, a cloud metadata endpoint. The CMS carries the CA.
    const subCa = ca.issueIntermediate('/C=VN/O=CA Tự Lập/CN=CA Tự Lập');
    const urls = `authorityInfoAccess=OCSP;URI:${ca.url}/ocsp/internal\ncrlDistributionPoints=URI:${ca.url}/crl/internal\n`;
    const cms = await cmsUnder(subCa, 'self-made-leaf', '/C=VN/CN=Người Tự Cấp', 'C0FFEE02', urls, true);
    const other = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Khác/UID=CCCD:001199000998');
    const before = { ...ca.served };
    const report = await verifyCmsSignature(
      { cms, content },
      { trustedRoots: [new Uint8Array(other.caDer)], revocation: { policy: 'prefer' } },
    );
    expect(report.signatures[0]!.problems).toContain('UNTRUSTED_CHAIN');
    expect(ca.served).toEqual(before);
    expect(report.signatures[0]!.revocation?.notes.join(' ')).toMatch(/not asked/);
    // Trusted, the same chain is checked online (the addresses are the trusted CA's to choose).
    await verifyCmsSignature(
      { cms, content },
      { trustedRoots: [ca.caDer], revocation: { policy: 'prefer' } },
    );
    expect(ca.served.ocsp + ca.served.crl).toBeGreaterThan(before.ocsp + before.crl);
  });

  it('PAdES: both signatures of a twice-signed PDF valid (pdfsig agrees); bytes added after the last one are reported', async () => {
    const plainPdf = await onePagePdf('Quyet dinh');
    const padesBy = padesSignerOf;
    const once = await signPdf(plainPdf, { reason: 'Ký lần 1' }, padesBy(good));
    const twice = await signPdf(once, { reason: 'Ký lần 2' }, padesBy(good));
    const report = await verifyPdfSignatures(twice, options);
    expect(report.valid, JSON.stringify(report.signatures.map((s) => s.details))).toBe(true);
    expect(report.signatures).toHaveLength(2);
    expect(report.signatures[0]!.coveredBytes).toBe(once.length);
    expect(report.signatures[1]!.coveredBytes).toBe(twice.length);
    expect(
      report.signatures.every(
        (s) => s.timeSource === 'claimed' && Math.abs(s.signingTime!.getTime() - Date.now()) < 120_000,
      ),
    ).toBe(true);
    const nss = makeNssDb(dir, [ca.caPemPath]);
    // pdfsig judges the signatures (NSS's certificate status for this CA's AIA/CDP certificates is
    // "unknown issue" here; the chain is judged by openssl in the CMS tests above).
    const { stdout } = await promisify(execFile)(
      'pdfsig',
      ['-no-ocsp', '-nssdir', `sql:${nss}`, writePdf(dir, 'twice.pdf', twice)],
      { encoding: 'utf8' },
    );
    expect(stdout.match(/Signature is Valid\./g), stdout).toHaveLength(2);

    const appended = Buffer.concat([twice, Buffer.from('\n% appended after signing\n')]);
    const modified = await verifyPdfSignatures(appended, options);
    expect(modified.valid).toBe(false);
    expect(modified.signatures[1]!.problems).toContain('DOCUMENT_MODIFIED_AFTER_SIGNING');
    expect(modified.signatures[0]!.valid).toBe(true);

    const byRevoked = await verifyPdfSignatures(await signPdf(plainPdf, {}, padesBy(revoked)), options);
    expect(byRevoked.signatures[0]!.problems).toContain('REVOKED');
  });

  it('XMLDSig: a signed tax return is valid (xmlsec1 agrees); a changed figure is refused', async () => {
    const signed = await signXml(HTKK, { profile: 'htkk', certificate: good.der }, good.signer);
    const report = await verifyXmlSignature(signed, options);
    expect(report.valid, JSON.stringify(report.signatures.map((s) => s.details))).toBe(true);
    expect(report.signatures[0]!.signer?.name).toBe('Phạm Thị Hợp Lệ');
    // HTKK signs the HSoKhaiThue element by its id, not the whole file: the report says so.
    const coverage = report.signatures[0]!.coverage!;
    expect(coverage).toMatchObject({ wholeDocument: false, references: [expect.stringMatching(/^#./)] });
    expect(signed).toContain(`id="${coverage.references![0]!.slice(1)}"`);
    expect(coverage.coveredBytes).toBeGreaterThan(0);
    expect(coverage.coveredBytes).toBeLessThan(coverage.fileBytes);
    expectXmlsecValid('tk.xml', signed);

    const changed = await verifyXmlSignature(
      signed.replace('<mst>0101234567</mst>', '<mst>0101234568</mst>'),
      options,
    );
    expect(changed.valid).toBe(false);
    // The signed element changed, not the signature value: HASH_FAILURE, naming the element.
    expect(changed.signatures[0]!.problems).toEqual(['DIGEST_MISMATCH']);
    expect(changed.signatures[0]!.subIndication).toBe('HASH_FAILURE');
    expect(changed.signatures[0]!.details[0]).toBe(
      `the signed element ${coverage.references![0]} changed after signing: its digest is not the one signed`,
    );
    // A changed signature value over unchanged content: the signature itself fails.
    const value = /<SignatureValue>([^<]+)</.exec(signed)![1]!;
    const flipped = `${value[0] === 'A' ? 'B' : 'A'}${value.slice(1)}`;
    const badValue = await verifyXmlSignature(signed.replace(value, flipped), options);
    expect(badValue.signatures[0]!.problems).toEqual(['SIGNATURE_INVALID']);
    expect(badValue.signatures[0]!.subIndication).toBe('SIG_CRYPTO_FAILURE');
    // The signed element's id gone: the reference finds nothing to digest.
    const id = coverage.references![0]!.slice(1);
    const unnamed = await verifyXmlSignature(signed.replace(`id="${id}"`, 'id="x"'), options);
    expect(unnamed.signatures[0]!.problems).toContain('DIGEST_MISMATCH');
    expect(unnamed.signatures[0]!.details).toContain(`the signed element #${id} is not in the document`);
    const byRevoked = await verifyXmlSignature(
      await signXml(HTKK, { profile: 'htkk', certificate: revoked.der }, revoked.signer),
      options,
    );
    expect(byRevoked.signatures[0]!.problems).toContain('REVOKED');
  });

  it('XMLDSig: the party a return or an invoice names for its signer, and whether the certificate carries its tax code (a warning, not a failure)', async () => {
    const verifyFirst = async (xml: string) => (await verifyXmlSignature(xml, options)).signatures;
    // The return names a company (0101234567); a person signs it.
    const [byPerson] = await verifyFirst(
      await signXml(HTKK, { profile: 'htkk', certificate: good.der }, good.signer),
    );
    expect(byPerson!.valid, byPerson!.details.join('; ')).toBe(true);
    expect(byPerson!.party).toEqual({ role: 'taxpayer', taxCodes: ['0101234567'], signerCarries: false });
    expect(byPerson!.details).toContain(
      "warning: the signer's certificate carries none of the tax codes the document names for its taxpayer (0101234567): a tax authority may refuse it",
    );
    // An individual's return: their tax code is their CCCD number.
    const own = HTKK.replace('<mst>0101234567</mst>', '<mst>001199000321</mst>');
    const [byTaxpayer] = await verifyFirst(
      await signXml(own, { profile: 'htkk', certificate: good.der }, good.signer),
    );
    expect(byTaxpayer!.party).toEqual({ role: 'taxpayer', taxCodes: ['001199000321'], signerCarries: true });
    expect(byTaxpayer!.details.join('\n')).not.toContain('warning: the signer');
    // An older certificate names the person by a 12-digit CMND: the same number their CCCD kept.
    const older = ca.issue('/C=VN/CN=Phạm Thị Hợp Lệ/UID=CMND:001199000321');
    const [byOlder] = await verifyFirst(
      await signXml(own, { profile: 'htkk', certificate: older.der }, older.signer),
    );
    expect(byOlder!.party).toEqual({ role: 'taxpayer', taxCodes: ['001199000321'], signerCarries: true });
    // Filed by a tax agent, signed with the agent's certificate.
    const agent = ca.issue('/C=VN/O=Đại lý thuế Minh An/CN=Đại lý thuế Minh An/UID=MST:0312345678');
    const byAgent = HTKK.replace(
      '</NNT>',
      '</NNT><DLyThue><mstDLyThue>0312345678</mstDLyThue><tenDLyThue>Đại lý thuế Minh An</tenDLyThue></DLyThue>',
    );
    const [agentSigned] = await verifyFirst(
      await signXml(byAgent, { profile: 'htkk', certificate: agent.der }, agent.signer),
    );
    expect(agentSigned!.party).toEqual({
      role: 'taxpayer',
      taxCodes: ['0101234567', '0312345678'],
      signerCarries: true,
    });
    // An invoice: the agent's certificate is not the seller's (0101234567); the buyer's (0401122334) co-signs.
    const buyer = ca.issue(
      '/C=VN/O=Công ty Giải pháp số Đà Nẵng/CN=Công ty Giải pháp số Đà Nẵng/UID=MST:0401122334',
    );
    const sold = await signXml(EINVOICE, { profile: 'einvoice', certificate: agent.der }, agent.signer);
    const bought = await signXml(sold, { profile: 'einvoice-buyer', certificate: buyer.der }, buyer.signer);
    const [seller, buyerSignature] = await verifyFirst(bought);
    expect(seller!.valid && buyerSignature!.valid).toBe(true);
    expect(seller!.party).toEqual({ role: 'seller', taxCodes: ['0101234567'], signerCarries: false });
    expect(buyerSignature!.party).toEqual({ role: 'buyer', taxCodes: ['0401122334'], signerCarries: true });
    // A value that is no tax code names no one.
    const [unnamed] = await verifyFirst(
      await signXml(
        HTKK.replace('<mst>0101234567</mst>', '<mst>chưa có</mst>'),
        { profile: 'htkk', certificate: good.der },
        good.signer,
      ),
    );
    expect(unnamed!.valid).toBe(true);
    expect(unnamed!.party).toBeUndefined();
  });

  it("XMLDSig: KeyInfo's certificates in any order (the spec implies none): the signer is the one that issued none of the others; xmlsec1 agrees", async () => {
    const subCa = ca.issueIntermediate('/C=VN/O=CA Con/CN=CA Con Cho Tờ Khai');
    const leaf = leafUnder(subCa, 'xml-leaf', '/C=VN/CN=Người Ký Tờ Khai', 'C0FFEE03');
    const signed = await signXml(HTKK, { profile: 'htkk', certificate: leaf.der }, leaf.signer);
    const leafElement = /<X509Certificate>[^<]+<\/X509Certificate>/.exec(signed)![0];
    const element = (der: Uint8Array) =>
      `<X509Certificate>${Buffer.from(der).toString('base64')}</X509Certificate>`;
    // KeyInfo is not signed: anyone on the way (or the signer's software) may add the chain, in any order.
    const withKeyInfo = (...elements: string[]) => signed.replace(leafElement, elements.join(''));
    const caFirst = withKeyInfo(element(subCa.der), leafElement);
    expectXmlsecValid('tk-ca-first.xml', caFirst);

    const orders: Array<[string, string, Partial<VerifyOptions>]> = [
      ['the CA first', caFirst, {}],
      ['the signer first', withKeyInfo(leafElement, element(subCa.der)), {}],
      // The root beside the signer, its CA given to the verifier: the root issued none of these either.
      [
        'the root first, the CA elsewhere',
        withKeyInfo(element(ca.caDer), leafElement),
        { intermediates: [subCa.der] },
      ],
    ];
    for (const [order, xml, more] of orders) {
      const report = await verifyXmlSignature(xml, { trustedRoots: [ca.caDer], ...more });
      const signature = report.signatures[0]!;
      expect(report.indication, `${order}: ${JSON.stringify(signature.details)}`).toBe('TOTAL-PASSED');
      expect(signature.signer?.name, order).toBe('Người Ký Tờ Khai');
    }
    // Only as many certificates as judge considers (256) are looked at for the signer: behind 256
    // roots (an uploader's to repeat), the signer is not found, and the root's key does not verify.
    const buried = withKeyInfo(...Array<string>(256).fill(element(ca.caDer)), leafElement);
    const report = await verifyXmlSignature(buried, { trustedRoots: [ca.caDer], intermediates: [subCa.der] });
    expect(report.signatures[0]!.problems).toContain('SIGNATURE_INVALID');
  });

  it("XMLDSig: a stranger's certificate before the signer's in KeyInfo: X509SubjectName, X509IssuerSerial, X509SKI or X509Digest names the signer's", async () => {
    const signer = ca.issue(
      '/C=VN/O=Công ty Bán Hàng, Chi nhánh 2/CN=Công ty Bán Hàng/UID=MST:0101234567-002',
    );
    const stranger = ca.issue('/C=VN/CN=Người Khác/UID=CCCD:001099012345');
    const signed = await signXml(HTKK, { profile: 'htkk', certificate: signer.der }, signer.signer);
    const base64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
    const x509Data = /<X509Data>[\s\S]*<\/X509Data>/.exec(signed)![0];
    const subjectName = /<X509SubjectName>[^<]*<\/X509SubjectName>/.exec(x509Data)![0];
    const certificates = `<X509Certificate>${base64(stranger.der)}</X509Certificate><X509Certificate>${base64(signer.der)}</X509Certificate>`;
    const withData = (identifier: string) =>
      signed.replace(x509Data, `<X509Data>${identifier}${certificates}</X509Data>`);
    const opensslField = (...field: string[]) =>
      execFileSync('openssl', ['x509', '-in', signer.pemPath, '-noout', ...field], { encoding: 'utf8' });
    const ski = opensslField('-ext', 'subjectKeyIdentifier').split('\n')[1]!.trim().replace(/:/g, '');
    // The names as real producers write them, not as kyso reads their documentation: OpenSSL (RFC 2253,
    // UTF-8 as \XX escapes), the JDK (X500Principal.getName(), what Santuario writes) and Mono's .NET
    // (X500DistinguishedName.Name: ", " between RDNs, quotes around a value with a comma).
    writeFileSync(path.join(dir, 'Names.java'), JAVA_NAMES);
    const [javaSubject, javaIssuer, javaSerial] = execFileSync(
      'java',
      [path.join(dir, 'Names.java'), signer.pemPath],
      { encoding: 'utf8' },
    ).split('\n');
    writeFileSync(path.join(dir, 'Names.cs'), DOTNET_NAMES);
    execFileSync('mcs', [`-out:${path.join(dir, 'names.exe')}`, path.join(dir, 'Names.cs')]);
    const [dotnetSubject, dotnetIssuer] = execFileSync(
      'mono',
      [path.join(dir, 'names.exe'), signer.pemPath],
      {
        encoding: 'utf8',
      },
    ).split('\n');
    expect(dotnetSubject).toContain('O="Công ty Bán Hàng, Chi nhánh 2"');
    const subjectNamed = (name: string) => withData(`<X509SubjectName>${name}</X509SubjectName>`);
    const issuerSerial = (issuer: string) =>
      withData(
        `<X509IssuerSerial><X509IssuerName>${issuer}</X509IssuerName><X509SerialNumber>${javaSerial}</X509SerialNumber></X509IssuerSerial>`,
      );
    // (xmlsec1 1.2 takes the first certificate that chains and fails these; XMLDSig's identifiers are there to say which.)
    const identified: Array<[string, string]> = [
      ['X509SubjectName as kyso writes it', withData(subjectName)],
      [
        'X509SubjectName as OpenSSL writes it',
        subjectNamed(
          opensslField('-subject', '-nameopt', 'RFC2253')
            .replace(/^subject=/, '')
            .trim(),
        ),
      ],
      ['X509SubjectName as the JDK writes it', subjectNamed(javaSubject!)],
      ['X509SubjectName as .NET (Mono) writes it', subjectNamed(dotnetSubject!)],
      ['X509IssuerSerial as the JDK writes it', issuerSerial(javaIssuer!)],
      ['X509IssuerSerial with .NET’s (Mono) issuer name', issuerSerial(dotnetIssuer!)],
      ['X509SKI', withData(`<X509SKI>${Buffer.from(ski, 'hex').toString('base64')}</X509SKI>`)],
      [
        'dsig11:X509Digest (SHA-256)',
        withData(
          `<dsig11:X509Digest xmlns:dsig11="http://www.w3.org/2009/xmldsig11#" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256">${createHash('sha256').update(signer.der).digest('base64')}</dsig11:X509Digest>`,
        ),
      ],
    ];
    for (const [how, xml] of identified) {
      const report = await verifyXmlSignature(xml, { trustedRoots: [ca.caDer] });
      const signature = report.signatures[0]!;
      expect(report.indication, `${how}: ${JSON.stringify(signature.details)}`).toBe('TOTAL-PASSED');
      expect(signature.signer?.name, how).toBe('Công ty Bán Hàng');
    }
  });

  it("XMLDSig: KeyInfo's identifiers name no certificate, the wrong one, or two (a renewed certificate beside the signer's): the one whose key verifies is the signer's, as .NET's SignedXml finds", async () => {
    const subject = '/C=VN/CN=Trần Văn Ký/UID=CCCD:001099054321';
    const signer = ca.issue(subject);
    const renewed = ca.issue(subject); // the same name, another key: last year's certificate, say
    const stranger = ca.issue('/C=VN/CN=Người Khác/UID=CCCD:001099012345');
    const signed = await signXml(HTKK, { profile: 'htkk', certificate: signer.der }, signer.signer);
    const x509Data = /<X509Data>[\s\S]*<\/X509Data>/.exec(signed)![0];
    const subjectName = /<X509SubjectName>[^<]*<\/X509SubjectName>/.exec(x509Data)![0];
    const sha256Hex = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');
    const withData = (identifier: string, ...certificates: Uint8Array[]) =>
      signed.replace(
        x509Data,
        `<X509Data>${identifier}${certificates.map((der) => `<X509Certificate>${Buffer.from(der).toString('base64')}</X509Certificate>`).join('')}</X509Data>`,
      );
    const dotnetValid = dotnetSignedXmlChecker(dir);
    const cases: Array<[string, string]> = [
      ['no identifier, a stranger first', withData('', stranger.der, signer.der)],
      [
        'a name no certificate has',
        withData('<X509SubjectName>CN=Không Ai</X509SubjectName>', stranger.der, signer.der),
      ],
      [
        "the stranger's name",
        withData(
          '<X509SubjectName>CN=Người Khác,UID=CCCD:001099012345,C=VN</X509SubjectName>',
          stranger.der,
          signer.der,
        ),
      ],
      [
        'a name both certificates have, the renewed one first',
        withData(subjectName, renewed.der, signer.der),
      ],
    ];
    for (const [how, xml] of cases) {
      expect(dotnetValid('tk-keyinfo.xml', xml), how).toBe('True');
      const report = await verifyXmlSignature(xml, { trustedRoots: [ca.caDer] });
      const signature = report.signatures[0]!;
      expect(report.indication, `${how}: ${JSON.stringify(signature.details)}`).toBe('TOTAL-PASSED');
      expect(signature.signer?.name, how).toBe('Trần Văn Ký');
      expect(signature.chain?.[0]?.sha256, how).toBe(sha256Hex(signer.der));
    }
    // Without the signer's certificate no key verifies; the likeliest is judged, and named.
    const without = withData(subjectName, stranger.der, renewed.der);
    expect(dotnetValid('tk-without.xml', without)).toBe('False');
    const report = await verifyXmlSignature(without, { trustedRoots: [ca.caDer] });
    expect(report.signatures[0]!.problems).toContain('SIGNATURE_INVALID');
    expect(report.signatures[0]!.chain?.[0]?.sha256).toBe(sha256Hex(renewed.der));
  });
});
