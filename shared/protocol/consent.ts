/**
 * Messages inside the extension between the background and its own pages: the consent window and
 * the plugins' prompt window (each over a runtime port, both directions) and the options page. Both ends parse what they receive
 * with these schemas: a message of an unknown type or shape is dropped, never acted upon.
 */
import { z } from 'zod';
import {
  CertificateBase64Schema,
  CertificateEntrySchema,
  CertificateSerialSchema,
  DigestAlgorithmSchema,
  LanguageSchema,
  OriginSchema,
  SkippedCertificatesSchema,
  WireErrorSchema,
  base64Length,
} from './common.js';
import { ModuleReportSchema } from './host.js';
import { LIMITS } from './limits.js';

const DocumentIndex = z
  .number()
  .int()
  .min(0)
  .max(LIMITS.maxBatchDocuments - 1);
/** Words taken from a document (attachment or field names): shown as the document's, never as kyso's. */
const DocumentWords = z.string().max(1000);

export const DOCUMENT_WARNING_CODES = [
  'pdf-javascript',
  'pdf-launch',
  'pdf-actions',
  'pdf-embedded-files',
  'pdf-form-fields',
  'pdf-form-fields-locked',
  'pdf-annotations',
  'pdf-incremental-updates',
  'pdf-existing-signatures',
  'pdf-empty-signature-fields',
  'pdf-appearance-large',
  'pdf-hidden-layers',
  'pdf-print-only',
  'pdf-rotation-differs',
] as const;

/**
 * Something a signed document can still do or change: the window warns before the PIN.
 * `names` are taken from the document (attachment file names, field names).
 */
export const DocumentWarningSchema = z.strictObject({
  code: z.enum(DOCUMENT_WARNING_CODES),
  count: z.number().int().min(0).optional(),
  names: z.array(DocumentWords).max(1000).optional(),
});
export type DocumentWarning = z.infer<typeof DocumentWarningSchema>;

/** A box on a PDF page, in page space (points from the page's bottom left), as the signature's /Rect. */
const PdfRectSchema = z.strictObject({
  x: z.number().finite(),
  y: z.number().finite(),
  width: z.number().finite().min(0),
  height: z.number().finite().min(0),
});
const PdfPageWords = z.string().max(200);

/**
 * PDF: the visible signature drawn on a page, signed with the document (the appearance the
 * background passes to prepare). `images` says whose each image is: the site's, or the user's own
 * from kyso's options; `lines` are a stamp's lines, the site's words (`{time}`: the signing time).
 */
export const ConsentAppearanceSchema = z.strictObject({
  /** 0-based. */
  page: z.number().int().min(0),
  rect: PdfRectSchema,
  /** Percent of the page's visible area. */
  pageShare: z.number().int().min(0).max(100),
  images: z
    .array(
      z.strictObject({
        role: z.enum(['signature', 'seal']),
        source: z.enum(['site', 'options']),
        rect: PdfRectSchema,
      }),
    )
    .max(2)
    .optional(),
  lines: z.array(PdfPageWords).max(6).optional(),
  /**
   * The lines are kyso's, not the site's: a field signed without an image shows the signer's name
   * (`{signer}`: the holder of the certificate chosen) and the signing time in its box.
   */
  signerText: z.literal(true).optional(),
});
export type ConsentAppearance = z.infer<typeof ConsentAppearanceSchema>;

export const CERTIFICATE_SEED_CONSTRAINTS = [
  'subject',
  'issuer',
  'policy',
  'subject-dn',
  'key-usage',
] as const;
export type CertificateSeedConstraint = (typeof CERTIFICATE_SEED_CONSTRAINTS)[number];

/**
 * PDF: what the signature field's certificate seed value (/SV /Cert, ISO 32000-1 Table 235) asks of
 * the signer's certificate, read from the document (shared/pdf/certificate-seed.ts): the window
 * matches each certificate against it. `required` are the form's requirements (their /Ff bit set):
 * a certificate that misses one cannot be chosen; the rest are hints, marked.
 */
export const CertificateSeedSchema = z.strictObject({
  required: z.array(z.enum(CERTIFICATE_SEED_CONSTRAINTS)).max(CERTIFICATE_SEED_CONSTRAINTS.length),
  /** DER certificates, base64: the signer's must be one of them. */
  subjects: z.array(CertificateBase64Schema).min(1).max(LIMITS.maxSeedCertificates).optional(),
  /** DER certificates, base64: the signer's must be issued by one of them. */
  issuers: z.array(CertificateBase64Schema).min(1).max(LIMITS.maxSeedCertificates).optional(),
  /** Certificate policy OIDs (dotted) the signer's must carry, each; '' for one kyso could not read. */
  policies: z.array(z.string().max(200)).min(1).max(LIMITS.maxSeedEntries).optional(),
  /** Subject DN attributes the signer's must have, every one (type: dotted OID, or the name as written). */
  subjectDn: z
    .array(
      z
        .array(z.strictObject({ type: z.string().max(200), value: z.string().max(1000) }))
        .max(LIMITS.maxSeedEntries),
    )
    .min(1)
    .max(LIMITS.maxSeedEntries)
    .optional(),
  /** Key usage patterns ('0' clear, '1' set, 'X' either, per bit from digitalSignature): the signer's must fit one. */
  keyUsage: z.array(z.string().max(32)).min(1).max(LIMITS.maxSeedEntries).optional(),
});
export type CertificateSeed = z.infer<typeof CertificateSeedSchema>;

/** One document as the consent window describes it (built by the background from the document itself where it has it). */
export const ConsentDocumentSchema = z.strictObject({
  name: z.string().max(LIMITS.maxDocumentNameChars),
  kind: z.enum(['cms', 'raw', 'pdf', 'xml', 'text']),
  /** A digest the page sent ('cms', 'raw'), or the one the extension computed of a text ('text'). */
  digest: z.base64().max(128).optional(),
  digestAlgorithm: DigestAlgorithmSchema.optional(),
  /** PDF, XML and text: bytes. */
  size: z.number().int().min(0).optional(),
  /** PDF: page count. */
  pages: z.number().int().min(0).optional(),
  /** XML: which kind, and what identifies it (form, period, taxpayer; invoice number, parties, total). */
  profile: z.enum(['htkk', 'einvoice', 'einvoice-buyer', 'generic']).optional(),
  /** Generic XML signed by Id: only that element, not the root, is signed (the rest of the document is not). */
  elementOnly: z.literal(true).optional(),
  summary: z
    .array(z.strictObject({ field: z.string().max(64), value: z.string().max(LIMITS.maxXmlChars) }))
    .max(64)
    .optional(),
  /** Time-stamped by the TSA in the settings (CAdES-T, PAdES B-T). */
  timestamp: z.boolean().optional(),
  /** PDF: long-term validation data added after signing (DSS; B-LTA: and a document time-stamp). */
  longTerm: z.enum(['B-LT', 'B-LTA']).optional(),
  /** rsa-sha1, asked for by the portal. */
  sha1: z.boolean().optional(),
  /** What in the document can still act or change after signing (found in the document itself). */
  warnings: z.array(DocumentWarningSchema).max(DOCUMENT_WARNING_CODES.length).optional(),
  /** PDF: a certification signature (DocMDP) allowing afterwards 1 no changes, 2 forms and signatures, 3 also annotations. */
  certify: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  /** PDF: the signature dictionary's /Reason and /Location, the site's words. */
  reason: PdfPageWords.optional(),
  location: PdfPageWords.optional(),
  appearance: ConsentAppearanceSchema.optional(),
  /** PDF: signed into the document's own empty signature field: its name as the document spells it, and its page (0-based). */
  field: z
    .strictObject({
      name: z.string().max(LIMITS.maxPdfFieldNameChars),
      page: z.number().int().min(0),
      certificateSeed: CertificateSeedSchema.optional(),
    })
    .optional(),
});
export type ConsentDocument = z.infer<typeof ConsentDocumentSchema>;

/**
 * The whole content of one document, asked for by the window when the user opens it (lazily: a
 * batch may hold a thousand). Derived from exactly the bytes that are signed.
 */
export const DocumentContentSchema = z.discriminatedUnion('kind', [
  /**
   * The bytes a reader renders (the original, which the prepared revision only appends the signature
   * to), held by the document preparer as a blob the window reads itself at `url` (blob: of the
   * extension's own origin): a 16 MiB PDF does not cross two message hops as base64 (3 s of the 9 s
   * to its first page: bench/README.md, "A large PDF").
   */
  z.strictObject({
    kind: z.literal('pdf'),
    url: z.string().startsWith('blob:').max(256),
    /** The visible signature's images, as drawn (ConsentDocument.appearance says where and whose). */
    images: z
      .array(
        z.strictObject({
          role: z.enum(['signature', 'seal']),
          type: z.enum(['png', 'jpeg']),
          data: z.base64().max(base64Length(LIMITS.maxAppearanceImageBytes)),
        }),
      )
      .max(2)
      .optional(),
  }),
  /** Every element and attribute value inside the signed XML element, by its path from that element. */
  z.strictObject({
    kind: z.literal('xml'),
    rows: z
      .array(z.strictObject({ path: z.string().max(4096), value: z.string().max(LIMITS.maxXmlChars) }))
      .max(200_000),
  }),
  /** A text's bytes, exactly those digested: the window derives what it shows from them (shared/text/signed-text.ts). */
  z.strictObject({
    kind: z.literal('text'),
    data: z.base64().max(base64Length(LIMITS.maxTextBytes)),
  }),
  /** A digest the page computed: nothing to show but the digest itself (in ConsentDocument). */
  z.strictObject({ kind: z.literal('digest') }),
]);
export type DocumentContent = z.infer<typeof DocumentContentSchema>;

/** What the consent window shows: everything comes from the browser or the validated request. */
export const ConsentDetailsSchema = z.strictObject({
  requestId: z.string().min(1).max(64),
  origin: z.string().min(1).max(255),
  description: z.string().max(LIMITS.maxDescriptionChars),
  /** One for a single signature; several for a batch (one consent, one PIN). */
  documents: z.array(ConsentDocumentSchema).min(1).max(LIMITS.maxBatchDocuments),
  /** The portal's choice; absent: the browser's language. */
  lang: LanguageSchema.optional(),
  /** The site named the certificate that must sign: the others are shown but cannot be chosen. */
  certificateSerial: CertificateSerialSchema.optional(),
  /** The site has never asked before: the user must first allow it (remembered) or refuse it. */
  askSite: z.boolean(),
  /** Asked by a program on this computer through the local WebSocket mode, not by a web page. */
  viaWebSocket: z.boolean().optional(),
});
export type ConsentDetails = z.infer<typeof ConsentDetailsSchema>;

/** Consent window → background. */
export const ConsentToBackgroundSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), requestId: z.string().min(1).max(64) }),
  z.strictObject({
    type: z.literal('sign'),
    certificateId: z.string().min(1).max(200),
    pin: z.string().min(1).max(LIMITS.maxPinChars).nullable(),
  }),
  z.strictObject({ type: z.literal('cancel') }),
  z.strictObject({ type: z.literal('site'), allow: z.boolean() }),
  /** The user opened document `index` (0-based) of the request. */
  z.strictObject({ type: z.literal('open-document'), index: DocumentIndex }),
  /** "No token found": the user plugged it in and asks to look again. */
  z.strictObject({ type: z.literal('list-certificates') }),
]);
export type ConsentToBackground = z.infer<typeof ConsentToBackgroundSchema>;

/** Background → consent window. */
export const BackgroundToConsentSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('details'), details: ConsentDetailsSchema }),
  z.strictObject({
    type: z.literal('certificates'),
    certificates: z.array(CertificateEntrySchema).max(LIMITS.maxCertificates),
    skipped: z.array(SkippedCertificatesSchema).max(LIMITS.maxSkippedTokens),
  }),
  z.strictObject({ type: z.literal('site-allowed') }),
  z.strictObject({ type: z.literal('signing') }),
  /** The token is held by another request or another kyso process (another browser, the CLI): the window says so and waits. */
  z.strictObject({ type: z.literal('token-waiting'), reason: z.enum(['other-request', 'other-program']) }),
  z.strictObject({
    type: z.literal('progress'),
    done: z.number().int().min(0),
    total: z.number().int().min(0),
  }),
  z.strictObject({ type: z.literal('error'), error: WireErrorSchema }),
  z.strictObject({
    type: z.literal('document-content'),
    index: DocumentIndex,
    content: DocumentContentSchema,
  }),
  z.strictObject({ type: z.literal('document-content-error'), index: DocumentIndex, error: WireErrorSchema }),
]);
export type BackgroundToConsent = z.infer<typeof BackgroundToConsentSchema>;

/** Options page → background. */
export const OptionsRequestSchema = z.discriminatedUnion('options', [
  z.strictObject({ options: z.literal('status') }),
  z.strictObject({ options: z.literal('modules') }),
  z.strictObject({
    options: z.literal('set-modules'),
    configured: z.array(z.string().max(LIMITS.maxModulePathChars)).max(LIMITS.maxConfiguredModules),
  }),
]);
export type OptionsRequest = z.infer<typeof OptionsRequestSchema>;

/** Background → options page. */
export const OptionsModulesSchema = z.union([
  z.strictObject({ ok: z.literal(true), report: ModuleReportSchema }),
  z.strictObject({ ok: z.literal(false), error: WireErrorSchema }),
]);
export type OptionsModules = z.infer<typeof OptionsModulesSchema>;
export const OptionsStatusSchema = z.union([
  z.strictObject({
    ok: z.literal(true),
    hostVersion: z.string().max(64),
    certificates: z.array(CertificateEntrySchema).max(LIMITS.maxCertificates),
    skipped: z.array(SkippedCertificatesSchema).max(LIMITS.maxSkippedTokens),
  }),
  z.strictObject({ ok: z.literal(false), error: WireErrorSchema }),
]);
export type OptionsStatus = z.infer<typeof OptionsStatusSchema>;

/** The plugins' prompt window: sharing a certificate with a site, or picking a local file to sign. */
export const PromptModeSchema = z.enum(['share-certificate', 'pick-file']);
export type PromptMode = z.infer<typeof PromptModeSchema>;

/** Background → plugin prompt window. */
export const BackgroundToPromptSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('details'),
    mode: PromptModeSchema,
    origin: OriginSchema,
    lang: LanguageSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('certificates'),
    certificates: z.array(CertificateEntrySchema).max(LIMITS.maxCertificates),
    skipped: z.array(SkippedCertificatesSchema).max(LIMITS.maxSkippedTokens),
  }),
  z.strictObject({ type: z.literal('error'), error: WireErrorSchema }),
]);
export type BackgroundToPrompt = z.infer<typeof BackgroundToPromptSchema>;

/** Plugin prompt window → background: a picked file is at most a PDF's size (the window says so first). */
export const PromptToBackgroundSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), promptId: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal('share'), certificateId: z.string().min(1).max(200) }),
  z.strictObject({
    type: z.literal('file'),
    name: z.string().min(1).max(LIMITS.maxDocumentNameChars),
    data: z.base64().max(base64Length(LIMITS.maxPdfBytes)),
  }),
  z.strictObject({ type: z.literal('cancel') }),
]);
export type PromptToBackground = z.infer<typeof PromptToBackgroundSchema>;
