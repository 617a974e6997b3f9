/** PDF objects compared as written: two revisions of a document, object by object. */
import { PDFDict, PDFName, type PDFObject } from 'pdf-lib';
import { serializePdfObject } from '../../shared/pdf/incremental.js';

const bytesOf = (object: PDFObject | undefined) =>
  object ? Buffer.from(serializePdfObject(object)) : undefined;

/** The same object as written (a reference is equal to the same reference, not to what it names). */
export const sameObject = (a: PDFObject | undefined, b: PDFObject | undefined) => {
  const x = bytesOf(a);
  const y = bytesOf(b);
  return x !== undefined && y !== undefined && x.equals(y);
};

export const sameOrAbsent = (a: PDFObject | undefined, b: PDFObject | undefined) =>
  (a === undefined && b === undefined) || sameObject(a, b);

/** Dictionaries equal but for `free` keys, which must pass `check`. */
export function sameExcept(
  before: PDFDict,
  after: PDFDict,
  free: Record<string, (b: PDFObject | undefined, a: PDFObject | undefined) => boolean>,
): boolean {
  const keys = new Set([...before.keys(), ...after.keys()].map((k) => k.decodeText()));
  for (const key of keys) {
    const b = before.get(PDFName.of(key));
    const a = after.get(PDFName.of(key));
    const check = free[key];
    if (check ? !check(b, a) : !sameOrAbsent(b, a)) return false;
  }
  return true;
}
