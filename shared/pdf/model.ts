/**
 * One model of a PDF for everything kyso does with it (page count, warnings, the preview, the
 * signed revision): exactly the objects the cross-reference chain designates, parsed with
 * pdf-lib's object parser into a pdf-lib context. pdf-lib's own loader is not used: it reads
 * objects in file order and keeps the last it meets, whatever the xref says.
 *
 * A PDF readers could resolve differently is refused (PDF_AMBIGUOUS): an object definition no
 * cross-reference section designates (a hidden revision, a reverted xref), or stream data that
 * does not match its /Length. Damaged files (PDF_DAMAGED) and encrypted ones (PDF_ENCRYPTED) are
 * refused too, each with a typed error and never a library's message. A file that opens without a
 * password (owner password only) is modelled in the clear: its strings and streams decrypted.
 */
import {
  PDFArray,
  PDFCatalog,
  PDFContext,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFStream,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import { decryptedObject, hexStrings } from './encrypted-objects.js';
import { objectCipher, openWithoutPassword, type PdfEncryption } from './encryption.js';
import { pageBox } from './page-box.js';
import { ambiguous, damaged, PdfDocumentError } from './errors.js';
import {
  Cursor,
  decodeStream,
  objectSyntaxEnd,
  parseIndirectAt,
  parseObjectAt,
  readXrefChain,
  structureBudget,
  type XrefChain,
} from './xref.js';

export interface PdfModel {
  bytes: Uint8Array;
  chain: XrefChain;
  /** The designated objects (and nothing else), in a pdf-lib document. */
  document: PDFDocument;
  context: PDFContext;
  pageCount: number;
  /** Cross-reference sections in the chain: 1 for a file never updated (hybrid streams not counted). */
  revisions: number;
  /**
   * A file that opens without a password (owner password only): its key, with which whatever kyso
   * writes into an update is encrypted (encrypted-objects.ts); the model itself is in the clear.
   */
  encryption?: PdfEncryption;
}

interface Decrypted {
  encryption: PdfEncryption;
  /** Object streams' data, decrypted (still filtered), by object number. */
  objectStreams: Map<number, Uint8Array>;
}

interface Span {
  start: number;
  end: number;
}

const PDF_HEADER = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const WHITESPACE_BYTES = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);

export function hasPdfHeader(bytes: Uint8Array): boolean {
  return PDF_HEADER.every((byte, i) => bytes[i] === byte);
}

/**
 * Loads through the xref chain; throws PdfDocumentError for anything it will not sign. Encrypted
 * files are PDF_ENCRYPTED here; `openPdfModel` also opens those that need no password.
 */
export function loadPdfModel(bytes: Uint8Array, decrypted?: Decrypted): PdfModel {
  try {
    return load(bytes, decrypted);
  } catch (error) {
    if (error instanceof PdfDocumentError) throw error;
    // A library failure (pdf-lib's text stays out of what people see).
    throw damaged('broken-xref');
  }
}

/** loadPdfModel, and files encrypted with an owner password only (they open without one). */
export async function openPdfModel(bytes: Uint8Array): Promise<PdfModel> {
  try {
    return loadPdfModel(bytes);
  } catch (error) {
    if (!(error instanceof PdfDocumentError) || error.problem !== 'encrypted') throw error;
  }
  let model: PdfModel;
  try {
    model = loadPdfModel(bytes, await decryptStructure(bytes));
  } catch (error) {
    if (error instanceof PdfDocumentError) throw error;
    throw new PdfDocumentError('PDF_ENCRYPTED', 'encrypted');
  }
  await decryptObjects(model);
  return model;
}

/**
 * Every object the file stores outside object streams, in the clear (encrypted-objects.ts): the
 * model of an encrypted file then reads as any other's.
 */
async function decryptObjects(model: PdfModel): Promise<void> {
  const { context, chain, encryption } = model;
  const encrypt = chain.trailer.get(PDFName.of('Encrypt'));
  const work: Promise<void>[] = [];
  for (const [number, entry] of chain.resolved) {
    const ref = PDFRef.of(number, entry.kind === 'direct' ? entry.generation : 0);
    const object = context.lookup(ref);
    if (!object || ref === encrypt) continue;
    const clear = entry.kind === 'direct' ? decryptedObject(encryption!, ref, object) : hexStrings(object);
    work.push(
      clear.then((value) => {
        if (value !== object) context.assign(ref, value);
      }),
    );
  }
  await Promise.all(work);
}

/** The file key from the empty user password, and the object streams decrypted with it. */
async function decryptStructure(bytes: Uint8Array): Promise<Decrypted> {
  const context = PDFContext.create();
  const chain = readXrefChain(bytes, context, structureBudget());
  const resolve = (object: PDFObject | undefined): PDFObject | undefined => {
    if (!(object instanceof PDFRef)) return object;
    const entry = chain.resolved.get(object.objectNumber);
    return entry?.kind === 'direct' ? parseIndirectAt(bytes, entry.offset, context).object : undefined;
  };
  const dict = resolve(chain.trailer.get(PDFName.of('Encrypt')));
  const ids = chain.trailer.lookup(PDFName.of('ID'));
  const firstId = ids instanceof PDFArray ? ids.lookup(0) : undefined;
  if (!(dict instanceof PDFDict) || !(firstId instanceof PDFHexString || firstId instanceof PDFString))
    throw new PdfDocumentError('PDF_ENCRYPTED', 'encrypted');
  const encryption = await openWithoutPassword(dict, firstId.asBytes());
  const objectStreams = new Map<number, Uint8Array>();
  for (const entry of chain.resolved.values()) {
    if (entry.kind !== 'compressed' || objectStreams.has(entry.stream)) continue;
    const at = chain.resolved.get(entry.stream);
    if (at?.kind !== 'direct') throw damaged('object-mismatch', entry.stream);
    const stream = parseIndirectAt(bytes, at.offset, context).object;
    if (!(stream instanceof PDFRawStream)) throw damaged('object-mismatch', entry.stream);
    objectStreams.set(
      entry.stream,
      await objectCipher(encryption, encryption.streams, entry.stream, at.generation).decrypt(
        stream.contents,
      ),
    );
  }
  return { encryption, objectStreams };
}

function load(bytes: Uint8Array, decrypted?: Decrypted): PdfModel {
  if (!hasPdfHeader(bytes)) throw damaged('not-pdf');
  const context = PDFContext.create();
  // One budget for the file's cross-reference and object streams: a deflate bomb stops there.
  const budget = structureBudget();
  const chain = readXrefChain(bytes, context, budget);
  const encrypt = chain.trailer.get(PDFName.of('Encrypt'));
  if (encrypt && !decrypted) throw new PdfDocumentError('PDF_ENCRYPTED', 'encrypted');

  const spans: Span[] = [];
  for (const section of chain.sections) {
    spans.push({ start: section.offset, end: section.end });
    if (section.hybrid) spans.push({ start: section.hybrid.offset, end: section.hybrid.end });
  }
  // Every designated definition in every revision: the current ones go in the model, the older
  // ones only account for their bytes (so that what is left over is what no xref designates).
  const parsedAt = new Map<number, ReturnType<typeof parseIndirectAt>>();
  /** The last definition of each number in file order (what a rebuilt xref would take). */
  const lastInFile = new Map<number, number>();
  const parseDesignated = (number: number, offset: number, generation: number) => {
    let parsed = parsedAt.get(offset);
    if (!parsed) {
      parsed = parseIndirectAt(bytes, offset, context);
      parsedAt.set(offset, parsed);
      spans.push({ start: parsed.start, end: parsed.end });
      lastInFile.set(parsed.number, Math.max(lastInFile.get(parsed.number) ?? -1, parsed.start));
    }
    if (parsed.number !== number || parsed.generation !== generation)
      throw damaged('object-mismatch', number);
    return parsed;
  };
  for (const section of chain.sections)
    for (const [number, entry] of section.entries)
      if (entry.kind === 'direct') parseDesignated(number, entry.offset, entry.generation);

  const objectStreams = new Map<
    number,
    { data: Uint8Array; offsets: Map<number, { number: number; offset: number }> }
  >();
  const objectStream = (number: number) => {
    let found = objectStreams.get(number);
    if (found) return found;
    const entry = chain.resolved.get(number);
    if (entry?.kind !== 'direct') throw damaged('object-mismatch', number);
    const designated = parseDesignated(number, entry.offset, entry.generation).object;
    if (
      !(designated instanceof PDFRawStream) ||
      designated.dict.lookup(PDFName.of('Type')) !== PDFName.of('ObjStm')
    )
      throw damaged('object-mismatch', number);
    const plain = decrypted?.objectStreams.get(number);
    const stream = plain ? PDFRawStream.of(designated.dict, plain) : designated;
    const data = decodeStream(stream, budget);
    const count = (stream.dict.lookup(PDFName.of('N')) as PDFNumber | undefined)?.asNumber?.();
    const first = (stream.dict.lookup(PDFName.of('First')) as PDFNumber | undefined)?.asNumber?.();
    if (count === undefined || first === undefined) throw damaged('object-mismatch', number);
    const offsets = new Map<number, { number: number; offset: number }>();
    const cursor = new Cursor(data, 0);
    const listed = new Set<number>();
    for (let i = 0; i < count; i++) {
      const objectNumber = cursor.skipWhitespace().integer();
      const offset = cursor.skipWhitespace().integer();
      if (objectNumber === undefined || offset === undefined) throw damaged('object-mismatch', number);
      // pdf.js takes the last of a number listed twice (it moves the xref's index there), poppler
      // the xref's; and it fails on offsets that go back.
      if (listed.has(objectNumber)) throw ambiguous('object-stream-conflict', objectNumber);
      listed.add(objectNumber);
      if (i > 0 && first + offset < offsets.get(i - 1)!.offset)
        throw ambiguous('object-stream-conflict', objectNumber);
      offsets.set(i, { number: objectNumber, offset: first + offset });
    }
    found = { data, offsets };
    objectStreams.set(number, found);
    return found;
  };

  for (const [number, entry] of chain.resolved) {
    let object: PDFObject;
    let generation = 0;
    if (entry.kind === 'free') continue;
    if (entry.kind === 'direct') {
      const parsed = parseDesignated(number, entry.offset, entry.generation);
      if (parsed.start < lastInFile.get(number)!) throw ambiguous('superseded-definition', number);
      object = parsed.object;
      generation = entry.generation;
    } else {
      const streamEntry = chain.resolved.get(entry.stream);
      if (streamEntry?.kind === 'direct' && (lastInFile.get(number) ?? -1) > streamEntry.offset)
        throw ambiguous('superseded-definition', number);
      const stream = objectStream(entry.stream);
      const slot = stream.offsets.get(entry.index);
      if (!slot || slot.number !== number) throw damaged('object-mismatch', number);
      const parsed = parseObjectAt(stream.data, slot.offset, context);
      // pdf.js parses each object only up to the next one's offset: one running past it fails there
      // (or, cut short, reads another object). pdf-lib's end may include the blanks after it.
      const next = stream.offsets.get(entry.index + 1)?.offset;
      let end = objectSyntaxEnd(stream.data, slot.offset, parsed, context);
      while (end > slot.offset && WHITESPACE_BYTES.has(stream.data[end - 1]!)) end--;
      if (next !== undefined && end > next) throw ambiguous('object-stream-conflict', number);
      object = parsed.object;
    }
    // Cross-reference and object streams are structure, not content (pdf-lib drops them too).
    if (object instanceof PDFRawStream) {
      const type = object.dict.lookup(PDFName.of('Type'));
      if (type === PDFName.of('XRef') || type === PDFName.of('ObjStm')) continue;
    }
    context.assign(PDFRef.of(number, generation), object);
  }

  assertNoHiddenObjects(bytes, spans);
  assertReferencesResolve(context, chain, lastInFile);
  assertStreamLengths(context, bytes, parsedAt.values());

  const trailer = chain.trailer;
  context.trailerInfo = {
    Root: trailer.get(PDFName.of('Root')),
    Info: trailer.get(PDFName.of('Info')),
    ID: trailer.get(PDFName.of('ID')),
    ...(encrypt && { Encrypt: encrypt }),
  };
  const size = trailer.lookup(PDFName.of('Size'));
  if (size instanceof PDFNumber)
    context.largestObjectNumber = Math.max(context.largestObjectNumber, size.asNumber() - 1);
  if (
    !(context.trailerInfo.Root instanceof PDFRef) ||
    !(context.lookup(context.trailerInfo.Root) instanceof PDFCatalog)
  )
    throw damaged('no-catalog');
  assertFreeInTableNotDrawn(context, context.trailerInfo.Root, chain.freeInTable);
  // pdf-lib's constructor is not part of its typed API; it only wires the catalog and caches.
  const document = Reflect.construct(PDFDocument, [context, decrypted !== undefined, false]) as PDFDocument;
  let pageCount: number;
  try {
    pageCount = document.getPageCount();
  } catch {
    throw damaged('no-pages');
  }
  if (pageCount < 1) throw damaged('no-pages');
  assertPageCounts(context, document.catalog.Pages(), pageCount);
  // pdf.js counts a linearized file's pages by its /N: a smaller one would hide pages from the preview.
  const { linearization } = chain;
  if (linearization?.length === bytes.length && linearization.pages !== pageCount)
    throw ambiguous('linearized-xref');
  assertSignatureTargets(document);
  assertPageBoxes(document);
  assertNoXfa(document);
  return {
    bytes,
    chain,
    document,
    context,
    pageCount,
    revisions: chain.sections.length,
    ...(decrypted && { encryption: decrypted.encryption }),
  };
}

/**
 * An `n g obj` outside every designated object and xref section is an object no reader following
 * the xref sees, but one that rebuilds a damaged file (or pdf-lib's loader) would: refused.
 */
function assertNoHiddenObjects(bytes: Uint8Array, spans: Span[]): void {
  spans.sort((a, b) => a.start - b.start);
  const text = new TextDecoder('latin1').decode(bytes);
  const header = /(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj(?![A-Za-z0-9])/g;
  let span = 0;
  for (let match = header.exec(text); match; match = header.exec(text)) {
    const at = match.index;
    const before = text.charCodeAt(at - 1);
    if (at > 0 && before >= 0x30 && before <= 0x39) continue; // part of a longer number
    // Spans sorted by start: the first one not yet ended is the only one that can hold `at`.
    while (span < spans.length && spans[span]!.end <= at) span++;
    const inside = span < spans.length && spans[span]!.start <= at;
    if (!inside) throw ambiguous('object-outside-xref', Number(match[1]));
  }
}

/**
 * A hybrid file's hidden objects (free in its table, placed by its stream) are null to pdf.js, the
 * window's renderer, and real to others. Writers hide the structure tree there, which no reader
 * draws; reachable from the catalog any other way, the window and the signed file could differ.
 */
function assertFreeInTableNotDrawn(context: PDFContext, root: PDFRef, freeInTable: Set<number>): void {
  if (freeInTable.size === 0) return;
  const catalog = context.lookup(root, PDFDict);
  const pending: PDFObject[] = [root];
  for (const [key, value] of catalog.entries()) if (key !== PDFName.of('StructTreeRoot')) pending.push(value);
  const seen = new Set<number>();
  for (let object = pending.pop(); object !== undefined; object = pending.pop()) {
    if (object instanceof PDFRef) {
      if (freeInTable.has(object.objectNumber)) throw ambiguous('hybrid-xref-conflict', object.objectNumber);
      if (object === root || seen.has(object.objectNumber)) continue;
      seen.add(object.objectNumber);
      const target = context.lookup(object);
      if (target) pending.push(target);
    } else if (object instanceof PDFDict) for (const value of object.values()) pending.push(value);
    else if (object instanceof PDFArray) for (const item of object.asArray()) pending.push(item);
    else if (object instanceof PDFStream) pending.push(object.dict);
  }
}

/**
 * Every reference must name what readers find under it. An object the xref marks free yet the file
 * defines (an earlier revision's, say): pdf.js draws null for it, poppler rebuilds the xref when it
 * meets it and takes the definition. A generation other than the xref's: pdf.js stops drawing the
 * page ("inconsistent generation") while pdf-lib reads nothing there.
 */
function assertReferencesResolve(context: PDFContext, chain: XrefChain, defined: Map<number, number>): void {
  const freed = new Set([...defined.keys()].filter((n) => chain.resolved.get(n)?.kind === 'free'));
  const generationOf = (number: number) => {
    const entry = chain.resolved.get(number);
    return entry?.kind === 'direct' ? entry.generation : entry?.kind === 'compressed' ? 0 : undefined;
  };
  const visit = (object: PDFObject): void => {
    if (object instanceof PDFRef) {
      const number = object.objectNumber;
      if (freed.has(number)) throw ambiguous('referenced-free-object', number);
      const generation = generationOf(number);
      if (generation !== undefined && generation !== object.generationNumber)
        throw ambiguous('generation-mismatch', number);
    } else if (object instanceof PDFDict) for (const value of object.values()) visit(value);
    else if (object instanceof PDFArray) for (const item of object.asArray()) visit(item);
    else if (object instanceof PDFStream) visit(object.dict);
  };
  for (const [, object] of context.enumerateIndirectObjects()) visit(object);
  for (const value of chain.trailer.values()) visit(value);
}

/**
 * pdf.js shows as many pages as the root's /Count says and finds page n by the subtrees' counts
 * (a node with /Type /Page or without /Kids is a page); kyso's pages are pdf-lib's walk of /Kids.
 * A /Count that is not its subtree's number of pages would show other pages than are signed.
 */
function assertPageCounts(context: PDFContext, root: PDFDict, pageCount: number): void {
  // One page object in two places is one page to the signature: its box, drawn on every place the
  // page shows, while the window outlines it on the page chosen only.
  const kidsSeen = new Set<PDFObject>();
  const pagesUnder = (node: PDFDict, depth: number): number => {
    const kids = context.lookup(node.get(PDFName.of('Kids')));
    if (node.get(PDFName.of('Type')) === PDFName.of('Page') || kids === undefined) return 1;
    if (!(kids instanceof PDFArray) || depth > 64) throw damaged('no-pages');
    let pages = 0;
    for (const kid of kids.asArray()) {
      if (kidsSeen.has(kid)) throw ambiguous('repeated-page');
      kidsSeen.add(kid);
      const child = context.lookup(kid);
      if (!(child instanceof PDFDict)) throw damaged('no-pages');
      pages += pagesUnder(child, depth + 1);
    }
    const count = context.lookup(node.get(PDFName.of('Count')));
    if (!(count instanceof PDFNumber) || count.asNumber() !== pages) throw ambiguous('page-count');
    return pages;
  };
  if (pagesUnder(root, 0) !== pageCount) throw ambiguous('page-count');
}

/**
 * An XFA form (the /AcroForm's /XFA): Acrobat, and pdf.js with XFA on (Firefox's viewer), draw the
 * form from its XML template; the window's pdf.js (XFA off) and poppler draw the pages' content,
 * which can say something else entirely.
 */
function assertNoXfa(document: PDFDocument): void {
  const { context, catalog } = document;
  const form = context.lookup(catalog.get(PDFName.of('AcroForm')));
  if (!(form instanceof PDFDict)) return;
  const xfa = form.get(PDFName.of('XFA'));
  if (xfa !== undefined && xfa !== PDFNull) throw ambiguous('xfa-form');
}

/**
 * A page's own /MediaBox or /CropBox that is not four numbers spanning an area: pdf.js shows a US
 * Letter page (or the media box) instead, poppler the box a parent page-tree node gives. Content
 * outside one and inside the other would be signed unseen.
 */
function assertPageBoxes(document: PDFDocument): void {
  for (const page of document.getPages())
    for (const key of ['MediaBox', 'CropBox'] as const)
      if (pageBox(page, key) === 'invalid') throw ambiguous('page-box');
}

/**
 * What the signature update adds to must take it: the catalog's /AcroForm a dictionary, its
 * /Fields and each page's /Annots arrays (or absent). Checked here, before the window and the PIN.
 */
function assertSignatureTargets(document: PDFDocument): void {
  const { context, catalog } = document;
  // Absent or null, the update makes a new one; anything else must be of the kind it extends.
  const takes = (value: PDFObject | undefined, kind: 'dict' | 'array') => {
    if (value === undefined || value === PDFNull) return true;
    const target = context.lookup(value);
    return kind === 'dict' ? target instanceof PDFDict : target instanceof PDFArray;
  };
  const acroForm = catalog.get(PDFName.of('AcroForm'));
  if (!takes(acroForm, 'dict')) throw damaged('broken-form');
  const form = acroForm && context.lookup(acroForm);
  if (form instanceof PDFDict && !takes(form.get(PDFName.of('Fields')), 'array'))
    throw damaged('broken-form');
  for (const page of document.getPages())
    if (!takes(page.node.get(PDFName.of('Annots')), 'array')) throw damaged('broken-annotations');
}

const isEndOfLine = (byte: number | undefined) => byte === 0x0a || byte === 0x0d;

/**
 * Stream data as readers take it: /Length bytes. pdf-lib reads /Length only when it is written in
 * the stream's dictionary; for an indirect one (Ghostscript, qpdf's QDF mode) it cuts at the first
 * end-of-line before "endstream", keeping one too many or dropping data's own last CR/LF. Either is
 * put right from the file when the declared length ends at most an end-of-line before "endstream";
 * data cut anywhere else is refused (readers would disagree on it).
 */
function assertStreamLengths(
  context: PDFContext,
  bytes: Uint8Array,
  parsed: Iterable<{ object: PDFObject; afterObject: number }>,
): void {
  const endstreamAfter = new Map<PDFObject, number>();
  for (const { object, afterObject } of parsed) endstreamAfter.set(object, afterObject);
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFRawStream)) continue;
    const length = object.dict.lookup(PDFName.of('Length'));
    if (!(length instanceof PDFNumber)) throw damaged('stream-length', ref.objectNumber);
    const expected = length.asNumber();
    const actual = object.contents.length;
    if (actual === expected) continue;
    const extra = object.contents.subarray(Math.min(expected, actual));
    // pdf-lib's fallback keeps the end-of-line before "endstream"; anything else is other data.
    if (actual > expected && extra.length <= 2 && extra.every(isEndOfLine)) {
      (object as unknown as { contents: Uint8Array }).contents = object.contents.subarray(0, expected);
      continue;
    }
    const data =
      actual < expected
        ? dataDroppedByFallback(bytes, endstreamAfter.get(object), actual, expected)
        : undefined;
    if (!data) throw ambiguous('stream-length', ref.objectNumber);
    (object as unknown as { contents: Uint8Array }).contents = data;
  }
}

/**
 * The /Length bytes of a stream pdf-lib cut short at "[CR][LF]endstream" (its fallback matches
 * CR LF, CR or LF right before the keyword): when they end no more than an end-of-line before it.
 */
function dataDroppedByFallback(
  bytes: Uint8Array,
  afterEndstream: number | undefined,
  kept: number,
  declared: number,
): Uint8Array | undefined {
  if (afterEndstream === undefined) return undefined;
  const keyword = afterEndstream - 'endstream'.length;
  if (new TextDecoder('latin1').decode(bytes.subarray(keyword, afterEndstream)) !== 'endstream')
    return undefined;
  let cut = keyword;
  if (bytes[keyword - 2] === 0x0d && bytes[keyword - 1] === 0x0a) cut = keyword - 2;
  else if (isEndOfLine(bytes[keyword - 1])) cut = keyword - 1;
  const start = cut - kept;
  const end = start + declared;
  if (start < 0 || end > keyword || keyword - end > 2) return undefined;
  for (let i = end; i < keyword; i++) if (!isEndOfLine(bytes[i])) return undefined;
  return bytes.slice(start, end);
}

/** The trailer's /Size, for numbering new objects. */
export function trailerSize(model: PdfModel): number {
  const size = model.chain.trailer.lookup(PDFName.of('Size'));
  if (!(size instanceof PDFNumber)) throw damaged('broken-xref');
  return size.asNumber();
}
