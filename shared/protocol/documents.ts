/**
 * Messages inside the extension between the background and the context that prepares documents
 * (PDF incremental revisions, XML canonicalisation and digests): in Chromium an offscreen document,
 * so the service worker does not carry pdf-lib and the XML code. Both ends parse what they receive
 * with these schemas; a message of an unknown type or shape is dropped, never acted upon.
 *
 * The background calls the preparer (plan, content, check-signer, prepare, finish, release); while
 * it finishes a PAdES B-LT/B-LTA document the preparer calls back for what only the host fetches.
 */
import { z } from 'zod';
import {
  CertificateBase64Schema,
  CertificateSerialSchema,
  RsaSchemeSchema,
  WireErrorSchema,
} from './common.js';
import { ConsentDocumentSchema, DocumentContentSchema } from './consent.js';
import { SignItemResultSchema, SignItemSchema, hostCommands } from './host.js';
import { LIMITS } from './limits.js';
import { PageDocumentResultSchema, PageDocumentSchema, PdfTailResultSchema } from './page.js';

export const DOCUMENTS_PORT = 'kyso-documents';

/** The offscreen preparer's message to the service worker, with the MessagePort the background's calls then go over. */
export const DocumentsHandoverSchema = z.strictObject({ handover: z.literal(DOCUMENTS_PORT) });
export type DocumentsHandover = z.infer<typeof DocumentsHandoverSchema>;

const CallId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** One sign-many request's documents, held by the preparer until the background releases them. */
const JobId = z.uuid();
const DocumentIndex = z
  .number()
  .int()
  .min(0)
  .max(LIMITS.maxBatchDocuments - 1);

/** What the background asks the preparer, and the schema of each answer. */
export const documentOperations = {
  /** Reads and checks one document; answers what the consent window shows of it. */
  plan: {
    params: z.strictObject({
      job: JobId,
      index: DocumentIndex,
      document: PageDocumentSchema,
      rsaScheme: RsaSchemeSchema.optional(),
    }),
    result: z.strictObject({ consent: ConsentDocumentSchema, timestamp: z.boolean() }),
  },
  /** The whole content of a planned document, when the consent window opens it. */
  content: {
    params: z.strictObject({ job: JobId, index: DocumentIndex }),
    result: DocumentContentSchema,
  },
  /** The certificate begin-batch reported can sign documents (an RSA or EC key), and is the one the page asked for. */
  'check-signer': {
    params: z.strictObject({
      certificate: CertificateBase64Schema,
      certificateSerial: CertificateSerialSchema.optional(),
    }),
    result: z.strictObject({}),
  },
  /** The signed revision / XML signature with this signer and time: the item the host signs. */
  prepare: {
    params: z.strictObject({
      job: JobId,
      index: DocumentIndex,
      certificate: CertificateBase64Schema,
      /** The CA certificates its token holds above it (begin-batch): a form's seed value may name one. */
      issuers: z.array(CertificateBase64Schema).max(LIMITS.maxSignerIssuers),
      now: z.number().int().min(0),
    }),
    result: SignItemSchema,
  },
  /** The host's signature put into the prepared document: the page's result. */
  finish: {
    params: z.strictObject({
      job: JobId,
      index: DocumentIndex,
      result: SignItemResultSchema,
      /** The background answers the preparer's long-term callbacks for this job. */
      longTerm: z.boolean(),
    }),
    /** A signed PDF as its tail after the page's PDF: the background holds the page's and puts it back. */
    result: z.union([PdfTailResultSchema, PageDocumentResultSchema]),
  },
} as const;

/** What the preparer asks back while finishing a B-LT/B-LTA PDF (the host has the network). */
export const documentCallbacks = {
  'validation-data': {
    params: z.strictObject({ job: JobId, ...hostCommands['validation-data'].params.shape }),
    result: hostCommands['validation-data'].result.pick({ certificates: true, ocsps: true, crls: true }),
  },
  'document-timestamp': {
    params: z.strictObject({ job: JobId, digest: hostCommands['document-timestamp'].params.shape.digest }),
    result: hostCommands['document-timestamp'].result,
  },
} as const;

export type DocumentOperation = keyof typeof documentOperations;
export type DocumentOperationParams<O extends DocumentOperation> = z.infer<
  (typeof documentOperations)[O]['params']
>;
export type DocumentOperationResult<O extends DocumentOperation> = z.infer<
  (typeof documentOperations)[O]['result']
>;
export type DocumentCallback = keyof typeof documentCallbacks;
export type DocumentCallbackParams<C extends DocumentCallback> = z.infer<
  (typeof documentCallbacks)[C]['params']
>;
export type DocumentCallbackResult<C extends DocumentCallback> = z.infer<
  (typeof documentCallbacks)[C]['result']
>;

const call = <N extends string>(names: readonly [N, ...N[]]) =>
  z.strictObject({ type: z.literal('call'), id: CallId, name: z.enum(names), params: z.unknown() });

/** An answer to a call; its result is checked against that call's own result schema. */
const AnswerSchema = z.union([
  z.strictObject({ type: z.literal('answer'), id: CallId, ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ type: z.literal('answer'), id: CallId, ok: z.literal(false), error: WireErrorSchema }),
]);

/** Background → preparer. */
export const ToPreparerSchema = z.union([
  call(['plan', 'content', 'check-signer', 'prepare', 'finish']),
  z.strictObject({ type: z.literal('release'), job: JobId }),
  AnswerSchema,
]);
export type ToPreparer = z.infer<typeof ToPreparerSchema>;

/** Preparer → background. */
export const FromPreparerSchema = z.union([call(['validation-data', 'document-timestamp']), AnswerSchema]);
export type FromPreparer = z.infer<typeof FromPreparerSchema>;
