import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureValue } from '../../shared/cms/timestamp.js';
import { toArrayBuffer } from '../../shared/encoding.js';
import { verifyCms } from '../../shared/cms/verify.js';
import { DEFAULT_FONT_URL } from '../../shared/pdf/appearance.js';
import { embedPdfSignature, preparePdfSignature, signPadesCms, signPdf } from '../../shared/pdf/pades.js';
import { blueSignaturePng, redSealPng } from '../support/pdf-images.js';
import {
  extractPdfSignatures,
  makeNssDb,
  pdfsig,
  pdftotext,
  verifyPdfSignatureCms,
  writePdf,
} from '../support/pdf-tools.js';
import { countPixels, isBlue, isDark, isRed, isWhite, renderPage } from '../support/pdf-raster.js';
import { opensslTsVerify } from '../support/openssl.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { tokenSigner } from '../support/token-signer.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';

const A4 = { width: 595, height: 842 };

async function twoPagePdf(options: { objectStreams: boolean }): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of ['Page one: the decision', 'Page two: the annex']) {
    const page = doc.addPage([A4.width, A4.height]);
    page.drawText(text, { x: 72, y: 500, size: 14, font });
  }
  return doc.save({ useObjectStreams: options.objectStreams });
}

describe('PAdES', () => {
  let dir: string;
  let rsa: SoftwareIdentity;
  let token: TestToken;
  let nssDb: string;
  const font = new Uint8Array(readFileSync(DEFAULT_FONT_URL));

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-pades-'));
    rsa = makeSoftwareIdentity(dir, 'RSA', '/C=VN/ST=Hà Nội/O=Ủy ban nhân dân/CN=Văn thư Ủy ban nhân dân');
    token = copyTestToken();
    nssDb = makeNssDb(dir, [path.join(dir, 'sw-ca.pem'), token.caPem]);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    token?.remove();
  });

  it('B-B with a text stamp on a classic-xref PDF: valid for pdfsig, text and pixels where they belong', async () => {
    const original = await twoPagePdf({ objectStreams: false });
    const signingTime = new Date('2025-03-04T02:05:06Z'); // 09:05:06 in Hà Nội
    const prepared = await preparePdfSignature(original, {
      signingTime,
      reason: 'Phát hành văn bản',
      location: 'Hà Nội',
      appearance: { kind: 'stamp', lines: ['Số: 123/QĐ-UBND'], font },
    });
    expect(Buffer.from(prepared.pdf.subarray(0, original.length)).equals(Buffer.from(original))).toBe(true);
    const cms = await signPadesCms(prepared, { signerCertificate: rsa.certificateDer }, rsa.signer);
    const signed = embedPdfSignature(prepared, cms);
    const file = writePdf(dir, 'stamp.pdf', signed);

    const report = pdfsig(file, nssDb);
    expect(report.signatures, report.output).toHaveLength(1);
    expect(report.signatures[0]!.valid, report.output).toBe(true);
    expect(report.signatures[0]!.trusted, report.output).toBe(true);
    expect(report.output).toContain('ETSI.CAdES.detached');

    const text = pdftotext(file);
    expect(text).toContain('Số: 123/QĐ-UBND');
    expect(text).toContain('09:05:06 04/03/2025');

    const page = renderPage(file);
    const topRight = { x: A4.width - 150, y: A4.height - 50, width: 150, height: 50 };
    expect(countPixels(page, topRight, isDark)).toBeGreaterThan(30);
    const elsewhere = { x: 72, y: 100, width: 300, height: 300 };
    expect(countPixels(page, elsewhere, (r, g, b) => !isWhite(r, g, b))).toBe(0);
  });
  it('token (SoftHSM, EC P-256) image signature with seal, then a second signature: both stay valid', async () => {
    const original = await twoPagePdf({ objectStreams: true });
    const rect = { x: 320, y: 120, width: 220, height: 90 };
    const { signer, close } = tokenSigner(token, 'EC');
    let first: Uint8Array;
    try {
      first = await signPdf(
        original,
        {
          name: 'Công ty TNHH Ký Số Việt',
          appearance: {
            kind: 'image',
            pageIndex: 1,
            rect,
            signatureImage: blueSignaturePng(),
            sealImage: redSealPng(),
          },
        },
        (digest, digestAlgorithm) =>
          signPadesCms({ digest, digestAlgorithm }, { signerCertificate: token.certDer('02') }, signer),
      );
    } finally {
      close();
    }
    const firstFile = writePdf(dir, 'token.pdf', first);
    const once = pdfsig(firstFile, nssDb);
    expect(once.signatures, once.output).toHaveLength(1);
    expect(once.signatures[0]!.valid && once.signatures[0]!.trusted, once.output).toBe(true);

    const page2 = renderPage(firstFile, 2);
    expect(countPixels(page2, rect, isBlue)).toBeGreaterThan(200);
    expect(countPixels(page2, rect, isRed)).toBeGreaterThan(200);
    // The seal covers the left of the group: red pixels left of blue ones on average.
    const left = { ...rect, width: rect.width / 2 };
    expect(countPixels(page2, left, isRed)).toBeGreaterThan(
      countPixels(page2, { ...left, x: rect.x + rect.width / 2 }, isRed),
    );
    const outside = { x: 40, y: 250, width: 500, height: 200 };
    expect(countPixels(page2, outside, (r, g, b) => !isWhite(r, g, b))).toBe(0);

    const second = await signPdf(
      first,
      { appearance: { kind: 'stamp', lines: ['SAO Y', 'Văn phòng Ủy ban nhân dân'], font } },
      (digest, digestAlgorithm) =>
        signPadesCms({ digest, digestAlgorithm }, { signerCertificate: rsa.certificateDer }, rsa.signer),
    );
    expect(Buffer.from(second.subarray(0, first.length)).equals(Buffer.from(first))).toBe(true);
    const twiceFile = writePdf(dir, 'twice.pdf', second);
    const twice = pdfsig(twiceFile, nssDb);
    expect(twice.signatures, twice.output).toHaveLength(2);
    for (const signature of twice.signatures)
      expect(signature.valid && signature.trusted, twice.output).toBe(true);
    expect(twice.output).toContain('Signature2');
    expect(pdftotext(twiceFile)).toContain('Văn phòng Ủy ban nhân dân');
  });

  it('a byte changed inside the signed range makes pdfsig report the signature invalid', async () => {
    const prepared = await preparePdfSignature(await twoPagePdf({ objectStreams: true }), {});
    const signed = embedPdfSignature(
      prepared,
      await signPadesCms(prepared, { signerCertificate: rsa.certificateDer }, rsa.signer),
    );
    expect(pdfsig(writePdf(dir, 'ok.pdf', signed), nssDb).signatures[0]!.valid).toBe(true);
    const tampered = new Uint8Array(signed);
    // The header's version digit: covered by the first ByteRange part, harmless to parsers.
    expect(Buffer.from(tampered.subarray(0, 8)).toString()).toBe('%PDF-1.7');
    tampered[7] = '6'.charCodeAt(0);
    const report = pdfsig(writePdf(dir, 'tampered.pdf', tampered), nssDb);
    expect(report.signatures, report.output).toHaveLength(1);
    expect(report.signatures[0]!.valid, report.output).toBe(false);
    expect(report.output).toMatch(/Signature Validation: Digest Mismatch|Signature is Invalid/);
  });

  it('the CMS carries contentType, messageDigest of the ByteRange and signingCertificateV2, no signingTime', async () => {
    const prepared = await preparePdfSignature(await twoPagePdf({ objectStreams: false }), {
      contentsSize: 4096,
    });
    const cms = await signPadesCms(prepared, { signerCertificate: rsa.certificateDer }, rsa.signer);
    const result = await verifyCms({ cms, contentDigest: prepared.digest, trustedRoots: [rsa.caDer] });
    expect(result.valid, result.problems.join('; ')).toBe(true);
    expect(result.signingTime).toBeUndefined();
    expect(() => embedPdfSignature(prepared, new Uint8Array(4097))).toThrow(/placeholder holds 4096/);
  });
  it('B-T: the embedded CMS carries a signature time-stamp that our verifier and openssl ts accept', async () => {
    const tsa: LocalTsa = await startLocalTsa();
    try {
      const signed = await signPdf(
        await twoPagePdf({ objectStreams: true }),
        { level: 'B-T', tsaUrl: tsa.url, appearance: { kind: 'stamp', lines: ['Số: 45/TB-VP'], font } },
        (digest, digestAlgorithm) =>
          signPadesCms({ digest, digestAlgorithm }, { signerCertificate: rsa.certificateDer }, rsa.signer),
      );
      const report = pdfsig(writePdf(dir, 'b-t.pdf', signed), nssDb);
      expect(report.signatures[0]!.valid && report.signatures[0]!.trusted, report.output).toBe(true);

      const verified = await verifyPdfSignatureCms(signed, {
        trustedRoots: [rsa.caDer],
        timestampRoots: [tsa.caDer],
      });
      expect(verified.valid, verified.problems.join('; ')).toBe(true);
      expect(verified.timestamp).toMatchObject({ present: true, valid: true });

      const { cms } = extractPdfSignatures(signed)[0]!;
      const signedDataSchema = pkijs.ContentInfo.fromBER(toArrayBuffer(cms)).content as asn1js.Sequence;
      const token = new pkijs.SignedData({
        schema: signedDataSchema,
      }).signerInfos[0]!.unsignedAttrs!.attributes.find(
        (a) => a.type === '1.2.840.113549.1.9.16.2.14',
      )!.values[0]!.toBER();
      const tokenCheck = opensslTsVerify({
        token: new Uint8Array(token),
        over: { data: signatureValue(cms) },
        caFile: tsa.caPemPath,
      });
      expect(tokenCheck.ok, tokenCheck.output).toBe(true);
    } finally {
      await tsa.close();
    }
  });

  it('B-T without a TSA URL is refused before anything is signed', async () => {
    let called = false;
    await expect(
      signPdf(
        await twoPagePdf({ objectStreams: false }),
        { level: 'B-T' },
        async () => ((called = true), new Uint8Array()),
      ),
    ).rejects.toThrow(/tsaUrl/);
    expect(called).toBe(false);
  });
});
