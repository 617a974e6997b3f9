/**
 * A throw-away CA whose certificates name a local OCSP responder and CRL (AIA and CRL DP), for the
 * server-side verifier's tests. `openssl ocsp` answers each request and `openssl ca -gencrl` makes
 * the CRL, from one index the test can mark revoked; either service can be taken down.
 */
import { issueTestCertificate, makeTestCa } from './openssl.js';
import { rsaSignDigest } from './software-signer.js';
import { execFile, execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DigestSigner } from '../../shared/cms/cades.js';

const run = promisify(execFile);

export interface IssuedCertificate {
  der: Uint8Array;
  pemPath: string;
  /** The private key (PEM, unencrypted): to import into a test token. */
  keyPath: string;
  serial: string;
  signer: DigestSigner;
}

export interface OcspResponder {
  der: Uint8Array;
  pemPath: string;
  keyPath: string;
}

export interface RevocationCa {
  caDer: Uint8Array;
  caPemPath: string;
  url: string;
  /** Counts of OCSP and CRL requests served. */
  readonly served: { ocsp: number; crl: number };
  /**
   * `urls`: other OCSP responders, CRLs and caIssuers to name than this CA's own (`${url}/ocsp/…`
   * and `${url}/crl/…` are its services too; any other path answers 503).
   */
  issue(subject: string, urls?: { ocsp: string[]; crl: string[]; caIssuers?: string }): IssuedCertificate;
  /** A subordinate CA (CA:TRUE, keyCertSign) naming this CA's OCSP responder and CRL, as `issue`'s leaves do. */
  issueIntermediate(subject: string): IssuedCertificate;
  /** A time-stamping authority's certificate (RFC 3161 §2.3: critical id-kp-timeStamping), naming this CA's services. */
  issueTsa(subject: string): IssuedCertificate;
  /** Revoked at `at` (a minute ago by default) in this CA's OCSP answers and CRL from now on. */
  revoke(certificate: IssuedCertificate, at?: Date): void;
  /**
   * A delegated OCSP responder's certificate (RFC 6960 §4.2.2.2): issued by this CA for OCSP
   * signing, or with one `flaw` that makes its answers no evidence: no id-kp-OCSPSigning purpose,
   * issued by another CA of the same name (another key), or expired before the answers it signs.
   */
  issueResponder(flaw?: 'no-ocsp-signing' | 'other-ca' | 'expired'): OcspResponder;
  /**
   * Who signs the OCSP answers from now on: `responder`, or the CA itself when undefined; `sigopts`:
   * how (`-rsigopt`: rsa_padding_mode:pss, …).
   */
  respondAs(responder: OcspResponder | undefined, sigopts?: string[]): void;
  /**
   * Take the OCSP responder or the CRL server down (HTTP 503) or up, have it answer 200 with an
   * HTML page (a misconfigured proxy), never answer (a server that accepts and hangs), or answer
   * 200 with a body that never ends (sent at a modest rate, until the client stops reading).
   */
  set(service: 'ocsp' | 'crl', up: boolean | 'html' | 'hang' | 'endless'): void;
  close(): Promise<void>;
}

const opensslTime = (date: Date) => date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';

export async function startRevocationCa(): Promise<RevocationCa> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-revocation-ca-'));
  const file = (name: string) => path.join(dir, name);
  makeTestCa(
    file('ca.key'),
    file('ca.pem'),
    'kyso Revocation Test CA',
    'keyCertSign,cRLSign,digitalSignature',
  );
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('crlnumber'), '01\n');
  writeFileSync(
    file('ca.cnf'),
    `[ca]\ndefault_ca = test\n[test]\ndatabase = ${file('index.txt')}\ncrlnumber = ${file('crlnumber')}\ndefault_md = sha256\ndefault_crl_days = 1\n`,
  );
  const caDer = new Uint8Array(execFileSync('openssl', ['x509', '-in', file('ca.pem'), '-outform', 'DER']));
  const up: Record<'ocsp' | 'crl', boolean | 'html' | 'hang' | 'endless'> = { ocsp: true, crl: true };
  const served = { ocsp: 0, crl: 0 };
  let responder: OcspResponder | undefined;
  let responderSigopts: string[] = [];

  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    // The CA's own certificate (AIA caIssuers), as CAs publish it: DER.
    if (request.url === '/ca.der')
      return void response.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(caDer);
    const service = request.url?.startsWith('/ocsp')
      ? 'ocsp'
      : request.url?.startsWith('/crl')
        ? 'crl'
        : undefined;
    if (!service || !up[service]) return void response.writeHead(503).end();
    if (up[service] === 'hang') return; // the connection stays open, with no answer, until close()
    if (up[service] === 'endless') {
      response.writeHead(200, { 'content-type': 'application/pkix-crl' });
      const chunk = Buffer.alloc(256 * 1024, 0x30);
      const timer = setInterval(() => void response.write(chunk), 10); // ~25 MiB/s: kind to a shared machine
      response.on('close', () => clearInterval(timer));
      return;
    }
    if (up[service] === 'html')
      return void response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<html>Bảo trì hệ thống</html>');
    served[service]++;
    try {
      if (service === 'ocsp') {
        const id = `${Date.now()}-${Math.random()}`;
        writeFileSync(file(`req-${id}.der`), Buffer.concat(chunks));
        await run('openssl', [
          'ocsp',
          '-index',
          file('index.txt'),
          '-CA',
          file('ca.pem'),
          '-rsigner',
          responder?.pemPath ?? file('ca.pem'),
          '-rkey',
          responder?.keyPath ?? file('ca.key'),
          ...responderSigopts.flatMap((option) => ['-rsigopt', option]),
          '-reqin',
          file(`req-${id}.der`),
          '-respout',
          file(`resp-${id}.der`),
          '-ndays',
          '1',
        ]);
        response
          .writeHead(200, { 'content-type': 'application/ocsp-response' })
          .end(readFileSync(file(`resp-${id}.der`)));
      } else {
        await run('openssl', [
          'ca',
          '-gencrl',
          '-config',
          file('ca.cnf'),
          '-keyfile',
          file('ca.key'),
          '-cert',
          file('ca.pem'),
          '-out',
          file('crl.pem'),
        ]);
        const { stdout } = await run('openssl', ['crl', '-in', file('crl.pem'), '-outform', 'DER'], {
          encoding: 'buffer',
        });
        response.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(stdout);
      }
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let serialCounter = 0x1000;

  function issue(
    subject: string,
    usage: string,
    urls: { ocsp: string[]; crl: string[]; caIssuers?: string } = {
      ocsp: [`${url}/ocsp`],
      crl: [`${url}/crl`],
    },
  ): IssuedCertificate {
    const serial = (serialCounter++).toString(16).toUpperCase();
    const name = `leaf-${serial}`;
    issueTestCertificate({
      base: file(name),
      subject,
      caFile: file('ca.pem'),
      caKeyFile: file('ca.key'),
      serialHex: serial,
      days: 10,
      extensions: `${usage}\nauthorityInfoAccess=${urls.ocsp.map((u) => `OCSP;URI:${u},`).join('')}caIssuers;URI:${urls.caIssuers ?? `${url}/ca.der`}\ncrlDistributionPoints=${urls.crl.map((u) => `URI:${u}`).join(',')}\n`,
    });
    const expiry = new Date(Date.now() + 10 * 86_400_000);
    const subjectLine = execFileSync(
      'openssl',
      ['x509', '-in', file(`${name}.pem`), '-noout', '-subject', '-nameopt', 'compat'],
      { encoding: 'utf8' },
    )
      .replace(/^subject=\s*/, '')
      .trim();
    appendFileSync(file('index.txt'), `V\t${opensslTime(expiry)}\t\t${serial}\tunknown\t${subjectLine}\n`);
    const key = createPrivateKey(readFileSync(file(`${name}.key`)));
    return {
      der: new Uint8Array(execFileSync('openssl', ['x509', '-in', file(`${name}.pem`), '-outform', 'DER'])),
      pemPath: file(`${name}.pem`),
      keyPath: file(`${name}.key`),
      serial,
      signer: {
        keyType: 'RSA',
        async signDigest(digest, algorithm) {
          return rsaSignDigest(key, digest, algorithm);
        },
      },
    };
  }

  return {
    caDer,
    caPemPath: file('ca.pem'),
    url,
    served,
    issue(subject, urls) {
      return issue(
        subject,
        'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation',
        urls,
      );
    },
    issueIntermediate(subject) {
      return issue(subject, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign');
    },
    issueTsa(subject) {
      return issue(
        subject,
        'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping',
      );
    },
    revoke(certificate, at = new Date(Date.now() - 60_000)) {
      const lines = readFileSync(file('index.txt'), 'utf8').split('\n');
      const revokedAt = opensslTime(at);
      writeFileSync(
        file('index.txt'),
        lines
          .map((line) => {
            const fields = line.split('\t');
            return fields[3] === certificate.serial
              ? ['R', fields[1], revokedAt, ...fields.slice(3)].join('\t')
              : line;
          })
          .join('\n'),
      );
    },
    issueResponder(flaw) {
      const serial = (serialCounter++).toString(16).toUpperCase();
      const base = file(`responder-${serial}`);
      // The same name as this CA, another key: only the signature tells them apart.
      if (flaw === 'other-ca' && !existsSync(file('other-ca.pem')))
        makeTestCa(file('other-ca.key'), file('other-ca.pem'), 'kyso Revocation Test CA');
      const by = flaw === 'other-ca' ? 'other-ca' : 'ca';
      issueTestCertificate({
        base,
        subject: `/C=VN/CN=kyso OCSP Responder ${serial}`,
        caFile: file(`${by}.pem`),
        caKeyFile: file(`${by}.key`),
        serialHex: serial,
        ...(flaw === 'expired' ? { days: 2, backdateDays: 5 } : { days: 10 }),
        extensions: `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n${flaw === 'no-ocsp-signing' ? 'extendedKeyUsage=clientAuth' : 'extendedKeyUsage=OCSPSigning'}\n`,
      });
      return {
        der: new Uint8Array(execFileSync('openssl', ['x509', '-in', `${base}.pem`, '-outform', 'DER'])),
        pemPath: `${base}.pem`,
        keyPath: `${base}.key`,
      };
    },
    respondAs(signer, sigopts = []) {
      responder = signer;
      responderSigopts = sigopts;
    },
    set(service, isUp) {
      up[service] = isUp;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
