/**
 * The cross-reference chain of a PDF, read as a conforming reader reads it (ISO 32000-1 §7.5.4,
 * §7.5.6, §7.5.8): from the last startxref, each section (a classic table, a cross-reference
 * stream, or a hybrid table with /XRefStm) then its /Prev, newest first. The object a reader uses
 * for number n is the one the newest section mentioning n designates, never the last one in the
 * file (pdf-lib's parser reads objects in file order and keeps the last: the root of a preview
 * that differs from what gets signed).
 *
 * Anything two readers could resolve differently is refused here: a /Prev that leads nowhere or
 * loops, one number twice in a section, a hybrid table and stream that disagree.
 */
import {
  PDFArray,
  PDFDict,
  PDFName,
  PDFNumber,
  PDFObjectParser,
  PDFRawStream,
  type PDFContext,
  type PDFObject,
} from 'pdf-lib';
import { DecodeBudget, StreamTooLargeError } from './bounded-decode.js';
import { ambiguous, damaged, type PdfDocumentError } from './errors.js';

export type XrefEntry =
  | { kind: 'free' }
  | { kind: 'direct'; offset: number; generation: number }
  | { kind: 'compressed'; stream: number; index: number };

export interface XrefSection {
  /** Where the section starts (what startxref or /Prev names). */
  offset: number;
  /** Just past its trailer dictionary (table) or its endobj (stream). */
  end: number;
  kind: 'table' | 'stream';
  /** What this section alone says, hybrid stream merged in. */
  entries: Map<number, XrefEntry>;
  trailer: PDFDict;
  /** A hybrid table's /XRefStm section. */
  hybrid?: XrefSection;
  /** Numbers the hybrid table lists free and its stream places (entries has the stream's). */
  freeInTable?: Set<number>;
}

/** A linearization dictionary as pdf.js accepts one (ISO 32000-1 Annex F). */
export interface Linearization {
  /** /L: the length of the file its writer wrote. */
  length: number;
  /** /N: the page count. */
  pages: number;
  /** Where pdf.js reads the first-page xref section: after the first endobj (undefined: not found). */
  firstPageXref: number | undefined;
}

export interface XrefChain {
  /** Newest first. */
  sections: XrefSection[];
  /** The file's first object is a linearization dictionary. */
  linearization?: Linearization;
  /** Each object number as a reader resolves it: the newest section that mentions it. */
  resolved: Map<number, XrefEntry>;
  /** The newest trailer (Root, Info, ID, Size, Encrypt). */
  trailer: PDFDict;
  /** Numbers resolved from a hybrid stream over a free entry in its own table: readers differ. */
  freeInTable: Set<number>;
}

const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
/** Where a token ends for pdf.js's lexer: white space, a delimiter, or the end of the file. */
const endsToken = (byte: number | undefined) =>
  byte === undefined || WHITESPACE.has(byte) || '()<>[]{}/%'.includes(String.fromCharCode(byte));
const isDigit = (byte: number | undefined) => byte !== undefined && byte >= 0x30 && byte <= 0x39;

/** A small cursor over the file for the parts pdf-lib's object parser does not cover. */
export class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
  ) {}

  skipWhitespace(): this {
    for (;;) {
      while (WHITESPACE.has(this.bytes[this.at]!)) this.at++;
      if (this.bytes[this.at] !== 0x25) return this; // % comment to end of line
      while (this.at < this.bytes.length && this.bytes[this.at] !== 0x0a && this.bytes[this.at] !== 0x0d)
        this.at++;
    }
  }

  keyword(word: string): boolean {
    for (let i = 0; i < word.length; i++) if (this.bytes[this.at + i] !== word.charCodeAt(i)) return false;
    const next = this.bytes[this.at + word.length];
    if (next !== undefined && /[A-Za-z0-9]/.test(String.fromCharCode(next))) return false;
    this.at += word.length;
    return true;
  }

  integer(): number | undefined {
    const start = this.at;
    let value = 0;
    while (isDigit(this.bytes[this.at])) value = value * 10 + this.bytes[this.at++]! - 0x30;
    return this.at > start && this.at - start <= 10 ? value : undefined;
  }

  /** `n g obj`: the object number and generation, or undefined (cursor unchanged). */
  objectHeader(): { number: number; generation: number } | undefined {
    const start = this.at;
    const number = this.skipWhitespace().integer();
    const generation = number === undefined ? undefined : this.skipWhitespace().integer();
    if (number !== undefined && generation !== undefined && this.skipWhitespace().keyword('obj'))
      return { number, generation };
    this.at = start;
    return undefined;
  }
}

/**
 * Numbers written with a decimal point ("90.0"). pdf-lib keeps only their value, but readers can
 * tell them from integers: poppler takes a page's /Rotate only when it is written as an integer.
 */
const writtenAsReal = new WeakSet<PDFNumber>();

export const isWrittenAsReal = (number: PDFNumber) => writtenAsReal.has(number);

const PERIOD = 0x2e;
const isNumberByte = (byte: number | undefined) =>
  byte !== undefined && (isDigit(byte) || byte === PERIOD || byte === 0x2b || byte === 0x2d);

/** pdf-lib's object parser, marking the numbers it reads that are written with a decimal point. */
function objectParser(bytes: Uint8Array, context: PDFContext): PDFObjectParser {
  const parser = PDFObjectParser.forBytes(bytes, context);
  // Its number reader is private; it is called with the position on the number's first byte.
  const inside = parser as unknown as { parseNumberOrRef(): PDFObject; bytes: { offset(): number } };
  const parseNumberOrRef = inside.parseNumberOrRef.bind(parser);
  inside.parseNumberOrRef = () => {
    let at = inside.bytes.offset();
    const object = parseNumberOrRef();
    if (object instanceof PDFNumber) {
      while (isNumberByte(bytes[at]) && bytes[at] !== PERIOD) at++;
      if (bytes[at] === PERIOD) writtenAsReal.add(object);
    }
    return object;
  };
  return parser;
}

/** One object with pdf-lib's parser; `end` is the first byte after it (and its endobj, if any). */
export function parseObjectAt(
  bytes: Uint8Array,
  at: number,
  context: PDFContext,
): { object: PDFObject; end: number; afterObject: number } {
  const parser = objectParser(bytes.subarray(at), context);
  const object = parser.parseObject();
  const afterObject = at + parserOffset(parser);
  const cursor = new Cursor(bytes, afterObject).skipWhitespace();
  cursor.keyword('endobj');
  return { object, end: cursor.at, afterObject };
}

/**
 * The first byte after the object at `at` itself. pdf-lib's parser, after a dictionary, skips the
 * blanks and comments that follow (looking for `stream`), so its stop can lie past a comment that
 * belongs to what comes next (qpdf's QDF output comments each object of an object stream); a
 * dictionary is parsed again up to its `>>`.
 */
export function objectSyntaxEnd(
  bytes: Uint8Array,
  at: number,
  parsed: { object: PDFObject; afterObject: number },
  context: PDFContext,
): number {
  if (!(parsed.object instanceof PDFDict)) return parsed.afterObject;
  const parser = PDFObjectParser.forBytes(bytes.subarray(at), context) as unknown as {
    skipWhitespaceAndComments(): void;
    parseDict(): PDFDict;
  };
  parser.skipWhitespaceAndComments();
  parser.parseDict();
  return at + parserOffset(parser as unknown as PDFObjectParser);
}

/** pdf-lib keeps its position private; the parser's ByteStream offset is where it stopped. */
function parserOffset(parser: PDFObjectParser): number {
  return (parser as unknown as { bytes: { offset(): number } }).bytes.offset();
}

/** The indirect object at a designated offset: its header must name it, else readers would disagree. */
export function parseIndirectAt(
  bytes: Uint8Array,
  offset: number,
  context: PDFContext,
): {
  number: number;
  generation: number;
  object: PDFObject;
  start: number;
  end: number;
  /** Just past the object itself (a stream: past its "endstream"). */
  afterObject: number;
} {
  if (offset >= bytes.length) throw damaged('broken-xref');
  const cursor = new Cursor(bytes, offset).skipWhitespace();
  const start = cursor.at;
  const header = cursor.objectHeader();
  if (!header) throw damaged('object-mismatch');
  try {
    const { object, end, afterObject } = parseObjectAt(bytes, cursor.at, context);
    return { ...header, object, start, end, afterObject };
  } catch {
    throw damaged('object-mismatch', header.number);
  }
}

/**
 * How far the cross-reference and object streams of one file are decoded when it is read: real
 * files' are a few MiB in all, while a few KB of deflated zeros can claim gigabytes.
 */
export const STRUCTURE_STREAM_LIMITS = { streamBytes: 32 << 20, totalBytes: 128 << 20 };

/** A budget for reading one file's structure (its chain, then its object streams). */
export const structureBudget = () =>
  new DecodeBudget(STRUCTURE_STREAM_LIMITS.streamBytes, STRUCTURE_STREAM_LIMITS.totalBytes);

/**
 * Decoded stream data: the filters pdf-lib knows, then PNG predictors (cross-reference streams use
 * them). Past the budget: PDF_DAMAGED stream-too-large, before the memory is spent.
 */
export function decodeStream(stream: PDFRawStream, budget: DecodeBudget): Uint8Array {
  let data: Uint8Array;
  try {
    data = budget.decode(stream);
  } catch (error) {
    if (error instanceof StreamTooLargeError) throw damaged('stream-too-large');
    throw damaged('unsupported-encoding');
  }
  const parms = stream.dict.lookup(PDFName.of('DecodeParms'));
  const params = parms instanceof PDFArray ? parms.lookup(0) : parms;
  if (!(params instanceof PDFDict)) return data;
  const predictor = numberIn(params, 'Predictor') ?? 1;
  if (predictor === 1) return data;
  if (predictor < 10) throw damaged('unsupported-encoding'); // TIFF predictor: never seen in xref streams
  const columns = numberIn(params, 'Columns') ?? 1;
  const colors = numberIn(params, 'Colors') ?? 1;
  const bits = numberIn(params, 'BitsPerComponent') ?? 8;
  return unpredictPng(
    data,
    Math.ceil((columns * colors * bits) / 8),
    Math.max(1, Math.ceil((colors * bits) / 8)),
  );
}

/** PNG row filters (RFC 2083 §6): each row starts with its filter type. */
export function unpredictPng(data: Uint8Array, rowLength: number, bytesPerPixel: number): Uint8Array {
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  for (let r = 0; r < rows; r++) {
    const filter = data[r * (rowLength + 1)]!;
    const row = data.subarray(r * (rowLength + 1) + 1, (r + 1) * (rowLength + 1));
    const at = r * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const left = i >= bytesPerPixel ? out[at + i - bytesPerPixel]! : 0;
      const up = r > 0 ? out[at - rowLength + i]! : 0;
      const upLeft = r > 0 && i >= bytesPerPixel ? out[at - rowLength + i - bytesPerPixel]! : 0;
      let value = row[i]!;
      if (filter === 1) value += left;
      else if (filter === 2) value += up;
      else if (filter === 3) value += (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        value += pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      } else if (filter !== 0) throw damaged('unsupported-encoding');
      out[at + i] = value & 0xff;
    }
  }
  return out;
}

function numberIn(dict: PDFDict, key: string): number | undefined {
  const value = dict.lookup(PDFName.of(key));
  return value instanceof PDFNumber ? value.asNumber() : undefined;
}

/** What pdf.js skips between `startxref` and its offset: no comment, form feed or NUL. */
const STARTXREF_SPACE = new Set([0x09, 0x0a, 0x0d, 0x20]);

/**
 * The offset the last startxref names (readers read the end of the file; junk after %%EOF is
 * tolerated). Only the separators pdf.js accepts: on anything else it rebuilds the xref and shows
 * whichever trailer it meets first, an earlier revision.
 */
export function lastStartxref(bytes: Uint8Array): number {
  const needle = [0x73, 0x74, 0x61, 0x72, 0x74, 0x78, 0x72, 0x65, 0x66]; // "startxref"
  outer: for (let i = bytes.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    const cursor = new Cursor(bytes, i + needle.length);
    while (STARTXREF_SPACE.has(bytes[cursor.at]!)) cursor.at++;
    const offset = cursor.integer();
    if (offset === undefined || offset >= bytes.length) throw damaged('no-xref');
    return offset;
  }
  throw damaged('no-xref');
}

function readTable(
  bytes: Uint8Array,
  cursor: Cursor,
  context: PDFContext,
): { entries: Map<number, XrefEntry>; trailer: PDFDict; end: number } {
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    cursor.skipWhitespace();
    if (cursor.keyword('trailer')) break;
    let first = cursor.integer();
    const count = first === undefined ? undefined : cursor.skipWhitespace().integer();
    if (first === undefined || count === undefined) throw damaged('broken-xref');
    for (let i = 0; i < count; i++) {
      const offset = cursor.skipWhitespace().integer();
      const generation = offset === undefined ? undefined : cursor.skipWhitespace().integer();
      cursor.skipWhitespace();
      const type = bytes[cursor.at++];
      // pdf.js reads "n" or "f" as a token: glued to what follows, it fails and rebuilds the xref.
      if (
        offset === undefined ||
        generation === undefined ||
        (type !== 0x6e && type !== 0x66) ||
        !endsToken(bytes[cursor.at])
      )
        throw damaged('broken-xref');
      // A known writer bug: a subsection numbered from 1 though its first row is object 0's
      // "0000000000 65535 f". pdf.js and poppler read it from 0; so does kyso. pdf.js does so
      // for any free first row, poppler only for that one: for another, they differ.
      if (i === 0 && first === 1 && type === 0x66) {
        if (offset !== 0 || generation !== 65535) throw damaged('broken-xref');
        first = 0;
      }
      const n = first + i;
      // Object 0 heads the free list; pdf.js rejects a table that says it is in use.
      if (n === 0 && type === 0x6e) throw damaged('broken-xref');
      if (entries.has(n)) throw ambiguous('duplicate-xref-entry', n);
      // An in-use entry at offset 0 points at the header: no object; readers treat it as free.
      entries.set(n, type === 0x6e && offset > 0 ? { kind: 'direct', offset, generation } : { kind: 'free' });
    }
  }
  cursor.skipWhitespace();
  let parsed: { object: PDFObject; end: number };
  try {
    parsed = parseObjectAt(bytes, cursor.at, context);
  } catch {
    throw damaged('broken-xref');
  }
  if (!(parsed.object instanceof PDFDict)) throw damaged('broken-xref');
  return { entries, trailer: parsed.object, end: parsed.end };
}

function readStreamEntries(stream: PDFRawStream, budget: DecodeBudget): Map<number, XrefEntry> {
  const widths = stream.dict.lookup(PDFName.of('W'));
  const size = numberIn(stream.dict, 'Size');
  if (!(widths instanceof PDFArray) || widths.size() < 3 || size === undefined) throw damaged('broken-xref');
  const w = [0, 1, 2].map((i) => {
    const value = widths.lookup(i);
    return value instanceof PDFNumber ? value.asNumber() : -1;
  }) as [number, number, number];
  // pdf.js fails on a fraction in /W, /Index or /Size (and so skips this section and every older
  // one, showing objects missing that others draw): refused.
  if (w.some((x) => !Number.isInteger(x) || x < 0 || x > 8) || w[1] === 0 || !Number.isInteger(size))
    throw damaged('broken-xref');
  const index = stream.dict.lookup(PDFName.of('Index'));
  const ranges: number[] = [];
  if (index instanceof PDFArray) {
    for (let i = 0; i < index.size(); i++) {
      const value = index.lookup(i);
      if (!(value instanceof PDFNumber) || !Number.isInteger(value.asNumber())) throw damaged('broken-xref');
      ranges.push(value.asNumber());
    }
    if (ranges.length % 2) throw damaged('broken-xref');
  } else ranges.push(0, size);
  const data = decodeStream(stream, budget);
  const rowLength = w[0] + w[1] + w[2];
  const entries = new Map<number, XrefEntry>();
  let row = 0;
  const field = (at: number, width: number) => {
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 256 + data[at + i]!;
    return value;
  };
  for (let r = 0; r < ranges.length; r += 2) {
    const first = ranges[r]!;
    const count = ranges[r + 1]!;
    for (let n = first; n < first + count; n++, row++) {
      const at = row * rowLength;
      if (at + rowLength > data.length) throw damaged('broken-xref');
      const type = w[0] === 0 ? 1 : field(at, w[0]);
      const second = field(at + w[0], w[1]);
      const third = field(at + w[0] + w[1], w[2]);
      if (entries.has(n)) throw ambiguous('duplicate-xref-entry', n);
      // pdf.js fails on a type past 2 (the spec says null) and rebuilds: readers differ.
      if (type > 2) throw damaged('broken-xref');
      if (type === 1 && second > 0) entries.set(n, { kind: 'direct', offset: second, generation: third });
      else if (type === 2) entries.set(n, { kind: 'compressed', stream: second, index: third });
      else entries.set(n, { kind: 'free' });
    }
  }
  return entries;
}

function readSection(
  bytes: Uint8Array,
  offset: number,
  context: PDFContext,
  budget: DecodeBudget,
  onBroken: () => PdfDocumentError,
): XrefSection {
  if (offset <= 0 || offset >= bytes.length) throw onBroken();
  const cursor = new Cursor(bytes, offset).skipWhitespace();
  if (cursor.keyword('xref')) {
    const { entries, trailer, end } = readTable(bytes, cursor, context);
    const section: XrefSection = { offset, end, kind: 'table', entries, trailer };
    // A reference or a fraction here pdf.js ignores and poppler may not: the same rule as /Prev.
    const hybridAt = prevOffset(trailer.get(PDFName.of('XRefStm')));
    if (hybridAt !== undefined) {
      const hybrid = readSection(bytes, hybridAt, context, budget, () => damaged('broken-prev-chain'));
      if (hybrid.kind !== 'stream') throw damaged('broken-prev-chain');
      // pdf.js queues a hybrid stream's own /Prev after the table's and reads it before the rest
      // of the chain; poppler ignores it. Only one naming the table's /Prev (or none) reads alike.
      const streamPrev = hybrid.trailer.get(PDFName.of('Prev'));
      if (streamPrev !== undefined && prevOffset(streamPrev) !== prevOffset(trailer.get(PDFName.of('Prev'))))
        throw ambiguous('hybrid-xref-conflict');
      section.hybrid = hybrid;
      section.freeInTable = mergeHybrid(entries, hybrid.entries);
    }
    return section;
  }
  let parsed;
  try {
    parsed = parseIndirectAt(bytes, offset, context);
  } catch {
    throw onBroken();
  }
  const stream = parsed.object;
  if (!(stream instanceof PDFRawStream) || stream.dict.lookup(PDFName.of('Type')) !== PDFName.of('XRef'))
    throw onBroken();
  return {
    offset,
    end: parsed.end,
    kind: 'stream',
    entries: readStreamEntries(stream, budget),
    trailer: stream.dict,
  };
}

/**
 * Readers look in the table first, then the stream, then /Prev: what the table lacks, the stream
 * gives (a free entry too: pdf.js stops there); an object both place must be in one place. One the table lists free and the stream
 * places is the spec's "hidden object": pdf.js and poppler keep the free entry, qpdf takes the
 * stream's. The stream's is kept and the number returned, for the model to check nothing drawn
 * uses it.
 */
function mergeHybrid(entries: Map<number, XrefEntry>, stream: Map<number, XrefEntry>): Set<number> {
  const freeInTable = new Set<number>();
  for (const [n, entry] of stream) {
    const inTable = entries.get(n);
    if (inTable === undefined) entries.set(n, entry);
    else if (entry.kind === 'free') continue;
    else if (inTable.kind === 'free') {
      entries.set(n, entry);
      freeInTable.add(n);
    } else if (!sameEntry(inTable, entry)) throw ambiguous('hybrid-xref-conflict', n);
  }
  return freeInTable;
}

function sameEntry(a: XrefEntry, b: XrefEntry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const positiveInteger = (value: PDFObject | undefined, zero = false) =>
  value instanceof PDFNumber && Number.isInteger(value.asNumber()) && value.asNumber() >= (zero ? 0 : 1);

/**
 * The file's first object, if pdf.js takes it for a linearization dictionary (its Linearization.create:
 * a positive /Linearized, then integer /L /O /E /N /T, /H of 2 or 4, /P if any; direct values only).
 */
export function readLinearization(bytes: Uint8Array, context: PDFContext): Linearization | undefined {
  let first: PDFObject;
  try {
    first = parseIndirectAt(bytes, 0, context).object;
  } catch {
    return undefined;
  }
  if (!(first instanceof PDFDict)) return undefined;
  const get = (key: string) => first.get(PDFName.of(key));
  const marker = get('Linearized');
  const hints = get('H');
  if (
    !(marker instanceof PDFNumber && marker.asNumber() > 0) ||
    !['L', 'O', 'E', 'N', 'T'].every((key) => positiveInteger(get(key))) ||
    (get('P') !== undefined && !positiveInteger(get('P'), true)) ||
    !(hints instanceof PDFArray && (hints.size() === 2 || hints.size() === 4)) ||
    !hints.asArray().every((hint) => positiveInteger(hint))
  )
    return undefined;
  return {
    length: (get('L') as PDFNumber).asNumber(),
    pages: (get('N') as PDFNumber).asNumber(),
    firstPageXref: afterFirstEndobj(bytes),
  };
}

/** pdf.js's start for a linearized file: past the first "endobj" in the first 1024 bytes and its blanks. */
function afterFirstEndobj(bytes: Uint8Array): number | undefined {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  const at = text.indexOf('endobj');
  if (at < 0) return undefined;
  let end = at + 'endobj'.length;
  while (STARTXREF_SPACE.has(bytes[end]!)) end++;
  return end;
}

/** Where a section named by `offset` really begins (readers skip blanks and comments first). */
export const sectionStart = (bytes: Uint8Array, offset: number) =>
  new Cursor(bytes, offset).skipWhitespace().at;

/**
 * A linearized file whose /L is its length: pdf.js (and poppler) read the xref from the first-page
 * section, not from the last startxref. Unless that is where the last startxref leads too, they
 * would show another revision than kyso signs (and, once the update changes the length, than the
 * signed file shows).
 */
function assertLinearizedStart(bytes: Uint8Array, chain: XrefChain): void {
  const linearization = chain.linearization;
  if (linearization?.length !== bytes.length) return;
  const { firstPageXref } = linearization;
  if (
    firstPageXref === undefined ||
    sectionStart(bytes, firstPageXref) !== sectionStart(bytes, chain.sections[0]!.offset)
  )
    throw ambiguous('linearized-xref');
}

/**
 * A section's /Prev (or /XRefStm): a direct non-negative integer, or none. Poppler takes
 * "/Prev n 0 R" for offset n (a writer bug it tolerates), pdf.js resolves the reference and stops
 * there; a fraction or a negative one each reader handles its own way: refused.
 */
function prevOffset(prev: PDFObject | undefined): number | undefined {
  if (prev === undefined) return undefined;
  if (!(prev instanceof PDFNumber) || !Number.isSafeInteger(prev.asNumber()) || prev.asNumber() < 0)
    throw damaged('broken-prev-chain');
  return prev.asNumber();
}

/**
 * Reads the whole chain, its streams decoded within `budget`; throws PdfDocumentError
 * (PDF_DAMAGED, PDF_AMBIGUOUS) rather than guess.
 */
export function readXrefChain(bytes: Uint8Array, context: PDFContext, budget: DecodeBudget): XrefChain {
  const sections: XrefSection[] = [];
  const visited = new Set<number>();
  let offset: number | undefined = lastStartxref(bytes);
  while (offset !== undefined) {
    if (visited.has(offset)) throw damaged('broken-prev-chain');
    visited.add(offset);
    const section = readSection(bytes, offset, context, budget, () =>
      damaged(sections.length === 0 ? 'no-xref' : 'broken-prev-chain'),
    );
    sections.push(section);
    offset = prevOffset(section.trailer.get(PDFName.of('Prev')));
  }
  const resolved = new Map<number, XrefEntry>();
  const freeInTable = new Set<number>();
  for (const section of sections)
    for (const [n, entry] of section.entries) {
      if (resolved.has(n)) continue;
      resolved.set(n, entry);
      if (section.freeInTable?.has(n)) freeInTable.add(n);
    }
  const linearization = readLinearization(bytes, context);
  const chain = {
    sections,
    resolved,
    trailer: sections[0]!.trailer,
    freeInTable,
    ...(linearization && { linearization }),
  };
  assertLinearizedStart(bytes, chain);
  return chain;
}
