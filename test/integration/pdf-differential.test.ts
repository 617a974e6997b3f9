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
import { base64ToBytes, bytesToBase64 } from '../../shared/encoding.js';
import { DEBT, differentialPdfs } from '../support/pdf-builder.js';
import { signPdfThroughExtension } from '../support/extension-document-path.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';

let dir: string;
let identity: SoftwareIdentity;
let nssDb: string;

/** All pages' text as poppler reads it. */
const popplerText = (file: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
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
        await expect(planDocument({ kind: 'pdf', name: `${pdf.name}.pdf`, pdf: bytesToBase64(pdf.bytes) }, 0)).rejects.toMatchObject({
          code: pdf.refused.code,
          details: { document: 0, problem: pdf.refused.problem },
        });
        return;
      }
      const { content, signedPdf } = await signPdfThroughExtension(pdf.bytes, identity);
      if (content.kind !== 'pdf') throw new Error('a PDF opens as a PDF');
      const shown = writePdf(dir, `${pdf.name}-shown.pdf`, base64ToBytes(content.pdf));
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
    const { signedPdf, content } = await signPdfThroughExtension(bytes, identity);
    const signed = writePdf(dir, 'qpdf-objstm-signed.pdf', signedPdf);
    expect(popplerText(signed)).toBe(popplerText(writePdf(dir, 'qpdf-shown.pdf', base64ToBytes((content as { pdf: string }).pdf))));
    expect(pdfsig(signed, nssDb).signatures[0]!.valid).toBe(true);
    expect(qpdfCheck(signed).status).toBe(0);
  });

  it('encrypted PDFs (user password, and AES-256 with an owner password only) are PDF_ENCRYPTED, never pdf-lib’s hint', async () => {
    const incremental = differentialPdfs().find((p) => p.name === 'incremental-update')!;
    const input = writePdf(dir, 'plain.pdf', incremental.bytes);
    for (const [name, user] of [['user', 'mat-khau'], ['owner-only', '']] as const) {
      const output = path.join(dir, `encrypted-${name}.pdf`);
      execFileSync('qpdf', ['--encrypt', user, 'chu-so-huu', '256', '--', input, output]);
      const refused = planDocument({ kind: 'pdf', name: 'x.pdf', pdf: bytesToBase64(new Uint8Array(readFileSync(output))) }, 0);
      await expect(refused).rejects.toMatchObject({ code: 'PDF_ENCRYPTED', details: { document: 0, problem: 'encrypted' } });
      await expect(refused).rejects.not.toMatchObject({ message: expect.stringMatching(/ignoreEncryption/) });
    }
  });
});
