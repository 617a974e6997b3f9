/**
 * `kyso verify --serve` (the built CLI, its own process) against requests no portal backend sends
 * but anyone on the network can: each gets a JSON error and the service keeps serving.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import { PDFDict, PDFRef } from 'pdf-lib';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OID } from '../../shared/cms/algorithms.js';
import { signCades } from '../../shared/cms/cades.js';
import { LONG_TERM_OID } from '../../shared/cms/long-term.js';
import { addSignatureTimestamp } from '../../shared/cms/timestamp.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { signPdf } from '../../shared/pdf/pades.js';
import { createVerifierService } from '../../verifier/src/index.js';
import { deflatedZeros, objectStreamBomb, xrefStreamBomb } from '../support/deflate-bomb.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { makeSoftwareIdentity, padesSignerOf, type SoftwareIdentity } from '../support/software-signer.js';
import { startLocalTsa } from '../support/tsa.js';
import { KYSO_CLI, startVerifierService, type VerifierService } from '../support/verifier-service.js';

const GiB = 1 << 30;

/** One raw HTTP/1.1 request (a request line Node's client would never write), the whole answer. */
function rawRequest(base: string, requestLine: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(`${requestLine}\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`),
    );
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/**
 * A signed PDF, then an incremental update (a well-formed one: xref, trailer) giving its catalog a
 * DSS whose one certificate stream inflates to `inflated` bytes.
 */
async function dssBomb(inflated: number): Promise<Buffer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-dss-bomb-'));
  try {
    const who = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Ký');
    const signed = await signPdf(
      await onePagePdf('Signed'),
      {},
      padesSignerOf({ der: who.certificateDer, signer: who.signer }),
    );
    const model = await openPdfModel(signed);
    const catalogRef = model.context.trailerInfo.Root as PDFRef;
    const entries = model.context
      .lookup(catalogRef, PDFDict)
      .entries()
      .map(([key, value]) => `${key.toString()} ${value.toString()}`)
      .join(' ');
    const bomb = await deflatedZeros(inflated);
    const n = model.context.largestObjectNumber + 1;
    const tail = Buffer.from(signed.subarray(signed.length - 64)).toString('latin1');
    const previous = /startxref\s+(\d+)/.exec(tail)![1];
    const catalogAt = signed.length + 1;
    const catalog = `${catalogRef.objectNumber} 0 obj\n<< ${entries} /DSS << /Certs [${n} 0 R] >> >>\nendobj\n`;
    const streamAt = catalogAt + catalog.length;
    const stream = Buffer.concat([
      Buffer.from(`${n} 0 obj\n<< /Length ${bomb.length} /Filter /FlateDecode >>\nstream\n`),
      bomb,
      Buffer.from('\nendstream\nendobj\n'),
    ]);
    const xrefAt = streamAt + stream.length;
    const entry = (offset: number) => `${String(offset).padStart(10, '0')} 00000 n \n`;
    const xref =
      `xref\n${catalogRef.objectNumber} 1\n${entry(catalogAt)}${n} 1\n${entry(streamAt)}` +
      `trailer\n<< /Size ${n + 1} /Root ${catalogRef.toString()} /Prev ${previous} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    return Buffer.concat([signed, Buffer.from(`\n${catalog}`), stream, Buffer.from(xref)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The peak resident memory of a process so far, bytes (Linux: VmHWM). */
function peakMemory(pid: number): number {
  const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) * 1024;
}

describe('kyso verify --serve under hostile requests', () => {
  let service: VerifierService;

  beforeAll(async () => {
    service = await startVerifierService([]);
  });
  afterAll(() => service?.stop());

  it('a request target that is no URL (POST http://[::1) is a JSON 400, and the service keeps serving', async () => {
    for (const line of ['POST http://[::1 HTTP/1.1', 'GET http://[::1/health HTTP/1.1']) {
      const answer = await rawRequest(service.base, line);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
        error: 'BAD_REQUEST',
        message: 'the request target is not a valid path',
      });
    }
    expect(service.process.exitCode).toBeNull();
    const health = await fetch(`${service.base}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
  });

  it('a PDF whose DSS stream inflates to 1 GiB is a 400 and the service stays small', async () => {
    const pdf = await dssBomb(GiB);
    expect(pdf.length).toBeLessThan(2 << 20);
    const response = await fetch(`${service.base}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/pdf' },
      body: new Uint8Array(pdf), // its own ArrayBuffer: what fetch types as a body
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'BAD_REQUEST',
      message: "the PDF's validation data (DSS) decodes to more than 8388608 bytes",
    });
    // Node and the verifier take well under 200 MiB; inflating the stream would take over a GiB.
    expect(peakMemory(service.process.pid!)).toBeLessThan(512 << 20);
  });

  it('POST /extend of a PDF whose DSS inflates to 1 GiB is the same 400, not a 500', async () => {
    const pdf = await dssBomb(GiB);
    const response = await fetch(`${service.base}/extend?level=B-LT`, {
      method: 'POST',
      headers: { 'content-type': 'application/pdf' },
      body: new Uint8Array(pdf),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'BAD_REQUEST',
      message: "the PDF's validation data (DSS) decodes to more than 8388608 bytes",
    });
    expect(peakMemory(service.process.pid!)).toBeLessThan(512 << 20);
  });

  it('kyso verify --extend of that PDF: exit 2 (bad input) with the same sentence', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-extend-dss-bomb-'));
    try {
      const file = path.join(dir, 'dss-bomb.pdf');
      writeFileSync(file, await dssBomb(GiB));
      const out = path.join(dir, 'out.pdf');
      const run = spawnSync(process.execPath, [KYSO_CLI, 'verify', '--extend', 'B-LT', file, '--out', out], {
        encoding: 'utf8',
      });
      expect(run.stderr).toBe("the PDF's validation data (DSS) decodes to more than 8388608 bytes\n");
      expect(run.status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a PDF whose object stream or cross-reference stream inflates to 1 GiB is a 400 and the service stays small', async () => {
    const bomb = await deflatedZeros(GiB);
    for (const pdf of [objectStreamBomb(bomb), xrefStreamBomb(bomb)]) {
      expect(pdf.length).toBeLessThan(2 << 20);
      const response = await fetch(`${service.base}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/pdf' },
        body: new Uint8Array(pdf),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'BAD_REQUEST',
        message:
          "the PDF's cross-reference or object streams decode to more than 33554432 bytes each or 134217728 in all",
      });
    }
    expect(peakMemory(service.process.pid!)).toBeLessThan(512 << 20);
  });
});

describe('kyso verify --roots with a file that holds no certificate', () => {
  let dir: string;
  let files: { pem: string; der: string; missing: string; pdf: string };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-verify-bad-roots-'));
    const who = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Ký');
    files = {
      pem: path.join(dir, 'bogus-root.pem'), // a CERTIFICATE block that is none
      der: path.join(dir, 'bogus-root.der'), // bytes that are no DER at all
      missing: path.join(dir, 'nowhere.pem'),
      pdf: path.join(dir, 'signed.pdf'),
    };
    writeFileSync(files.pem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    writeFileSync(files.der, Buffer.from('3d2bb5c7ced991baf1a1882e5c790b0d1f10fe5558ba3e39', 'hex'));
    const signed = await signPdf(
      await onePagePdf('Signed'),
      {},
      padesSignerOf({ der: who.certificateDer, signer: who.signer }),
    );
    writeFileSync(files.pdf, signed);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the one-shot CLI: exit 2 (bad input, not TOTAL-FAILED) and one line of kyso's naming the file", () => {
    const cases = [
      [files.pem, `${files.pem}: PEM block 1 is not an X.509 certificate`],
      [files.der, `${files.der}: the file is not an X.509 certificate`],
      [files.missing, `${files.missing}: cannot be read (no such file, or no permission)`],
    ];
    for (const [roots, message] of cases) {
      const run = spawnSync(process.execPath, [KYSO_CLI, 'verify', files.pdf, '--roots', roots!], {
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toBe(`cannot read certificates: ${message}\n`);
      expect(run.stdout).toBe('');
    }
  });

  it("a document or --detached data that cannot be read (missing, a folder): exit 2 and kyso's line naming it, not Node's", () => {
    const cases = [
      [[files.missing], files.missing],
      [[dir], dir],
      [[files.pdf, '--detached', files.missing], files.missing],
    ] as const;
    for (const [args, named] of cases) {
      const run = spawnSync(process.execPath, [KYSO_CLI, 'verify', ...args], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toBe(`${named}: cannot be read (no such file, a folder, or no permission)\n`);
      expect(run.stdout).toBe('');
    }
  });

  it("--extend with an --out that cannot be written, --serve on a port in use: exit 2 and kyso's line, not Node's stack", async () => {
    const out = path.join(dir, 'no-such-folder', 'b-lt.pdf');
    const extend = spawnSync(
      process.execPath,
      [KYSO_CLI, 'verify', '--extend', 'B-LT', files.pdf, '--out', out],
      {
        encoding: 'utf8',
      },
    );
    expect(extend.stderr).toBe(`${out}: cannot be written (no such folder, or no permission)\n`);
    expect(extend.status).toBe(2);

    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const serve = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [KYSO_CLI, 'verify', '--serve', '--port', String(port)], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
      expect(serve.stderr).toBe(
        `kyso verify: cannot listen on 127.0.0.1:${port} (the port is in use, or the address is not this machine's)\n`,
      );
      expect(serve.code).toBe(2);
    } finally {
      busy.close();
    }
  });

  it('--serve: fails at start with the same line, never listening', async () => {
    const child = spawn(
      process.execPath,
      [KYSO_CLI, 'verify', '--serve', '--port', '0', '--roots', files.pem],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGTERM');
        resolve(null);
      }, 10_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(stdout).not.toMatch(/listening/);
    expect(code).toBe(2);
    expect(stderr).toBe(`cannot read certificates: ${files.pem}: PEM block 1 is not an X.509 certificate\n`);
    // In Node, the service refuses such roots when it is made, not in each verification.
    expect(() => createVerifierService({ verify: { trustedRoots: [new Uint8Array([0x30, 0x00])] } })).toThrow(
      'trustedRoots[0] is not a DER X.509 certificate',
    );
  });
});

/**
 * CMS signatures whose attributes hold values of another ASN.1 type than their definition says:
 * signed ones (anyone can sign anything with their own key) and unsigned ones (anyone can add them to
 * someone else's valid signature). Each is a report, never a 500.
 */
describe('kyso verify --serve with a CMS whose attributes are not what their type says', () => {
  let dir: string;
  let who: SoftwareIdentity;
  let service: VerifierService;
  const content = Buffer.from('Tờ khai thuế 10/2026');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-cms-attributes-'));
    who = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Ký');
    service = await startVerifierService(['--roots', who.caPem, '--revocation', 'off']);
  });
  afterAll(() => {
    service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A detached CAdES of `content`, one signed attribute's value replaced (and signed again), or one unsigned attribute added. */
  async function cmsWith(change: { signed?: [string, asn1js.AsnType]; unsigned?: [string, asn1js.AsnType] }) {
    const cms = await signCades(
      {
        contentDigest: createHash('sha256').update(content).digest(),
        digestAlgorithm: 'SHA-256',
        signerCertificate: who.certificateDer,
      },
      who.signer,
    );
    const info = pkijs.ContentInfo.fromBER(new Uint8Array(cms).buffer);
    const signedData = new pkijs.SignedData({ schema: info.content });
    const signerInfo = signedData.signerInfos[0]!;
    if (change.signed) {
      const [type, value] = change.signed;
      signerInfo.signedAttrs!.attributes.find((a) => a.type === type)!.values = [value];
      const signedBytes = new Uint8Array(signerInfo.signedAttrs!.toSchema().toBER());
      signedBytes[0] = 0x31; // signed as a SET OF
      const digest = createHash('sha256').update(signedBytes).digest();
      signerInfo.signature = new asn1js.OctetString({
        valueHex: (await who.signer.signDigest(digest, 'SHA-256')).slice().buffer,
      });
    }
    if (change.unsigned) {
      const [type, value] = change.unsigned;
      signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
        type: 1,
        attributes: [new pkijs.Attribute({ type, values: [value] })],
      });
    }
    const out = new pkijs.ContentInfo({ contentType: info.contentType, content: signedData.toSchema(true) });
    return new Uint8Array(out.toSchema().toBER());
  }

  const verify = async (cms: Uint8Array) => {
    const response = await fetch(`${service.base}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        document: Buffer.from(cms).toString('base64'),
        detached: content.toString('base64'),
      }),
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        indication: string;
        signatures: Array<{
          problems: string[];
          details: string[];
          level?: string;
          claimedLevel?: string;
          timestamp?: unknown;
        }>;
      },
    };
  };

  it('revocation values that are no list of CRLs and OCSP responses, added to a valid signature: still valid (openssl agrees)', async () => {
    const cms = await cmsWith({
      unsigned: [
        LONG_TERM_OID.revocationValues,
        new asn1js.Sequence({ value: [new asn1js.Integer({ value: 1 })] }),
      ],
    });
    expect(opensslCmsVerify({ cms, content, caFile: who.caPem }).ok).toBe(true);
    const { status, body } = await verify(cms);
    expect(status).toBe(200);
    expect(body.indication).toBe('TOTAL-PASSED');
  });

  it("a signer certificate whose notBefore is no time (pkijs reads it, kyso's certificate reader does not): MALFORMED", async () => {
    const cms = Buffer.from(await cmsWith({}));
    const at = cms.indexOf(Buffer.from(who.certificateDer));
    const notBefore = cms.indexOf(Buffer.from([0x17, 0x0d]), at); // the first UTCTime of the certificate
    cms[notBefore + 2 + 6] = 'X'.charCodeAt(0); // YYMMDDhh → YYMMDDXh
    const { status, body } = await verify(cms);
    expect(status).toBe(200);
    expect(body.indication).toBe('TOTAL-FAILED');
    expect(body.signatures[0]!.problems).toEqual(['MALFORMED']);
  });

  it('a signature time-stamp whose messageDigest attribute holds no value: the time-stamp is ignored (B-B, claimed B-T), not a 500', async () => {
    const tsa = await startLocalTsa();
    try {
      const stamped = await addSignatureTimestamp(await cmsWith({}), tsa.url);
      const info = pkijs.ContentInfo.fromBER(new Uint8Array(stamped).buffer);
      const signedData = new pkijs.SignedData({ schema: info.content });
      const attribute = signedData.signerInfos[0]!.unsignedAttrs!.attributes[0]!;
      const token = pkijs.ContentInfo.fromBER(
        new Uint8Array((attribute.values[0] as asn1js.Sequence).toBER()).buffer,
      );
      const tokenData = new pkijs.SignedData({ schema: token.content });
      tokenData.signerInfos[0]!.signedAttrs!.attributes.find((a) => a.type === OID.messageDigest)!.values =
        [];
      attribute.values = [
        new pkijs.ContentInfo({
          contentType: token.contentType,
          content: tokenData.toSchema(true),
        }).toSchema(),
      ];
      const cms = new pkijs.ContentInfo({
        contentType: info.contentType,
        content: signedData.toSchema(true),
      });
      const { status, body } = await verify(new Uint8Array(cms.toSchema().toBER()));
      expect(status).toBe(200);
      // EN 319 102-1 §5.5.4: a time-stamp that does not verify is dropped; the signature is judged without it.
      expect(body.indication).toBe('TOTAL-PASSED');
      expect(body.signatures[0]).toMatchObject({ problems: [], level: 'B-B', claimedLevel: 'B-T' });
      expect(body.signatures[0]!.timestamp).toBeUndefined();
      expect(body.signatures[0]!.details.join('\n')).toMatch(/the signature time-stamp .*is ignored: /);
    } finally {
      await tsa.close();
    }
  });

  it('a signed signingTime that is no time, a signed signingCertificateV2 that is no ESSCertIDv2 list: MALFORMED', async () => {
    for (const [name, type] of [
      ['signingTime', OID.signingTime],
      ['signingCertificateV2', OID.signingCertificateV2],
    ] as const) {
      const cms = await cmsWith({ signed: [type, new asn1js.Integer({ value: 7 })] });
      const { status, body } = await verify(cms);
      expect(status, name).toBe(200);
      expect(body.indication, name).toBe('TOTAL-FAILED');
      expect(body.signatures[0]!.problems, name).toEqual(['MALFORMED']);
    }
    expect(service.process.exitCode).toBeNull();
  });
});
