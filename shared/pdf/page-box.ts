/**
 * A page's boxes as the window's renderer reads them (pdf.js's Page.mediaBox, cropBox and view):
 * the nearest /MediaBox or /CropBox up the page tree, four numbers in any corner order spanning an
 * area. pdf-lib's getMediaBox throws on a missing one and neither orders nor clips.
 */
import { PDFArray, PDFName, PDFNumber, type PDFContext, type PDFObject, type PDFPage } from 'pdf-lib';

export interface PdfBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What pdf.js and poppler take for a page without a /MediaBox: US Letter. */
const LETTER: PdfBox = { x: 0, y: 0, width: 612, height: 792 };

/** The nearest box of that name: undefined when none, 'invalid' when not four numbers spanning an area. */
export function pageBox(page: PDFPage, key: 'MediaBox' | 'CropBox'): PdfBox | 'invalid' | undefined {
  const raw = page.node.getInheritableAttribute(PDFName.of(key));
  return raw === undefined ? undefined : rectangleBox(page.node.context, raw);
}

/** A rectangle (a box, an annotation's /Rect) as a box, its corners in any order; 'invalid' when not four numbers spanning an area. */
export function rectangleBox(context: PDFContext, raw: PDFObject | undefined): PdfBox | 'invalid' {
  const array = context.lookup(raw);
  if (!(array instanceof PDFArray) || array.size() !== 4) return 'invalid';
  const numbers = array.asArray().map((item) => context.lookup(item));
  if (!numbers.every((n): n is PDFNumber => n instanceof PDFNumber)) return 'invalid';
  const [x1, y1, x2, y2] = numbers.map((n) => n.asNumber()) as [number, number, number, number];
  const box = {
    x: Math.min(x1, x2),
    y: Math.min(y1, y2),
    width: Math.abs(x2 - x1),
    height: Math.abs(y2 - y1),
  };
  return box.width > 0 && box.height > 0 ? box : 'invalid';
}

/**
 * The part of the page readers show: the crop box clipped to the media box (pdf.js's Page.view,
 * poppler's clipped crop box); the media box when they do not overlap. A stamp placed by pdf-lib's
 * unclipped, unordered getCropBox could land off the page, invisible in the signed file.
 */
export function visibleBox(page: PDFPage): PdfBox {
  const mediaBox = pageBox(page, 'MediaBox');
  const media = typeof mediaBox === 'object' ? mediaBox : LETTER;
  const cropBox = pageBox(page, 'CropBox');
  const crop = typeof cropBox === 'object' ? cropBox : media;
  const x = Math.max(media.x, crop.x);
  const y = Math.max(media.y, crop.y);
  const width = Math.min(media.x + media.width, crop.x + crop.width) - x;
  const height = Math.min(media.y + media.height, crop.y + crop.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : media;
}
