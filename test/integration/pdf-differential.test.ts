/**
 * Differential PDFs through the extension's document path: each is either refused before the
 * window with a typed error, or the text poppler reads from what the window renders (content())
 * equals poppler's text of the signed output — and pdfsig, qpdf --check agree the signature holds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDocument } from '../../extension/src/background/documents.js';
import { embedPdfSignature, preparePdfSignature, signPadesCms } from '../../shared/pdf/pades.js';
import { bytesToBase64 } from '../../shared/encoding.js';
import { DEBT, differentialPdfs } from '../support/pdf-builder.js';
import { signPdfThroughExtension, softwareDocumentSigner } from '../support/extension-document-path.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';

let dir: string;
let identity: SoftwareIdentity;
let nssDb: string;

/** All pages' text as poppler reads it. */
const popplerText = (file: string) =>
  execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
const qpdfCheck = (file: string) => spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kyso-differential-'));
  identity = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Nguyễn Văn Thử');
  nssDb = makeNssDb(dir, [identity.caPem]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('differential PDFs: refused, or the window shows what is signed', () => {
  for (const pdf of differentialPdfs()) {
    it(pdf.name, async () => {
      const original = writePdf(dir, `${pdf.name}.pdf`, pdf.bytes);
      if (pdf.name === 'revert-xref' || pdf.name === 'orphan-object') {
        // The hostile file is what the issue describes: readers show the draft.
        expect(popplerText(original)).toContain(pdf.readerText);
        expect(popplerText(original)).not.toContain(DEBT);
      }
      if (pdf.refused) {
        await expect(
          planDocument({ kind: 'pdf', name: `${pdf.name}.pdf`, pdf: bytesToBase64(pdf.bytes) }, 0),
        ).rejects.toMatchObject({
          code: pdf.refused.code,
          details: { document: 0, problem: pdf.refused.problem },
        });
        return;
      }
      const { shownPdf, signedPdf } = await signPdfThroughExtension(
        pdf.bytes,
        softwareDocumentSigner(identity),
      );
      const shown = writePdf(dir, `${pdf.name}-shown.pdf`, shownPdf);
      const signed = writePdf(dir, `${pdf.name}-signed.pdf`, signedPdf);
      expect(popplerText(shown)).toContain(pdf.readerText);
      expect(popplerText(signed)).toBe(popplerText(shown));
      const report = pdfsig(signed, nssDb);
      expect(report.signatures, report.output).toHaveLength(1);
      expect(report.signatures[0]!.valid, report.output).toBe(true);
      const check = qpdfCheck(signed);
      expect(check.status, check.stdout + check.stderr).toBe(0);
    });
  }

  it('qpdf-written object streams and xref streams (another producer) sign with the same text', async () => {
    const incremental = differentialPdfs().find((p) => p.name === 'incremental-update')!;
    const input = writePdf(dir, 'qpdf-in.pdf', incremental.bytes);
    const output = path.join(dir, 'qpdf-objstm.pdf');
    execFileSync('qpdf', ['--object-streams=generate', '--compress-streams=y', input, output]);
    const bytes = new Uint8Array(readFileSync(output));
    const { signedPdf, shownPdf } = await signPdfThroughExtension(bytes, softwareDocumentSigner(identity));
    const signed = writePdf(dir, 'qpdf-objstm-signed.pdf', signedPdf);
    expect(popplerText(signed)).toBe(popplerText(writePdf(dir, 'qpdf-shown.pdf', shownPdf)));
    expect(pdfsig(signed, nssDb).signatures[0]!.valid).toBe(true);
    expect(qpdfCheck(signed).status).toBe(0);
  });

  it('a user password is PDF_ENCRYPTED, never pdf-lib’s hint', async () => {
    const incremental = differentialPdfs().find((p) => p.name === 'incremental-update')!;
    const input = writePdf(dir, 'plain.pdf', incremental.bytes);
    const output = path.join(dir, 'encrypted-user.pdf');
    execFileSync('qpdf', ['--encrypt', 'mat-khau', 'chu-so-huu', '256', '--', input, output]);
    const refused = planDocument(
      { kind: 'pdf', name: 'x.pdf', pdf: bytesToBase64(new Uint8Array(readFileSync(output))) },
      0,
    );
    await expect(refused).rejects.toMatchObject({
      code: 'PDF_ENCRYPTED',
      details: { document: 0, problem: 'encrypted' },
    });
    await expect(refused).rejects.not.toMatchObject({ message: expect.stringMatching(/ignoreEncryption/) });
  });

  // An owner password only (restricted printing or editing): readers open it without asking, so it signs.
  const ownerOnly: Array<[string, string[]]> = [
    ['RC4 40-bit (R2)', ['40', '--print=n', '--modify=n']],
    ['RC4 128-bit (R3)', ['128', '--use-aes=n', '--print=none', '--modify=none']],
    ['AES-128 (R4), object streams', ['128', '--use-aes=y', '--print=none', '--modify=none']],
    ['AES-256 (R6), object streams', ['256', '--print=none', '--modify=none']],
  ];
  for (const [what, args] of ownerOnly) {
    it(`owner password only, ${what}: signed; pdfsig, qpdf --check and the text agree`, async () => {
      const zoo = new URL('../fixtures/pdf-corpus/r-zoo-zoo-quickref.pdf', import.meta.url);
      const plain = path.join(dir, 'owner-plain.pdf');
      execFileSync('qpdf', ['--object-streams=generate', zoo.pathname, plain]);
      const tag = args[0] + (args[1] ?? '');
      const output = path.join(dir, `owner-${tag}.pdf`);
      execFileSync('qpdf', [
        '--allow-weak-crypto',
        '--encrypt',
        '',
        'chu-so-huu',
        ...args,
        '--',
        plain,
        output,
      ]);
      const { shownPdf, signedPdf, consent } = await signPdfThroughExtension(
        new Uint8Array(readFileSync(output)),
        softwareDocumentSigner(identity),
        { reason: 'Phê duyệt bản sao' },
      );
      expect(consent.pages).toBe(11);
      const signed = writePdf(dir, `owner-${tag}-signed.pdf`, signedPdf);
      const shown = writePdf(dir, `owner-${tag}-shown.pdf`, shownPdf);
      expect(popplerText(signed)).toBe(popplerText(shown));
      const report = pdfsig(signed, nssDb);
      expect(
        report.signatures.map((s) => s.valid),
        report.output,
      ).toEqual([true]);
      // qpdf opens it with the empty password and reads the signature's strings decrypted.
      const objects = JSON.parse(
        execFileSync('qpdf', ['--json=2', '--json-key=qpdf', signed], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        }),
      ).qpdf[1];
      const signature = Object.values(objects as Record<string, { value?: Record<string, unknown> }>).find(
        (o) => o.value?.['/Type'] === '/Sig',
      );
      expect(signature?.value?.['/Reason']).toBe('u:Phê duyệt bản sao');
      const check = qpdfCheck(signed);
      expect(check.status, check.stdout + check.stderr).toBe(0);
      // Still encrypted with the same handler, still opened without a password.
      expect(check.stdout).toMatch(/^R = [2346]$/m);
      expect(check.stdout).toMatch(/^User password = $/m);
    });
  }

  it('owner password only, AES-256: a visible Decree 30 stamp (new font and content streams, encrypted) reads back in poppler', async () => {
    const plain = path.join(dir, 'stamp-plain.pdf');
    writePdf(dir, 'stamp-plain.pdf', differentialPdfs().find((p) => p.name === 'incremental-update')!.bytes);
    const output = path.join(dir, 'stamp-owner.pdf');
    execFileSync('qpdf', ['--encrypt', '', 'chu-so-huu', '256', '--modify=none', '--', plain, output]);
    const font = new Uint8Array(
      readFileSync(new URL('../../shared/pdf/fonts/LiberationSerif-Regular.ttf', import.meta.url)),
    );
    const prepared = await preparePdfSignature(new Uint8Array(readFileSync(output)), {
      appearance: { kind: 'stamp', lines: ['Số: 15/TB-CT', 'Bản sao y bản chính'], font },
    });
    const signed = writePdf(
      dir,
      'stamp-owner-signed.pdf',
      embedPdfSignature(
        prepared,
        await signPadesCms(prepared, { signerCertificate: identity.certificateDer }, identity.signer),
      ),
    );
    expect(popplerText(signed)).toContain('Bản sao y bản chính');
    expect(popplerText(signed)).toContain(DEBT);
    expect(pdfsig(signed, nssDb).signatures.map((s) => s.valid)).toEqual([true]);
    expect(qpdfCheck(signed).status).toBe(0);
  });
});

describe('certify (DocMDP) through the extension’s document path', () => {
  it('certify: 1 gives a certification pdfsig accepts (catalog /Perms, /Reference /P 1) and the window says so; the certified PDF takes no further signature', async () => {
    const plain = differentialPdfs().find((p) => p.name === 'incremental-update')!.bytes;
    const { consent, signedPdf } = await signPdfThroughExtension(plain, softwareDocumentSigner(identity), {
      certify: 1,
    });
    expect(consent.certify).toBe(1);
    const signed = writePdf(dir, 'certified.pdf', signedPdf);
    const objects = JSON.parse(
      execFileSync('qpdf', ['--json=2', '--json-key=qpdf', signed], { encoding: 'utf8' }),
    ).qpdf[1] as Record<string, { value?: Record<string, any> }>;
    const root = objects.trailer!.value!['/Root'] as string;
    const docMdp = objects[`obj:${root}`]!.value!['/Perms']['/DocMDP'] as string;
    const signature = objects[`obj:${docMdp}`]!.value!;
    expect(signature['/Type']).toBe('/Sig');
    expect(signature['/Reference'][0]['/TransformMethod']).toBe('/DocMDP');
    expect(signature['/Reference'][0]['/TransformParams']['/P']).toBe(1);
    const report = pdfsig(signed, nssDb);
    expect(
      report.signatures.map((s) => s.valid),
      report.output,
    ).toEqual([true]);
    expect(qpdfCheck(signed).status).toBe(0);

    // Certified with no changes allowed: no further signature, certifying or not, before any window.
    for (const certify of [undefined, 2 as const])
      await expect(
        planDocument(
          { kind: 'pdf', name: 'again.pdf', pdf: bytesToBase64(signedPdf), ...(certify && { certify }) },
          0,
        ),
      ).rejects.toMatchObject({ code: 'PDF_CERTIFIED', details: { problem: 'certified-no-changes' } });
  });
});
