/**
 * A local RFC 3161 time-stamp authority for tests: `openssl ts -reply` behind a small HTTP server
 * on 127.0.0.1, with its own throw-away CA and TSA certificate. It can also misbehave on purpose
 * (refuse, send garbage, answer late, answer another request) so that clients' error paths are tested.
 */
import { issueTestCertificate, makeTestCa } from './openssl.js';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const run = promisify(execFile);

/** How the TSA answers the next requests. */
export type TsaBehaviour =
  | { kind: 'grant' }
  /** PKIStatus rejection with failInfo badAlg and a status text. */
  | { kind: 'reject' }
  | { kind: 'garbage' }
  | { kind: 'http-error'; status: number }
  /** Grants, but only after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Grants a token whose nonce differs from the request's (a replayed or misrouted answer). */
  | { kind: 'wrong-nonce' }
  /** Grants a token over another imprint. */
  | { kind: 'wrong-imprint' }
  /**
   * Grants a token that also carries a certificate of about `extraBytes` (a TSA sending a long
   * chain, or certificates with large extensions): a large token. `afterGranting` requests from
   * now are granted as usual first (a signature's time-stamp before B-LTA's document time-stamp).
   */
  | { kind: 'large-token'; extraBytes: number; afterGranting?: number };

export interface LocalTsa {
  url: string;
  caPem: string;
  caDer: Buffer;
  caPemPath: string;
  tsaCertDer: Buffer;
  /** The TSA policy OID put in every token. */
  policy: string;
  /** Time-stamp queries received so far. */
  readonly requests: number;
  behave(behaviour: TsaBehaviour): void;
  close(): Promise<void>;
}

export const TSA_POLICY = '2.999.1.1'; // ITU example arc: never a real policy

/**
 * How the TSA is made. Legacy cryptography (what older time-stamping services used): an RSA key of
 * `rsaBits`, tokens signed with `signerDigest`, requests with SHA-1 imprints answered when
 * `sha1Imprints`. `certificateDays`: how long its certificate is valid (30 by default), for a
 * TSA whose certificate expires before the validation time; `clockDays`, a TSA stamping another day.
 */
export interface TsaSetup {
  rsaBits?: number;
  signerDigest?: 'sha1' | 'sha256';
  sha1Imprints?: boolean;
  certificateDays?: number;
  /** A certificate issued elsewhere (by a CA with an OCSP responder, to be revoked), with its key and CA: used as is. */
  issued?: { certFile: string; keyFile: string; caFile: string };
  /** Days the TSA's clock is off (openssl under faketime): its tokens are dated that far ahead or back. */
  clockDays?: number;
}

function makeCertificates(dir: string, setup: TsaSetup): void {
  if (setup.issued) {
    copyFileSync(setup.issued.certFile, path.join(dir, 'tsa.pem'));
    copyFileSync(setup.issued.keyFile, path.join(dir, 'tsa.key'));
    copyFileSync(setup.issued.caFile, path.join(dir, 'ca.pem'));
  } else makeOwnCertificates(dir, setup);
  writeFileSync(path.join(dir, 'serial'), '01\n');
  writeFileSync(
    path.join(dir, 'openssl.cnf'),
    [
      '[ tsa ]',
      'default_tsa = kyso_tsa',
      '',
      '[ kyso_tsa ]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.pem',
      'certs = $dir/ca.pem',
      'signer_key = $dir/tsa.key',
      `signer_digest = ${setup.signerDigest ?? 'sha256'}`,
      `default_policy = ${TSA_POLICY}`,
      `digests = ${setup.sha1Imprints ? 'sha1, ' : ''}sha256, sha384, sha512`,
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
}

/** The TSA's own throw-away CA and its certificate. */
function makeOwnCertificates(dir: string, setup: TsaSetup): void {
  makeTestCa(path.join(dir, 'ca.key'), path.join(dir, 'ca.pem'), 'kyso Test TSA Root');
  // RFC 3161 §2.3: one critical extendedKeyUsage, id-kp-timeStamping only.
  issueTestCertificate({
    base: path.join(dir, 'tsa'),
    subject: '/C=VN/O=kyso thử nghiệm/CN=kyso Test Time-Stamping Authority',
    caFile: path.join(dir, 'ca.pem'),
    caKeyFile: path.join(dir, 'ca.key'),
    serialHex: Date.now().toString(16),
    days: setup.certificateDays ?? 30,
    extensions:
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n',
    ...(setup.rsaBits && { rsaBits: setup.rsaBits }),
  });
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function rejection(): Buffer {
  const failInfo = new asn1js.BitString({ valueHex: new Uint8Array([0x80]).buffer, unusedBits: 7 }); // bit 0: badAlg
  const response = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({
      status: pkijs.PKIStatus.rejection,
      statusStrings: [new asn1js.Utf8String({ value: 'test TSA refuses this request' })],
      failInfo,
    }),
  });
  return Buffer.from(response.toSchema().toBER());
}

/** Rewrites a query as a TSA that answers the wrong request would see it. */
function tamperedQuery(query: Buffer, what: 'nonce' | 'imprint'): Buffer {
  const request = pkijs.TimeStampReq.fromBER(new Uint8Array(query).buffer);
  if (what === 'nonce') {
    request.nonce = new asn1js.Integer({ value: 42 });
  } else {
    const hashed = new Uint8Array(request.messageImprint.hashedMessage.valueBlock.valueHexView);
    hashed[0]! ^= 0xff;
    request.messageImprint.hashedMessage = new asn1js.OctetString({ valueHex: hashed.buffer });
  }
  return Buffer.from(request.toSchema().toBER());
}

export async function startLocalTsa(setup: TsaSetup = {}): Promise<LocalTsa> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-tsa-'));
  makeCertificates(dir, setup);
  const caPemPath = path.join(dir, 'ca.pem');
  const caPem = readFileSync(caPemPath, 'utf8');
  const caDer = execFileSync('openssl', ['x509', '-in', caPemPath, '-outform', 'DER']);
  const tsaCertDer = execFileSync('openssl', ['x509', '-in', path.join(dir, 'tsa.pem'), '-outform', 'DER']);

  let behaviour: TsaBehaviour = { kind: 'grant' };
  let requests = 0;
  let requestsSinceBehave = 0;
  // openssl updates the serial file on each reply: one reply at a time.
  let queue: Promise<unknown> = Promise.resolve();
  /**
   * A PEM file with the TSA's CA and another certificate it issued, padded to about `extraBytes`
   * (as a chain with a large certificate would be), made once per size.
   */
  const chainOf = (extraBytes: number): string => {
    const chain = path.join(dir, `chain-${extraBytes}.pem`);
    const { certFile } = issueTestCertificate({
      base: path.join(dir, `padding-${extraBytes}`),
      subject: '/C=VN/O=kyso thử nghiệm/CN=kyso Test TSA padding',
      caFile: caPemPath,
      caKeyFile: path.join(dir, 'ca.key'),
      serialHex: (Date.now() + extraBytes).toString(16),
      days: 30,
      keyType: 'EC',
      extensions: `basicConstraints=critical,CA:FALSE\n1.3.6.1.4.1.99999.1=ASN1:UTF8String:${'x'.repeat(extraBytes)}\n`,
    });
    writeFileSync(chain, caPem + readFileSync(certFile, 'utf8'));
    return chain;
  };
  const reply = (query: Buffer, chain?: string): Promise<Buffer> => {
    const next = queue.then(async () => {
      const n = requests;
      const queryPath = path.join(dir, `q${n}.tsq`);
      const replyPath = path.join(dir, `r${n}.tsr`);
      writeFileSync(queryPath, query);
      const args = [
        'ts',
        '-reply',
        '-config',
        path.join(dir, 'openssl.cnf'),
        '-queryfile',
        queryPath,
        '-out',
        replyPath,
        ...(chain ? ['-chain', chain] : []),
      ];
      const days = setup.clockDays;
      await (days
        ? run('faketime', ['-f', `${days > 0 ? '+' : ''}${days}d`, 'openssl', ...args])
        : run('openssl', args));
      return readFileSync(replyPath);
    });
    queue = next.catch(() => undefined);
    return next;
  };
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer(async (request, response) => {
    try {
      const query = await readBody(request);
      if (request.method !== 'POST' || request.headers['content-type'] !== 'application/timestamp-query') {
        response.writeHead(415).end();
        return;
      }
      requests++;
      requestsSinceBehave++;
      const current = behaviour;
      let body: Buffer;
      switch (current.kind) {
        case 'http-error':
          response.writeHead(current.status, { 'Content-Type': 'text/plain' }).end('test TSA error');
          return;
        case 'garbage':
          body = Buffer.from('<html>not a time-stamp response</html>');
          break;
        case 'reject':
          body = rejection();
          break;
        case 'wrong-nonce':
        case 'wrong-imprint':
          body = await reply(tamperedQuery(query, current.kind === 'wrong-nonce' ? 'nonce' : 'imprint'));
          break;
        case 'delay':
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              timers.delete(timer);
              resolve();
            }, current.ms);
            timers.add(timer);
          });
          body = await reply(query);
          break;
        case 'grant':
          body = await reply(query);
          break;
        case 'large-token':
          body =
            requestsSinceBehave > (current.afterGranting ?? 0)
              ? await reply(query, chainOf(current.extraBytes))
              : await reply(query);
          break;
      }
      if (!response.destroyed)
        response.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end(body);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caPem,
    caDer,
    caPemPath,
    tsaCertDer,
    policy: TSA_POLICY,
    get requests() {
      return requests;
    },
    behave(next) {
      behaviour = next;
      requestsSinceBehave = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
