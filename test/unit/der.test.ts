import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import {
  encodeDer,
  node,
  octetString,
  sequence,
  setOf,
  setOfNode,
  tlv,
  utcTime,
} from '../../shared/cms/der.js';

/** Contents of n bytes (a pattern, so a misplaced copy shows). */
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

describe('DER nodes written in one buffer', () => {
  it('give the same bytes as nested tlv() at every length-of-length boundary', () => {
    for (const n of [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x123456]) {
      const inner = bytes(n);
      const nested = sequence(tlv(0xa0, octetString(inner)), octetString(bytes(3)));
      const written = encodeDer(node(0x30, node(0xa0, node(0x04, inner)), node(0x04, bytes(3))));
      expect(Buffer.from(written).equals(Buffer.from(nested)), `contents of ${n} bytes`).toBe(true);
      // and an independent reader finds the structure
      const parsed = asn1js.fromBER(written.slice().buffer);
      expect(parsed.offset).toBe(written.length);
    }
  });

  it('order SET OF members by their encodings, as setOf() does', () => {
    const members = [
      octetString(bytes(5)),
      octetString(bytes(2)),
      tlv(0x02, bytes(1)),
      octetString(bytes(2)),
    ];
    expect(Buffer.from(encodeDer(setOfNode(0x31, members))).equals(Buffer.from(setOf(0x31, members)))).toBe(
      true,
    );
  });

  it('write UTCTime as asn1js does, the same second giving the same bytes and the next one its own', () => {
    const at = new Date(Date.UTC(2026, 10, 30, 23, 59, 59, 10));
    const asn1 = (date: Date) => new Uint8Array(new asn1js.UTCTime({ valueDate: date }).toBER());
    expect(Buffer.from(utcTime(at)).equals(Buffer.from(asn1(at)))).toBe(true);
    expect(Buffer.from(utcTime(new Date(at.getTime() + 980))).equals(Buffer.from(asn1(at)))).toBe(true);
    const next = new Date(at.getTime() + 1000);
    expect(Buffer.from(utcTime(next)).toString('latin1')).toBe('\x17\x0d261201000000Z');
    expect(Buffer.from(utcTime(at)).toString('latin1')).toBe('\x17\x0d261130235959Z');
  });
});
