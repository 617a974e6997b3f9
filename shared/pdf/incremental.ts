/**
 * PDF incremental update (ISO 32000-1 §7.5.6): new and changed objects are appended after the
 * original bytes with a new cross-reference section whose /Prev points at the previous one. The
 * original file stays a byte-for-byte prefix, so signatures over it stay valid.
 *
 * pdf-lib only parses and builds objects here: its save() rewrites the whole file.
 */
import { PDFArray, PDFDict, PDFName, PDFNumber, PDFRef, type PDFContext, type PDFObject } from 'pdf-lib';
import { concatBytes } from '../encoding.js';

const latin1 = new TextEncoder(); // only ever given ASCII here

export function asciiBytes(text: string): Uint8Array {
  return latin1.encode(text);
}

/** The bytes pdf-lib writes for one object (dictionary, array, stream…). */
export function serializePdfObject(object: PDFObject): Uint8Array {
  const bytes = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(bytes, 0);
  return bytes;
}

/** The newest cross-reference section, as the xref model read it (shared/pdf/xref.ts). */
export interface PreviousXref {
  /** Byte offset of the last cross-reference section (the file's final startxref). */
  offset: number;
  /** A cross-reference stream (PDF 1.5+) rather than a classic `xref` table. */
  isStream: boolean;
  /** The last trailer's /Size: object numbers below it may be taken even if pdf-lib never saw them. */
  size: number;
}

export interface IndirectObjectBody {
  ref: PDFRef;
  /** The serialized object, without `N G obj` / `endobj`. */
  body: Uint8Array;
}

export interface IncrementalUpdateResult {
  pdf: Uint8Array;
  /** Absolute offset of each written object's body (after its `N G obj\n` header), by object number. */
  bodyOffsets: Map<number, number>;
}

/** Consecutive object numbers grouped as xref subsections: [[first, count], …]. */
function subsections(numbers: number[]): Array<[number, number]> {
  const sorted = [...numbers].sort((a, b) => a - b);
  const groups: Array<[number, number]> = [];
  for (const n of sorted) {
    const last = groups[groups.length - 1];
    if (last && last[0] + last[1] === n) last[1]++;
    else groups.push([n, 1]);
  }
  return groups;
}

/**
 * Appends `objects` to `original` with a cross-reference section of the same kind as the previous
 * one (a classic table after a table, a stream after a stream) and a trailer that keeps Root, Info
 * and ID from the last trailer.
 */
export function appendIncrementalUpdate(
  original: Uint8Array,
  context: PDFContext,
  objects: IndirectObjectBody[],
  previous: PreviousXref,
): IncrementalUpdateResult {
  const parts: Uint8Array[] = [original];
  let length = original.length;
  const push = (bytes: Uint8Array) => {
    parts.push(bytes);
    length += bytes.length;
  };
  // The original may end without an end-of-line after %%EOF.
  push(asciiBytes('\n'));

  const entries = new Map<number, { offset: number; generation: number }>();
  const bodyOffsets = new Map<number, number>();
  for (const { ref, body } of objects) {
    entries.set(ref.objectNumber, { offset: length, generation: ref.generationNumber });
    push(asciiBytes(`${ref.objectNumber} ${ref.generationNumber} obj\n`));
    bodyOffsets.set(ref.objectNumber, length);
    push(body);
    push(asciiBytes('\nendobj\n'));
  }

  const largest = Math.max(
    previous.size - 1,
    context.largestObjectNumber,
    ...objects.map((o) => o.ref.objectNumber),
  );
  const trailer = new Map<PDFName, PDFObject>();
  const { Root, Info, ID, Encrypt } = context.trailerInfo;
  if (Root) trailer.set(PDFName.of('Root'), Root);
  if (Info) trailer.set(PDFName.of('Info'), Info);
  if (ID) trailer.set(PDFName.of('ID'), ID);
  // An encrypted file stays encrypted: every trailer names its security handler.
  if (Encrypt) trailer.set(PDFName.of('Encrypt'), Encrypt);
  trailer.set(PDFName.of('Prev'), PDFNumber.of(previous.offset));

  const xrefOffset = length;
  if (previous.isStream) {
    // The xref stream lists itself too; fields: type 1, 4-byte offset, 2-byte generation.
    const ownNumber = largest + 1;
    entries.set(ownNumber, { offset: xrefOffset, generation: 0 });
    const groups = subsections([...entries.keys()]);
    const rows = new Uint8Array(entries.size * 7);
    let row = 0;
    for (const [first, count] of groups) {
      for (let n = first; n < first + count; n++) {
        const { offset, generation } = entries.get(n)!;
        rows.set(
          [
            1,
            offset >>> 24,
            (offset >>> 16) & 0xff,
            (offset >>> 8) & 0xff,
            offset & 0xff,
            generation >>> 8,
            generation & 0xff,
          ],
          row,
        );
        row += 7;
      }
    }
    const dict = PDFDict.fromMapWithContext(new Map(trailer), context);
    dict.set(PDFName.of('Type'), PDFName.of('XRef'));
    dict.set(PDFName.of('Size'), PDFNumber.of(ownNumber + 1));
    dict.set(PDFName.of('Index'), numberArray(context, groups.flat()));
    dict.set(PDFName.of('W'), numberArray(context, [1, 4, 2]));
    dict.set(PDFName.of('Length'), PDFNumber.of(rows.length));
    push(asciiBytes(`${ownNumber} 0 obj\n`));
    push(serializePdfObject(dict));
    push(asciiBytes('\nstream\n'));
    push(rows);
    push(asciiBytes('\nendstream\nendobj\n'));
  } else {
    let table = 'xref\n';
    for (const [first, count] of subsections([...entries.keys()])) {
      table += `${first} ${count}\n`;
      for (let n = first; n < first + count; n++) {
        const { offset, generation } = entries.get(n)!;
        table += `${String(offset).padStart(10, '0')} ${String(generation).padStart(5, '0')} n\r\n`;
      }
    }
    trailer.set(PDFName.of('Size'), PDFNumber.of(largest + 1));
    push(asciiBytes(table + 'trailer\n'));
    push(serializePdfObject(PDFDict.fromMapWithContext(trailer, context)));
    push(asciiBytes('\n'));
  }
  push(asciiBytes(`startxref\n${xrefOffset}\n%%EOF\n`));
  return { pdf: concatBytes(parts), bodyOffsets };
}

function numberArray(context: PDFContext, values: number[]): PDFArray {
  const array = PDFArray.withContext(context);
  for (const value of values) array.push(PDFNumber.of(value));
  return array;
}
