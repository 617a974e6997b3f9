/**
 * Deflate bombs: small PDFs whose streams claim gigabytes, for the limits on what kyso decodes
 * (the DSS, cross-reference and object streams).
 */
import { createDeflate } from 'node:zlib';

/** `size` zero bytes, deflated: about a thousandth of it. */
export async function deflatedZeros(size: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (part: Buffer) => parts.push(part));
  const chunk = Buffer.alloc(16 << 20);
  for (let written = 0; written < size; written += chunk.length)
    if (!deflate.write(chunk)) await new Promise((resolve) => deflate.once('drain', resolve));
  deflate.end();
  await new Promise((resolve) => deflate.once('end', resolve));
  return Buffer.concat(parts);
}

const PAGE_OBJECTS = [
  '<< /Type /Catalog /Pages 2 0 R >>',
  '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources 4 0 R >>',
];

/** A one-page PDF's objects 1–3 (catalog, pages, page naming resources 4 0 R), with their offsets. */
function pageObjects(): { head: Buffer; offsets: number[] } {
  let text = '%PDF-1.7\n';
  const offsets: number[] = [];
  PAGE_OBJECTS.forEach((body, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  return { head: Buffer.from(text, 'latin1'), offsets };
}

const streamObject = (number: number, dict: string, data: Buffer) =>
  Buffer.concat([
    Buffer.from(`${number} 0 obj\n<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);

/** One xref stream row, W [1 4 2]. */
const row = (type: number, second: number, third: number) => {
  const bytes = Buffer.alloc(7);
  bytes[0] = type;
  bytes.writeUInt32BE(second, 1);
  bytes.writeUInt16BE(third, 5);
  return bytes;
};

/**
 * A one-page PDF whose resources (object 4) sit in object stream 5, whose data is `bomb` (deflated
 * zeros: what it inflates to is read before its offsets table). The xref stream (6) is plain.
 */
export function objectStreamBomb(bomb: Buffer): Buffer {
  const { head, offsets } = pageObjects();
  const stream = streamObject(5, '/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode', bomb);
  const xrefAt = head.length + stream.length;
  const rows = Buffer.concat([
    row(0, 0, 65535),
    ...offsets.map((offset) => row(1, offset, 0)),
    row(2, 5, 0),
    row(1, head.length, 0),
    row(1, xrefAt, 0),
  ]);
  const xref = streamObject(6, '/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R', rows);
  return Buffer.concat([head, stream, xref, Buffer.from(`startxref\n${xrefAt}\n%%EOF\n`, 'latin1')]);
}

/** A one-page PDF whose cross-reference stream (object 4) is `bomb`, deflated zeros. */
export function xrefStreamBomb(bomb: Buffer): Buffer {
  const { head } = pageObjects();
  const xref = streamObject(4, '/Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode', bomb);
  return Buffer.concat([head, xref, Buffer.from(`startxref\n${head.length}\n%%EOF\n`, 'latin1')]);
}
