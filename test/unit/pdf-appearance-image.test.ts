/**
 * A PDF visible signature's images (PNG or JPEG) are read and decoded when the document is planned:
 * a bad one is a BAD_REQUEST naming its field before any consent window, never a library's
 * exception after the PIN (which the page got as INTERNAL).
 */
import { describe, expect, it } from 'vitest';
import { bytesToBase64 } from '../../shared/encoding.js';
import { appearanceImageInfo } from '../../shared/pdf/appearance-image.js';
import { preparePdfSignature } from '../../shared/pdf/pades.js';
import { KysoError, toWireError } from '../../shared/protocol/errors.js';
import { pageRequests } from '../../shared/protocol/page.js';
import { DocumentService } from '../../extension/src/documents/service.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { blueSignaturePng } from '../support/pdf-images.js';

const GIF = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0, 0x3b]);
const rect = { x: 10, y: 10, width: 100, height: 50 };

async function plan(image: 'signatureImage' | 'sealImage', bytes: Uint8Array): Promise<unknown> {
  const params = pageRequests['sign-many'].params.parse({
    description: 'Hồ sơ',
    documents: [
      {
        kind: 'pdf',
        name: 'a.pdf',
        pdf: bytesToBase64(await onePagePdf('hello')),
        appearance: { kind: 'image', rect, [image]: bytesToBase64(bytes) },
      },
    ],
  });
  return new DocumentService()
    .run('plan', { job: crypto.randomUUID(), index: 0, document: params.documents[0]! })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
}

describe('a bad appearance image is refused before any window', () => {
  it('a GIF, a cut-short PNG, a PNG that claims a billion pixels: BAD_REQUEST naming the field, at plan', async () => {
    // Cut short: pdf-lib's PNG decoder would never return from it.
    const truncated = blueSignaturePng().subarray(0, 60);
    const huge = blueSignaturePng().slice();
    new DataView(huge.buffer).setUint32(16, 40_000); // IHDR width
    for (const [field, bytes] of [
      ['signatureImage', GIF],
      ['sealImage', truncated],
      ['signatureImage', huge],
    ] as const) {
      expect(toWireError(await plan(field, bytes)), field).toMatchObject({
        code: 'BAD_REQUEST',
        details: { document: 0, field: `appearance.${field}` },
      });
    }
    expect(await plan('signatureImage', blueSignaturePng())).toBeUndefined();
  });

  it('prepare itself throws a typed error, not a library TypeError', async () => {
    await expect(
      preparePdfSignature(await onePagePdf('x'), { appearance: { kind: 'image', rect, sealImage: GIF } }),
    ).rejects.toSatisfy(
      (e) =>
        e instanceof KysoError && e.code === 'BAD_REQUEST' && e.details?.field === 'appearance.sealImage',
    );
  });

  it('reads the size from PNG and JPEG headers without decoding', () => {
    expect(appearanceImageInfo(blueSignaturePng(), 'appearance.signatureImage')).toEqual({
      type: 'png',
      width: 300,
      height: 120,
    });
    // SOI, an APP0 segment, then SOF0: 8-bit, 50 high, 70 wide.
    const jpeg = new Uint8Array([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x32, 0x00, 0x46,
      0x01, 0x01, 0x11, 0x00,
    ]);
    expect(appearanceImageInfo(jpeg, 'appearance.sealImage')).toEqual({
      type: 'jpeg',
      width: 70,
      height: 50,
    });
  });
});
