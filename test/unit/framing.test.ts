import { describe, expect, it } from 'vitest';
import { FrameReader, encodeFrame } from '../../native-host/src/messaging/framing.js';
import { concatBytes } from '../../shared/encoding.js';

const frame = (value: unknown) => encodeFrame(value, 1 << 20);
const header = (length: number) => {
  const h = new Uint8Array(4);
  new DataView(h.buffer).setUint32(0, length, true);
  return h;
};

describe('native-messaging framing', () => {
  it('round-trips UTF-8 JSON with a little-endian length', () => {
    const bytes = frame({ chữ: 'ký số', n: 1 });
    expect(new DataView(bytes.buffer).getUint32(0, true)).toBe(bytes.length - 4);
    expect(new FrameReader(1024).push(bytes)).toEqual([{ kind: 'message', value: { chữ: 'ký số', n: 1 } }]);
  });

  it('reassembles frames split at every byte boundary and several per chunk', () => {
    const stream = concatBytes([frame({ a: 1 }), frame([2, 3]), frame('bốn')]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FrameReader(1024);
      const got = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(got.map((f) => (f.kind === 'message' ? f.value : f))).toEqual([{ a: 1 }, [2, 3], 'bốn']);
      expect(reader.pendingBytes).toBe(0);
    }
  });

  it('reports an oversized frame once, skips its body without buffering it, then continues', () => {
    const reader = new FrameReader(16);
    const big = new Uint8Array(1000).fill(0x41);
    const frames = [
      ...reader.push(concatBytes([header(1000), big.subarray(0, 10)])),
      ...reader.push(big.subarray(10, 600)),
    ];
    expect(reader.pendingBytes).toBe(0);
    frames.push(...reader.push(concatBytes([big.subarray(600), frame({ ok: true })])));
    expect(frames).toEqual([
      { kind: 'error', reason: 'oversized', length: 1000 },
      { kind: 'message', value: { ok: true } },
    ]);
  });

  it('reports malformed JSON and invalid UTF-8 and keeps going', () => {
    const reader = new FrameReader(64);
    const notJson = new TextEncoder().encode('{nope');
    const badUtf8 = new Uint8Array([0x22, 0xff, 0x22]);
    expect(reader.push(concatBytes([header(notJson.length), notJson, header(3), badUtf8, frame(7)]))).toEqual(
      [
        { kind: 'error', reason: 'malformed', length: 5 },
        { kind: 'error', reason: 'malformed', length: 3 },
        { kind: 'message', value: 7 },
      ],
    );
  });

  it('refuses to encode a frame over the limit', () => {
    expect(() => encodeFrame('x'.repeat(100), 50)).toThrow(RangeError);
  });
});
