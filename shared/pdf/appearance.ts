/**
 * Visible signatures as Decree 30/2020/NĐ-CP, Appendix I describes them:
 *  - a signer's handwritten signature image (blue, transparent PNG) and/or the organisation's seal
 *    (red, transparent PNG) laid over about the left third of the signature image;
 *  - for attachments and electronic copies, no image: a text stamp at the top right of page 1 with
 *    the document number/code (or copy type and copying organisation) and the signing time
 *    `hh:mm:ss dd/mm/yyyy` in Vietnam time, Times New Roman-like regular 10 pt, black.
 * The result is the widget's normal appearance stream (/AP /N), which viewers and printers draw.
 */
import fontkit from '@pdf-lib/fontkit';
import {
  PDFArray,
  PDFDict,
  PDFName,
  type PDFDocument,
  type PDFImage,
  type PDFPage,
  type PDFRef,
} from 'pdf-lib';
import { KysoError } from '../protocol/errors.js';
import { appearanceImageInfo, badImage, type AppearanceImageField } from './appearance-image.js';
import { rectangleBox, visibleBox, type PdfBox } from './page-box.js';
import { previewRotation } from './page-rotation.js';
import { codePointLabel } from './stamp-font-coverage.js';

/** A rectangle in PDF user space (points, origin at the page's bottom left). */
export interface PdfRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ImageSignatureAppearance {
  kind: 'image';
  /** 0-based; default 0. */
  pageIndex?: number;
  /** Where the signature goes; the images keep their aspect ratio and are centred inside. */
  rect: PdfRect;
  /** The handwritten signature (PNG with transparency, or JPEG). */
  signatureImage?: Uint8Array;
  /** The seal (PNG with transparency): drawn over the left third of the signature image. */
  sealImage?: Uint8Array;
}

export interface TextStampAppearance {
  kind: 'stamp';
  /** 0-based; default 0 (the Decree asks for page 1). */
  pageIndex?: number;
  /**
   * Lines such as "Số: 123/QĐ-UBND" or "SAO Y" and the copying organisation. `{time}` in a line is
   * replaced by the signing time; without it the time is added as the last line. A line wider than
   * the page is wrapped (wrapLines).
   */
  lines: string[];
  /** A TrueType/OpenType font with Vietnamese glyphs; default Liberation Serif (shipped in fonts/). */
  font?: Uint8Array;
  /** Default 10 (the Decree's size). */
  fontSize?: number;
  /** Distance from the top and right edges of the page, points; default 14 (about 5 mm). */
  margin?: number;
  /**
   * Drawn inside this box (a signature field's widget, page space) instead of the page's top right
   * corner: the lines wrapped to its width, the font made smaller until they fit its height.
   */
  box?: PdfRect;
  /**
   * What `{signer}` in a line stands for: the signer's name (preparePdfSignature sets it from `name`
   * for a field's text, whose box does not depend on it).
   */
  signer?: string;
}

export type PdfSignatureAppearance = ImageSignatureAppearance | TextStampAppearance;

/**
 * What a signature field signed without an image shows in its box: who signed (the certificate's
 * holder) and when, in the stamp's font and time format (Decree 30), as Vietnamese signing plugins
 * label them.
 */
export const FIELD_TEXT_LINES = ['Ký bởi: {signer}', 'Ngày ký: {time}'];

/** Liberation Serif (SIL OFL 1.1, metric-compatible with Times New Roman); bundlers emit it as an asset. */
export const DEFAULT_FONT_URL = new URL('./fonts/LiberationSerif-Regular.ttf', import.meta.url);

/** Vietnam has used UTC+7 all year since 1975 (no daylight saving). */
const VIETNAM_OFFSET_MS = 7 * 3600_000;

const two = (n: number) => String(n).padStart(2, '0');

/** `hh:mm:ss dd/mm/yyyy` in Vietnam time. */
export function formatVietnamTime(date: Date): string {
  const t = new Date(date.getTime() + VIETNAM_OFFSET_MS);
  return `${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())} ${two(t.getUTCDate())}/${two(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
}

/** A PDF date (§7.9.4) in Vietnam time: D:YYYYMMDDHHmmSS+07'00'. */
export function pdfDateVietnam(date: Date): string {
  const t = new Date(date.getTime() + VIETNAM_OFFSET_MS);
  return `D:${t.getUTCFullYear()}${two(t.getUTCMonth() + 1)}${two(t.getUTCDate())}${two(t.getUTCHours())}${two(t.getUTCMinutes())}${two(t.getUTCSeconds())}+07'00'`;
}

/**
 * A stamp's lines as drawn: `{time}` the signing time (added as the last line when no line has
 * it), `{signer}` the signer's name when it is known.
 */
export function stampLines(lines: string[], signingTime: Date, signer?: string): string[] {
  const time = formatVietnamTime(signingTime);
  // NFC: the font draws precomposed letters; decomposed marks would not be positioned.
  const filled = lines.map((line) => {
    const timed = line.replaceAll('{time}', time);
    return (signer === undefined ? timed : timed.replaceAll('{signer}', signer)).normalize('NFC');
  });
  return lines.some((line) => line.includes('{time}')) ? filled : [...filled, time];
}

/**
 * `lines` broken at spaces, and inside a word only when it alone is too wide, so that none is wider
 * than `maxWidth`: a stamp wider than the page ran off its left edge, the document number cut off
 * in the signed file.
 */
export function wrapLines(lines: string[], widthOf: (text: string) => number, maxWidth: number): string[] {
  const wrapped: string[] = [];
  for (const line of lines) {
    if (widthOf(line) <= maxWidth) {
      wrapped.push(line);
      continue;
    }
    let current = '';
    for (const word of line.split(' ')) {
      const joined = current ? `${current} ${word}` : word;
      if (widthOf(joined) <= maxWidth) {
        current = joined;
        continue;
      }
      if (current) wrapped.push(current);
      current = '';
      for (const char of word) {
        if (current && widthOf(current + char) > maxWidth) {
          wrapped.push(current);
          current = '';
        }
        current += char;
      }
    }
    wrapped.push(current);
  }
  return wrapped;
}

/**
 * A character the stamp font has no glyph for is drawn as its empty .notdef (or nothing) in the
 * signed file, while the window lists the site's words: refused before the window (a CJK name, an
 * emoji or a tab in Liberation Serif).
 */
function assertDrawable(lines: string[], glyphs: Set<number>): void {
  const missing = new Set<string>();
  for (const line of lines)
    for (const char of line) {
      const code = char.codePointAt(0)!;
      if (!glyphs.has(code)) missing.add(codePointLabel(code));
    }
  if (missing.size > 0)
    throw new KysoError('BAD_REQUEST', `the stamp's font cannot draw ${[...missing].join(' ')}`, {
      field: 'appearance.lines',
      characters: [...missing].join(' '),
    });
}

interface Size {
  width: number;
  height: number;
}

/**
 * Positions of the signature and seal images inside a box of `box` size (box coordinates): both
 * as tall as the box, the seal's right edge at one third of the signature image, the whole group
 * scaled down to fit the width and centred.
 */
export function layoutImageSignature(
  box: Size,
  signature?: Size,
  seal?: Size,
): { signature?: PdfRect; seal?: PdfRect } {
  const scaledTo = (size: Size) => ({ width: (size.width / size.height) * box.height, height: box.height });
  const sig = signature && scaledTo(signature);
  const stamp = seal && scaledTo(seal);
  let sigX = 0;
  let sealX = 0;
  if (sig && stamp) {
    sigX = Math.max(0, stamp.width - sig.width / 3);
    sealX = sigX + sig.width / 3 - stamp.width;
  }
  const right = Math.max(sig ? sigX + sig.width : 0, stamp ? sealX + stamp.width : 0);
  const scale = Math.min(1, box.width / right);
  const offsetX = (box.width - right * scale) / 2;
  const offsetY = (box.height - box.height * scale) / 2;
  const place = (x: number, size: Size): PdfRect => ({
    x: offsetX + x * scale,
    y: offsetY,
    width: size.width * scale,
    height: size.height * scale,
  });
  return { signature: sig && place(sigX, sig), seal: stamp && place(sealX, stamp) };
}

/** Checked from its header first (type, a size that can be decoded); a file that still does not decode is the page's, not kyso's, fault. */
async function embedImage(
  doc: PDFDocument,
  bytes: Uint8Array,
  field: AppearanceImageField,
): Promise<PDFImage> {
  const { type } = appearanceImageInfo(bytes, field);
  try {
    return await (type === 'png' ? doc.embedPng(bytes) : doc.embedJpg(bytes));
  } catch {
    throw badImage(field, `the ${type === 'png' ? 'PNG' : 'JPEG'} image does not decode`);
  }
}

async function loadDefaultFont(): Promise<Uint8Array> {
  try {
    const response = await fetch(DEFAULT_FONT_URL);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    // Node's fetch has no file: URLs: Node callers read DEFAULT_FONT_URL themselves.
    throw new Error(`cannot load the stamp font (${String(error)}); pass appearance.font`, { cause: error });
  }
}

const n = (value: number) => (Math.round(value * 1000) / 1000).toString();

export interface BuiltAppearance {
  page: PDFPage;
  /** Widget /Rect: [llx lly urx ury] in page space. */
  rect: [number, number, number, number];
  /** The Form XObject for /AP /N. */
  stream: PDFRef;
  /** An image appearance: where each image is drawn, in page space (what the consent window outlines). */
  images?: { signature?: PdfRect; seal?: PdfRect };
}

/** A page-space point as shown on a page turned `rotation` degrees clockwise: from the shown top left, y down. */
function toShown(box: PdfBox, rotation: number, x: number, y: number): [number, number] {
  const [left, bottom, right, top] = [box.x, box.y, box.x + box.width, box.y + box.height];
  if (rotation === 90) return [y - bottom, x - left]; // the page's left edge is shown on top
  if (rotation === 180) return [right - x, y - bottom];
  if (rotation === 270) return [top - y, right - x]; // the page's right edge is shown on top
  return [x - left, top - y];
}

function fromShown(box: PdfBox, rotation: number, sx: number, sy: number): [number, number] {
  const [left, bottom, right, top] = [box.x, box.y, box.x + box.width, box.y + box.height];
  if (rotation === 90) return [left + sy, bottom + sx];
  if (rotation === 180) return [right - sx, bottom + sy];
  if (rotation === 270) return [right - sy, top - sx];
  return [left + sx, top - sy];
}

function mapRect(rect: PdfRect, map: (x: number, y: number) => [number, number]): PdfRect {
  const [x1, y1] = map(rect.x, rect.y);
  const [x2, y2] = map(rect.x + rect.width, rect.y + rect.height);
  return { x: Math.min(x1, x2), y: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
}

const overlaps = (a: PdfRect, b: PdfRect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Space left between a stamp and the signature box it is moved below. */
const STACK_GAP = 4;

/**
 * Where a stamp of `size` goes so that readers show it upright, `margin` in from the top right
 * corner of `box` as shown on a page turned `rotation` degrees clockwise, below the `occupied`
 * boxes it would cover (an earlier signature's stamp: an incoming-document or copy stamp on a
 * signed document), and the form /Matrix that turns it back by the page's rotation. A reader fits
 * the turned /BBox into /Rect, so the matrix needs no shift.
 */
function stampPlace(
  box: PdfBox,
  rotation: number,
  margin: number,
  size: Size,
  occupied: PdfRect[],
): { rect: PdfRect; matrix?: number[] } {
  const [shownWidth, shownHeight] =
    rotation === 90 || rotation === 270 ? [box.height, box.width] : [box.width, box.height];
  const taken = occupied.map((r) => mapRect(r, (x, y) => toShown(box, rotation, x, y)));
  // Shown space: x from the left, y down from the top.
  const shown = { x: shownWidth - margin - size.width, y: margin, ...size };
  for (let moved = true; moved;) {
    moved = false;
    for (const other of taken)
      if (overlaps(shown, other)) {
        shown.y = other.y + other.height + STACK_GAP;
        moved = true;
      }
  }
  // Below them it would leave the page (a signature box as tall as the page): over them, on the page.
  if (shown.y + size.height > shownHeight - margin) shown.y = margin;
  const rect = mapRect(shown, (x, y) => fromShown(box, rotation, x, y));
  return { rect, ...(TURN[rotation] && { matrix: TURN[rotation] }) };
}

/** The form /Matrix that turns text back by the page's rotation, so that readers show it upright. */
const TURN: Record<number, number[]> = {
  90: [0, 1, -1, 0, 0, 0],
  180: [-1, 0, 0, -1, 0, 0],
  270: [0, -1, 1, 0, 0, 0],
};

/** The smallest font a stamp is made to fit a box with: still legible when printed. */
const MIN_FITTED_SIZE = 4;

/** The boxes of the page's visible signature widgets (any signer's). */
export function signatureBoxes(page: PDFPage): PdfRect[] {
  const { context } = page.node;
  const annots = context.lookup(page.node.get(PDFName.of('Annots')));
  if (!(annots instanceof PDFArray)) return [];
  const boxes: PdfRect[] = [];
  for (const item of annots.asArray()) {
    const annot = context.lookup(item);
    if (!(annot instanceof PDFDict) || annot.get(PDFName.of('Subtype')) !== PDFName.of('Widget')) continue;
    const parent = context.lookup(annot.get(PDFName.of('Parent')));
    const type =
      annot.get(PDFName.of('FT')) ?? (parent instanceof PDFDict ? parent.get(PDFName.of('FT')) : undefined);
    const box = rectangleBox(context, annot.get(PDFName.of('Rect')));
    if (type === PDFName.of('Sig') && box !== 'invalid') boxes.push(box);
  }
  return boxes;
}

/**
 * Creates the appearance's objects in `doc` (images and subset fonts are written on doc.flush()).
 * A stamp keeps clear of `occupied` (page space), by default the page's signature boxes.
 */
export async function buildAppearance(
  doc: PDFDocument,
  appearance: PdfSignatureAppearance,
  signingTime: Date,
  occupied?: PdfRect[],
): Promise<BuiltAppearance> {
  const pages = doc.getPages();
  const pageIndex = appearance.pageIndex ?? 0;
  const page = pages[pageIndex];
  if (!page) throw new RangeError(`page ${pageIndex} does not exist (the PDF has ${pages.length})`);

  let width: number;
  let height: number;
  let origin: { x: number; y: number };
  let content: string;
  /** The form's /Matrix: turns a stamp upright on a page readers turn (/Rotate). */
  let matrix: number[] | undefined;
  const resources = new Map<string, PDFRef>();
  let fontRef: PDFRef | undefined;
  let images: BuiltAppearance['images'];

  if (appearance.kind === 'image') {
    const { rect } = appearance;
    if (!(rect.width > 0 && rect.height > 0))
      throw new KysoError('BAD_REQUEST', 'appearance rect must have a positive size', {
        field: 'appearance.rect',
      });
    if (!appearance.signatureImage && !appearance.sealImage)
      throw new KysoError('BAD_REQUEST', 'an image appearance needs a signature or seal image', {
        field: 'appearance',
      });
    const signature =
      appearance.signatureImage &&
      (await embedImage(doc, appearance.signatureImage, 'appearance.signatureImage'));
    const seal =
      appearance.sealImage && (await embedImage(doc, appearance.sealImage, 'appearance.sealImage'));
    const layout = layoutImageSignature(rect, signature || undefined, seal || undefined);
    const onPage = (at: PdfRect | undefined) => at && { ...at, x: rect.x + at.x, y: rect.y + at.y };
    images = { signature: onPage(layout.signature), seal: onPage(layout.seal) };
    ({ width, height } = rect);
    origin = { x: rect.x, y: rect.y };
    content = '';
    // Seal last: it is stamped over the signature.
    for (const [name, image, at] of [
      ['Sig', signature, layout.signature],
      ['Seal', seal, layout.seal],
    ] as const) {
      if (!image || !at) continue;
      resources.set(name, image.ref);
      content += `q ${n(at.width)} 0 0 ${n(at.height)} ${n(at.x)} ${n(at.y)} cm /${name} Do Q\n`;
    }
  } else {
    doc.registerFontkit(fontkit);
    const font = await doc.embedFont(appearance.font ?? (await loadDefaultFont()), { subset: true });
    fontRef = font.ref;
    let size = appearance.fontSize ?? 10;
    const margin = appearance.margin ?? 14;
    const padding = 2;
    // The Decree's top right is the reader's: on a page shown turned, another corner of the page.
    const rotation = previewRotation(page);
    const quarterTurned = rotation === 90 || rotation === 270;
    const widthOf = (text: string) => font.widthOfTextAtSize(text, size);
    const text = stampLines(appearance.lines, signingTime, appearance.signer);
    assertDrawable(text, new Set(font.getCharacterSet()));
    let lines: string[];
    /** Space above the first line: a stamp in a box is centred in its height. */
    let above = 0;
    if (appearance.box) {
      // A field's box: its size as shown, the lines made to fit it.
      const { box } = appearance;
      [width, height] = quarterTurned ? [box.height, box.width] : [box.width, box.height];
      const fits = () => {
        lines = wrapLines(text, widthOf, Math.max(1, width - 2 * padding));
        return lines.length * size * 1.2 <= height - 2 * padding && lines.every((l) => widthOf(l) <= width);
      };
      while (!fits() && size > MIN_FITTED_SIZE) size = Math.max(MIN_FITTED_SIZE, size - 0.5);
      above = Math.max(0, (height - 2 * padding - lines!.length * size * 1.2) / 2);
      origin = { x: box.x, y: box.y };
      matrix = TURN[rotation];
    } else {
      const box = visibleBox(page);
      const shownWidth = quarterTurned ? box.height : box.width;
      lines = wrapLines(text, widthOf, Math.max(size, shownWidth - 2 * margin - 2 * padding));
      width = Math.max(...lines.map(widthOf)) + 2 * padding;
      height = lines.length * size * 1.2 + 2 * padding;
      const placed = stampPlace(box, rotation, margin, { width, height }, occupied ?? signatureBoxes(page));
      origin = placed.rect;
      matrix = placed.matrix;
    }
    const lineHeight = size * 1.2;
    // Baseline at 0.8 of the line height leaves room for the stacked Vietnamese marks above.
    content = `BT /F1 ${n(size)} Tf 0 g\n`;
    lines!.forEach((line, i) => {
      const baseline = height - padding - above - i * lineHeight - lineHeight * 0.8;
      content += `1 0 0 1 ${n(padding)} ${n(baseline)} Tm ${font.encodeText(line).toString()} Tj\n`;
    });
    content += 'ET\n';
  }

  const context = doc.context;
  const xobjects = Object.fromEntries(resources);
  const stream = context.flateStream(content, {
    Type: 'XObject',
    Subtype: 'Form',
    BBox: [0, 0, width, height],
    ...(matrix && { Matrix: matrix }),
    Resources: fontRef ? { Font: { F1: fontRef } } : { XObject: xobjects },
  });
  // Turned a quarter, the box is as wide on the page as the stamp is tall.
  const quarter = matrix !== undefined && matrix[0] === 0;
  const [onPageWidth, onPageHeight] = quarter ? [height, width] : [width, height];
  return {
    page,
    rect: [origin.x, origin.y, origin.x + onPageWidth, origin.y + onPageHeight],
    stream: context.register(stream),
    ...(images && { images }),
  };
}
