/**
 * DocMDP P=2 (verifier/src/docmdp.ts) on a signature field whose widget is a kid of its own, as
 * form designers write them (the field holds /FT, /T and /V; the widget on the page only /Parent,
 * /Rect and /AP): the revision a certification signed compared with the document after it.
 */
import { describe, expect, it } from 'vitest';
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFRef } from 'pdf-lib';
import { changesNotAllowed } from '../../verifier/src/docmdp.js';

/** A one-page PDF with a signature field `Chu_ky` whose widget is a separate kid; signed when `signed`. */
async function signatureFieldWithWidgetKid(signed: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const context = doc.context;
  const widgetRef = context.nextRef();
  const fieldRef = context.nextRef();
  const blank = context.register(
    context.stream('', { Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 200, 30] }),
  );
  context.assign(
    widgetRef,
    context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      Parent: fieldRef,
      P: page.ref,
      F: 132,
      Rect: [72, 72, 272, 102],
      AP: { N: blank },
    }),
  );
  const field = context.obj({ FT: 'Sig', T: PDFHexString.fromText('Chu_ky'), Kids: [widgetRef] });
  if (signed) {
    const value = context.obj({
      Type: 'Sig',
      Filter: 'Adobe.PPKLite',
      SubFilter: 'ETSI.CAdES.detached',
      ByteRange: [0, 0, 0, 0],
      Contents: PDFHexString.of('00'.repeat(16)),
    });
    field.set(PDFName.of('V'), context.register(value));
  }
  context.assign(fieldRef, field);
  page.node.set(PDFName.of('Annots'), context.obj([widgetRef]));
  doc.catalog.set(PDFName.of('AcroForm'), context.obj({ Fields: [fieldRef], SigFlags: 3 }));
  return doc.save({ useObjectStreams: false });
}

/** The revision after: the widget given an appearance that draws another name. */
async function widgetRestyled(bytes: Uint8Array): Promise<PDFDocument> {
  const doc = await PDFDocument.load(bytes);
  const widgetRef = doc.getPages()[0]!.node.Annots()!.get(0) as PDFRef;
  const widget = doc.context.lookup(widgetRef, PDFDict);
  const stamp = doc.context.register(
    doc.context.stream('BT /F1 12 Tf 4 8 Td (Da duyet: Nguoi Khac) Tj ET', {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, 0, 200, 30],
    }),
  );
  widget.set(PDFName.of('AP'), doc.context.obj({ N: stamp }));
  return doc;
}

describe('DocMDP P=2: a signature field with a separate widget', () => {
  it("a signed field's widget drawing another name is a change to the signed field", async () => {
    const certified = await signatureFieldWithWidgetKid(true);
    const why = changesNotAllowed(await PDFDocument.load(certified), await widgetRestyled(certified), 2);
    expect(why).toMatch(/^the signed signature field \(object \d+\) was changed, on page 1$/);
  });

  it('an empty one may still be signed: its widget takes an appearance', async () => {
    // (Signing sets the field's /V too; the widget's part is what is judged here.)
    const certified = await signatureFieldWithWidgetKid(false);
    const after = await widgetRestyled(certified);
    expect(changesNotAllowed(await PDFDocument.load(certified), after, 2)).toBeUndefined();
  });
});
