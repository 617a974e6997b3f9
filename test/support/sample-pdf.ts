import { PDFDict, PDFDocument, PDFHexString, PDFName, StandardFonts } from 'pdf-lib';

/** An A4 PDF of one page with one line of Helvetica text, the plain document most tests sign. */
export async function onePagePdf(text: string, size = 18): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc
    .addPage([595, 842])
    .drawText(text, { x: 72, y: 700, size, font: await doc.embedFont(StandardFonts.Helvetica) });
  return doc.save();
}

/** An empty A4 PDF of `count` pages (page counts: the preview's check against kyso's model). */
/** `count` pages of 40 text lines each, A4 and A3 landscape in turn (2 MB for 1,000): a large PDF of text. */
export async function textPagesPdf(count: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= count; i++) {
    const page = doc.addPage(i % 2 ? [595.28, 841.89] : [1190.55, 841.89]);
    for (let line = 0; line < 40; line++)
      page.drawText(`Trang ${i}, dong ${line + 1}: phu luc hop dong so 12/2026`, {
        x: 40,
        y: 800 - line * 18,
        size: 11,
        font,
      });
  }
  return doc.save({ useObjectStreams: false });
}

export async function blankPagesPdf(count: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < count; i++) doc.addPage([595, 842]);
  return doc.save();
}

/**
 * onePagePdf's page with a form and annotations: an empty text field "so_van_ban" (the document
 * number), a sticky note (a /Text annotation) drawn by its own appearance stream, and a link to
 * the top of the page (its /Dest names the page).
 */
export async function formPdf(text: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  page.drawText(text, { x: 72, y: 700, size: 18, font });
  const field = doc.getForm().createTextField('so_van_ban');
  field.addToPage(page, { x: 72, y: 600, width: 200, height: 24, font });
  const appearance = doc.context.stream('1 1 0 rg 0 0 20 20 re f', {
    Type: 'XObject',
    Subtype: 'Form',
    BBox: [0, 0, 20, 20],
  });
  const note = doc.context.obj({
    Type: 'Annot',
    Subtype: 'Text',
    Rect: [400, 700, 420, 720],
    Contents: PDFHexString.fromText('Đã xem'),
    AP: { N: doc.context.register(appearance) },
  });
  page.node.addAnnot(doc.context.register(note));
  const link = doc.context.obj({
    Type: 'Annot',
    Subtype: 'Link',
    Rect: [72, 690, 300, 720],
    Border: [0, 0, 0],
    Dest: [page.ref, 'XYZ', null, null, null],
  });
  page.node.addAnnot(doc.context.register(link));
  return doc.save();
}

/**
 * onePagePdf's page with a second line in an optional content group ("layer") the catalog's
 * /OCProperties shows: readers draw it until a configuration turns the layer off.
 */
export async function layeredPdf(text: string, layered: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  page.drawText(text, { x: 72, y: 700, size: 18, font });
  const layer = doc.context.register(
    doc.context.obj({ Type: 'OCG', Name: PDFHexString.fromText('Nội dung') }),
  );
  page.node.normalizedEntries().Resources.set(PDFName.of('Properties'), doc.context.obj({ L1: layer }));
  const fontName = page.node.normalizedEntries().Resources.lookup(PDFName.of('Font'), PDFDict).keys()[0]!;
  const marked = `/OC /L1 BDC BT ${fontName.toString()} 18 Tf 72 650 Td (${layered}) Tj ET EMC`;
  page.node.addContentStream(doc.context.register(doc.context.stream(marked)));
  const properties = doc.context.obj({ OCGs: [layer], D: { ON: [layer], OFF: [], Order: [layer] } });
  doc.catalog.set(PDFName.of('OCProperties'), doc.context.register(properties));
  return doc.save();
}
