/**
 * Consent-window requests shared by the Chromium and Firefox e2e tests: an SDK call from the portal
 * page (digest batches made in the page) and three-page PDFs: one with a page pdf.js cannot draw, one
 * pdf.js cannot open at all.
 * What the window then shows is measured with page-checks.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, PDFName, rgb } from 'pdf-lib';
import type { Page } from 'puppeteer-core';

/** Calls the SDK in the page; `window.outcome` settles with the answer or the error code. */
export function sdkCall(page: Page, method: string, options: unknown): Promise<void> {
  return page.evaluate(
    (method, options) => {
      const w = window as any;
      w.settled = false;
      w.outcome = (new Function('return import("/sdk/kyso.js")')() as Promise<any>)
        .then((kyso) => {
          const o = options as any;
          // Batches of digests: made in the page (bytes do not cross evaluate).
          if (o.digestBatch) {
            const { count, rawAt } = o.digestBatch;
            o.documents = Array.from({ length: count }, (_, i) => ({
              name:
                i === rawAt ? `chuoi-du-lieu-${i + 1}.bin` : `hoa-don-${String(i + 1).padStart(4, '0')}.xml`,
              digest: new Uint8Array(32).fill(i % 251),
              digestAlgorithm: 'SHA-256',
              ...(i === rawAt && { kind: 'raw' }),
            }));
            delete o.digestBatch;
          }
          if (o.digest === 'fill') o.digest = new Uint8Array(32).fill(7);
          return kyso[method](o);
        })
        .then(
          (result: any) =>
            result.cms || result.pdf || result.xml || result.results ? 'signed' : 'no signature',
          (error: any) => error.code,
        )
        .finally(() => (w.settled = true));
    },
    method,
    options,
  );
}
export const outcome = (page: Page) => page.evaluate(() => (window as any).outcome);
export const settled = (page: Page) => page.evaluate(() => (window as any).settled === true);

/** Three pages, each with a black band at a different height: top, middle, bottom. */
export async function threePagePdf(): Promise<string> {
  const doc = await PDFDocument.create();
  for (const y of [700, 380, 60])
    doc.addPage([595, 842]).drawRectangle({ x: 50, y, width: 495, height: 80, color: rgb(0, 0, 0) });
  return Buffer.from(await doc.save()).toString('base64');
}

/**
 * threePagePdf's pages, page 2 also filled (x 50–545, y 100–300) with a tiling pattern whose
 * /PaintType is 3 (only 1 and 2 exist): poppler draws it as a coloured one (1), pdf.js's worker
 * passes it on and its canvas throws ("Unsupported paint type") — that one page cannot be drawn.
 */
export async function pdfWithUndrawablePage2(): Promise<Uint8Array> {
  const doc = await PDFDocument.load(Buffer.from(await threePagePdf(), 'base64'));
  const { context } = doc;
  const cell = context.stream('0 0 0 rg 0 0 10 10 re f', {
    Type: 'Pattern',
    PatternType: 1,
    PaintType: 3,
    TilingType: 1,
    BBox: [0, 0, 20, 20],
    XStep: 20,
    YStep: 20,
    Resources: {},
  });
  const page = doc.getPage(1);
  page.node.Resources()!.set(PDFName.of('Pattern'), context.obj({ P1: context.register(cell) }));
  page.node.addContentStream(context.register(context.stream('/Pattern cs /P1 scn 50 100 495 200 re f')));
  return doc.save();
}

/**
 * threePagePdf encrypted by qpdf (RC4, an owner password only: it opens without one), its /V then
 * written 0 ("no longer supported"): kyso's model derives the key from /R and opens its three pages,
 * pdf.js refuses the whole file ("unsupported encryption algorithm") — the window can show none of it.
 */
export async function pdfTheWindowCannotOpen(): Promise<Uint8Array> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-unopenable-'));
  try {
    writeFileSync(path.join(dir, 'plain.pdf'), Buffer.from(await threePagePdf(), 'base64'));
    execFileSync('qpdf', [
      '--allow-weak-crypto',
      '--encrypt',
      '',
      'chu-so-huu',
      '40',
      '--',
      path.join(dir, 'plain.pdf'),
      path.join(dir, 'rc4.pdf'),
    ]);
    const written = readFileSync(path.join(dir, 'rc4.pdf')).toString('latin1');
    if (written.split('/V 1 ').length !== 2) throw new Error('qpdf wrote no single /V 1');
    return Buffer.from(written.replace('/V 1 ', '/V 0 '), 'latin1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
