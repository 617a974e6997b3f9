/**
 * A signature image on a rotated page (/Rotate 90, 180, 270; 0 for contrast), or a JPEG whose EXIF
 * says to turn it, in Chromium: the consent window draws it where and as a PDF reader shows the
 * signed page. The judge is poppler (pdftoppm) rendering the
 * revision kyso prepares with the same appearance: the blue strokes of the image, cell by cell over
 * the outlined box, match between the window's screenshot and the rendered page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { degrees, PDFDocument } from 'pdf-lib';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparePdfSignature } from '../../shared/pdf/pades.js';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { isBlue, renderPage, type Raster } from '../support/pdf-raster.js';
import { writePdf } from '../support/pdf-tools.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

/** Cells per side of the grid the outlined box is compared on. */
const GRID = 6;

/** Share of blue pixels in each grid cell of `box` (fractions of the page, from the top left). */
function blueGrid(
  pixel: (x: number, y: number) => [number, number, number],
  width: number,
  height: number,
  box: { left: number; top: number; right: number; bottom: number },
): number[] {
  const cells: number[] = [];
  for (let row = 0; row < GRID; row++)
    for (let column = 0; column < GRID; column++) {
      const x0 = Math.round((box.left + ((box.right - box.left) * column) / GRID) * width);
      const x1 = Math.round((box.left + ((box.right - box.left) * (column + 1)) / GRID) * width);
      const y0 = Math.round((box.top + ((box.bottom - box.top) * row) / GRID) * height);
      const y1 = Math.round((box.top + ((box.bottom - box.top) * (row + 1)) / GRID) * height);
      let blue = 0;
      let all = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++, all++) if (isBlue(...pixel(x, y))) blue++;
      cells.push(all ? blue / all : 0);
    }
  return cells;
}

/** The outline's box over the drawn page, and the drawn page as the screen shows it (RGB per pixel). */
async function windowDrawing(consent: Page) {
  const geometry = await consent.evaluate(() => {
    const canvas = document.getElementById('preview')!.getBoundingClientRect();
    const outline = document.getElementById('appearance-outline')!.getBoundingClientRect();
    return {
      canvas: { x: canvas.left, y: canvas.top, width: canvas.width, height: canvas.height },
      box: {
        left: (outline.left - canvas.left) / canvas.width,
        top: (outline.top - canvas.top) / canvas.height,
        right: (outline.right - canvas.left) / canvas.width,
        bottom: (outline.bottom - canvas.top) / canvas.height,
      },
    };
  });
  const shot = await consent.screenshot({
    clip: geometry.canvas,
    encoding: 'base64',
    captureBeyondViewport: true,
  });
  // The screenshot decoded by the browser itself.
  const pixels = await consent.evaluate(async (png: string) => {
    const image = new Image();
    image.src = `data:image/png;base64,${png}`;
    await image.decode();
    const canvas = Object.assign(document.createElement('canvas'), {
      width: image.naturalWidth,
      height: image.naturalHeight,
    });
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    return {
      width: canvas.width,
      height: canvas.height,
      data: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data),
    };
  }, shot);
  return { box: geometry.box, pixels };
}

async function rotatedPdf(rotation: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).setRotation(degrees(rotation));
  return doc.save();
}

describe('a signature image on a rotated page (Chromium)', () => {
  let session: PortalSession;
  let portal: Page;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-e2e-rotation-'));
    session = await startPortalSession();
    portal = await session.openPortal();
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Opens the window for `pdf` with `image` over `rect` on page 1, reads its drawing, cancels; then
   * renders the revision kyso prepares with the same appearance. Blue per grid cell, both.
   */
  async function windowAndReader(pdf: Uint8Array, image: Uint8Array, name: string) {
    const rect = { x: 300, y: 100, width: 220, height: 90 };
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(portal, 'signPdf', {
        pdf: Buffer.from(pdf).toString('base64'),
        name,
        description: 'Biên bản có chữ ký ảnh',
        appearance: { kind: 'image', rect, signatureImage: Buffer.from(image).toString('base64') },
      }),
    );
    await consent.waitForSelector('#preview[data-page="1"][data-rendered="true"]', { timeout: 30_000 });
    await consent.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('#appearance-outline img');
        return img?.complete && img.naturalWidth > 0;
      },
      { timeout: 20_000 },
    );
    const shown = await windowDrawing(consent);
    await clickClosingWindow(consent, '#cancel');
    expect((await sdkOutcome(portal)).code).toBe('USER_CANCELLED');

    // The revision kyso would sign with this appearance, rendered by poppler.
    const prepared = await preparePdfSignature(pdf, {
      appearance: { kind: 'image', rect, signatureImage: image },
    });
    const raster: Raster = renderPage(writePdf(dir, name, prepared.pdf), 1);
    const reader = blueGrid((x, y) => raster.rgb(x, y), raster.width, raster.height, shown.box);
    const { width, height, data } = shown.pixels;
    const window = blueGrid(
      (x, y) => {
        const i = (y * width + x) * 4;
        return [data[i]!, data[i + 1]!, data[i + 2]!];
      },
      width,
      height,
      shown.box,
    );
    return { raster, reader, window };
  }

  /** Cell by cell, the same strokes: blue where the reader has blue, and not where it has none. */
  function expectSameStrokes({ reader, window }: { reader: number[]; window: number[] }) {
    expect(reader.some((share) => share > 0.1)).toBe(true);
    const differences = reader.map((share, i) => Math.abs(share - window[i]!));
    expect(Math.max(...differences), JSON.stringify({ reader, window })).toBeLessThan(0.15);
  }

  for (const rotation of [0, 90, 180, 270])
    it(`/Rotate ${rotation}: the window draws the image as pdftoppm draws the prepared revision`, async () => {
      const compared = await windowAndReader(
        await rotatedPdf(rotation),
        blueSignaturePng(),
        `rotate-${rotation}.pdf`,
      );
      // Drawn sideways, the page is as wide as it was tall.
      expect(compared.raster.width > compared.raster.height).toBe(rotation === 90 || rotation === 270);
      expectSameStrokes(compared);
    });

  it('a JPEG whose EXIF says to turn it: drawn as stored, as PDF readers draw it', async () => {
    // A phone's photo of a signature: the browser encodes the blue strokes on white as JPEG, and
    // an EXIF segment (orientation 6, "turn 90° clockwise to view") goes in after its SOI marker.
    const dataUrl = await portal.evaluate(async (png: string) => {
      const image = new Image();
      image.src = `data:image/png;base64,${png}`;
      await image.decode();
      const canvas = Object.assign(document.createElement('canvas'), {
        width: image.naturalWidth,
        height: image.naturalHeight,
      });
      const context = canvas.getContext('2d')!;
      context.fillStyle = '#fff';
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0);
      return canvas.toDataURL('image/jpeg', 0.95);
    }, Buffer.from(blueSignaturePng()).toString('base64'));
    const jpeg = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    // prettier-ignore
    const exif = Buffer.from([
      0xff, 0xe1, 0x00, 0x22, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, // APP1, 34 bytes, "Exif\0\0"
      0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF, IFD0 at 8
      0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, // Orientation = 6
      0x00, 0x00, 0x00, 0x00, // no next IFD
    ]);
    const turned = new Uint8Array(Buffer.concat([jpeg.subarray(0, 2), exif, jpeg.subarray(2)]));
    expectSameStrokes(await windowAndReader(await rotatedPdf(0), turned, 'exif-turned.pdf'));
  });
});
