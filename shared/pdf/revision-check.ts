/**
 * The proof behind showing the original PDF in the consent window: the prepared revision only adds
 * to it. Read back through its own xref chain, every object a reader resolves in the original
 * resolves to the same bytes, except the few this update rewrites on purpose — and those keep every
 * entry but the signature's own (a page's /Annots, the form's /Fields, /SigFlags, /AcroForm, /Perms),
 * where arrays only grow.
 */
import { PDFArray, PDFDict, PDFName, PDFRef, type PDFObject } from 'pdf-lib';
import { KysoError } from '../protocol/errors.js';
import { serializePdfObject } from './incremental.js';
import { openPdfModel, type PdfModel } from './model.js';
import { parseObjectAt } from './xref.js';

/** The keys the signature update may change in an existing dictionary. */
const SIGNATURE_KEYS = new Set(['Annots', 'Fields', 'SigFlags', 'AcroForm', 'Perms']);

const same = (a: PDFObject | undefined, b: PDFObject | undefined): boolean =>
  a === undefined || b === undefined ? a === b : equalBytes(serializePdfObject(a), serializePdfObject(b));

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * `resolve` reads a signature key's value through a reference (in the prepared revision, where every
 * object but the rewritten ones is checked unchanged): a page's shared /Annots array becomes its own
 * copy with the widget added (pades.ts annotsOf).
 */
function onlyAdds(
  before: PDFObject,
  after: PDFObject,
  resolve: (object: PDFObject) => PDFObject | undefined = (object) => object,
  ownValues: ReadonlyMap<string, PDFObject> = new Map(),
): boolean {
  if (before instanceof PDFArray && after instanceof PDFArray)
    return before.size() <= after.size() && before.asArray().every((item, i) => same(item, after.get(i)));
  if (before instanceof PDFDict && after instanceof PDFDict) {
    const keys = new Set([...before.keys(), ...after.keys()].map((k) => k.decodeText()));
    for (const key of keys) {
      const name = PDFName.of(key);
      const [was, is] = [before.get(name), after.get(name)];
      // The entries an update signing into the document's own field sets there (pades.ts), to
      // exactly the values it set: its value, its widget's look (drawn in its box, outlined by the
      // window), a locked field's flags (read-only).
      const expected = ownValues.get(key);
      if (expected !== undefined) {
        if (!same(is, expected)) return false;
        continue;
      }
      if (SIGNATURE_KEYS.has(key)) {
        if (
          was !== undefined &&
          is !== undefined &&
          !same(was, is) &&
          !onlyAdds(was, is) &&
          !(key === 'Annots' && onlyAddsResolved(was, is, resolve)) &&
          key !== 'SigFlags'
        )
          return false;
        continue;
      }
      if (!same(was, is)) return false;
    }
    return true;
  }
  return false;
}

function onlyAddsResolved(
  was: PDFObject,
  is: PDFObject,
  resolve: (object: PDFObject) => PDFObject | undefined,
): boolean {
  const [before, after] = [resolve(was), resolve(is)];
  return before instanceof PDFArray && after instanceof PDFArray && onlyAdds(before, after);
}

/** Every object of the original model as bytes, taken before the update changes any of them. */
export type ObjectSnapshot = Map<PDFRef, Uint8Array>;

/** By object number: entries this update sets in that object besides the signature keys, and their values. */
export type OwnValues = ReadonlyMap<number, ReadonlyMap<string, PDFObject>>;

export function snapshotObjects(model: PdfModel): ObjectSnapshot {
  return new Map(
    model.context.enumerateIndirectObjects().map(([ref, object]) => [ref, serializePdfObject(object)]),
  );
}

/** Throws INTERNAL when the prepared revision would make a reader show anything else. */
export async function assertRevisionOnlyAdds(
  before: ObjectSnapshot,
  prepared: Uint8Array,
  rewritten: Set<number>,
  /** A field's /V, its widget's /AP, a locked field's /Ff: each only to its value here. */
  ownValues: OwnValues = new Map(),
): Promise<void> {
  const after = await openPdfModel(prepared);
  for (const [ref, bytes] of before) {
    const now = after.context.lookup(ref);
    if (now !== undefined && equalBytes(serializePdfObject(now), bytes)) continue;
    // A rewritten object: read its former self back from the snapshot and compare entries.
    if (
      now !== undefined &&
      rewritten.has(ref.objectNumber) &&
      onlyAdds(
        parseObjectAt(bytes, 0, after.context).object,
        now,
        (object) => (object instanceof PDFRef ? after.context.lookup(object) : object),
        ownValues.get(ref.objectNumber),
      )
    )
      continue;
    throw new KysoError('INTERNAL', 'the prepared PDF revision would change what the document shows', {
      object: ref.objectNumber,
    });
  }
}
