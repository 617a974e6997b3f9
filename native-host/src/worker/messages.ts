/** Host ⇄ PKCS#11 worker messages (Node IPC with structured clone, so bytes travel as Uint8Array). */
import type { CertificateEntry, DigestAlgorithm } from '../../../shared/protocol/common.js';
import type { WireError } from '../../../shared/protocol/errors.js';

export interface ListRequest {
  op: 'list';
}

export interface SignDigestRequest {
  op: 'sign-digest';
  certificateId: string;
  /** null: protected authentication path (PIN pad or vendor dialog). */
  pin: string | null;
  digest: Uint8Array;
  digestAlgorithm: DigestAlgorithm;
  /** The bytes the digest was taken of, for tokens that can only hash on the token. */
  data?: Uint8Array;
}

export type WorkerOperation = ListRequest | SignDigestRequest;

export interface WorkerResults {
  list: { certificates: CertificateEntry[]; moduleErrors: Array<{ module: string; error: string }> };
  'sign-digest': { signature: Uint8Array; mechanism: string };
}

export type WorkerRequest = WorkerOperation & { id: number };
export type WorkerResponse =
  | { id: number; ok: true; result: WorkerResults[keyof WorkerResults] }
  | { id: number; ok: false; error: WireError };
