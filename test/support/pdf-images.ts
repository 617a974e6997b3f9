import { randomBytes, randomInt } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** Test images for visible PDF signatures: RGBA PNGs drawn pixel by pixel (no image library needed). */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** An RGBA PNG; `pixel(x, y)` returns [r, g, b, a] (y = 0 is the top row). */
export function rgbaPng(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number, number],
): Uint8Array {
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 4); // filter byte 0 (None) then pixels
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  return rgbaPngFile(width, height, raw);
}

/** The PNG file of 8-bit RGBA rows, each already led by its filter byte. */
function rgbaPngFile(width: number, height: number, filteredRows: Buffer): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(filteredRows)),
      chunk('IEND', new Uint8Array()),
    ]),
  );
}

const TRANSPARENT: [number, number, number, number] = [0, 0, 0, 0];

/** A blue "handwritten" stroke (a thick wave) on a transparent background, 300×120. */
export function blueSignaturePng(): Uint8Array {
  return rgbaPng(300, 120, (x, y) => {
    const curve = 60 + 35 * Math.sin(x / 22) * Math.cos(x / 61);
    return Math.abs(y - curve) < 6 && x > 10 && x < 290 ? [20, 40, 200, 255] : TRANSPARENT;
  });
}

/** A red seal: a thick ring and a filled centre disc on a transparent background, 200×200. */
export function redSealPng(): Uint8Array {
  return rgbaPng(200, 200, (x, y) => {
    const r = Math.hypot(x - 100, y - 100);
    return (r > 80 && r < 96) || r < 30 ? [220, 20, 30, 255] : TRANSPARENT;
  });
}

/**
 * An opaque PNG that is small as a file and large once drawn into a PDF: a random first row, and
 * each next row that row plus a constant. PNG's Up filter stores such a row as one repeated byte;
 * a PDF image stores the pixels, which do not compress.
 */
export function rowShiftedNoisePng(width: number, height: number): Uint8Array {
  const first = randomBytes(width * 3);
  const stride = 1 + width * 4;
  const filtered = Buffer.alloc(height * stride);
  for (let x = 0; x < width; x++) {
    filtered.set(first.subarray(x * 3, x * 3 + 3), 1 + x * 4);
    filtered[1 + x * 4 + 3] = 255;
  }
  for (let y = 1; y < height; y++) {
    const row = y * stride;
    const shift = 1 + randomInt(255); // this row minus the one above, in each colour channel
    filtered[row] = 2; // filter type Up
    for (let x = 0; x < width; x++) filtered.fill(shift, row + 1 + x * 4, row + 4 + x * 4);
  }
  return rgbaPngFile(width, height, filtered);
}
