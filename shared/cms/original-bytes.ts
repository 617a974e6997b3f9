import type * as asn1js from 'asn1js';

/**
 * The exact bytes a parsed element came from: never re-encoded, because hashes, signatures and
 * matching need them as they were (an element built here, with no source bytes, is encoded).
 */
export function originalBytes(block: asn1js.AsnType): Uint8Array {
  const view = (block as unknown as { valueBeforeDecodeView?: Uint8Array }).valueBeforeDecodeView;
  return view && view.length > 0 ? new Uint8Array(view) : new Uint8Array(block.toBER());
}
