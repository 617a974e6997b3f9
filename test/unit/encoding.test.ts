/**
 * Base64 in shared/encoding.ts: btoa/atob where the ES2026 Uint8Array methods are missing (Node 20),
 * those methods where they exist (the browsers kyso ships for). The two must give the same results.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from '../../shared/encoding.js';

/** Bytes 0, 1, 2, … of the given length (every residue of 3, and every byte value). */
const counting = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + 3) % 256);
const lengths = [0, 1, 2, 3, 4, 5, 64, 255, 256, 257, 0x8000 + 1, 100_000];

describe('base64 without the ES2026 methods', () => {
  it('is standard base64 with padding, and reads back the same bytes', () => {
    expect(Object.hasOwn(Uint8Array.prototype, 'toBase64')).toBe(false); // Node 20: this path
    for (const length of lengths) {
      const bytes = counting(length);
      const base64 = bytesToBase64(bytes);
      expect(base64).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(base64)).toEqual(bytes);
    }
    // A view encodes its own bytes, not its buffer's.
    expect(bytesToBase64(counting(10).subarray(3, 6))).toBe(Buffer.from([24, 31, 38]).toString('base64'));
  });

  it('refuses what is not base64', () => {
    for (const text of ['a', 'ab=', '@@@@', 'YW=Jj']) expect(() => base64ToBytes(text)).toThrow();
  });
});

describe('base64 with the ES2026 methods (stood in for here, where Node 20 has none)', () => {
  const calls = { toBase64: 0, fromBase64: 0 };
  function standIn(): void {
    Object.defineProperty(Uint8Array.prototype, 'toBase64', {
      configurable: true,
      value(this: Uint8Array) {
        calls.toBase64++;
        return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('base64');
      },
    });
    Object.defineProperty(Uint8Array, 'fromBase64', {
      configurable: true,
      value(base64: string) {
        calls.fromBase64++;
        return new Uint8Array(Buffer.from(base64, 'base64'));
      },
    });
  }
  afterEach(() => {
    delete (Uint8Array.prototype as { toBase64?: unknown }).toBase64;
    delete (Uint8Array as { fromBase64?: unknown }).fromBase64;
  });

  it('uses them, with the same results as btoa and atob', () => {
    const expected = lengths.map((length) => bytesToBase64(counting(length)));
    standIn();
    lengths.forEach((length, i) => {
      const bytes = counting(length);
      expect(bytesToBase64(bytes)).toBe(expected[i]);
      expect(base64ToBytes(expected[i]!)).toEqual(bytes);
    });
    expect(bytesToBase64(counting(10).subarray(3, 6))).toBe(Buffer.from([24, 31, 38]).toString('base64'));
    expect(calls).toEqual({ toBase64: lengths.length + 1, fromBase64: lengths.length });
  });
});
