/**
 * Host ⇄ PKCS#11 worker messages (Node IPC with structured clone, so bytes travel as Uint8Array).
 * One schema per operation and per result: the worker checks what it is asked, the host checks
 * what it is answered (a driver's corruption of the worker must not become a host bug).
 */
import { z } from 'zod';
import {
  DIGEST_ALGORITHMS,
  DigestAlgorithmSchema,
  PinSchema,
  RsaSchemeSchema,
  TokenInfoSchema,
  WireErrorSchema,
} from '../../../shared/protocol/common.js';
import { LIMITS } from '../../../shared/protocol/limits.js';

const Bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'bytes');
/** The longest certificate id (module key, serial, CKA_ID in hex) the host takes from the worker. */
export const MAX_CERTIFICATE_ID_CHARS = 200;
const CertificateId = z.string().min(1).max(MAX_CERTIFICATE_ID_CHARS);
/** null: protected authentication path (PIN pad or vendor dialog). */
const PinOrDevice = PinSchema.nullable();
/**
 * A module's problem. With `slot`, one slot of it failed (a flaky reader): only that slot's token
 * is missing, the module's other tokens are listed, and the module counts as loaded.
 */
const ModuleErrorSchema = z.strictObject({
  module: z.string(),
  error: z.string(),
  slot: z.string().optional(),
});
export type ModuleError = z.infer<typeof ModuleErrorSchema>;
const ModuleErrors = z.array(ModuleErrorSchema);

/**
 * Certificate objects of one token that a listing left out (unreadable, or a CKA_ID too long to
 * name): counted and said why, so that a certificate missing from the list is explained (kyso list,
 * doctor). Each distinct reason once.
 */
export const SkippedObjectsSchema = z.strictObject({
  tokenSerial: z.string(),
  tokenLabel: z.string(),
  count: z.number().int().min(1),
  reasons: z.array(z.string().max(200)).min(1).max(8),
});
export type SkippedObjects = z.infer<typeof SkippedObjectsSchema>;

/** Counts one more object left out of `token`'s listing, each distinct reason once. */
export function noteSkipped(
  skipped: SkippedObjects[],
  token: { serial: string; label: string },
  reason: string,
): void {
  let left = skipped.find((s) => s.tokenSerial === token.serial);
  if (!left)
    skipped.push((left = { tokenSerial: token.serial, tokenLabel: token.label, count: 0, reasons: [] }));
  left.count++;
  if (!left.reasons.includes(reason) && left.reasons.length < 8) left.reasons.push(reason);
}

/** SHA-1 only for rsa-sha1 XML: the worker then signs exactly a SHA-1 DigestInfo with CKM_RSA_PKCS. */
export const TokenDigestAlgorithmSchema = z.union([DigestAlgorithmSchema, z.literal('SHA-1')]);
export type TokenDigestAlgorithm = z.infer<typeof TokenDigestAlgorithmSchema>;

/** One item of a single signature (a batch's items travel packed in groups: SignGroupSchema). */
export const DigestToSignSchema = z.strictObject({
  digest: Bytes.refine((d) => d.length >= 20 && d.length <= 64, 'digest length'),
  digestAlgorithm: TokenDigestAlgorithmSchema,
  /** The bytes the digest was taken of, for tokens that can only hash on the token. */
  data: Bytes.refine((d) => d.length <= 64 * 1024, 'data too long').optional(),
  rsaScheme: RsaSchemeSchema.optional(),
});
export type DigestToSign = z.infer<typeof DigestToSignSchema>;

/** Each digest algorithm's digest length in bytes. */
export const TOKEN_DIGEST_LENGTH: Record<TokenDigestAlgorithm, number> = {
  ...DIGEST_ALGORITHMS,
  'SHA-1': 20,
};

/** The longest signature kyso expects (RSA-8192): what C_Sign may write for one item. */
export const MAX_SIGNATURE_BYTES = 1024;

/** The most signed bytes one item may carry (`data`: tokens that only hash on the token). */
const MAX_DATA_BYTES = 64 * 1024;
const Ends = z.custom<Uint32Array>((value) => value instanceof Uint32Array, 'ends');
/** Offsets that only grow, the last within `length` bytes. */
const endsWithin = (ends: Uint32Array, length: number, maxEach: number): boolean => {
  let previous = 0;
  for (const end of ends) {
    if (end < previous || end - previous > maxEach) return false;
    previous = end;
  }
  return previous <= length;
};

/** How many items a group holds (not a whole number: a malformed group). */
export const groupSize = (group: { digestAlgorithm: TokenDigestAlgorithm; digests: Uint8Array }): number =>
  group.digests.length / TOKEN_DIGEST_LENGTH[group.digestAlgorithm];

/**
 * A batch's group of digests of one kind (algorithm, scheme), in one buffer: a group is one
 * message of a few fields however many items it holds (per-item objects cost the worker and the
 * host more than the token's own ECDSA signature; bench/README.md).
 */
export const SignGroupSchema = z
  .strictObject({
    digestAlgorithm: TokenDigestAlgorithmSchema,
    rsaScheme: RsaSchemeSchema.optional(),
    /** The items' digests one after the other, each as long as the algorithm's. */
    digests: Bytes,
    /** The bytes each digest was taken of, one after the other; item i's end at `ends[i]`. */
    data: z.strictObject({ bytes: Bytes, ends: Ends }).optional(),
  })
  .refine((group) => {
    const count = groupSize(group);
    if (!Number.isInteger(count) || count < 1 || count > LIMITS.maxBatchItemsPerCall) return false;
    const data = group.data;
    return !data || (data.ends.length === count && endsWithin(data.ends, data.bytes.length, MAX_DATA_BYTES));
  }, 'group shape');
export type SignGroup = z.infer<typeof SignGroupSchema>;

/** A group's signatures one after the other, item i's ending at `ends[i]` (empty for an item in `errors`). */
export const SignedGroupSchema = z
  .strictObject({
    signatures: Bytes,
    ends: Ends,
    errors: z
      .array(z.strictObject({ index: z.number().int().min(0), error: WireErrorSchema }))
      .max(LIMITS.maxBatchItemsPerCall),
  })
  .refine(
    (group) =>
      group.ends.length <= LIMITS.maxBatchItemsPerCall &&
      endsWithin(group.ends, group.signatures.length, MAX_SIGNATURE_BYTES) &&
      group.errors.every((e) => e.index < group.ends.length),
    'signed group shape',
  );
export type SignedGroup = z.infer<typeof SignedGroupSchema>;

/** A certificate as the token holds it; the host parses it (the worker stays small and quick to start). */
export const TokenCertificateSchema = z.strictObject({
  id: CertificateId,
  certificate: z.string(),
  token: TokenInfoSchema,
});
export type TokenCertificate = z.infer<typeof TokenCertificateSchema>;

/** One item's outcome: its signature, or its error. */
export const ItemSignatureSchema = z.union([
  z.strictObject({ ok: z.literal(true), signature: Bytes }),
  z.strictObject({ ok: z.literal(false), error: WireErrorSchema }),
]);
export type ItemSignature = z.infer<typeof ItemSignatureSchema>;

const KeyType = z.enum(['RSA', 'EC']);

/**
 * Each operation: its request and its result. `sign` is a whole consented single signature in one
 * call (log in, sign, log out), so nothing can come between its login and its signature; a batch
 * keeps its login open across `open-signing` … `sign-with`* … `close-signing`.
 */
export const workerOperations = {
  /** Present tokens, without opening a session: which per-token locks a listing needs. */
  tokens: {
    request: z.strictObject({ op: z.literal('tokens') }),
    result: z.strictObject({ serials: z.array(z.string()), moduleErrors: ModuleErrors }),
  },
  /** Certificates on the tokens with these serials (every token when omitted). */
  list: {
    request: z.strictObject({ op: z.literal('list'), serials: z.array(z.string()).optional() }),
    result: z.strictObject({
      certificates: z.array(TokenCertificateSchema),
      moduleErrors: ModuleErrors,
      skippedObjects: z.array(SkippedObjectsSchema),
    }),
  },
  sign: {
    request: z.strictObject({
      op: z.literal('sign'),
      certificateId: CertificateId,
      pin: PinOrDevice,
      /**
       * A few items, each its own object: a single signature's message stays small (the worker
       * signs them as groups all the same: TokenAccess.signOnce).
       */
      items: z.array(DigestToSignSchema).min(1).max(LIMITS.maxBatchItemsPerCall),
      /**
       * The certificate (base64) the host prepared the items for, from its last listing: the worker
       * checks the token still holds it under this id before logging in, so a signature needs no
       * listing of its own (one round trip).
       */
      certificate: z
        .string()
        .max(64 * 1024)
        .optional(),
    }),
    result: z.union([
      z.strictObject({ keyType: KeyType, results: z.array(ItemSignatureSchema) }),
      /**
       * The token's certificate under this id is not the one expected (null: there is none):
       * nothing was logged in or signed, and the host prepares again for this one.
       */
      z.strictObject({ certificateChanged: z.string().nullable() }),
    ]),
  },
  /** Logs in for one consented batch, which may sign many digests. */
  'open-signing': {
    request: z.strictObject({
      op: z.literal('open-signing'),
      certificateId: CertificateId,
      pin: PinOrDevice,
    }),
    result: z.strictObject({ handle: z.number().int(), keyType: KeyType }),
  },
  /** Several digests in one round trip: a batch keeps the token busy instead of waiting on IPC. */
  'sign-with': {
    request: z.strictObject({ op: z.literal('sign-with'), handle: z.number().int(), group: SignGroupSchema }),
    result: SignedGroupSchema,
  },
  'close-signing': {
    request: z.strictObject({ op: z.literal('close-signing'), handle: z.number().int() }),
    result: z.strictObject({}),
  },
} as const;

export type WorkerOp = keyof typeof workerOperations;
export type WorkerOperation = { [O in WorkerOp]: z.infer<(typeof workerOperations)[O]['request']> }[WorkerOp];
export type WorkerResults = { [O in WorkerOp]: z.infer<(typeof workerOperations)[O]['result']> };

const RequestId = { id: z.number().int().min(1) };
export const WorkerRequestSchema = z.discriminatedUnion('op', [
  workerOperations.tokens.request.extend(RequestId),
  workerOperations.list.request.extend(RequestId),
  workerOperations.sign.request.extend(RequestId),
  workerOperations['open-signing'].request.extend(RequestId),
  workerOperations['sign-with'].request.extend(RequestId),
  workerOperations['close-signing'].request.extend(RequestId),
]);
export type WorkerRequest = WorkerOperation & { id: number };

/** The result is checked by the host against the schema of the operation it asked for. */
/** bench/ only (KYSO_BENCH_MARKS=1): the worker's named instants, epoch milliseconds. */
const BenchMarks = z
  .array(z.tuple([z.string(), z.number()]))
  .max(64)
  .optional();
export const WorkerResponseSchema = z.union([
  z.strictObject({ id: z.number().int(), ok: z.literal(true), result: z.unknown(), marks: BenchMarks }),
  z.strictObject({ id: z.number().int(), ok: z.literal(false), error: WireErrorSchema, marks: BenchMarks }),
]);
export type WorkerResponse = z.infer<typeof WorkerResponseSchema>;
