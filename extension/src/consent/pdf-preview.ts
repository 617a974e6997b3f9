/**
 * The pages of a PDF, drawn in the consent window so the user sees what they sign, one page at a
 * time. pdf.js (Mozilla's viewer) parses the document in its own worker, with eval and XFA off; it
 * is loaded only when a PDF is shown.
 */
import { GlobalWorkerOptions, PDFWorker, getDocument, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

/** A box in PDF page space (points, from the bottom left of the page's coordinates). */
export interface PageRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A box as fractions (0–1) of the drawn page, from its top left: CSS percentages over the canvas. */
export interface ShownBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface DrawnPage {
  /** Where `rect` falls on the drawn page, through the page's crop box and rotation as pdf.js draws them. */
  place(rect: PageRect): ShownBox;
  /** The page's /Rotate as pdf.js applies it: 0, 90, 180 or 270 degrees clockwise. */
  rotation: number;
  /** The drawn page's height over its width. */
  aspect: number;
}

/** pdf.js's page count differs from the one kyso signs (its model's): the window must not sign. */
export class PreviewPagesDiffer extends Error {
  constructor(
    readonly shown: number,
    readonly signed: number,
  ) {
    super(`the preview has ${shown} pages, the signed document ${signed}`);
    this.name = 'PreviewPagesDiffer';
  }
}

export interface OpenPdf {
  pages: number;
  /** Draws page `number` (1-based) `cssWidth` CSS pixels wide, sharp on the screen's pixel ratio. */
  render(number: number, canvas: HTMLCanvasElement, cssWidth: number): Promise<DrawnPage>;
  close(): Promise<void>;
}

/**
 * Where the extension ships pdf.js's CMaps, standard fonts and JPEG 2000 decoder
 * (extension/vite.config.ts): without them, text in a CJK font that is not embedded and JPEG 2000
 * images are not drawn at all.
 */
function pdfjsData(): {
  cMapUrl?: string;
  cMapPacked?: boolean;
  standardFontDataUrl?: string;
  wasmUrl?: string;
} {
  const page = globalThis.location?.href;
  if (!page) return {};
  return {
    cMapUrl: new URL('/pdfjs/cmaps/', page).href,
    cMapPacked: true,
    standardFontDataUrl: new URL('/pdfjs/standard_fonts/', page).href,
    wasmUrl: new URL('/pdfjs/wasm/', page).href,
  };
}

/** pdf.js on `pdf`: eval and XFA off, with the data files the extension ships. */
function load(pdf: Uint8Array, worker?: PDFWorker) {
  return getDocument({
    data: pdf,
    isEvalSupported: false,
    enableXfa: false,
    stopAtErrors: false,
    ...(worker && { worker }),
    ...pdfjsData(),
  });
}

/** What pdf.js counts against what kyso signs: the error, or undefined when they agree. */
function pagesDiffer(document: PDFDocumentProxy, signedPages: number | undefined) {
  if (signedPages !== undefined && document.numPages !== signedPages)
    return new PreviewPagesDiffer(document.numPages, signedPages);
}

/**
 * Opens the PDF with pdf.js; `signedPages` is the page count of kyso's model of the same bytes (what
 * it signs and plans the appearance on). A second guard behind the model's own checks: when pdf.js
 * counts otherwise, the two read different documents and this rejects with PreviewPagesDiffer.
 */
export async function openPdf(pdf: Uint8Array, signedPages?: number): Promise<OpenPdf> {
  const task = load(pdf);
  const document = await task.promise;
  const differ = pagesDiffer(document, signedPages);
  if (differ) {
    await task.destroy();
    throw differ;
  }
  let drawing: { cancel(): void } | undefined;
  let latest = 0;
  return {
    pages: document.numPages,
    async render(number, canvas, cssWidth) {
      const asked = ++latest;
      drawing?.cancel();
      const page = await document.getPage(number);
      // Pages asked for quickly one after another ("next" clicked twice) are fetched at once: only
      // the newest is drawn, and nothing else may still draw on the canvas (pdf.js refuses a second
      // render on it, and the newest page would show as failed).
      if (asked !== latest) throw new Error('a newer page was asked for');
      drawing?.cancel();
      const unscaled = page.getViewport({ scale: 1 });
      const scale = (cssWidth / unscaled.width) * (window.devicePixelRatio || 1);
      const viewport = page.getViewport({ scale });
      canvas.width = Math.ceil(viewport.width);
      canvas.height = Math.ceil(viewport.height);
      const task = page.render({ canvas, viewport });
      drawing = task;
      await task.promise;
      return {
        rotation: unscaled.rotation,
        aspect: unscaled.height / unscaled.width,
        place({ x, y, width, height }) {
          // pdf.js types the rectangle loosely: four numbers, the corners on the drawn page (top-left origin).
          const [x1, y1, x2, y2] = unscaled.convertToViewportRectangle([x, y, x + width, y + height]) as [
            number,
            number,
            number,
            number,
          ];
          const left = Math.min(x1, x2);
          const top = Math.min(y1, y2);
          return {
            left: left / unscaled.width,
            top: top / unscaled.height,
            width: Math.abs(x2 - x1) / unscaled.width,
            height: Math.abs(y2 - y1) / unscaled.height,
          };
        },
      };
    },
    close: () => task.destroy(),
  };
}

/** One pdf.js worker for every batch item counted: not one started per document. */
let countingWorker: PDFWorker | undefined;

/**
 * The same guard for a document the user may never open (a batch item): pdf.js reads `pdf` without
 * drawing a page and its page count must be `signedPages`. Rejects as openPdf does: PreviewPagesDiffer,
 * or pdf.js's own error when it cannot open the document at all.
 */
export async function checkPageCount(pdf: Uint8Array, signedPages: number): Promise<void> {
  const task = load(pdf, (countingWorker ??= new PDFWorker()));
  try {
    const differ = pagesDiffer(await task.promise, signedPages);
    if (differ) throw differ;
  } finally {
    await task.destroy();
  }
}
