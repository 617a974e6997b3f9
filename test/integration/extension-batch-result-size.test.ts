/**
 * Documents near their size limit in a batch, through the extension's batch job (jobs.ts, the
 * document preparer in-process as in Firefox) against the real host and a SoftHSM token: a 16 MiB
 * scan signed with the agency's seal, a 4 MiB XML report. What kyso itself adds (the signature's
 * revision and its images; the XML serialised again and its Signature) must not make a result the
 * page cannot be given: the batch's answer is checked against the page schema, as the request table
 * and the SDK check it, and pdfsig / xmlsec1 verify the signatures. A document whose signed form
 * would be too large fails alone, typed, before the token signs it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, PDFName } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { planBatch } from '../../extension/src/background/batch-plans.js';
import { batchJob } from '../../extension/src/background/jobs.js';
import { NativeHostClient } from '../../extension/src/background/native-host.js';
import { DocumentService } from '../../extension/src/documents/service.js';
import { bytesToBase64 } from '../../shared/encoding.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { pageRequests, type PageDocument } from '../../shared/protocol/page.js';
import { hostEnvironment, startedHostsEnded } from '../support/native-messaging-browser.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { xmlsecVerify } from '../support/xmlsec.js';
import { rgbaPng, rowShiftedNoisePng } from '../support/pdf-images.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { copyTestToken, type TestToken } from '../support/token.js';

vi.hoisted(() => {
  // bench.ts's compile-time constant, as every build but the benchmark's defines it.
  (globalThis as { __KYSO_BENCH__?: boolean }).__KYSO_BENCH__ = false;
});
vi.mock('webextension-polyfill', async () => ({
  default: (await import('../support/native-messaging-browser.js')).nativeMessagingBrowser,
}));

/** One A4 page showing one scanned image (uncompressed noise), the whole file `bytes` long or a little less. */
async function scannedPdf(bytes: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const side = Math.floor(Math.sqrt((bytes - 2048) / 3));
  const scan = doc.context.stream(randomBytes(side * side * 3), {
    Type: 'XObject',
    Subtype: 'Image',
    Width: side,
    Height: side,
    ColorSpace: 'DeviceRGB',
    BitsPerComponent: 8,
  });
  page.node.setXObject(PDFName.of('Scan'), doc.context.register(scan));
  page.node.set(
    PDFName.of('Contents'),
    doc.context.register(doc.context.stream('q 595 0 0 842 0 0 cm /Scan Do Q')),
  );
  return doc.save({ useObjectStreams: false });
}

describe('documents near their size limit, in a batch', () => {
  let dir: string;
  let token: TestToken;
  let client: NativeHostClient;
  let largePdf: Uint8Array;
  let nssDb: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-batch-size-'));
    token = copyTestToken();
    Object.assign(hostEnvironment, token.env);
    client = new NativeHostClient();
    nssDb = makeNssDb(dir, [token.caPem]);
    largePdf = await scannedPdf(LIMITS.maxPdfBytes);
    expect(largePdf.length).toBeLessThanOrEqual(LIMITS.maxPdfBytes);
    expect(largePdf.length).toBeGreaterThan(LIMITS.maxPdfBytes - 64 * 1024);
  });
  afterAll(async () => {
    client?.disconnect();
    await startedHostsEnded();
    token?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The batch as the extension runs it after consent (key 01, RSA), its answer as the page schema
   * reads it, and how many items the job sent the token to sign.
   */
  async function signBatch(documents: PageDocument[]) {
    const batch = await planBatch(() => Promise.resolve(new DocumentService()), documents);
    let itemsSigned = 0;
    const host = new Proxy(client, {
      get: (target, key) =>
        key === 'call'
          ? (...args: Parameters<NativeHostClient['call']>) => {
              if (args[0] === 'sign-batch') itemsSigned += (args[1] as { items: unknown[] }).items.length;
              return target.call(...args);
            }
          : Reflect.get(target, key),
    });
    try {
      const { certificates } = await client.call('list-certificates', {}, LIMITS.tokenOperationTimeoutMs);
      const signer = certificates.find((c) => c.id.endsWith('/01'))!;
      const job = batchJob(
        host,
        'https://dichvucong.gov.vn',
        { documents, description: 'Quyết định' },
        batch,
      );
      const answer = await job.run(
        signer.id,
        token.pin,
        () => undefined,
        () => false,
      );
      const checked = pageRequests['sign-many'].result.safeParse(answer);
      if (!checked.success)
        throw new Error(`the page would get INTERNAL: ${checked.error.message.slice(0, 300)}`);
      return { ...checked.data, itemsSigned };
    } finally {
      batch.release();
    }
  }

  const withSeal = (pdf: Uint8Array, seal: Uint8Array, name: string): PageDocument => ({
    kind: 'pdf',
    name,
    pdf: bytesToBase64(pdf),
    appearance: {
      kind: 'image',
      rect: { x: 400, y: 60, width: 120, height: 120 },
      sealImage: bytesToBase64(seal),
    },
  });

  it('a 16 MiB scan with a 600 KB seal is signed and returned with the other document; pdfsig verifies it', async () => {
    // A photographed seal: noise that does not compress, 600 KB as a PNG (the limit is 1 MiB).
    const seal = rgbaPng(400, 400, () => [...randomBytes(3), 255] as [number, number, number, number]);
    expect(seal.length).toBeLessThan(LIMITS.maxAppearanceImageBytes);
    const { results } = await signBatch([
      withSeal(largePdf, seal, 'quyet-dinh-scan.pdf'),
      withSeal(await onePagePdf('Quyet dinh so 12'), seal, 'quyet-dinh.pdf'),
    ]);
    for (const [n, result] of results.entries()) {
      if (!result.ok || !('pdf' in result)) throw new Error(`document ${n + 1}: ${JSON.stringify(result)}`);
      const report = pdfsig(writePdf(dir, `signed-${n}.pdf`, Buffer.from(result.pdf, 'base64')), nssDb);
      expect(report.signatures, report.output).toHaveLength(1);
      expect(report.signatures[0]!.valid, report.output).toBe(true);
    }
  }, 180_000);

  it('an image that would make the signed PDF too large fails that document alone, typed, before the token signs it; the other is signed', async () => {
    // 20 KB as a PNG, 12 MB of pixels once drawn.
    const seal = rowShiftedNoisePng(2000, 2000);
    expect(seal.length).toBeLessThan(64 * 1024);
    const { results, itemsSigned } = await signBatch([
      withSeal(largePdf, seal, 'quyet-dinh-scan.pdf'),
      { kind: 'pdf', name: 'quyet-dinh.pdf', pdf: bytesToBase64(await onePagePdf('Quyet dinh so 12')) },
    ]);
    expect(results[0]).toMatchObject({
      ok: false,
      error: { code: 'DOCUMENT_TOO_LARGE', details: { limitMiB: LIMITS.maxSignedPdfBytes / (1024 * 1024) } },
    });
    expect(itemsSigned, 'the token signs only the other document').toBe(1);
    const [, other] = results;
    if (!other?.ok || !('pdf' in other)) throw new Error(`document 2: ${JSON.stringify(other)}`);
    const report = pdfsig(writePdf(dir, 'other.pdf', Buffer.from(other.pdf, 'base64')), nssDb);
    expect(report.signatures[0]?.valid, report.output).toBe(true);
  }, 180_000);
  it('an XML report that grows when serialised again (each ">" in its text becomes "&gt;") fails alone, typed, before the token signs it', async () => {
    const rows = '<dong>thu > chi</dong>\n';
    const report = `<bao-cao>\n${rows.repeat(Math.floor((LIMITS.maxXmlChars - 64) / rows.length))}</bao-cao>`;
    expect(report.length).toBeLessThanOrEqual(LIMITS.maxXmlChars);
    const small = '<to-khai><ma-so-thue>0101234567</ma-so-thue></to-khai>';
    const { results, itemsSigned } = await signBatch([
      { kind: 'xml', profile: 'generic', name: 'bao-cao.xml', xml: report },
      { kind: 'xml', profile: 'generic', name: 'to-khai.xml', xml: small },
    ]);
    expect(results[0]).toMatchObject({
      ok: false,
      error: { code: 'DOCUMENT_TOO_LARGE', details: { limitMiB: 4 } },
    });
    expect(itemsSigned, 'the token signs only the other document').toBe(1);
    const [, other] = results;
    if (!other?.ok || !('xml' in other)) throw new Error(`document 2: ${JSON.stringify(other)}`);
    const verified = xmlsecVerify(dir, other.xml, token.caPem, 'to-khai.xml', []);
    expect(verified.ok, verified.output).toBe(true);
  }, 180_000);
});
