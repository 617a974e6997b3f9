/**
 * The pages of a PDF, drawn in the consent window so the user sees what they sign, one page at a
 * time. pdf.js (Mozilla's viewer) parses the document in its own worker, with eval and XFA off; it
 * is loaded only when a PDF is shown.
 */
import { GlobalWorkerOptions, getDocument } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

export interface OpenPdf {
  pages: number;
  /** Draws page `number` (1-based) `cssWidth` CSS pixels wide, sharp on the screen's pixel ratio. */
  render(number: number, canvas: HTMLCanvasElement, cssWidth: number): Promise<void>;
  close(): Promise<void>;
}

export async function openPdf(pdf: Uint8Array): Promise<OpenPdf> {
  const task = getDocument({ data: pdf, isEvalSupported: false, enableXfa: false, stopAtErrors: false });
  const document = await task.promise;
  let drawing: { cancel(): void } | undefined;
  return {
    pages: document.numPages,
    async render(number, canvas, cssWidth) {
      drawing?.cancel();
      const page = await document.getPage(number);
      const unscaled = page.getViewport({ scale: 1 });
      const scale = (cssWidth / unscaled.width) * (window.devicePixelRatio || 1);
      const viewport = page.getViewport({ scale });
      canvas.width = Math.ceil(viewport.width);
      canvas.height = Math.ceil(viewport.height);
      const task = page.render({ canvas, viewport });
      drawing = task;
      await task.promise;
    },
    close: () => task.destroy(),
  };
}
