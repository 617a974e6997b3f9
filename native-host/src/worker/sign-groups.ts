/**
 * A batch's items as the worker takes them (messages.ts SignGroup): consecutive items of one kind
 * — digest algorithm, RSA scheme, signed bytes or not — packed into one group of a few buffers,
 * and the worker's answer unpacked into one result per item, in order.
 */
import { KysoError } from '../../../shared/protocol/errors.js';
import {
  TOKEN_DIGEST_LENGTH,
  groupSize,
  type DigestToSign,
  type ItemSignature,
  type SignGroup,
  type SignedGroup,
} from './messages.js';

const sameKind = (a: DigestToSign, b: DigestToSign) =>
  a.digestAlgorithm === b.digestAlgorithm &&
  a.rsaScheme === b.rsaScheme &&
  (a.data === undefined) === (b.data === undefined);

/** Runs of consecutive items of one kind, each one group (a batch of one kind is one group). */
export function packGroups(items: readonly DigestToSign[]): SignGroup[] {
  const groups: SignGroup[] = [];
  for (let start = 0; start < items.length;) {
    const first = items[start]!;
    let end = start + 1;
    while (end < items.length && sameKind(first, items[end]!)) end++;
    const run = items.slice(start, end);
    const length = TOKEN_DIGEST_LENGTH[first.digestAlgorithm];
    const digests = new Uint8Array(length * run.length);
    run.forEach((item, i) => digests.set(item.digest, i * length));
    const group: SignGroup = { digestAlgorithm: first.digestAlgorithm, digests };
    if (first.rsaScheme) group.rsaScheme = first.rsaScheme;
    if (first.data) {
      const ends = new Uint32Array(run.length);
      let total = 0;
      run.forEach((item, i) => (ends[i] = total += item.data!.length));
      const bytes = new Uint8Array(total);
      run.forEach((item, i) => bytes.set(item.data!, i ? ends[i - 1]! : 0));
      group.data = { bytes, ends };
    }
    groups.push(group);
    start = end;
  }
  return groups;
}

/** Every group's items in order, one result per item packed (a signature is a view of its group's answer). */
export function unpackGroups(groups: readonly SignGroup[], signed: readonly SignedGroup[]): ItemSignature[] {
  return groups.flatMap((group, i) => unpackGroup(signed[i], groupSize(group)));
}

/** The group's items in order; a missing answer, or one for another number of items, fails them all. */
export function unpackGroup(signed: SignedGroup | undefined, count: number): ItemSignature[] {
  if (signed?.ends.length !== count) {
    const error = new KysoError('TOKEN_DRIVER_FAILED', undefined, {
      reason: 'malformed worker answer',
    }).toWire();
    return Array.from({ length: count }, () => ({ ok: false as const, error }));
  }
  const results = new Array<ItemSignature | undefined>(count);
  for (const { index, error } of signed.errors) results[index] = { ok: false, error };
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = signed.ends[i]!;
    if (!results[i]) results[i] = { ok: true, signature: signed.signatures.subarray(start, end) };
    start = end;
  }
  return results as ItemSignature[];
}
