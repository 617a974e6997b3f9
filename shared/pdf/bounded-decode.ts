/**
 * Stream data decoded no further than a budget allows: a few KB of deflated zeros can claim
 * gigabytes. pdf-lib's decoders work block by block, so reading in chunks stops a bomb early
 * (asking for the whole limit at once would allocate it). Used for the streams kyso decodes whole
 * when it reads a file: cross-reference and object streams (model), the DSS (long-term).
 */
import { decodePDFRawStream, type PDFRawStream } from 'pdf-lib';

const CHUNK = 64 << 10;

/** A stream that decodes to more than its budget allows. */
export class StreamTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`a PDF stream decodes to more than ${limit} bytes`);
    this.name = 'StreamTooLargeError';
  }
}

/** At most `streamBytes` per stream and `totalBytes` for all the streams decoded through it. */
export class DecodeBudget {
  private left: number;

  constructor(
    readonly streamBytes: number,
    totalBytes: number,
  ) {
    this.left = totalBytes;
  }

  /**
   * The stream's data; StreamTooLargeError past the budget. A filter pdf-lib does not know, or data
   * that does not decode, throws pdf-lib's error: the caller says what that means for it.
   */
  decode(stream: PDFRawStream): Uint8Array {
    const limit = Math.min(this.streamBytes, this.left);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const decoder = decodePDFRawStream(stream);
    for (let chunk = decoder.getBytes(CHUNK); chunk.length > 0; chunk = decoder.getBytes(CHUNK)) {
      size += chunk.length;
      if (size > limit) throw new StreamTooLargeError(limit);
      chunks.push(Uint8Array.from(chunk)); // a copy: the chunk is a view of the decoder's growing buffer
    }
    this.left -= size;
    // A Uint8Array of its own (Buffer.concat may hand out a slice of Node's shared pool).
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return bytes;
  }
}
