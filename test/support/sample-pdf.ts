import { PDFDocument, StandardFonts } from 'pdf-lib';

/** An A4 PDF of one page with one line of Helvetica text, the plain document most tests sign. */
export async function onePagePdf(text: string, size = 18): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc
    .addPage([595, 842])
    .drawText(text, { x: 72, y: 700, size, font: await doc.embedFont(StandardFonts.Helvetica) });
  return doc.save();
}
