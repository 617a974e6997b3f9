/**
 * A page's /Rotate as readers turn the page. pdf.js (the window) takes the nearest /Rotate up the
 * page tree, whatever it holds, and turns by it when it is a multiple of 90 (its Page.rotate), so
 * /Rotate 90.0 turns the page. Poppler (pdftoppm, pdfsig, Evince, Okular) takes only a /Rotate
 * written as an integer, from the page or the nearest node above that has one, and turns only by
 * 90, 180 or 270: /Rotate 90.0 leaves the page upright.
 */
import { PDFDict, PDFName, PDFNumber, type PDFObject, type PDFPage } from 'pdf-lib';
import { isWrittenAsReal } from './xref.js';

/** Nodes walked up the page tree at most (the model refuses deeper trees' counts anyway). */
const MAX_DEPTH = 64;

/** The /Rotate values from the page up to the root, nearest first (references resolved). */
function rotateValues(page: PDFPage): PDFObject[] {
  const { context } = page.node;
  const values: PDFObject[] = [];
  const seen = new Set<PDFDict>();
  let node: PDFObject | undefined = page.node;
  while (node instanceof PDFDict && !seen.has(node) && seen.size < MAX_DEPTH) {
    seen.add(node);
    const value = node.get(PDFName.of('Rotate'));
    if (value !== undefined) values.push(context.lookup(value) ?? value);
    node = context.lookup(node.get(PDFName.of('Parent')));
  }
  return values;
}

/** Degrees clockwise, 0–359. */
const normalized = (degrees: number) => ((degrees % 360) + 360) % 360;

/** As the window's pdf.js turns the page: 0, 90, 180 or 270. */
export function previewRotation(page: PDFPage): number {
  const nearest = rotateValues(page)[0];
  const degrees = nearest instanceof PDFNumber ? nearest.asNumber() : 0;
  return degrees % 90 === 0 ? normalized(degrees) : 0;
}

/** As poppler turns the page: 0, 90, 180 or 270. */
export function popplerRotation(page: PDFPage): number {
  const integer = rotateValues(page).find(
    (value): value is PDFNumber =>
      value instanceof PDFNumber && Number.isInteger(value.asNumber()) && !isWrittenAsReal(value),
  );
  const degrees = normalized(integer?.asNumber() ?? 0);
  return degrees === 90 || degrees === 180 || degrees === 270 ? degrees : 0;
}
