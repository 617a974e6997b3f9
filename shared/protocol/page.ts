/**
 * Page (portal SDK) ⇄ extension messages, carried by window.postMessage through the content
 * script. Each request type has one params and one result schema; the background re-validates
 * everything, because a page can post anything.
 */
import { z } from 'zod';
import {
  CertificateBase64Schema,
  DigestFields,
  LanguageSchema,
  RsaSchemeSchema,
  WireErrorSchema,
  digestLengthIssue,
  digestLengthMatches,
} from './common.js';
import { RawSignatureAlgorithmSchema, SignItemResultSchema } from './host.js';
import { LIMITS } from './limits.js';

export const PAGE_CHANNEL = 'kyso';

const Description = z.string().trim().min(1).max(LIMITS.maxDescriptionChars);
const DocumentName = z.string().trim().min(1).max(LIMITS.maxDocumentNameChars);

/** One document of a batch: a CMS around its digest (default), or a bare signature of the digest. */
export const BatchDocumentSchema = z
  .strictObject({ ...DigestFields, name: DocumentName, kind: z.enum(['cms', 'raw']).optional() })
  .refine(digestLengthMatches, digestLengthIssue);

export const pageRequests = {
  status: {
    params: z.strictObject({}),
    result: z.strictObject({
      extensionVersion: z.string(),
      hostVersion: z.string(),
      protocolVersion: z.number().int(),
    }),
  },
  'sign-cms': {
    params: z
      .strictObject({
        ...DigestFields,
        description: Description,
        documentName: z.string().trim().min(1).max(LIMITS.maxDocumentNameChars).optional(),
        lang: LanguageSchema.optional(),
        rsaScheme: RsaSchemeSchema.optional(),
      })
      .refine(digestLengthMatches, digestLengthIssue),
    result: z.strictObject({ cms: z.base64(), certificate: CertificateBase64Schema }),
  },
  /** A bare signature over a digest, for portals that build their own container. */
  'sign-raw': {
    params: z
      .strictObject({
        ...DigestFields,
        description: Description,
        documentName: DocumentName.optional(),
        lang: LanguageSchema.optional(),
        rsaScheme: RsaSchemeSchema.optional(),
      })
      .refine(digestLengthMatches, digestLengthIssue),
    result: z.strictObject({
      signature: z.base64(),
      signatureAlgorithm: RawSignatureAlgorithmSchema,
      certificate: CertificateBase64Schema,
    }),
  },
  /** Many documents, one consent and one PIN; each result in its document's place. */
  'sign-many': {
    params: z.strictObject({
      documents: z.array(BatchDocumentSchema).min(1).max(LIMITS.maxBatchDocuments),
      description: Description,
      lang: LanguageSchema.optional(),
      rsaScheme: RsaSchemeSchema.optional(),
    }),
    result: z.strictObject({
      certificate: CertificateBase64Schema,
      results: z.array(SignItemResultSchema).max(LIMITS.maxBatchDocuments),
    }),
  },
} as const;

export type PageRequestType = keyof typeof pageRequests;
export type BatchDocument = z.infer<typeof BatchDocumentSchema>;
export type PageParams<T extends PageRequestType> = z.input<(typeof pageRequests)[T]['params']>;
export type PageResult<T extends PageRequestType> = z.infer<(typeof pageRequests)[T]['result']>;

const MessageId = z.string().min(1).max(64);

/** Page → content script. */
export const PageRequestEnvelopeSchema = z.strictObject({
  channel: z.literal(PAGE_CHANNEL),
  kind: z.literal('request'),
  id: MessageId,
  protocolVersion: z.number().int().min(0),
  type: z.enum(Object.keys(pageRequests) as [PageRequestType, ...PageRequestType[]]),
  params: z.unknown(),
});
export type PageRequestEnvelope = z.infer<typeof PageRequestEnvelopeSchema>;

/** Content script → page. (A plain union: two members share kind 'response', told apart by ok.) */
export const PageResponseEnvelopeSchema = z.union([
  z.strictObject({ channel: z.literal(PAGE_CHANNEL), kind: z.literal('ready'), extensionVersion: z.string() }),
  z.strictObject({ channel: z.literal(PAGE_CHANNEL), kind: z.literal('ack'), id: MessageId }),
  z.strictObject({
    channel: z.literal(PAGE_CHANNEL),
    kind: z.literal('progress'),
    id: MessageId,
    done: z.number().int().min(0),
    total: z.number().int().min(1),
  }),
  z.strictObject({
    channel: z.literal(PAGE_CHANNEL),
    kind: z.literal('response'),
    id: MessageId,
    ok: z.literal(true),
    result: z.unknown(),
  }),
  z.strictObject({
    channel: z.literal(PAGE_CHANNEL),
    kind: z.literal('response'),
    id: MessageId,
    ok: z.literal(false),
    error: WireErrorSchema,
  }),
]);
export type PageResponseEnvelope = z.infer<typeof PageResponseEnvelopeSchema>;
