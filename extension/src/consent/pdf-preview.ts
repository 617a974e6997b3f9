/**
 * The first page of a PDF, drawn in the consent window so the user sees what they sign. pdf.js
 * (Mozilla's viewer) parses the document in its own worker, with eval off; it is loaded only when
 * a PDF is shown.
 */
import { GlobalWorkerOptions, getDocument } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

export async function renderFirstPage(pdf: Uint8Array, canvas: HTMLCanvasElement, cssWidth: number): Promise<void> {
  const task = getDocument({ data: pdf, isEvalSupported: false, enableXfa: false, stopAtErrors: false });
  const document = await task.promise;
  try {
    const page = await document.getPage(1);
    const unscaled = page.getViewport({ scale: 1 });
    const scale = (cssWidth / unscaled.width) * (window.devicePixelRatio || 1);
    const viewport = page.getViewport({ scale });
    canvas.width = Math.ceil(viewport.width);
    canvas.height = Math.ceil(viewport.height);
    canvas.style.width = `${cssWidth}px`;
    await page.render({ canvas, viewport }).promise;
  } finally {
    await task.destroy();
  }
}
