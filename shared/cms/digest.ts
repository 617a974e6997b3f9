import type { DigestAlgorithm } from '../protocol/common.js';

/** WebCrypto digest: the same code in browsers, Node and workers. */
export async function digest(algorithm: DigestAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>));
}
