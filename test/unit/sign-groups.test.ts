/**
 * A batch's items as the PKCS#11 worker takes them: consecutive items of one kind in one group of
 * a few buffers, each checked by its schema on arrival (messages.ts), and the answer unpacked into
 * one result per item, in order.
 */
import { describe, expect, it } from 'vitest';
import {
  SignGroupSchema,
  SignedGroupSchema,
  groupSize,
  workerOperations,
  type DigestToSign,
  type SignedGroup,
} from '../../native-host/src/worker/messages.js';
import { packGroups, unpackGroup, unpackGroups } from '../../native-host/src/worker/sign-groups.js';

const digestOf = (n: number, length = 32) => new Uint8Array(length).fill(n);
const item = (n: number, extra: Partial<DigestToSign> = {}): DigestToSign => ({
  digest: digestOf(n, extra.digestAlgorithm === 'SHA-384' ? 48 : extra.digestAlgorithm === 'SHA-1' ? 20 : 32),
  digestAlgorithm: 'SHA-256',
  ...extra,
});

describe('sign groups', () => {
  it('packs runs of one kind, each digest and signed bytes in its place', () => {
    const items = [
      item(1, { data: new Uint8Array([1, 1]) }),
      item(2, { data: new Uint8Array([2, 2, 2]) }),
      item(3, { digestAlgorithm: 'SHA-1' }),
      item(4, { digestAlgorithm: 'SHA-384', rsaScheme: 'PSS' }),
      item(5, { digestAlgorithm: 'SHA-384', rsaScheme: 'PSS' }),
      item(6),
    ];
    const groups = packGroups(items);
    expect(groups.map(groupSize)).toEqual([2, 1, 2, 1]);
    for (const group of groups) expect(SignGroupSchema.safeParse(group).success).toBe(true);
    expect(groups[0]!.digests).toEqual(new Uint8Array([...digestOf(1), ...digestOf(2)]));
    expect(groups[0]!.data).toEqual({
      bytes: new Uint8Array([1, 1, 2, 2, 2]),
      ends: new Uint32Array([2, 5]),
    });
    expect(groups[1]).toEqual({ digestAlgorithm: 'SHA-1', digests: digestOf(3, 20) });
    expect(groups[2]).toMatchObject({ digestAlgorithm: 'SHA-384', rsaScheme: 'PSS' });
    expect(groups[2]!.digests).toEqual(new Uint8Array([...digestOf(4, 48), ...digestOf(5, 48)]));
    expect(groups[3]!.data).toBeUndefined();
  });

  it('the worker refuses a group whose buffers do not make whole items', () => {
    const valid = { digestAlgorithm: 'SHA-256', digests: new Uint8Array(64) };
    expect(SignGroupSchema.safeParse(valid).success).toBe(true);
    for (const bad of [
      { ...valid, digests: new Uint8Array(63) }, // not whole digests
      { ...valid, digests: new Uint8Array(0) }, // no item
      { ...valid, digests: new Uint8Array(33 * 32) }, // more items than a call may carry
      { ...valid, digests: [1, 2, 3] }, // not bytes
      { ...valid, data: { bytes: new Uint8Array(4), ends: new Uint32Array([2]) } }, // one end for two items
      { ...valid, data: { bytes: new Uint8Array(4), ends: new Uint32Array([3, 2]) } }, // going back
      { ...valid, data: { bytes: new Uint8Array(4), ends: new Uint32Array([2, 5]) } }, // past the bytes
      { ...valid, data: { bytes: new Uint8Array(4), ends: [2, 4] } }, // not a Uint32Array
      { ...valid, extra: 1 },
    ])
      expect(SignGroupSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('unpacks signatures and errors into their places; the host refuses an answer that does not fit', () => {
    const error = { code: 'TOKEN_NOT_PRESENT' as const, message: 'gone' };
    const answer: SignedGroup = {
      signatures: new Uint8Array([9, 9, 8, 8, 8]),
      ends: new Uint32Array([2, 2, 5]),
      errors: [{ index: 1, error }],
    };
    expect(SignedGroupSchema.safeParse(answer).success).toBe(true);
    expect(unpackGroup(answer, 3)).toEqual([
      { ok: true, signature: new Uint8Array([9, 9]) },
      { ok: false, error },
      { ok: true, signature: new Uint8Array([8, 8, 8]) },
    ]);
    // an answer for another number of items fails every item, none gets another's signature
    expect(unpackGroup(answer, 4).every((r) => !r.ok)).toBe(true);
    // groups in order; a group the worker did not answer fails its items only
    const groups = packGroups([item(1), item(2), item(3), item(4, { digestAlgorithm: 'SHA-384' })]);
    expect(groups.map(groupSize)).toEqual([3, 1]);
    expect(unpackGroups(groups, [answer])).toEqual([
      ...unpackGroup(answer, 3),
      { ok: false, error: expect.objectContaining({ code: 'TOKEN_DRIVER_FAILED' }) },
    ]);
    for (const bad of [
      { ...answer, ends: new Uint32Array([2, 2, 6]) }, // past the signatures
      { ...answer, ends: new Uint32Array([3, 2, 5]) }, // going back
      { ...answer, errors: [{ index: 3, error }] }, // no such item
      { ...answer, ends: [2, 2, 5] },
    ])
      expect(SignedGroupSchema.safeParse(bad).success).toBe(false);
  });

  it('a single signature: one to a call’s worth of items, each answered by its signature or its error', () => {
    const { request, result } = workerOperations.sign;
    const asked = (items: unknown) => ({ op: 'sign', certificateId: 'c', pin: '1234', items });
    expect(request.safeParse(asked(Array.from({ length: 32 }, (_, n) => item(n)))).success).toBe(true);
    for (const bad of [
      [],
      Array.from({ length: 33 }, (_, n) => item(n)),
      [{ ...item(1), digest: digestOf(1, 19) }],
    ])
      expect(request.safeParse(asked(bad)).success).toBe(false);
    const error = { code: 'TOKEN_NOT_PRESENT' as const, message: 'gone' };
    const results = [
      { ok: true, signature: new Uint8Array([1]) },
      { ok: false, error },
    ];
    expect(result.safeParse({ keyType: 'EC', results }).success).toBe(true);
    for (const bad of [
      { ok: true },
      { ok: true, signature: new Uint8Array([1]), mechanism: 'CKM_ECDSA' },
      { ok: false },
    ])
      expect(result.safeParse({ keyType: 'EC', results: [bad] }).success).toBe(false);
  });
});
