import { execFileSync } from 'node:child_process';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { it } from 'vitest';
import { PdfWriter, type XrefRow } from '../support/pdf-builder.js';
it('x', async () => {
  const w = new PdfWriter();
  // Korean "한국" in UniKS-UCS2-H: UCS-2 code points D55C AD6D
  const content = 'BT /F1 36 Tf 72 700 Td <D55CAD6D> Tj ET BT /F2 24 Tf 72 600 Td (HELLO) Tj ET';
  const rows: XrefRow[] = [[0, null],
    [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
    [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
    [3, w.obj(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R /F2 8 0 R >> >> /Contents 4 0 R >>')],
    [4, w.obj(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`)],
    [5, w.obj(5, '<< /Type /Font /Subtype /Type0 /BaseFont /HYSMyeongJo-Medium /Encoding /UniKS-UCS2-H /DescendantFonts [6 0 R] >>')],
    [6, w.obj(6, '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HYSMyeongJo-Medium /CIDSystemInfo << /Registry (Adobe) /Ordering (Korea1) /Supplement 1 >> /FontDescriptor 7 0 R >>')],
    [7, w.obj(7, '<< /Type /FontDescriptor /FontName /HYSMyeongJo-Medium /Flags 6 /FontBBox [0 -148 1001 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>')],
    [8, w.obj(8, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>')],
  ];
  w.table(rows, '/Size 9 /Root 1 0 R');
  const pdf = w.bytes();
  require('node:fs').writeFileSync('/tmp/h-pdf-cjk.pdf', pdf);
  for (const opts of [{}, { cMapUrl: 'node_modules/pdfjs-dist/cmaps/', cMapPacked: true }]) {
    const doc = await getDocument({ data: pdf.slice(), verbosity: 0, ...opts }).promise;
    const page = await doc.getPage(1);
    const text = (await page.getTextContent()).items.map((i) => ('str' in i ? i.str : '')).join('|');
    const viewport = page.getViewport({ scale: 1 });
    const factory = doc.canvasFactory as any;
    const { canvas, context } = factory.create(viewport.width, viewport.height);
    await page.render({ canvas, canvasContext: context, viewport }).promise;
    const { data } = context.getImageData(60, 842 - 740, 200, 60);
    let dark = 0; for (let i = 0; i < data.length; i += 4) if (data[i] < 128) dark++;
    console.log(JSON.stringify(opts), 'text', text, 'dark pixels in Korean line', dark);
    await doc.destroy();
  }
  console.log('poppler', execFileSync('pdftotext', ['/tmp/h-pdf-cjk.pdf', '-']).toString());
});
