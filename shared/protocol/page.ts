/**
 * Page (portal SDK) ⇄ extension messages, carried by window.postMessage through the content
 * script. Each request type has one params and one result schema; the background re-validates
 * everything, because a page can post anything.
 */
import { z } from 'zod';
import {
  CertificateBase64Schema,
  CertificateSerialSchema,
  DigestFields,
  LanguageSchema,
  RsaSchemeSchema,
  WireErrorSchema,
  base64Length,
  digestLengthIssue,
  digestLengthMatches,
} from './common.js';
import { KysoError } from './errors.js';
import { RawSignatureAlgorithmSchema, SignCmsResultSchema } from './host.js';
import { LIMITS } from './limits.js';
import { hasVisibleCharacter } from '../text/invisible.js';

export const PAGE_CHANNEL = 'kyso';

/** Page text must show something: a name or description of only zero-width or control characters is refused. */
const visible = { message: 'has no visible character' };
const visibleText = (maxChars: number) =>
  z.string().trim().min(1).max(maxChars).refine(hasVisibleCharacter, visible);
const Description = visibleText(LIMITS.maxDescriptionChars);
const DocumentName = visibleText(LIMITS.maxDocumentNameChars);

const PageIndex = z.number().int().min(0).max(99_999);
const Coordinate = z.number().finite().min(0).max(14_400); // PDF's largest page side, in points
const ImageBytes = z.base64().min(1).max(base64Length(LIMITS.maxAppearanceImageBytes));
/** A PDF signature's reason or location, and a stamp's line (the page's and `kyso sign`'s). */
export const PdfTextSchema = z.string().trim().min(1).max(LIMITS.maxPdfTextChars);
/** A Decree 30 text stamp; `{time}` is replaced by the signing time (else added last). */
export const StampLinesSchema = z.array(PdfTextSchema).min(1).max(LIMITS.maxStampLines);

/** Where an image appearance goes: PDF points from the page's bottom left, at least 1 pt each way. */
export const PdfRectSchema = z.strictObject({
  x: Coordinate,
  y: Coordinate,
  width: Coordinate.min(1),
  height: Coordinate.min(1),
});

/**
 * A PDF's own signature field, by its fully qualified name ("TiepNhan.CanBo"), as the document
 * spells it: not trimmed or normalised, or it would name another field.
 */
export const PdfFieldNameSchema = z
  .string()
  .min(1)
  .max(LIMITS.maxPdfFieldNameChars)
  .refine(hasVisibleCharacter, visible);

/** Decree 30/2020 appearances (see shared/pdf/appearance.ts); images are PNG or JPEG. */
export const PdfAppearanceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('stamp'),
    pageIndex: PageIndex.optional(),
    /** e.g. "Số: 123/QĐ-UBND". */
    lines: StampLinesSchema,
    fontSize: z.number().min(6).max(24).optional(),
  }),
  z
    .strictObject({
      kind: z.literal('image'),
      pageIndex: PageIndex.optional(),
      /** Required, but for a document signed into its own `field`: then the field's box and page. */
      rect: PdfRectSchema.optional(),
      signatureImage: ImageBytes.optional(),
      sealImage: ImageBytes.optional(),
      /** The signer's image or the agency's seal the user configured in kyso's options (the page never sees it). */
      configuredImage: z.enum(['signature', 'seal']).optional(),
    })
    .refine(
      (a) => a.signatureImage !== undefined || a.sealImage !== undefined || a.configuredImage !== undefined,
      {
        message: 'an image appearance needs signatureImage or sealImage',
      },
    ),
]);
export type PdfAppearance = z.infer<typeof PdfAppearanceSchema>;

/**
 * One document to sign. Digests ('cms', 'raw') are signed as given; PDFs, XML documents and texts come
 * whole, so the extension prepares them itself and the consent window shows what is really
 * signed. Nothing but digests goes on to the host.
 */
export const PageDocumentSchema = z.discriminatedUnion('kind', [
  /** CAdES-BES around the digest; `timestamp`: CAdES-T from the TSA in the user's settings. */
  z
    .strictObject({
      kind: z.literal('cms'),
      name: DocumentName,
      ...DigestFields,
      timestamp: z.boolean().optional(),
    })
    .refine(digestLengthMatches, digestLengthIssue),
  /** The bare signature of the digest. */
  z
    .strictObject({ kind: z.literal('raw'), name: DocumentName, ...DigestFields })
    .refine(digestLengthMatches, digestLengthIssue),
  /**
   * PAdES: B-B, or B-T with a time-stamp from the TSA in the user's settings; B-LT adds the
   * validation data (chain, OCSP/CRL fetched by the native host) in a DSS, B-LTA then a document
   * time-stamp from the same TSA.
   */
  z
    .strictObject({
      kind: z.literal('pdf'),
      name: DocumentName,
      pdf: z.base64().min(1).max(base64Length(LIMITS.maxPdfBytes)),
      level: z.enum(['B-B', 'B-T', 'B-LT', 'B-LTA']).optional(),
      reason: PdfTextSchema.optional(),
      location: PdfTextSchema.optional(),
      appearance: PdfAppearanceSchema.optional(),
      /** Certify (DocMDP) rather than approve: the changes allowed afterwards, 1 none, 2 forms and signatures, 3 also annotations. */
      certify: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
      /** Sign into this empty signature field of the PDF (its widget's box and page) instead of adding one. */
      field: PdfFieldNameSchema.optional(),
    })
    .superRefine((d, context) => {
      const a = d.appearance;
      if (d.field !== undefined && a?.kind === 'stamp')
        context.addIssue({
          code: 'custom',
          message: 'a text stamp has its own place (top right); a field takes an image appearance',
          path: ['appearance', 'kind'],
        });
      if (a?.kind !== 'image') return;
      // With a field, its widget says where: a second answer from the page would be ignored or contradict it.
      if (d.field === undefined && a.rect === undefined)
        context.addIssue({
          code: 'custom',
          message: 'an image appearance needs rect',
          path: ['appearance', 'rect'],
        });
      if (d.field !== undefined && (a.rect !== undefined || a.pageIndex !== undefined))
        context.addIssue({
          code: 'custom',
          message: "a field's appearance takes the field's box: no rect or pageIndex",
          path: ['appearance'],
        });
    }),
  /**
   * A text, signed as 'cms' is (CAdES-BES, detached; `timestamp`: CAdES-T) over the SHA-256 the
   * extension computes of `data`, its bytes: UTF-8 without control characters but newline and tab
   * (shared/text/signed-text.ts), which the consent window shows whole.
   */
  z.strictObject({
    kind: z.literal('text'),
    name: DocumentName,
    data: z.base64().min(1).max(base64Length(LIMITS.maxTextBytes)),
    timestamp: z.boolean().optional(),
  }),
  /** XMLDSig enveloped, as HTKK tax returns or e-invoices carry it; SHA-1 only when asked for. */
  z
    .strictObject({
      kind: z.literal('xml'),
      name: DocumentName,
      xml: z.string().min(1).max(LIMITS.maxXmlChars),
      /** 'generic': any XML, signed enveloped over the whole document (URI=""), for the signing plugins' generic calls. */
      profile: z.enum(['htkk', 'einvoice', 'einvoice-buyer', 'generic']),
      digestAlgorithm: z.enum(['SHA-256', 'SHA-1']).optional(),
      allowSha1: z.boolean().optional(),
      /** 'generic' only: sign just the element with this Id (Reference URI="#id"); the window shows just it. */
      referenceId: z
        .string()
        .regex(/^[A-Za-z_][\w.-]{0,99}$/)
        .optional(),
    })
    .refine((d) => d.digestAlgorithm !== 'SHA-1' || d.allowSha1 === true, {
      message: 'SHA-1 needs allowSha1: true',
      path: ['digestAlgorithm'],
    })
    .refine((d) => d.referenceId === undefined || d.profile === 'generic', {
      message: 'referenceId is for generic XML only',
      path: ['referenceId'],
    }),
]);
export type PageDocument = z.infer<typeof PageDocumentSchema>;
/** A document as a page may write it (before the schema's defaults and trimming). */
export type PageDocumentInput = z.input<typeof PageDocumentSchema>;
export type PageDocumentKind = PageDocument['kind'];

/** The signed result of one document, in its place; a failure of one does not stop the others. */
export const PageDocumentResultSchema = z.union([
  z.strictObject({ ok: z.literal(true), cms: z.base64().max(LIMITS.maxCmsBase64Chars) }),
  z.strictObject({ ok: z.literal(true), signature: z.base64().max(2048) }),
  z.strictObject({ ok: z.literal(true), pdf: z.base64().max(base64Length(LIMITS.maxSignedPdfBytes)) }),
  z.strictObject({ ok: z.literal(true), xml: z.string().max(LIMITS.maxSignedXmlChars) }),
  z.strictObject({ ok: z.literal(false), error: WireErrorSchema }),
]);
export type PageDocumentResult = z.infer<typeof PageDocumentResultSchema>;

/**
 * Inside the extension only (preparer → background, background → content script): a signed PDF as
 * its base64 after the page's own PDF's (base64After), which the receiver holds and puts back in
 * front (base64Join) — a 16 MiB PDF does not cross each hop again for the few KB kyso appended.
 */
export const PdfTailResultSchema = z.strictObject({
  ok: z.literal(true),
  pdfTail: z.base64().max(base64Length(LIMITS.maxSignedPdfBytes)),
});
export type PdfTailResult = z.infer<typeof PdfTailResultSchema>;

/** What sign-cms and sign-raw share: the page's digest, and what the consent window shows of it. */
const DigestRequestFields = {
  ...DigestFields,
  description: Description,
  documentName: DocumentName.optional(),
  lang: LanguageSchema.optional(),
  rsaScheme: RsaSchemeSchema.optional(),
};

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
        ...DigestRequestFields,
        /** CAdES-T: time-stamped by the TSA in the user's settings. */
        timestamp: z.boolean().optional(),
      })
      .refine(digestLengthMatches, digestLengthIssue),
    result: SignCmsResultSchema,
  },
  /** A bare signature over a digest, for portals that build their own container. */
  'sign-raw': {
    params: z.strictObject(DigestRequestFields).refine(digestLengthMatches, digestLengthIssue),
    result: z.strictObject({
      signature: z.base64(),
      signatureAlgorithm: RawSignatureAlgorithmSchema,
      certificate: CertificateBase64Schema,
    }),
  },
  /**
   * One or many documents of any kind, one consent and one PIN; each result in its document's
   * place. (PDFs and XML documents are always signed this way, a single one as a batch of one.)
   */
  'sign-many': {
    params: z.strictObject({
      documents: z.array(PageDocumentSchema).min(1).max(LIMITS.maxBatchDocuments),
      description: Description,
      lang: LanguageSchema.optional(),
      rsaScheme: RsaSchemeSchema.optional(),
      /** Only the certificate with this serial number may sign (a plugin page's choice); the user still consents. */
      certificateSerial: CertificateSerialSchema.optional(),
    }),
    result: z.strictObject({
      certificate: CertificateBase64Schema,
      results: z.array(PageDocumentResultSchema).max(LIMITS.maxBatchDocuments),
    }),
  },
  /**
   * What the emulated signing plugins (extension/src/plugins) need besides signing: whether this
   * origin is set to "use kyso", the certificate after a share consent, a file the user picks in
   * kyso's own window, the options page. Answered from the browser-given origin only.
   */
  plugin: {
    params: z.strictObject({
      action: z.enum(['hello', 'share-certificate', 'pick-file', 'open-options']),
      plugin: z.enum(['vgca', 'vnpt', 'viettel', 'bkav']),
      lang: LanguageSchema.optional(),
    }),
    result: z.strictObject({
      enabled: z.boolean().optional(),
      certificate: CertificateBase64Schema.optional(),
      file: z
        .strictObject({ name: DocumentName, data: z.base64().max(base64Length(LIMITS.maxPdfBytes)) })
        .optional(),
    }),
  },
} as const;

export type PageRequestType = keyof typeof pageRequests;
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

/**
 * Page → content script: the page stopped waiting for request `id` (the SDK's own timeout). A
 * request still waiting for its window then ends without one; an open window closes unsigned.
 */
export const PageCancelEnvelopeSchema = z.strictObject({
  channel: z.literal(PAGE_CHANNEL),
  kind: z.literal('cancel'),
  id: MessageId,
});
export type PageCancelEnvelope = z.infer<typeof PageCancelEnvelopeSchema>;

/** Content script → page. (A plain union: two members share kind 'response', told apart by ok.) */
export const PageResponseEnvelopeSchema = z.union([
  z.strictObject({
    channel: z.literal(PAGE_CHANNEL),
    kind: z.literal('ready'),
    extensionVersion: z.string(),
  }),
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

const MIB = 1024 * 1024;

/**
 * DOCUMENT_TOO_LARGE for the first document over its limit (a PDF's bytes, an XML's characters)
 * or a whole request over what the bridge carries; undefined when everything fits. Checked by the
 * SDK before posting, by the content script and by the background, before any schema: a person
 * gets the limit in MiB, not "too many characters" of base64.
 */
export function documentSizeError(params: unknown, requestChars?: number): KysoError | undefined {
  const documents = (params as { documents?: unknown })?.documents;
  // Only requests carrying documents: anything else that large is no portal's (the bridge drops it).
  if (!Array.isArray(documents)) return undefined;
  for (const [index, document] of documents.entries()) {
    const { kind, pdf, xml, data } = (document ?? {}) as {
      kind?: unknown;
      pdf?: unknown;
      xml?: unknown;
      data?: unknown;
    };
    if (kind === 'pdf' && typeof pdf === 'string' && base64Bytes(pdf) > LIMITS.maxPdfBytes)
      return tooLarge(index, LIMITS.maxPdfBytes);
    if (kind === 'text' && typeof data === 'string' && base64Bytes(data) > LIMITS.maxTextBytes)
      return tooLarge(index, LIMITS.maxTextBytes);
    if (kind === 'xml' && typeof xml === 'string' && xml.length > LIMITS.maxXmlChars)
      return tooLarge(index, LIMITS.maxXmlChars);
  }
  if (requestChars !== undefined && requestChars > LIMITS.maxPageRequestChars)
    return new KysoError('DOCUMENT_TOO_LARGE', undefined, {
      limitMiB: Math.floor(LIMITS.maxPageRequestChars / MIB),
    });
  return undefined;
}

/** At least the bytes a base64 text of this length holds (padding or not). */
const base64Bytes = (base64: string) => Math.floor((base64.length * 3) / 4) - 2;

function tooLarge(document: number, limitBytes: number): KysoError {
  return new KysoError('DOCUMENT_TOO_LARGE', undefined, { document, limitMiB: Math.floor(limitBytes / MIB) });
}
