/**
 * What the consent window draws, in Chromium, against poppler (pdftoppm) drawing the same bytes or
 * the revision kyso prepares: a signature image on a rotated page (/Rotate 90, 180, 270; 0 for
 * contrast) or a JPEG whose EXIF says to turn it, compared cell by cell over the outlined box; and
 * text in a CJK font that is not embedded, which pdf.js draws only with its CMaps; and a JPEG 2000
 * image, which it draws only with its OpenJPEG decoder. A /Rotate written 90.0, which pdf.js applies
 * and poppler does not, is drawn as pdf.js reads it and warned about.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { degrees, PDFDocument } from 'pdf-lib';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparePdfSignature } from '../../shared/pdf/pades.js';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { countPixels, isBlue, isDark, renderPage, type Raster } from '../support/pdf-raster.js';
import { PdfWriter, type XrefRow } from '../support/pdf-builder.js';
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

/**
 * Opens `pdf` in the consent window from the portal and returns the share of dark pixels the window
 * draws in `box` (PDF points on an A4 page), then cancels; the page's call ends USER_CANCELLED.
 */
async function windowDarkShare(
  session: PortalSession,
  portal: Page,
  pdf: Uint8Array,
  box: { x: number; y: number; width: number; height: number },
): Promise<{ dark: number; share: number }> {
  const consent = await consentWindowAfter(session.browser, () =>
    sdkCall(portal, 'signPdf', {
      pdf: Buffer.from(pdf).toString('base64'),
      name: 'trang.pdf',
      description: 'Trang',
    }),
  );
  await consent.waitForSelector('#preview[data-page="1"][data-rendered="true"]', { timeout: 30_000 });
  const counted = await consent.$eval(
    '#preview',
    (el, box) => {
      const canvas = el as HTMLCanvasElement;
      const scale = canvas.width / 595;
      const { data } = canvas
        .getContext('2d')!
        .getImageData(
          box.x * scale,
          (842 - box.y - box.height) * scale,
          box.width * scale,
          box.height * scale,
        );
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! + data[i + 1]! + data[i + 2]! < 200) dark++;
      return { dark, share: dark / (data.length / 4) };
    },
    box,
  );
  await clickClosingWindow(consent, '#cancel');
  expect((await sdkOutcome(portal)).code).toBe('USER_CANCELLED');
  return counted;
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

  it('/Rotate 90.0: drawn turned, as pdf.js reads it, while pdftoppm draws the page upright: warned before the PIN', async () => {
    // pdf-lib writes integers: a /Rotate of 9000 (as long as "90.0") is rewritten in place.
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]).setRotation(degrees(9000));
    const written = Buffer.from(await doc.save({ useObjectStreams: false })).toString('latin1');
    expect(written).toContain('/Rotate 9000');
    const pdf = Buffer.from(written.replace('/Rotate 9000', '/Rotate 90.0'), 'latin1');
    const upright = renderPage(writePdf(dir, 'rotate-real.pdf', pdf), 1);
    expect(upright.width < upright.height).toBe(true);
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(portal, 'signPdf', {
        pdf: pdf.toString('base64'),
        name: 'rotate-real.pdf',
        description: 'Trang xoay 90.0',
      }),
    );
    try {
      await consent.waitForSelector('#preview[data-page="1"][data-rendered="true"]', { timeout: 30_000 });
      const drawn = await consent.$eval('#preview', (el) => [
        (el as HTMLCanvasElement).width,
        (el as HTMLCanvasElement).height,
      ]);
      expect(drawn[0]!).toBeGreaterThan(drawn[1]!);
      expect(
        await consent.$eval(
          '#warning-list li[data-code="pdf-rotation-differs"]',
          (el) => (el as HTMLElement).innerText,
        ),
      ).toBe(
        'PDF readers turn 1 of its pages differently (their rotation is not written as a whole number): some show them as the preview does, others turned another way. The content signed is the same.',
      );
    } finally {
      await clickClosingWindow(consent, '#cancel');
      expect((await sdkOutcome(portal)).code).toBe('USER_CANCELLED');
    }
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

  it('Korean text in a font that is not embedded (UniKS-UCS2-H): drawn, as poppler draws it', async () => {
    // "한국" in Adobe-Korea1's HYSMyeongJo through a predefined CMap, above a Helvetica line.
    const content = 'BT /F1 48 Tf 72 700 Td <D55CAD6D> Tj ET BT /F2 24 Tf 72 600 Td (Hop dong) Tj ET';
    const w = new PdfWriter();
    const rows: XrefRow[] = [
      [0, null],
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
      [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
      [
        3,
        w.obj(
          3,
          '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R /F2 8 0 R >> >> /Contents 4 0 R >>',
        ),
      ],
      [4, w.obj(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`)],
      [
        5,
        w.obj(
          5,
          '<< /Type /Font /Subtype /Type0 /BaseFont /HYSMyeongJo-Medium /Encoding /UniKS-UCS2-H /DescendantFonts [6 0 R] >>',
        ),
      ],
      [
        6,
        w.obj(
          6,
          '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HYSMyeongJo-Medium /CIDSystemInfo << /Registry (Adobe) /Ordering (Korea1) /Supplement 1 >> /FontDescriptor 7 0 R >>',
        ),
      ],
      [
        7,
        w.obj(
          7,
          '<< /Type /FontDescriptor /FontName /HYSMyeongJo-Medium /Flags 6 /FontBBox [0 -148 1001 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
        ),
      ],
      [8, w.obj(8, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>')],
    ];
    w.table(rows, '/Size 9 /Root 1 0 R');
    const pdf = w.bytes();
    const line = { x: 72, y: 690, width: 200, height: 60 };
    // poppler draws the Korean line (its CMaps come with poppler-data).
    expect(countPixels(renderPage(writePdf(dir, 'korean.pdf', pdf), 1), line, isDark)).toBeGreaterThan(100);

    const { dark } = await windowDarkShare(session, portal, pdf, line);
    expect(dark).toBeGreaterThan(100);
  });

  it('a JPEG 2000 image (as in scans): drawn, as poppler draws it', async () => {
    // A 100 × 40 grey image with a black bar, encoded by OpenJPEG's opj_compress, drawn 400 × 160.
    const pixels = Buffer.alloc(100 * 40, 255);
    for (let y = 10; y < 30; y++) pixels.fill(0, y * 100 + 10, y * 100 + 90);
    writeFileSync(path.join(dir, 'bar.pgm'), Buffer.concat([Buffer.from('P5\n100 40\n255\n'), pixels]));
    execFileSync('opj_compress', ['-i', path.join(dir, 'bar.pgm'), '-o', path.join(dir, 'bar.jp2')], {
      stdio: 'pipe',
    });
    const jpx = readFileSync(path.join(dir, 'bar.jp2')).toString('latin1');
    const content = 'q 400 0 0 160 100 500 cm /Im1 Do Q';
    const w = new PdfWriter();
    const rows: XrefRow[] = [
      [0, null],
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
      [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
      [
        3,
        w.obj(
          3,
          '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>',
        ),
      ],
      [4, w.obj(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`)],
      [
        5,
        w.obj(
          5,
          `<< /Type /XObject /Subtype /Image /Width 100 /Height 40 /Filter /JPXDecode /Length ${jpx.length} >>\nstream\n${jpx}\nendstream`,
        ),
      ],
    ];
    w.table(rows, '/Size 6 /Root 1 0 R');
    const pdf = w.bytes();
    const bar = { x: 140, y: 540, width: 320, height: 80 };
    expect(countPixels(renderPage(writePdf(dir, 'scan.pdf', pdf), 1), bar, isDark)).toBeGreaterThan(20_000);

    const { share } = await windowDarkShare(session, portal, pdf, bar);
    // The bar fills the box poppler finds dark.
    expect(share).toBeGreaterThan(0.9);
  });
});
