/** A PDF page as pixels (pdftoppm) and the colour tests the appearance checks count with. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Raster {
  width: number;
  height: number;
  /** RGB of the pixel at (x, y), y = 0 the top row. */
  rgb(x: number, y: number): [number, number, number];
}

/** Renders one page at 72 dpi (1 px = 1 pt) with pdftoppm. */
export function renderPage(file: string, page = 1): Raster {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-render-'));
  const prefix = path.join(dir, 'page');
  execFileSync('pdftoppm', ['-r', '72', '-f', String(page), '-l', String(page), '-singlefile', file, prefix]);
  const ppm = readFileSync(`${prefix}.ppm`);
  // Binary PPM: "P6\n<w> <h>\n255\n" then RGB rows.
  const header = ppm
    .subarray(0, 64)
    .toString('latin1')
    .match(/^P6\s+(\d+)\s+(\d+)\s+255\s/);
  if (!header) throw new Error('pdftoppm did not write a binary PPM');
  const [, w, h] = header;
  const width = Number(w);
  const start = header[0].length;
  return {
    width,
    height: Number(h),
    rgb: (x, y) => {
      const i = start + (y * width + x) * 3;
      return [ppm[i]!, ppm[i + 1]!, ppm[i + 2]!];
    },
  };
}

/** Counts pixels matching `test` in a rectangle given in PDF points (origin bottom left). */
export function countPixels(
  raster: Raster,
  rect: { x: number; y: number; width: number; height: number },
  test: (r: number, g: number, b: number) => boolean,
): number {
  let count = 0;
  const top = Math.max(0, Math.floor(raster.height - rect.y - rect.height));
  const bottom = Math.min(raster.height, Math.ceil(raster.height - rect.y));
  for (let y = top; y < bottom; y++) {
    for (
      let x = Math.max(0, Math.floor(rect.x));
      x < Math.min(raster.width, Math.ceil(rect.x + rect.width));
      x++
    ) {
      if (test(...raster.rgb(x, y))) count++;
    }
  }
  return count;
}

export const isBlue = (r: number, g: number, b: number) => b > 150 && r < 100 && g < 120;
export const isRed = (r: number, g: number, b: number) => r > 150 && g < 100 && b < 100;
export const isDark = (r: number, g: number, b: number) => r + g + b < 200;
export const isWhite = (r: number, g: number, b: number) => r > 250 && g > 250 && b > 250;
