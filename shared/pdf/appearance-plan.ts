/**
 * What a visible signature will add to the page, for the consent window, before anything is signed:
 * the page, the box and where each image goes — computed by the code that draws it (buildAppearance,
 * on a scratch page with the same crop box), so the outline the window draws is the signed /Rect.
 * Building it also decodes the images: a bad one is refused here, before any window.
 */
import { PDFDocument, degrees } from 'pdf-lib';
import { buildAppearance, signatureBoxes, type PdfRect, type PdfSignatureAppearance } from './appearance.js';
import { visibleBox } from './page-box.js';
import { previewRotation } from './page-rotation.js';
import type { PdfModel } from './model.js';
import type { PdfWarning } from './warnings.js';

export interface PlannedAppearance {
  /** 0-based. */
  page: number;
  /** The widget's box in page space (points, from the page's bottom left), as /Rect will be. */
  rect: PdfRect;
  /** How much of the page's visible area (crop box within media box) the box covers, in whole percent. */
  pageShare: number;
  /** Image appearances: each image's own box, in page space. */
  images?: { signature?: PdfRect; seal?: PdfRect };
}

/**
 * A box over more than a quarter of its page is no signature block: it can hide the page's text
 * (an opaque image shows nothing of what is under it), so the window warns.
 */
export const LARGE_APPEARANCE_SHARE = 25;

const area = (r: PdfRect) => Math.max(0, r.width) * Math.max(0, r.height);

function overlap(a: PdfRect, b: PdfRect): PdfRect {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  return {
    x,
    y,
    width: Math.min(a.x + a.width, b.x + b.width) - x,
    height: Math.min(a.y + a.height, b.y + b.height) - y,
  };
}

/**
 * `signingTime` only sizes a stamp's time line: `hh:mm:ss dd/mm/yyyy` has the same width at any
 * time (the stamp font's digits share one width), so the box is the one prepare draws later.
 */
export async function planAppearance(
  model: PdfModel,
  appearance: PdfSignatureAppearance,
  signingTime: Date,
): Promise<PlannedAppearance> {
  const pageIndex = appearance.pageIndex ?? 0;
  const page = model.document.getPages()[pageIndex];
  if (!page) throw new RangeError(`page ${pageIndex} does not exist`);
  const crop = visibleBox(page);
  const scratch = await PDFDocument.create();
  const stand = scratch.addPage([crop.width, crop.height]);
  stand.setMediaBox(crop.x, crop.y, crop.width, crop.height);
  // A stamp goes to the top right corner as the page is shown, turned.
  stand.setRotation(degrees(previewRotation(page)));
  // The scratch page has none of the page's signatures: a stamp keeps clear of them as on the page.
  const built = await buildAppearance(
    scratch,
    { ...appearance, pageIndex: 0 },
    signingTime,
    signatureBoxes(page),
  );
  const [x1, y1, x2, y2] = built.rect;
  const rect = { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
  const pageArea = area(crop);
  const pageShare =
    pageArea > 0 ? Math.min(100, Math.round((100 * area(overlap(rect, crop))) / pageArea)) : 0;
  return { page: pageIndex, rect, pageShare, ...(built.images && { images: built.images }) };
}

export function appearanceWarnings(planned: Pick<PlannedAppearance, 'pageShare'>): PdfWarning[] {
  return planned.pageShare > LARGE_APPEARANCE_SHARE
    ? [{ code: 'pdf-appearance-large', count: planned.pageShare }]
    : [];
}
