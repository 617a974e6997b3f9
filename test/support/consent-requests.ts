/**
 * Consent-window requests and measurements shared by the Chromium and Firefox e2e tests: an SDK
 * call from the portal page (digest batches made in the page), a click with the control in view,
 * a three-page PDF and the dark pixels of the page drawn in the window.
 */
import { PDFDocument, rgb } from 'pdf-lib';
import type { Page } from 'puppeteer-core';

/** Calls the SDK in the page; `window.outcome` settles with the answer or the error code. */
export function sdkCall(page: Page, method: string, options: unknown): Promise<void> {
  return page.evaluate(
    (method, options) => {
      const w = window as any;
      w.settled = false;
      w.outcome = (new Function('return import("/sdk/kyso.js")')() as Promise<any>)
        .then((kyso) => {
          const o = options as any;
          // Batches of digests: made in the page (bytes do not cross evaluate).
          if (o.digestBatch) {
            const { count, rawAt } = o.digestBatch;
            o.documents = Array.from({ length: count }, (_, i) => ({
              name:
                i === rawAt ? `chuoi-du-lieu-${i + 1}.bin` : `hoa-don-${String(i + 1).padStart(4, '0')}.xml`,
              digest: new Uint8Array(32).fill(i % 251),
              digestAlgorithm: 'SHA-256',
              ...(i === rawAt && { kind: 'raw' }),
            }));
            delete o.digestBatch;
          }
          if (o.digest === 'fill') o.digest = new Uint8Array(32).fill(7);
          return kyso[method](o);
        })
        .then(
          (result: any) =>
            result.cms || result.pdf || result.xml || result.results ? 'signed' : 'no signature',
          (error: any) => error.code,
        )
        .finally(() => (w.settled = true));
    },
    method,
    options,
  );
}
export const outcome = (page: Page) => page.evaluate(() => (window as any).outcome);
export const settled = (page: Page) => page.evaluate(() => (window as any).settled === true);

/** Clicks as a person does: with the control scrolled into the middle of the window, not under the sticky action bar. */
export async function clickInView(page: Page, selector: string): Promise<void> {
  await page.$eval(selector, (el) => el.scrollIntoView({ block: 'center' }));
  await page.click(selector);
}

/** Dark pixels of the PDF canvas per third of its height (top, middle, bottom), as fractions. */
export function darkThirds(page: Page): Promise<number[]> {
  return page.$eval('#preview', (el) => {
    const canvas = el as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const thirds = [0, 0, 0];
    const third = Math.ceil(canvas.height / 3);
    for (let y = 0; y < canvas.height; y++)
      for (let x = 0; x < canvas.width; x++) {
        const i = (y * canvas.width + x) * 4;
        if (data[i]! < 60 && data[i + 1]! < 60 && data[i + 2]! < 60 && data[i + 3]! > 200)
          thirds[Math.floor(y / third)]! += 1;
      }
    return thirds.map((n) => n / (canvas.width * third));
  });
}

/** Three pages, each with a black band at a different height: top, middle, bottom. */
export async function threePagePdf(): Promise<string> {
  const doc = await PDFDocument.create();
  for (const y of [700, 380, 60])
    doc.addPage([595, 842]).drawRectangle({ x: 50, y, width: 495, height: 80, color: rgb(0, 0, 0) });
  return Buffer.from(await doc.save()).toString('base64');
}
