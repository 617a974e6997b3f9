/**
 * The verifier as a portal backend in another language sees it: `kyso verify --serve` (the built
 * CLI, a separate process) answering POST /verify with the JSON report. Each sub-indication is
 * reached through it; bad input gets a JSON 400/413 and the service keeps serving. The one-shot
 * CLI's exit codes and --json output too.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCades } from '../../shared/cms/cades.js';
import {
  addSignatureTimestamp,
  attachSignatureTimestamp,
  signatureValue,
} from '../../shared/cms/timestamp.js';
import { addDocumentTimestamp, readDss } from '../../shared/pdf/long-term.js';
import { signXml } from '../../shared/xml/xmldsig.js';
import { signPdf } from '../../shared/pdf/pades.js';
import { extendCms } from '../../verifier/src/extend.js';
import { startRevocationCa, type IssuedCertificate, type RevocationCa } from '../support/revocation-ca.js';
import { opensslCmsSign, selfSigned } from '../support/openssl.js';
import { makeSoftwareIdentity, padesSignerOf } from '../support/software-signer.js';
import { responseSchema, schemaErrors, verifierOpenApi } from '../support/openapi.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { REAL_EINVOICES_SIGNED } from '../support/fixtures.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';
import { KYSO_CLI, startVerifierService, type VerifierService } from '../support/verifier-service.js';

const KYSO = KYSO_CLI;
const openApi = verifierOpenApi();
/** Every answer is what docs/verifier.md's OpenAPI says, field by field (what a Java/C#/PHP client is written from). */
function expectDescribed(status: number, body: unknown, route = '/verify', method = 'post') {
  expect(
    schemaErrors(openApi, responseSchema(openApi, route, method, status), body),
    JSON.stringify(body),
  ).toEqual([]);
}
const content = Buffer.from('Đơn đề nghị — bản ký số\n');
const digestOf = (data: Uint8Array) => createHash('sha256').update(data).digest();

interface Answer {
  status: number;
  body: {
    error?: string;
    indication?: string;
    document?: string;
    missing?: string[];
    format?: string;
    signatures?: Array<
      Record<string, unknown> & { subIndication?: string; signer?: { name: string; cccd?: string[] } }
    >;
  };
}

describe('kyso verify --serve (HTTP) and kyso verify (CLI)', () => {
  let ca: RevocationCa;
  let tsa: LocalTsa;
  let dir: string;
  let good: IssuedCertificate;
  let revoked: IssuedCertificate;
  let service: VerifierService;
  let base: string;

  const cmsBy = (who: IssuedCertificate, extra: { signingTime?: Date; chain?: Uint8Array[] } = {}) =>
    signCades(
      { contentDigest: digestOf(content), digestAlgorithm: 'SHA-256', signerCertificate: who.der, ...extra },
      who.signer,
    );
  const post = async (
    body: Uint8Array | string | object,
    query = '',
    type?: string,
    route = '/verify',
  ): Promise<Answer> => {
    const json = typeof body === 'object' && !(body instanceof Uint8Array);
    const response = await fetch(`${base}${route}${query}`, {
      method: 'POST',
      headers: { 'content-type': type ?? (json ? 'application/json' : 'application/octet-stream') },
      body: json ? JSON.stringify(body) : (body as string),
    });
    const answer = { status: response.status, body: (await response.json()) as Answer['body'] };
    expectDescribed(answer.status, answer.body, route);
    return answer;
  };
  const detached = (cms: Uint8Array, data: Uint8Array = content) => ({
    document: Buffer.from(cms).toString('base64'),
    detached: Buffer.from(data).toString('base64'),
  });

  beforeAll(async () => {
    [ca, tsa] = await Promise.all([startRevocationCa(), startLocalTsa()]);
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-verify-service-'));
    good = ca.issue('/C=VN/CN=Nguyễn Văn Dịch Vụ/UID=CCCD:001199000555');
    revoked = ca.issue('/C=VN/O=Công ty Thu Hồi/CN=Công ty Thu Hồi/UID=MST:0108888888');
    ca.revoke(revoked);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // one-second certificate times
    service = await startVerifierService([
      '--roots',
      ca.caPemPath,
      '--tsa-roots',
      tsa.caPemPath,
      '--max-bytes',
      String(20 << 20),
      '--tsa',
      tsa.url,
    ]);
    base = service.base;
  }, 60_000);
  afterAll(async () => {
    service?.stop();
    await Promise.all([ca.close(), tsa.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a good detached CMS as JSON: TOTAL-PASSED with the signer and the evidence; an HTKK return as XML with what it covers; the SDK's base64 as a raw body with no data: FORMAT_FAILURE", async () => {
    const cms = await cmsBy(good);
    const ok = await post(detached(cms));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ format: 'cms', indication: 'TOTAL-PASSED' });
    // The document's fields before its signatures: a client without a JSON parser reads the first "indication".
    expect(Object.keys(ok.body)).toEqual(['format', 'indication', 'valid', 'validationTime', 'signatures']);
    expect(ok.body.signatures![0]).toMatchObject({
      signer: { name: 'Nguyễn Văn Dịch Vụ', cccd: ['001199000555'] },
      revocation: { status: 'good', source: 'ocsp', origin: 'online' },
      timeSource: 'signed-attribute',
    });
    expect(ok.body.signatures![0]!.chain).toHaveLength(2);
    const taxReturn = await signXml(
      readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8'),
      { profile: 'htkk', certificate: good.der },
      good.signer,
    );
    const xml = await post(taxReturn, '?revocation=require', 'application/xml');
    expect(xml.body).toMatchObject({ format: 'xml', indication: 'TOTAL-PASSED' });
    expect(xml.body.signatures![0]).toMatchObject({
      format: 'XMLDSig',
      signer: { name: 'Nguyễn Văn Dịch Vụ' },
      coverage: { wholeDocument: false, references: ['#_NODE_TO_SIGN'] },
      party: { role: 'taxpayer', taxCodes: ['0101234567'], signerCarries: false },
    });
    // The tax office's message 202: the seller's signature, then the tax authority's over the code it gave.
    const coded = await post(REAL_EINVOICES_SIGNED.tct202, '', 'application/xml');
    expect(coded.body.signatures!.map((signature) => signature.party)).toEqual([
      { role: 'seller', taxCodes: ['0106324653'], signerCarries: true },
      { role: 'tax-authority', taxCodes: [], invoiceCode: '00474597512BE94B7BAB367996EF464828' },
    ]);
    const noData = await post(Buffer.from(cms).toString('base64'), '', 'text/plain');
    expect(noData.body.signatures![0]).toMatchObject({
      indication: 'TOTAL-FAILED',
      subIndication: 'FORMAT_FAILURE',
    });
  });

  it('each sub-indication is reached and reported', async () => {
    const cms = await cmsBy(good);
    const expectOutcome = async (answer: Promise<Answer>, indication: string, subIndication: string) => {
      const { status, body } = await answer;
      expect(status).toBe(200);
      expect(
        { indication: body.signatures![0]!.indication, subIndication: body.signatures![0]!.subIndication },
        JSON.stringify(body.signatures![0]!.details),
      ).toEqual({ indication, subIndication });
    };
    await expectOutcome(post(detached(cms, Buffer.from('đã sửa'))), 'TOTAL-FAILED', 'HASH_FAILURE');
    const broken = Buffer.from(cms);
    const value = Buffer.from(signatureValue(cms));
    const at = broken.indexOf(value) + 10;
    broken[at] = broken[at]! ^ 0xff;
    await expectOutcome(post(detached(broken)), 'TOTAL-FAILED', 'SIG_CRYPTO_FAILURE');
    await expectOutcome(post(detached(await cmsBy(revoked))), 'TOTAL-FAILED', 'REVOKED');
    const stranger = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Lạ/UID=CCCD:001199000999');
    const strangerCms = await signCades(
      {
        contentDigest: digestOf(content),
        digestAlgorithm: 'SHA-256',
        signerCertificate: new Uint8Array(stranger.certificateDer),
      },
      stranger.signer,
    );
    await expectOutcome(post(detached(strangerCms)), 'INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND');
    await expectOutcome(
      post(detached(cms), `?at=${new Date(Date.now() + 12 * 86_400_000).toISOString()}`),
      'INDETERMINATE',
      'OUT_OF_BOUNDS_NO_POE',
    );
    await expectOutcome(
      post(detached(await cmsBy(good, { signingTime: new Date(Date.now() - 86_400_000) }))),
      'INDETERMINATE',
      'NOT_YET_VALID',
    );
    // A time-stamp over another signature proves nothing about this one: it is ignored (EN 319 102-1
    // §5.5.4), the signature judged as the B-B it achieves.
    const other = await addSignatureTimestamp(await cmsBy(revoked), tsa.url);
    const { parseSignedData } = await import('../../shared/cms/long-term.js');
    const { signatureTimestampTokens } = await import('../../shared/cms/verify-timestamp.js');
    const foreignToken = signatureTimestampTokens(parseSignedData(other)!.signerInfo)[0]!;
    const foreign = await post(detached(attachSignatureTimestamp(cms, foreignToken)));
    expect(foreign.body.signatures![0]).toMatchObject({
      indication: 'TOTAL-PASSED',
      level: 'B-B',
      claimedLevel: 'B-T',
    });
    // A document time-stamp of a TSA under no --tsa-roots: itself INDETERMINATE / NO_POE.
    const rogueTsa = await startLocalTsa();
    try {
      const stamped = await addDocumentTimestamp(await onePagePdf('Luu tru'), rogueTsa.url);
      await expectOutcome(post(stamped, '', 'application/pdf'), 'INDETERMINATE', 'NO_POE');
    } finally {
      await rogueTsa.close();
    }
    // A time-stamp proving the signature was made after the certificate expired: the TSA's openssl runs
    // under faketime 20 days ahead (an `openssl` wrapper first on PATH while it answers).
    const wrapper = path.join(dir, 'faketime-bin');
    const { chmodSync } = await import('node:fs');
    mkdirSync(wrapper, { recursive: true });
    writeFileSync(path.join(wrapper, 'openssl'), '#!/bin/sh\nexec faketime -f +20d /usr/bin/openssl "$@"\n');
    chmodSync(path.join(wrapper, 'openssl'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${wrapper}:${savedPath}`;
    let late: Uint8Array;
    try {
      late = await addSignatureTimestamp(cms, tsa.url);
    } finally {
      process.env.PATH = savedPath;
    }
    await expectOutcome(post(detached(late)), 'TOTAL-FAILED', 'EXPIRED');
    // openssl's -nocerts: the signer's certificate is not in the CMS.
    const key = path.join(dir, 'nocerts.key');
    writeFileSync(path.join(dir, 'content.txt'), content);
    selfSigned({
      keyFile: key,
      certFile: path.join(dir, 'nocerts.pem'),
      subject: '/CN=nocerts',
      days: 2,
      extensions: [],
    });
    const nocerts = await opensslCmsSign({
      contentFile: path.join(dir, 'content.txt'),
      certificateFile: path.join(dir, 'nocerts.pem'),
      keyFile: key,
      outFile: path.join(dir, 'nocerts.der'),
      flags: ['-nocerts'],
    });
    await expectOutcome(post(detached(nocerts)), 'INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND');

    const doc = await PDFDocument.create();
    doc.addPage();
    const pdf = await signPdf(await doc.save(), {}, padesSignerOf(good));
    const answer = await post(
      Buffer.concat([pdf, Buffer.from('\n% changed after signing\n')]),
      '',
      'application/pdf',
    );
    expect(answer.body.format).toBe('pdf');
    await expectOutcome(Promise.resolve(answer), 'TOTAL-FAILED', 'SIG_CONSTRAINTS_FAILURE');

    ca.set('ocsp', false);
    ca.set('crl', false);
    try {
      await expectOutcome(post(detached(cms), '?revocation=require'), 'INDETERMINATE', 'TRY_LATER');
      expect((await post(detached(cms), '?revocation=prefer')).body.indication).toBe('TOTAL-PASSED');
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
  });

  it('bad input gets a JSON 400 or 413 and the service keeps serving', async () => {
    const cms = await cmsBy(good);
    const expectError = async (answer: Promise<Answer>, status: number, error: string) => {
      const got = await answer;
      expect(got.status).toBe(status);
      expect(got.body.error).toBe(error);
    };
    await expectError(
      post(Buffer.from('%PDF-1.7\nthis is not a PDF\n'), '', 'application/pdf'),
      400,
      'UNKNOWN_FORMAT',
    );
    await expectError(post(detached(cms.subarray(0, cms.length / 2))), 400, 'NOT_DER');
    await expectError(post('Xin chào, không phải chữ ký', '', 'text/plain'), 400, 'NOT_DER');
    const entities =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;&b;</r>';
    await expectError(post(entities, '', 'application/xml'), 400, 'UNKNOWN_FORMAT');
    await expectError(post('{"document": 12}', '', 'application/json'), 400, 'BAD_REQUEST');
    await expectError(post('{not json', '', 'application/json'), 400, 'BAD_REQUEST');
    await expectError(
      post({ document: Buffer.from(cms).toString('base64') }, '?revocation=sometimes'),
      400,
      'BAD_REQUEST',
    );

    // 200 MiB streamed in 1 MiB chunks (over the 20 MiB limit set on the command line): 413, memory is not kept.
    const big = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${base}/verify`,
        { method: 'POST', headers: { 'content-type': 'application/pdf' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const write = () => {
        while (sent < 200) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ error: 'TOO_LARGE' });
    expectDescribed(413, JSON.parse(big.body));

    expect((await fetch(`${base}/verify`)).status).toBe(405);
    const health = (await (await fetch(`${base}/health`)).json()) as object;
    expect(health).toMatchObject({ status: 'ok' });
    expectDescribed(200, health, '/health', 'get');
    expect((await post(detached(cms))).body.indication).toBe('TOTAL-PASSED');
  }, 120_000);

  it('kyso verify --extend and POST /extend on already-signed files (PDF → B-LT and B-LTA, CMS → CAdES-LT; bad input 400); after the expiry with the CA down the service says TOTAL-PASSED, B-T INDETERMINATE', async () => {
    const runKyso = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        // Asynchronously: the CA's responder and the TSA answer from this process.
        const child = spawn(process.execPath, [KYSO, 'verify', ...args]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const doc = await PDFDocument.create();
    doc.addPage();
    const bT = await signPdf(await doc.save(), { level: 'B-T', tsaUrl: tsa.url }, padesSignerOf(good));
    const cadesT = await addSignatureTimestamp(await cmsBy(good), tsa.url);
    writeFileSync(path.join(dir, 'b-t.pdf'), bT);
    writeFileSync(path.join(dir, 'cades-t.p7s'), cadesT);
    const extended: Record<string, Buffer> = {};
    for (const [level, input, out] of [
      ['B-LT', 'b-t.pdf', 'b-lt.pdf'],
      ['B-LTA', 'b-t.pdf', 'b-lta.pdf'],
      ['B-LT', 'cades-t.p7s', 'cades-lt.p7s'],
    ] as const) {
      const ran = await runKyso([
        '--extend',
        level,
        path.join(dir, input),
        '--out',
        path.join(dir, out),
        '--tsa',
        tsa.url,
        '--roots',
        ca.caPemPath,
      ]);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toContain(out.endsWith('.pdf') ? `PAdES ${level}` : 'CAdES-LT');
      extended[out] = readFileSync(path.join(dir, out));
      if (out.endsWith('.pdf'))
        expect(extended[out].subarray(0, bT.length).equals(Buffer.from(bT))).toBe(true);
    }
    expect((await readDss(extended['b-lta.pdf']!)).ocsps).toHaveLength(1);
    // The same through the service, for a backend in another language: POST /extend.
    const extendedByService = await post(bT, '?level=B-LTA', 'application/pdf', '/extend');
    expect(extendedByService.status, JSON.stringify(extendedByService.body)).toBe(200);
    expect(extendedByService.body).toMatchObject({ format: 'pdf', level: 'B-LTA' });
    expect(extendedByService.body.missing!.join(' ')).not.toMatch(/Dịch Vụ/); // the signer's OCSP answer was found
    extended['service-b-lta.pdf'] = Buffer.from(extendedByService.body.document!, 'base64');
    expect(extended['service-b-lta.pdf'].subarray(0, bT.length).equals(Buffer.from(bT))).toBe(true);
    const cadesByService = await post(
      { document: Buffer.from(cadesT).toString('base64') },
      '?level=B-LT',
      undefined,
      '/extend',
    );
    expect(cadesByService.body).toMatchObject({ format: 'cms', level: 'B-LT' });
    extended['service-cades-lt.p7s'] = Buffer.from(cadesByService.body.document!, 'base64');
    const refused = async (body: Uint8Array | string, query: string, type: string, error: string) => {
      const answer = await post(body, query, type, '/extend');
      expect([answer.status, answer.body.error], JSON.stringify(answer.body)).toEqual([400, error]);
    };
    await refused(bT, '?level=B-X', 'application/pdf', 'BAD_REQUEST');
    await refused(await onePagePdf('Chua ky'), '?level=B-LT', 'application/pdf', 'BAD_REQUEST'); // nothing signed to extend
    await refused(
      Buffer.from('%PDF-1.7\nkhông phải PDF\n'),
      '?level=B-LT',
      'application/pdf',
      'UNKNOWN_FORMAT',
    );
    await refused(cadesT, '?level=B-LTA', 'application/octet-stream', 'BAD_REQUEST');
    await refused('<a>xml</a>', '?level=B-LT', 'application/xml', 'UNKNOWN_FORMAT');
    await refused(cadesT.subarray(0, 200), '?level=B-LT', 'application/octet-stream', 'NOT_DER');
    // A time-stamping server that does not answer: 502, described, and the service goes on.
    const deadTsa = await startVerifierService(['--roots', ca.caPemPath, '--tsa', 'http://127.0.0.1:9/tsa']);
    try {
      const response = await fetch(`${deadTsa.base}/extend?level=B-LTA`, {
        method: 'POST',
        headers: { 'content-type': 'application/pdf' },
        body: new Uint8Array(bT),
      });
      const body = (await response.json()) as object;
      expect([response.status, body]).toMatchObject([502, { error: 'UPSTREAM_FAILED' }]);
      expectDescribed(502, body, '/extend');
      expect((await fetch(`${deadTsa.base}/health`)).status).toBe(200);
    } finally {
      deadTsa.stop();
    }

    ca.set('ocsp', false);
    ca.set('crl', false);
    try {
      const served = ca.served.ocsp + ca.served.crl;
      const later = `?revocation=require&at=${new Date(Date.now() + 12 * 86_400_000).toISOString()}`;
      for (const name of ['service-b-lta.pdf', 'service-cades-lt.p7s']) {
        const answer = name.endsWith('.pdf')
          ? await post(extended[name]!, later, 'application/pdf')
          : await post(detached(extended[name]!), later);
        expect(
          answer.body.indication,
          `${name}: ${JSON.stringify(answer.body.signatures?.map((s) => s.details))}`,
        ).toBe('TOTAL-PASSED');
      }
      const lta = await post(extended['b-lta.pdf']!, later, 'application/pdf');
      expect(lta.body.indication, JSON.stringify(lta.body.signatures?.map((s) => s.details))).toBe(
        'TOTAL-PASSED',
      );
      expect(lta.body.signatures!.map((s) => [s.kind, s.level ?? null])).toEqual([
        ['signature', 'B-LTA'],
        ['document-timestamp', null],
      ]);
      expect(lta.body.signatures![0]).toMatchObject({
        timeSource: 'timestamp',
        revocation: { status: 'good', origin: 'embedded' },
        coverage: { wholeDocument: false, after: 'validation-data' },
      });
      expect(lta.body.signatures![1]).toMatchObject({
        timestamp: { tsa: 'kyso Test Time-Stamping Authority' },
        coverage: { wholeDocument: true },
      });
      const lt = await post(extended['b-lt.pdf']!, later, 'application/pdf');
      expect(lt.body.indication).toBe('TOTAL-PASSED');
      expect(lt.body.signatures![0]!.level).toBe('B-LT');
      const cadesLt = await post(detached(extended['cades-lt.p7s']!), later);
      expect(cadesLt.body.indication).toBe('TOTAL-PASSED');
      expect(cadesLt.body.signatures![0]).toMatchObject({
        level: 'B-LT',
        revocation: { origin: 'embedded' },
      });
      expect(ca.served.ocsp + ca.served.crl).toBe(served); // everything came from the files
      for (const answer of [await post(bT, later, 'application/pdf'), await post(detached(cadesT), later)])
        expect(answer.body.signatures![0]).toMatchObject({
          level: 'B-T',
          indication: 'INDETERMINATE',
          subIndication: 'OUT_OF_BOUNDS_NO_POE',
        });
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
  }, 120_000);

  it('the one-shot CLI: exit codes 0 / 1 / 3, a text summary, --json, --roots DIR, --revocation require|prefer|off', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(process.execPath, [KYSO, 'verify', ...args], { encoding: 'utf8' }, (error, stdout) =>
          resolve({ code: error ? Number(error.code) : 0, stdout }),
        );
      });
    const cmsFile = path.join(dir, 'good.p7s');
    const dataFile = path.join(dir, 'data.txt');
    writeFileSync(cmsFile, Buffer.from(await cmsBy(good)).toString('base64')); // the SDK's base64, as a file
    writeFileSync(dataFile, content);
    const passed = await run([cmsFile, '--detached', dataFile, '--roots', ca.caPemPath]);
    expect(passed.code, passed.stdout).toBe(0);
    expect(passed.stdout).toMatch(/^TOTAL-PASSED/);
    expect(passed.stdout).toMatch(/signer: Nguyễn Văn Dịch Vụ \(CCCD 001199000555\)/);
    const json = await run([cmsFile, '--detached', dataFile, '--roots', ca.caPemPath, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      indication: 'TOTAL-PASSED',
      signatures: [{ format: 'CMS', level: 'B-B' }],
    });
    writeFileSync(dataFile, 'khác');
    expect((await run([cmsFile, '--detached', dataFile, '--roots', ca.caPemPath])).code).toBe(1);
    writeFileSync(dataFile, content);
    const untrusted = await run([cmsFile, '--detached', dataFile]);
    expect(untrusted.code).toBe(3);
    expect(untrusted.stdout).toMatch(/INDETERMINATE \/ NO_CERTIFICATE_CHAIN_FOUND/);
    expect((await run([path.join(dir, 'missing.pdf')])).code).toBe(2);
    // A tax return: whom it names to sign it, and whether the signer's certificate is theirs.
    const returnFile = path.join(dir, 'tk.xml');
    const individualReturn = readFileSync(
      new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url),
      'utf8',
    );
    writeFileSync(
      returnFile,
      await signXml(
        individualReturn.replace('<mst>0101234567</mst>', '<mst>001199000555</mst>'),
        { profile: 'htkk', certificate: good.der },
        good.signer,
      ),
    );
    const returned = await run([returnFile, '--roots', ca.caPemPath]);
    expect(returned.code, returned.stdout).toBe(0);
    expect(returned.stdout).toContain("signs for: the taxpayer, 001199000555 — on the signer's certificate");

    // --roots DIR (a directory of PEM/DER files) and --revocation require|prefer|off, with the CA's services down.
    const rootsDir = path.join(dir, 'roots');
    mkdirSync(rootsDir, { recursive: true });
    writeFileSync(path.join(rootsDir, 'national-root.crt'), ca.caDer);
    const withPolicy = (policy: string) =>
      run([cmsFile, '--detached', dataFile, '--roots', rootsDir, '--revocation', policy, '--json']);
    const online = await withPolicy('require');
    expect(online.code, online.stdout).toBe(0);
    expect(JSON.parse(online.stdout)).toMatchObject({ signatures: [{ revocation: { status: 'good' } }] });
    ca.set('ocsp', false);
    ca.set('crl', false);
    try {
      const required = await withPolicy('require');
      expect(required.code).toBe(3);
      expect(JSON.parse(required.stdout)).toMatchObject({
        signatures: [{ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' }],
      });
      const preferred = await withPolicy('prefer');
      expect(preferred.code).toBe(0);
      expect(JSON.parse(preferred.stdout)).toMatchObject({
        signatures: [{ details: [expect.stringMatching(/^warning: revocation not checked/)] }],
      });
      const off = await withPolicy('off');
      expect(off.code).toBe(0);
      expect(JSON.parse(off.stdout).signatures[0].revocation).toBeUndefined();
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
    expect((await withPolicy('sometimes')).code).toBe(2);
  }, 60_000);

  it("POST /extend asks only the CAs of trusted chains: an upload signed under another CA (carrying it) sends the server to none of that CA's addresses, and `missing` says why", async () => {
    // The uploader's CA names the addresses: a server asked there would reach whatever the uploader chose.
    const stranger = await startRevocationCa();
    try {
      const outsider = stranger.issue('/C=VN/CN=Người Ngoài Chuỗi');
      const signed = await cmsBy(outsider, { chain: [stranger.caDer] });
      const extend = async (cms: Uint8Array) =>
        post(
          { document: Buffer.from(await addSignatureTimestamp(cms, tsa.url)).toString('base64') },
          '?level=B-LT',
          undefined,
          '/extend',
        );
      const untrusted = await extend(signed);
      expect(untrusted.body, JSON.stringify(untrusted.body)).toMatchObject({ format: 'cms', level: 'B-LT' });
      expect(stranger.served).toEqual({ ocsp: 0, crl: 0 });
      expect(untrusted.body.missing).toContain(
        'VN, Người Ngoài Chuỗi: not checked online: its chain ends in no trusted root',
      );
      // A chain to the service's root is still checked at its CA.
      const before = ca.served.ocsp + ca.served.crl;
      const trusted = await extend(await cmsBy(good));
      expect(trusted.body.missing!.join(' ')).not.toMatch(/Dịch Vụ/);
      expect(ca.served.ocsp + ca.served.crl).toBeGreaterThan(before);
    } finally {
      await stranger.close();
    }
  }, 60_000);

  it('extendCms with onlineRoots: a chain through an intermediate trusted as the anchor is checked online, though its root is not listed', async () => {
    const anchor = ca.issueIntermediate('/C=VN/O=kyso/CN=CA Trung Gian Tin Cậy');
    const signed = await cmsBy(anchor, { chain: [ca.caDer] });
    const stamped = await addSignatureTimestamp(signed, tsa.url);
    const asked = () => ca.served.ocsp + ca.served.crl;
    const before = asked();
    const untrusted =
      'VN, kyso, CA Trung Gian Tin Cậy: not checked online: its chain ends in no trusted root';
    const { missing } = await extendCms(stamped, { onlineRoots: [anchor.der] });
    expect(missing).not.toContain(untrusted);
    expect(asked()).toBeGreaterThan(before);
    // Not listed at all: nothing asked for it, and said so.
    const after = asked();
    const other = await extendCms(stamped, { onlineRoots: [tsa.caDer] });
    expect(other.missing).toContain(untrusted);
    expect(asked()).toBe(after);
  }, 60_000);
});
