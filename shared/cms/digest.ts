import type { DigestAlgorithm } from '../protocol/common.js';
import type { ReadDigestAlgorithm } from './algorithms.js';

/** WebCrypto digest: the same code in browsers, Node and workers. */
export async function digest(algorithm: DigestAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>));
}

/** SHA-1, only where a standard names a certificate or key by it (ESS v1, key identifiers): never to sign. */
export async function sha1(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', data as Uint8Array<ArrayBuffer>));
}

/** The digest a signature or time-stamp being verified names (SHA-1 too: its verifier judges it). */
export function readDigest(algorithm: ReadDigestAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  return algorithm === 'SHA-1' ? sha1(data) : digest(algorithm, data);
}
