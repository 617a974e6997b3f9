/**
 * Signing into a PDF's own empty signature field (shared/pdf/signature-field.ts, preparePdfSignature's
 * `field`), on test/fixtures/signature-fields/form.pdf: a form Ghostscript wrote (form.ps) with an
 * empty signature field "NguoiDeNghi" locking the text field "HoTen", and "CanBo" under the
 * non-terminal field "TiepNhan", all on page 2. pdfsig's view of the signed file is in
 * test/integration/pdf-signature-field.test.ts.
 */
import { readFileSync } from 'node:fs';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFStream,
  decodePDFRawStream,
} from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { openPdfModel, type PdfModel } from '../../shared/pdf/model.js';
import { preparePdfSignature } from '../../shared/pdf/pades.js';
import { certificationOf } from '../../shared/pdf/docmdp.js';
import { pdfWarnings } from '../../shared/pdf/warnings.js';
import { appearanceInField, findSignatureField } from '../../shared/pdf/signature-field.js';
import { FIELD_TEXT_LINES, stampLines } from '../../shared/pdf/appearance.js';
import { KysoError } from '../../shared/protocol/errors.js';
import { PageDocumentSchema } from '../../shared/protocol/page.js';
import { LIMITS } from '../../shared/protocol/limits.js';

const FORM = new Uint8Array(readFileSync(new URL('../fixtures/signature-fields/form.pdf', import.meta.url)));
/** A 1×1 transparent PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

function problemOf(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error instanceof KysoError ? { code: error.code, ...error.details } : error;
  }
  return 'no error';
}

async function asyncProblemOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error instanceof KysoError ? { code: error.code, ...error.details } : error;
  }
  return 'no error';
}

/** The fixture's field of that name ("Top" or "Parent.Kid"), read directly: findSignatureField refuses signed ones. */
function fieldNamed(model: PdfModel, name: string): PDFDict {
  const [parent, kid] = name.split('.');
  const fields = model.context.lookup(
    (model.context.lookup(model.document.catalog.get(PDFName.of('AcroForm'))) as PDFDict).get(
      PDFName.of('Fields'),
    ),
  ) as PDFArray;
  for (const item of fields.asArray()) {
    const field = model.context.lookup(item) as PDFDict;
    if (field.lookup(PDFName.of('T'))?.toString() !== `(${parent})`) continue;
    if (!kid) return field;
    const kids = field.lookup(PDFName.of('Kids')) as PDFArray;
    return model.context.lookup(kids.get(0)) as PDFDict;
  }
  throw new Error(`no field ${name}`);
}

const annotsOnPage = (model: PdfModel, index: number) =>
  (model.context.lookup(model.document.getPages()[index]!.node.get(PDFName.of('Annots'))) as PDFArray).size();

describe('findSignatureField', () => {
  it('finds an empty signature field by its fully qualified name, with its widget, page and box', async () => {
    const model = await openPdfModel(FORM);
    const top = findSignatureField(model, 'NguoiDeNghi');
    expect(top).toMatchObject({
      name: 'NguoiDeNghi',
      pageIndex: 1,
      rect: { x: 300, y: 60, width: 240, height: 100 },
    });
    expect(top.widgetRef).toBe(top.fieldRef); // merged field and widget
    expect(top.lock?.lookup(PDFName.of('Action'))).toBe(PDFName.of('Include'));
    const nested = findSignatureField(model, 'TiepNhan.CanBo');
    expect(nested).toMatchObject({ pageIndex: 1, rect: { x: 300, y: 260, width: 240, height: 80 } });
    expect(nested.lock).toBeUndefined();
  });

  it('refuses a name that is no field, a partial name, a text field: BAD_REQUEST with its problem', async () => {
    const model = await openPdfModel(FORM);
    const refusal = (problem: string) => ({ code: 'BAD_REQUEST', field: 'field', problem });
    expect(problemOf(() => findSignatureField(model, 'KhongCo'))).toEqual(refusal('field-not-found'));
    // Only the fully qualified name names a field: neither its parent nor its own partial name.
    expect(problemOf(() => findSignatureField(model, 'TiepNhan'))).toEqual(refusal('field-not-found'));
    expect(problemOf(() => findSignatureField(model, 'CanBo'))).toEqual(refusal('field-not-found'));
    expect(problemOf(() => findSignatureField(model, 'HoTen'))).toEqual(refusal('field-not-signature'));
  });
});

describe('preparePdfSignature into a field', () => {
  it('makes the signature the field’s /V, adds no field or widget, and turns its /Lock into a FieldMDP reference', async () => {
    const prepared = await preparePdfSignature(FORM, { field: 'NguoiDeNghi' });
    const before = await openPdfModel(FORM);
    const after = await openPdfModel(prepared.pdf);
    const fieldCount = (model: PdfModel) =>
      (
        model.context.lookup(
          (model.context.lookup(model.document.catalog.get(PDFName.of('AcroForm'))) as PDFDict).get(
            PDFName.of('Fields'),
          ),
        ) as PDFArray
      ).size();
    expect(fieldCount(after)).toBe(fieldCount(before));
    expect(annotsOnPage(after, 1)).toBe(annotsOnPage(before, 1));
    const field = fieldNamed(after, 'NguoiDeNghi');
    const value = field.get(PDFName.of('V'));
    expect(value).toBeInstanceOf(PDFRef);
    const signature = after.context.lookup(value) as PDFDict;
    expect(signature.get(PDFName.of('Type'))).toBe(PDFName.of('Sig'));
    // The ByteRange the digest covers is the one the field's /V holds.
    const range = (signature.lookup(PDFName.of('ByteRange')) as PDFArray).asArray().map(String);
    expect(range).toEqual(prepared.byteRange.map(String));
    // Its lock: the field HoTen stays as signed (FieldMDP), the document is the catalog.
    const text = latin1(prepared.pdf.subarray(FORM.length));
    expect(text).toMatch(
      /\/Reference \[<< \/Type \/SigRef \/TransformMethod \/FieldMDP \/Data \d+ 0 R \/TransformParams << \/Type \/TransformParams \/Action \/Include \/Fields \[<FEFF0048006F00540065006E>\] \/V \/1\.2 >> >>\]/,
    );
    // The widget keeps its own look when no appearance is asked for.
    expect(field.has(PDFName.of('AP'))).toBe(false);
  });

  it('draws an image appearance in the field’s box on its page, over the page’s own rect', async () => {
    const prepared = await preparePdfSignature(FORM, {
      field: 'TiepNhan.CanBo',
      appearance: { kind: 'image', rect: { x: 1, y: 1, width: 5, height: 5 }, signatureImage: PNG },
    });
    const after = await openPdfModel(prepared.pdf);
    const widget = fieldNamed(after, 'TiepNhan.CanBo');
    expect(widget.get(PDFName.of('V'))).toBeInstanceOf(PDFRef);
    const rect = (widget.lookup(PDFName.of('Rect')) as PDFArray).asArray().map(String);
    expect(rect).toEqual(['300', '260', '540', '340']);
    const normal = (widget.lookup(PDFName.of('AP')) as PDFDict).lookup(PDFName.of('N'));
    expect(normal).toBeInstanceOf(PDFStream);
    const bbox = ((normal as PDFStream).dict.lookup(PDFName.of('BBox')) as PDFArray).asArray().map(String);
    expect(bbox).toEqual(['0', '0', '240', '80']);
    // No lock on this field: no FieldMDP reference.
    expect(latin1(prepared.pdf.subarray(FORM.length))).not.toContain('/FieldMDP');
  });

  it('refuses a field already signed and a text stamp in a field; the other field still takes a signature', async () => {
    const once = (await preparePdfSignature(FORM, { field: 'NguoiDeNghi' })).pdf;
    expect(await asyncProblemOf(() => preparePdfSignature(once, { field: 'NguoiDeNghi' }))).toEqual({
      code: 'BAD_REQUEST',
      field: 'field',
      problem: 'field-signed',
    });
    expect(
      await asyncProblemOf(() =>
        preparePdfSignature(FORM, {
          field: 'NguoiDeNghi',
          appearance: { kind: 'stamp', lines: ['Số: 1'] },
        }),
      ),
    ).toEqual({ code: 'BAD_REQUEST', field: 'appearance', problem: 'field-stamp' });
    // The other field is still empty: it takes the next signature.
    const twice = await preparePdfSignature(once, { field: 'TiepNhan.CanBo' });
    expect(twice.pdf.length).toBeGreaterThan(once.length);
  });
});

/** The fixture with its field `name` changed by `edit` (pdf-lib rewrites the file whole). */
async function formWith(name: string, edit: (field: PDFDict, doc: PDFDocument) => void): Promise<Uint8Array> {
  const doc = await PDFDocument.load(FORM);
  edit(fieldNamed({ context: doc.context, document: doc } as PdfModel, name), doc);
  return doc.save({ useObjectStreams: false });
}

/** The fixture with NguoiDeNghi's lock changed: its /Action and /Fields. */
function formLocking(action: 'All' | 'Include' | 'Exclude', fields?: string[]): Promise<Uint8Array> {
  return formWith('NguoiDeNghi', (field, doc) => {
    const lock = field.lookup(PDFName.of('Lock'), PDFDict);
    lock.set(PDFName.of('Action'), PDFName.of(action));
    if (fields) lock.set(PDFName.of('Fields'), doc.context.obj(fields.map((f) => PDFHexString.fromText(f))));
    else lock.delete(PDFName.of('Fields'));
  });
}

/** Which of the form's other fields pdf-lib reads as read-only (Ff bit 1, inherited as readers do). */
async function readOnlyFields(pdf: Uint8Array): Promise<string[]> {
  const form = (await PDFDocument.load(pdf)).getForm();
  return ['HoTen', 'TiepNhan.CanBo'].filter((name) => form.getField(name).isReadOnly());
}

describe('a field signed without an image: who signed and when, in its box', () => {
  const font = new Uint8Array(
    readFileSync(new URL('../../shared/pdf/fonts/LiberationSerif-Regular.ttf', import.meta.url)),
  );

  /** The field's /AP /N once signed with appearanceInField's text for `name`: its box and the sizes its text is drawn at. */
  async function fieldText(name: string) {
    const target = findSignatureField(await openPdfModel(FORM), 'TiepNhan.CanBo');
    const appearance = appearanceInField(undefined, target, font);
    expect(appearance).toMatchObject({ kind: 'stamp', lines: FIELD_TEXT_LINES, pageIndex: 1 });
    const prepared = await preparePdfSignature(FORM, {
      field: 'TiepNhan.CanBo',
      name,
      appearance,
      signingTime: new Date('2026-12-02T01:02:03Z'),
    });
    const widget = fieldNamed(await openPdfModel(prepared.pdf), 'TiepNhan.CanBo');
    const normal = (widget.lookup(PDFName.of('AP')) as PDFDict).lookup(PDFName.of('N')) as PDFRawStream;
    const content = Buffer.from(decodePDFRawStream(normal).decode()).toString('latin1');
    const size = Number(/\/F1 ([\d.]+) Tf/.exec(content)![1]);
    const baselines = [...content.matchAll(/1 0 0 1 [\d.]+ ([\d.-]+) Tm/g)].map((m) => Number(m[1]));
    return {
      bbox: (normal.dict.lookup(PDFName.of('BBox')) as PDFArray).asArray().map(String),
      rect: (widget.lookup(PDFName.of('Rect')) as PDFArray).asArray().map(String),
      size,
      baselines,
    };
  }

  it('draws the signer’s name and the signing time in the field’s box, at the stamp’s 10 pt when they fit', async () => {
    const drawn = await fieldText('NGUYỄN VĂN AN');
    expect(drawn.rect).toEqual(['300', '260', '540', '340']);
    expect(drawn.bbox).toEqual(['0', '0', '240', '80']);
    expect(drawn.size).toBe(10);
    expect(drawn.baselines).toHaveLength(2);
  });

  it('a name too long for the box is wrapped and drawn smaller, every line inside the box', async () => {
    const drawn = await fieldText(
      'CÔNG TY TRÁCH NHIỆM HỮU HẠN THƯƠNG MẠI DỊCH VỤ XUẤT NHẬP KHẨU '.repeat(4).trim(),
    );
    expect(drawn.size).toBeLessThan(10);
    expect(drawn.baselines.length).toBeGreaterThan(2);
    // Every baseline inside the box, the last one's descenders too.
    expect(Math.min(...drawn.baselines)).toBeGreaterThan(0);
    expect(Math.max(...drawn.baselines) + drawn.size).toBeLessThanOrEqual(80);
  });

  it('the lines are filled from the name the signature gives and the signing time (Vietnam time)', () => {
    expect(stampLines(FIELD_TEXT_LINES, new Date('2026-12-02T01:02:03Z'), 'NGUYỄN VĂN AN')).toEqual([
      'Ký bởi: NGUYỄN VĂN AN',
      'Ngày ký: 08:02:03 02/12/2026',
    ]);
  });

  it('an invisible field takes no appearance; a page’s own stamp is still refused in a field', async () => {
    const model = await openPdfModel(FORM);
    const target = findSignatureField(model, 'TiepNhan.CanBo');
    expect(appearanceInField(undefined, { ...target, rect: undefined })).toBeUndefined();
    expect(problemOf(() => appearanceInField({ kind: 'stamp', lines: ['Số: 1'] }, target))).toEqual({
      code: 'BAD_REQUEST',
      field: 'appearance',
      problem: 'field-stamp',
    });
  });
});

describe('preparePdfSignature into a locked field', () => {
  it('sets read-only, in the same update, exactly the fields the lock names: Include, Exclude, All', async () => {
    expect(await readOnlyFields(FORM)).toEqual([]);
    const signed = async (pdf: Uint8Array) =>
      readOnlyFields((await preparePdfSignature(pdf, { field: 'NguoiDeNghi' })).pdf);
    // The fixture's own lock: Include HoTen.
    expect(await signed(FORM)).toEqual(['HoTen']);
    expect(await signed(await formLocking('Exclude', ['HoTen']))).toEqual(['TiepNhan.CanBo']);
    // A non-terminal field's name locks the fields under it.
    expect(await signed(await formLocking('Include', ['TiepNhan']))).toEqual(['TiepNhan.CanBo']);
    expect(await signed(await formLocking('All'))).toEqual(['HoTen', 'TiepNhan.CanBo']);
    // No lock, no change: the other field signed leaves HoTen as it was.
    const other = await preparePdfSignature(FORM, { field: 'TiepNhan.CanBo' });
    expect(await readOnlyFields(other.pdf)).toEqual([]);
  });

  it('the window’s warnings tell the fields this signature locks from those left editable, as signing locks them', async () => {
    /** The form-field warnings for signing NguoiDeNghi, and the fields the signed revision has read-only. */
    const told = async (pdf: Uint8Array) => {
      const model = await openPdfModel(pdf);
      const fields = Object.fromEntries(
        pdfWarnings(model, findSignatureField(model, 'NguoiDeNghi'))
          .filter((w) => w.code.startsWith('pdf-form-fields') || w.code === 'pdf-empty-signature-fields')
          .map((w) => [w.code, w.names]),
      );
      const readOnly = await readOnlyFields((await preparePdfSignature(pdf, { field: 'NguoiDeNghi' })).pdf);
      expect(fields['pdf-form-fields-locked'] ?? []).toEqual(readOnly);
      return fields;
    };
    // The fixture's own lock: Include HoTen — the text field is locked, not editable.
    expect(await told(FORM)).toEqual({
      'pdf-form-fields-locked': ['HoTen'],
      'pdf-empty-signature-fields': ['TiepNhan.CanBo'],
    });
    expect(await told(await formLocking('Exclude', ['HoTen']))).toEqual({
      'pdf-form-fields': ['HoTen'],
      'pdf-form-fields-locked': ['TiepNhan.CanBo'],
    });
    // All: the other empty signature field too — nobody signs it after this signature.
    expect(await told(await formLocking('All'))).toEqual({
      'pdf-form-fields-locked': ['HoTen', 'TiepNhan.CanBo'],
    });
    // A lock kyso cannot read locks nothing: every field is said to stay editable.
    expect(await told(await formLocking('Include', []))).toEqual({
      'pdf-form-fields': ['HoTen'],
      'pdf-empty-signature-fields': ['TiepNhan.CanBo'],
    });
    // Another field, no lock: HoTen stays editable.
    const model = await openPdfModel(FORM);
    expect(
      pdfWarnings(model, findSignatureField(model, 'TiepNhan.CanBo')).find(
        (w) => w.code === 'pdf-form-fields',
      ),
    ).toEqual({ code: 'pdf-form-fields', count: 1, names: ['HoTen'] });
  });

  it('after a lock All, the other empty signature field is locked too: nobody signs it (field-locked), before signing', async () => {
    const once = (await preparePdfSignature(await formLocking('All'), { field: 'NguoiDeNghi' })).pdf;
    const refusal = { code: 'BAD_REQUEST', field: 'field', problem: 'field-locked' };
    const model = await openPdfModel(once);
    expect(problemOf(() => findSignatureField(model, 'TiepNhan.CanBo'))).toEqual(refusal);
    expect(await asyncProblemOf(() => preparePdfSignature(once, { field: 'TiepNhan.CanBo' }))).toEqual(
      refusal,
    );
    // The fixture's own lock (Include HoTen) leaves it to sign.
    const included = await openPdfModel((await preparePdfSignature(FORM, { field: 'NguoiDeNghi' })).pdf);
    expect(problemOf(() => findSignatureField(included, 'TiepNhan.CanBo'))).toBe('no error');
  });

  it('keeps a locked field’s other flags', async () => {
    const pdf = await formWith('HoTen', (hoTen) => hoTen.set(PDFName.of('Ff'), PDFNumber.of(4096))); // Multiline
    const after = await openPdfModel((await preparePdfSignature(pdf, { field: 'NguoiDeNghi' })).pdf);
    expect(fieldNamed(after, 'HoTen').lookup(PDFName.of('Ff'))?.toString()).toBe('4097');
  });

  it('a lock it cannot read locks nothing and references nothing', async () => {
    const unreadable = await formLocking('Include', []);
    const prepared = await preparePdfSignature(unreadable, { field: 'NguoiDeNghi' });
    expect(await readOnlyFields(prepared.pdf)).toEqual([]);
    expect(latin1(prepared.pdf.subarray(unreadable.length))).not.toContain('/FieldMDP');
  });
});

describe('preparePdfSignature into a field whose lock has a PDF 2.0 /P (DocMDP permissions)', () => {
  /** The fixture with NguoiDeNghi's lock given /P `p`. */
  const lockWithP = (p: number) =>
    formWith('NguoiDeNghi', (field) =>
      field.lookup(PDFName.of('Lock'), PDFDict).set(PDFName.of('P'), PDFNumber.of(p)),
    );
  const refusal = (permissions: number) => ({
    code: 'BAD_REQUEST',
    field: 'field',
    problem: 'field-lock-permissions',
    permissions,
  });

  it('an approval signature is refused before signing; certifying with those permissions or fewer signs, and certifies', async () => {
    const pdf = await lockWithP(2);
    expect(await asyncProblemOf(() => preparePdfSignature(pdf, { field: 'NguoiDeNghi' }))).toEqual(
      refusal(2),
    );
    expect(
      await asyncProblemOf(() => preparePdfSignature(pdf, { field: 'NguoiDeNghi', certify: 3 })),
    ).toEqual(refusal(2));
    for (const certify of [2, 1] as const) {
      const prepared = await preparePdfSignature(pdf, { field: 'NguoiDeNghi', certify });
      expect(certificationOf((await openPdfModel(prepared.pdf)).document)?.permissions).toBe(certify);
    }
    // A /P kyso cannot read is taken as 1, the strictest.
    const unreadable = await lockWithP(7);
    expect(
      await asyncProblemOf(() => preparePdfSignature(unreadable, { field: 'NguoiDeNghi', certify: 2 })),
    ).toEqual(refusal(1));
  });

  it('a document already certified with those permissions or fewer takes the approval signature; one allowing more does not', async () => {
    const certifiedWith = async (certify: 2 | 3) =>
      (await preparePdfSignature(await lockWithP(2), { field: 'TiepNhan.CanBo', certify })).pdf;
    expect(
      await asyncProblemOf(async () => preparePdfSignature(await certifiedWith(2), { field: 'NguoiDeNghi' })),
    ).toBe('no error');
    expect(
      await asyncProblemOf(async () => preparePdfSignature(await certifiedWith(3), { field: 'NguoiDeNghi' })),
    ).toEqual(refusal(2));
  });
});

describe('preparePdfSignature into a field with a seed value (/SV)', () => {
  /** The fixture with TiepNhan.CanBo given the seed value `sv` (pdf-lib: a string is a name). */
  const seeded = (sv: Record<string, unknown>) =>
    formWith('TiepNhan.CanBo', (field, doc) => field.set(PDFName.of('SV'), doc.context.obj(sv as never)));
  const seedRefusal = (constraint: string) => ({
    code: 'BAD_REQUEST',
    field: 'field',
    problem: 'field-seed-value',
    constraint,
  });
  const text = (value: string) => PDFHexString.fromText(value);
  const field = 'TiepNhan.CanBo';

  it('refuses, before signing, a field whose required constraint kyso’s signature breaks, naming it', async () => {
    for (const [sv, constraint, options] of [
      [{ Ff: 2, SubFilter: ['adbe.pkcs7.detached'] }, 'SubFilter', {}],
      [{ Ff: 1, Filter: 'Entrust.PPKEF' }, 'Filter', {}],
      [{ Ff: 64, DigestMethod: ['SHA512'] }, 'DigestMethod', {}],
      [{ Ff: 8, Reasons: [text('Đồng ý')] }, 'Reasons', {}],
      [{ Ff: 8, Reasons: [text('Đồng ý')] }, 'Reasons', { reason: 'Phê duyệt' }],
      [{ Ff: 8, Reasons: [text('.')] }, 'Reasons', { reason: 'Phê duyệt' }],
      [{ Ff: 32, AddRevInfo: true }, 'AddRevInfo', {}],
      [{ Ff: 4, V: 3 }, 'V', {}],
      [{ MDP: { P: 2 } }, 'MDP', {}],
      [{ TimeStamp: { URL: text('http://tsa.example/'), Ff: 1 } }, 'TimeStamp', {}],
      // A required certificate constraint, and no signer's certificate to match it against.
      [{ Cert: { Ff: 2, Issuer: [PDFHexString.of('3000')] } }, 'Cert', {}],
      // PDF 2.0's LockDocument (Ff 128): /true asks for no change once signed, /false for some.
      [{ Ff: 128, LockDocument: 'true' }, 'LockDocument', {}],
      [{ Ff: 128, LockDocument: 'true' }, 'LockDocument', { certify: 2 }],
      [{ Ff: 128, LockDocument: 'false' }, 'LockDocument', { certify: 1 }],
    ] as const) {
      const pdf = await seeded(sv);
      expect(await asyncProblemOf(() => preparePdfSignature(pdf, { field, ...options })), constraint).toEqual(
        seedRefusal(constraint),
      );
    }
  });

  it('signs when the required constraints hold, or are not required', async () => {
    for (const [sv, options] of [
      [{ Ff: 2, SubFilter: ['adbe.pkcs7.detached', 'ETSI.CAdES.detached'] }, {}],
      [
        {
          Ff: 1 | 2 | 64,
          Filter: 'Adobe.PPKLite',
          SubFilter: ['ETSI.CAdES.detached'],
          DigestMethod: ['SHA256'],
        },
        {},
      ],
      [{ Ff: 8, Reasons: [text('Đồng ý'), text('Phê duyệt')] }, { reason: 'Phê duyệt' }],
      [{ Ff: 8, Reasons: [text('.')] }, {}],
      // Hints only: their Ff bits are clear.
      [{ SubFilter: ['adbe.pkcs7.detached'], DigestMethod: ['SHA1'], Reasons: [text('Khác')] }, {}],
      [{ Ff: 4, V: 2, MDP: { P: 0 }, LockDocument: 'auto', Cert: { Ff: 0 } }, {}],
      [{ TimeStamp: { URL: text('http://tsa.example/'), Ff: 1 } }, { timestamped: true }],
      [{ Ff: 128, LockDocument: 'true' }, { certify: 1 }],
      [{ Ff: 128, LockDocument: 'false' }, { certify: 2 }],
      [{ Ff: 128, LockDocument: 'auto' }, {}],
      [{ LockDocument: 'true' }, {}], // a hint
    ] as const) {
      const pdf = await seeded(sv);
      const prepared = await preparePdfSignature(pdf, { field, ...options });
      expect(prepared.pdf.length, JSON.stringify(sv)).toBeGreaterThan(pdf.length);
    }
  });
});

describe('the page’s `field`', () => {
  const pdf = (extra: Record<string, unknown>) =>
    PageDocumentSchema.safeParse({ kind: 'pdf', name: 'a.pdf', pdf: 'JVBERi0=', ...extra });
  const image = { kind: 'image', signatureImage: PNG.toString('base64') };

  it('takes a field name as written, with an image appearance that has no box of its own', () => {
    expect(pdf({ field: ' TiepNhan.CanBo', appearance: image }).data).toMatchObject({
      field: ' TiepNhan.CanBo',
    });
  });

  it('refuses a field with a rect, a pageIndex or a stamp; an image without a field needs its rect; names are bounded', () => {
    const rect = { x: 1, y: 1, width: 10, height: 10 };
    expect(pdf({ field: 'A', appearance: { ...image, rect } }).success).toBe(false);
    expect(pdf({ field: 'A', appearance: { ...image, pageIndex: 0 } }).success).toBe(false);
    expect(pdf({ field: 'A', appearance: { kind: 'stamp', lines: ['Số: 1'] } }).success).toBe(false);
    expect(pdf({ appearance: image }).success).toBe(false);
    expect(pdf({ appearance: { ...image, rect } }).success).toBe(true);
    expect(pdf({ field: '' }).success).toBe(false);
    expect(pdf({ field: '\u200b' }).success).toBe(false);
    expect(pdf({ field: 'x'.repeat(LIMITS.maxPdfFieldNameChars) }).success).toBe(true);
    expect(pdf({ field: 'x'.repeat(LIMITS.maxPdfFieldNameChars + 1) }).success).toBe(false);
  });
});
