/**
 * A visible signature's image (the signer's handwritten signature, the seal) as the page or the
 * options page gives it: PNG or JPEG, read from its header before anything decodes it, so a bad
 * or oversized image is a typed BAD_REQUEST naming its field, not a library's exception after the PIN.
 */
import { KysoError } from '../protocol/errors.js';

export type AppearanceImageField = 'appearance.signatureImage' | 'appearance.sealImage';

export interface AppearanceImageInfo {
  type: 'png' | 'jpeg';
  /** Pixels, from the header. */
  width: number;
  height: number;
}

/**
 * A side and an area far beyond any signature or seal scan (a 600 dpi A4 page is about 5000 × 7000),
 * yet small enough to decode: a 1 MiB PNG of zeros can claim a billion pixels.
 */
export const MAX_IMAGE_SIDE = 8000;
export const MAX_IMAGE_PIXELS = 40_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function badImage(field: AppearanceImageField, problem: string): KysoError {
  return new KysoError('BAD_REQUEST', `${field}: ${problem}`, { field });
}

/**
 * The PNG's IHDR size, once every chunk is found whole up to IEND: pdf-lib's decoder (UPNG) never
 * returns from a file cut short, so a truncated PNG must not reach it.
 */
function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 33 || type(12) !== 'IHDR' || view.getUint32(8) !== 13) return undefined;
  let hasData = false;
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) return undefined;
    const name = type(at + 4);
    if (name === 'IDAT') hasData = true;
    if (name === 'IEND')
      return hasData ? { width: view.getUint32(16), height: view.getUint32(20) } : undefined;
    at = end;
  }
  return undefined;
}

/** The first start-of-frame marker's size (SOF0–SOF15 but DHT, JPG and DAC), walking the markers. */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image, or scan data before any frame
    const length = view.getUint16(at + 2);
    if (length < 2) return undefined;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (at + 9 > bytes.length) return undefined;
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  return undefined;
}

/** The image's type and size; throws BAD_REQUEST naming `field` for anything else than a sane PNG or JPEG. */
export function appearanceImageInfo(bytes: Uint8Array, field: AppearanceImageField): AppearanceImageInfo {
  const isPng = PNG_SIGNATURE.every((b, i) => bytes[i] === b);
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) throw badImage(field, 'signature and seal images must be PNG or JPEG');
  const size = isPng ? pngSize(bytes) : jpegSize(bytes);
  if (!size) throw badImage(field, `the ${isPng ? 'PNG' : 'JPEG'} image has no readable size`);
  const { width, height } = size;
  if (
    width < 1 ||
    height < 1 ||
    width > MAX_IMAGE_SIDE ||
    height > MAX_IMAGE_SIDE ||
    width * height > MAX_IMAGE_PIXELS
  )
    throw badImage(field, `the image is ${width} × ${height} pixels; at most ${MAX_IMAGE_SIDE} a side`);
  return { type: isPng ? 'png' : 'jpeg', width, height };
}
