import { execFileSync } from 'node:child_process';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { it } from 'vitest';
import { openPdfModel } from '../../shared/pdf/model.js';
import { DEBT, DRAFT, FONT, PdfWriter, textContent, type XrefRow } from '../support/pdf-builder.js';

async function previewText(pdf: Uint8Array): Promise<string> {
  const doc = await getDocument({ data: pdf.slice(), isEvalSupported: false, enableXfa: false, stopAtErrors: false, verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    try { const p = await doc.getPage(i); const text = await p.getTextContent();
    pages.push(`[rot ${p.rotate}] ` + text.items.map((item) => ('str' in item ? item.str : '')).join('')); } catch (e) { pages.push('PAGE-ERR ' + e); }
  }
  await doc.destroy();
  return `${doc.numPages} ${JSON.stringify(pages)}`;
}
const poppler = (pdf: Uint8Array) => { try { const o = execFileSync('pdfinfo', ['-'], { input: pdf, encoding: 'latin1', stdio: 'pipe' }); return `pages ${o.match(/Pages:\s*(\d+)/)?.[1]} rot ${o.match(/Page rot:\s*(\d+)/)?.[1]}`; } catch (e) { return 'ERR'; } };
async function report(name: string, pdf: Uint8Array) {
  const model = await openPdfModel(pdf).then((m) => `model ok pages=${m.pageCount} rot=${m.document.getPage(0).getRotation().angle}`, (e) => `model refused ${e.code} ${e.details?.problem} ${e.message}`);
  console.log(name, await previewText(pdf).catch((e) => 'pdfjs ERR ' + e), '| poppler:', poppler(pdf), '|', model);
}
const build = (root: string, pages: Record<number, string>) => {
  const w = new PdfWriter();
  const rows: XrefRow[] = [[0, null],
    [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
    [2, w.obj(2, root)],
    [4, w.obj(4, textContent(DRAFT))],
    [5, w.obj(5, FONT)],
    [9, w.obj(9, textContent(DEBT))],
    ...Object.entries(pages).map(([n, b]): XrefRow => [Number(n), w.obj(Number(n), b)]),
  ];
  rows.sort((a, b) => a[0] - b[0]);
  w.table(rows, `/Size 20 /Root 1 0 R`);
  return w.bytes();
};
const P = (c: number, extra = '', parent = 2) => `<< /Type /Page /Parent ${parent} 0 R /MediaBox [0 0 595 842] ${extra} /Resources << /Font << /F1 5 0 R >> >> /Contents ${c} 0 R >>`;
it('explore', async () => {
  await report('cycle', build('<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>', { 3: P(4), 6: '<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>' }));
  await report('type ref node', build('<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>', { 3: P(4), 6: '<< /Type 7 0 R /Parent 2 0 R /Kids [8 0 R] /Count 1 >>', 7: '/Page', 8: P(9, '', 6) }));
  await report('rotate real', build('<< /Type /Pages /Kids [3 0 R] /Count 1 >>', { 3: P(4, '/Rotate 90.0') }));
  await report('rotate 45', build('<< /Type /Pages /Kids [3 0 R] /Count 1 >>', { 3: P(4, '/Rotate 45') }));
  await report('rotate -90', build('<< /Type /Pages /Kids [3 0 R] /Count 1 >>', { 3: P(4, '/Rotate -90') }));
  await report('rotate 450', build('<< /Type /Pages /Kids [3 0 R] /Count 1 >>', { 3: P(4, '/Rotate 450') }));
  await report('rotate inherited', build('<< /Type /Pages /Kids [3 0 R] /Count 1 /Rotate 90 >>', { 3: P(4) }));
  await report('rotate ref', build('<< /Type /Pages /Kids [3 0 R] /Count 1 >>', { 3: P(4, '/Rotate 7 0 R'), 7: '90' }));
  await report('count real', build('<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2.0 >>', { 3: P(4), 6: P(9) }));
  await report('kids ref', build('<< /Type /Pages /Kids 7 0 R /Count 2 >>', { 3: P(4), 6: P(9), 7: '[3 0 R 6 0 R]' }));
  await report('page type Pages no kids', build('<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>', { 3: P(4), 6: P(9).replace('/Type /Page ', '/Type /Pages ') }));
  await report('mediabox inherited', build('<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 842 595] >>', { 3: P(4).replace('/MediaBox [0 0 595 842] ', '') }));
});
