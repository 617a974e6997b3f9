/**
 * FieldMDP (ISO 32000-1 §12.8.2.4): a signature whose dictionary's /Reference holds a FieldMDP
 * transform locks form fields (/TransformParams /Action All, Include or Exclude with /Fields; what
 * a field's /Lock asks the signer to write, shared/pdf/field-lock.ts). A later revision that changes
 * one of them — its value, its dictionary but for its flags, its widgets or their appearance
 * streams, or removes it — changes what the signature attests: Acrobat reports the signature's
 * locked fields modified. Read from the revision the signature signed (a later revision could
 * rewrite the signature dictionary), compared with the document now.
 */
import { PDFArray, PDFDict, PDFName, PDFNumber, PDFRef, type PDFDocument, type PDFObject } from 'pdf-lib';
import { lockCovers, readLock } from '../../shared/pdf/field-lock.js';
import { formFields, inheritedField, type FormField } from '../../shared/pdf/signature-field.js';
import { sameExcept, sameOrAbsent } from './pdf-objects.js';

const asModel = (doc: PDFDocument) => ({ document: doc, context: doc.context });

/** The signed field whose value is the signature dictionary with this /ByteRange, in `revision`. */
export function signedField(
  revision: PDFDocument,
  byteRange: number[],
): { field: FormField; signature: PDFDict } | undefined {
  const model = asModel(revision);
  for (const field of formFields(model)) {
    const value = inheritedField(model, field.dict, 'V');
    if (!(value instanceof PDFDict)) continue;
    const range = value.lookup(PDFName.of('ByteRange'));
    const numbers = range instanceof PDFArray ? range.asArray() : [];
    if (
      numbers.length === byteRange.length &&
      numbers.every((n, i) => n instanceof PDFNumber && n.asNumber() === byteRange[i])
    )
      return { field, signature: value };
  }
  return undefined;
}

/** The FieldMDP reference's transform parameters in a signature dictionary, if it has one. */
function fieldMdpParams(signature: PDFDict): PDFDict | undefined {
  const references = signature.lookup(PDFName.of('Reference'));
  for (const item of references instanceof PDFArray ? references.asArray() : []) {
    const reference = signature.context.lookup(item);
    if (
      reference instanceof PDFDict &&
      reference.lookup(PDFName.of('TransformMethod')) === PDFName.of('FieldMDP')
    ) {
      const params = reference.lookup(PDFName.of('TransformParams'));
      if (params instanceof PDFDict) return params;
    }
  }
  return undefined;
}

/** A field's appearance streams (/AP /N, /R, /D: a stream, or a dictionary of them by state). */
function appearanceObjects(doc: PDFDocument, widget: PDFDict): PDFObject[] {
  const ap = widget.lookup(PDFName.of('AP'));
  if (!(ap instanceof PDFDict)) return [];
  return ['N', 'R', 'D'].flatMap((key) => {
    const entry = ap.get(PDFName.of(key));
    const value = doc.context.lookup(entry);
    if (value instanceof PDFDict && !(entry instanceof PDFRef && value.has(PDFName.of('Length'))))
      return value.values().map((state) => doc.context.lookup(state) ?? state);
    return value ? [value] : [];
  });
}

/** The field's widgets: itself (merged), or its kids without /T. */
function widgetsOf(doc: PDFDocument, field: PDFDict): PDFDict[] {
  const kids = field.lookup(PDFName.of('Kids'));
  const own = kids instanceof PDFArray ? kids.asArray().map((kid) => doc.context.lookup(kid)) : [];
  const widgets = own.filter((kid): kid is PDFDict => kid instanceof PDFDict && !kid.has(PDFName.of('T')));
  return widgets.length > 0 ? widgets : [field];
}

const flagsFree = { Ff: () => true };

function fieldChanged(
  signed: PDFDocument,
  doc: PDFDocument,
  before: FormField,
  after: FormField | undefined,
): boolean {
  if (!after) return true;
  if (!sameExcept(before.dict, after.dict, flagsFree)) return true;
  if (
    !sameOrAbsent(
      inheritedField(asModel(signed), before.dict, 'V'),
      inheritedField(asModel(doc), after.dict, 'V'),
    )
  )
    return true;
  const [was, is] = [widgetsOf(signed, before.dict), widgetsOf(doc, after.dict)];
  if (was.length !== is.length) return true;
  return was.some((widget, i) => {
    const now = is[i]!;
    if (widget !== before.dict && !sameExcept(widget, now, flagsFree)) return true;
    const [a, b] = [appearanceObjects(signed, widget), appearanceObjects(doc, now)];
    return a.length !== b.length || a.some((object, j) => !sameOrAbsent(object, b[j]));
  });
}

/**
 * The fields the signature with `byteRange` locks (FieldMDP) that the document now has changed,
 * by name; undefined when the signature locks none kyso can read (no FieldMDP reference, or one
 * whose Action or Fields it does not know).
 */
export function lockedFieldsChanged(
  signed: PDFDocument,
  doc: PDFDocument,
  byteRange: number[],
): string[] | undefined {
  const found = signedField(signed, byteRange);
  const params = found && fieldMdpParams(found.signature);
  const lock = params && readLock(params);
  if (!found || !lock) return undefined;
  const locked = formFields(asModel(signed)).filter(
    ({ name, dict }) => dict !== found.field.dict && lockCovers(lock, name),
  );
  const now = formFields(asModel(doc));
  return locked
    .filter((field) =>
      fieldChanged(
        signed,
        doc,
        field,
        now.find((f) => f.name === field.name),
      ),
    )
    .map((field) => field.name);
}
