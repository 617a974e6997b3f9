/**
 * Native-messaging framing: each message is a 4-byte little-endian length, then that many bytes of
 * UTF-8 JSON. (Chrome documents "native byte order"; every platform kyso runs on is little-endian.)
 */

export type Frame =
  { kind: 'message'; value: unknown } | { kind: 'error'; reason: 'oversized' | 'malformed'; length: number };

import { isUtf8 } from 'node:buffer';

const HEADER_BYTES = 4;

/**
 * Incremental frame reader. An oversized frame is reported once and then skipped without buffering
 * it; a frame that is not a JSON value is reported and the stream continues with the next frame.
 */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private skipRemaining = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds bytes, returns the frames they complete. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let data = chunk;
    if (this.skipRemaining > 0) {
      const skipped = Math.min(this.skipRemaining, data.length);
      this.skipRemaining -= skipped;
      data = data.subarray(skipped);
    }
    if (data.length > 0) {
      this.chunks.push(data);
      this.buffered += data.length;
    }
    for (;;) {
      if (this.skipRemaining > 0 || this.buffered < HEADER_BYTES) break;
      const header = this.peek(HEADER_BYTES);
      const length = new DataView(header.buffer, header.byteOffset, HEADER_BYTES).getUint32(0, true);
      if (length > this.maxFrameBytes) {
        frames.push({ kind: 'error', reason: 'oversized', length });
        this.consume(HEADER_BYTES);
        const skipped = Math.min(length, this.buffered);
        this.consume(skipped);
        this.skipRemaining = length - skipped;
        continue;
      }
      if (this.buffered < HEADER_BYTES + length) break;
      this.consume(HEADER_BYTES);
      const body = this.take(length);
      frames.push(decodeBody(body));
    }
    return frames;
  }

  /** Bytes held for an incomplete frame (bounded by maxFrameBytes + header). */
  get pendingBytes(): number {
    return this.buffered;
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return this.flatten().subarray(0, n);
  }

  private take(n: number): Uint8Array {
    const flat = this.flatten();
    const out = flat.slice(0, n);
    this.consume(n);
    return out;
  }

  private consume(n: number): void {
    let left = n;
    while (left > 0 && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      if (first.length <= left) {
        left -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n - left;
  }

  private flatten(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const flat = new Uint8Array(this.buffered);
    let offset = 0;
    for (const c of this.chunks) {
      flat.set(c, offset);
      offset += c.length;
    }
    this.chunks = [flat];
    return flat;
  }
}

/** Node's own UTF-8 check and decoder: several times faster than a fatal TextDecoder on each request. */
function decodeBody(body: Uint8Array): Frame {
  if (!isUtf8(body)) return { kind: 'error', reason: 'malformed', length: body.length };
  try {
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    return { kind: 'message', value: JSON.parse(text) };
  } catch {
    return { kind: 'error', reason: 'malformed', length: body.length };
  }
}

/** Encodes one message; throws if it would exceed the limit (the caller sends an error instead). */
export function encodeFrame(value: unknown, maxFrameBytes: number): Uint8Array {
  const json = JSON.stringify(value);
  const length = Buffer.byteLength(json, 'utf8');
  if (length > maxFrameBytes) throw new RangeError(`frame of ${length} bytes exceeds ${maxFrameBytes}`);
  // the JSON written once, straight after its header
  const frame = Buffer.allocUnsafeSlow(HEADER_BYTES + length); // its own memory (not the pool): frame.buffer is the frame
  frame.writeUInt32LE(length, 0);
  frame.write(json, HEADER_BYTES, 'utf8');
  return frame;
}
