/** Host ⇄ PKCS#11 worker messages (Node IPC with structured clone, so bytes travel as Uint8Array). */
import type { DigestAlgorithm, RsaScheme } from '../../../shared/protocol/common.js';
import type { WireError } from '../../../shared/protocol/errors.js';
import type { TokenCertificate } from './token-access.js';

export interface ListRequest {
  op: 'list';
}

/** Logs in for one consented operation, which may sign many digests (a batch). */
export interface OpenSigningRequest {
  op: 'open-signing';
  certificateId: string;
  /** null: protected authentication path (PIN pad or vendor dialog). */
  pin: string | null;
}

/** SHA-1 only for rsa-sha1 XML: the worker then signs exactly a SHA-1 DigestInfo with CKM_RSA_PKCS. */
export type TokenDigestAlgorithm = DigestAlgorithm | 'SHA-1';

export interface DigestToSign {
  digest: Uint8Array;
  digestAlgorithm: TokenDigestAlgorithm;
  /** The bytes the digest was taken of, for tokens that can only hash on the token. */
  data?: Uint8Array;
  rsaScheme?: RsaScheme;
}

/** Several digests in one round trip: a batch keeps the token busy instead of waiting on IPC. */
export interface SignWithRequest {
  op: 'sign-with';
  handle: number;
  items: DigestToSign[];
}

export type SignatureResult = { ok: true; signature: Uint8Array; mechanism: string } | { ok: false; error: WireError };

export interface CloseSigningRequest {
  op: 'close-signing';
  handle: number;
}

export type WorkerOperation = ListRequest | OpenSigningRequest | SignWithRequest | CloseSigningRequest;

export interface WorkerResults {
  list: { certificates: TokenCertificate[]; moduleErrors: Array<{ module: string; error: string }> };
  'open-signing': { handle: number; keyType: 'RSA' | 'EC' };
  'sign-with': { results: SignatureResult[] };
  'close-signing': Record<string, never>;
}

export type WorkerRequest = WorkerOperation & { id: number };
export type WorkerResponse = { id: number; ok: true; result: WorkerResults[keyof WorkerResults] } | { id: number; ok: false; error: WireError };
