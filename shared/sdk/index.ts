/**
 * The kyso portal SDK: what a public-service portal imports to add a "Ký số" button.
 *
 *   import { signCms, detect } from '@kyso/sdk';
 *   const { cms, certificate } = await signCms({ digest, digestAlgorithm: 'SHA-256', description: 'Hồ sơ số 123' });
 *
 * It talks to the kyso extension's content script with window.postMessage, so it runs in the
 * top-level page (the extension answers frame 0 only). The PIN, the certificate choice and the
 * user's consent all happen in the extension's own window, never here.
 *
 * Its input and result types are derived from the page schemas in shared/protocol/page.ts (the
 * ones the extension validates against): bytes may be given where the wire carries base64.
 */
import { z } from 'zod';
import { base64ToBytes, bytesToBase64 } from '../encoding.js';
import { KysoError } from '../protocol/errors.js';
import type { DigestAlgorithm } from '../protocol/common.js';
import { LIMITS } from '../protocol/limits.js';
import {
  PAGE_CHANNEL,
  documentSizeError,
  PageResponseEnvelopeSchema,
  pageRequests,
  type PageDocument,
  type PageDocumentInput,
  type PageParams,
  type PageCancelEnvelope,
  type PageRequestType,
  type PageResult,
} from '../protocol/page.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../version.js';

export { KysoError, ERROR_CODES, errorMessage, type ErrorCode, type Language } from '../protocol/errors.js';
import type { ErrorCode } from '../protocol/errors.js';
export type { DigestAlgorithm } from '../protocol/common.js';
export const SDK_VERSION = KYSO_VERSION;

export interface RequestOptions {
  /** Batch progress, as the extension reports it. */
  onProgress?: (done: number, total: number) => void;
  /** How long to wait for the extension to acknowledge; its absence is EXTENSION_NOT_INSTALLED. */
  ackTimeoutMs?: number;
  /** Give up after this long (the extension's own consent timeout normally comes first). */
  timeoutMs?: number;
}

function newId(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * Requests not yet acknowledged. The content script may still be loading when the page first asks
 * (a request posted before its listener exists is lost), so each is posted again when the content
 * script announces it is ready; it ignores ids it has seen.
 */
const unacknowledged = new Map<string, unknown>();
/**
 * Requests acknowledged and not yet answered, each with how to end it. A content script that
 * announces itself again has replaced the one that acknowledged them (Firefox injects it anew when
 * the extension is reloaded or updated, and the old one is gone without a word): their answers
 * will never come.
 */
const acknowledgedWaiting = new Map<string, () => void>();
let readyListener = false;
function repostOnReady(): void {
  if (readyListener) return;
  readyListener = true;
  window.addEventListener('message', (event: MessageEvent) => {
    if (
      event.source !== window ||
      (event.data as { channel?: unknown; kind?: unknown })?.channel !== PAGE_CHANNEL
    )
      return;
    if ((event.data as { kind?: unknown }).kind !== 'ready') return;
    for (const bridgeGone of [...acknowledgedWaiting.values()]) bridgeGone();
    for (const message of unacknowledged.values()) window.postMessage(message, window.location.origin);
  });
}

/**
 * A page's options that cannot be read or carried (undefined, a getter that throws, a function, a
 * Proxy, a BigInt) are BAD_REQUEST: every failure of the SDK is a KysoError, never the browser's
 * TypeError or DataCloneError, thrown at the call or rejected.
 */
async function typedFailures<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KysoError) throw error;
    throw new KysoError(
      'BAD_REQUEST',
      'the options are not plain data kyso can send (read them into plain values)',
    );
  }
}

/**
 * What is sent, copied once: the checks here, the post and any re-post carry the same values (a
 * getter is read once), and what the bridge would drop as not JSON is refused here instead.
 */
function plainCopy<P>(params: P): { params: P; jsonChars: number } {
  const copy = structuredClone(params);
  return { params: copy, jsonChars: JSON.stringify(copy).length };
}

/** One request to the extension: ack first (proves it is installed), then the answer. */
function request<T extends PageRequestType>(
  type: T,
  pageParams: PageParams<T>,
  options: RequestOptions = {},
): Promise<PageResult<T>> {
  return typedFailures(() => send(type, pageParams, options));
}

async function send<T extends PageRequestType>(
  type: T,
  pageParams: PageParams<T>,
  options: RequestOptions,
): Promise<PageResult<T>> {
  const id = newId();
  // The user may have given themselves up to maxUserInteractionTimeoutMs in the consent window.
  // Longer waits are cut to that: setTimeout reads Infinity or more than 2^31 − 1 ms as 0, which
  // would end the call at once (TIMEOUT) while its window opens.
  const longest = LIMITS.maxUserInteractionTimeoutMs + 30_000;
  const ackTimeoutMs = Math.min(options.ackTimeoutMs ?? LIMITS.extensionAckTimeoutMs, longest);
  const timeoutMs = Math.min(options.timeoutMs ?? longest, longest);
  const { params, jsonChars } = plainCopy(pageParams);
  // A document over its limit is told apart here, before the bridge would have to drop it.
  const oversized = documentSizeError(params, jsonChars);
  if (oversized) throw oversized;
  return new Promise<PageResult<T>>((resolve, reject) => {
    let acknowledged = false;
    const finish = (error: KysoError | undefined, result?: PageResult<T>) => {
      unacknowledged.delete(id);
      acknowledgedWaiting.delete(id);
      window.removeEventListener('message', onMessage);
      clearTimeout(ackTimer);
      clearTimeout(overallTimer);
      if (error) reject(error);
      else resolve(result!);
    };
    const onMessage = (event: MessageEvent) => {
      if (event.source !== window || event.origin !== window.location.origin) return;
      const parsed = PageResponseEnvelopeSchema.safeParse(event.data);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.kind === 'ready' || message.id !== id) return;
      if (message.kind === 'ack') {
        acknowledged = true;
        unacknowledged.delete(id);
        // A new bridge announcing itself means the one that acknowledged this is gone (the extension restarted).
        acknowledgedWaiting.set(id, () => finish(new KysoError('EXTENSION_RESTARTED')));
        clearTimeout(ackTimer);
        return;
      }
      if (message.kind === 'progress') {
        options.onProgress?.(message.done, message.total);
        return;
      }
      if (!message.ok) return finish(KysoError.fromWire(message.error));
      const result = (pageRequests[type].result as z.ZodType).safeParse(message.result);
      if (!result.success) return finish(new KysoError('INTERNAL', 'unexpected answer from the extension'));
      finish(undefined, result.data as PageResult<T>);
    };
    const ackTimer = setTimeout(() => {
      if (!acknowledged) finish(new KysoError('EXTENSION_NOT_INSTALLED'));
    }, ackTimeoutMs);
    const overallTimer = setTimeout(() => {
      // Nobody will wait for the answer: a window not yet open must not open, an open one closes.
      if (acknowledged) {
        const cancel: PageCancelEnvelope = { channel: PAGE_CHANNEL, kind: 'cancel', id };
        window.postMessage(cancel, window.location.origin);
      }
      finish(new KysoError('TIMEOUT'));
    }, timeoutMs);
    window.addEventListener('message', onMessage);
    repostOnReady();
    const message = {
      channel: PAGE_CHANNEL,
      kind: 'request',
      id,
      protocolVersion: PROTOCOL_VERSION,
      type,
      params,
    };
    unacknowledged.set(id, message);
    window.postMessage(message, window.location.origin);
  });
}

/** The versions of the extension, of the host and of the page protocol. */
export type KysoStatus = PageResult<'status'>;

/**
 * Whether kyso can sign here. Resolves with the versions when extension and host are both
 * installed and the site may ask; rejects with a KysoError otherwise (see detect() for the codes).
 */
export function status(options?: RequestOptions): Promise<KysoStatus> {
  return request('status', {}, options);
}

/**
 * Why kyso cannot sign here:
 * - 'extension-missing': EXTENSION_NOT_INSTALLED (no extension answered in this page);
 * - 'host-missing': HOST_NOT_INSTALLED (the extension is there, its native host is not);
 * - 'update-needed': VERSION_MISMATCH (`error.details.update` says which part is behind: 'sdk', 'extension' or
 *   'host' — the kyso app installed on the computer);
 * - 'site-not-allowed': ORIGIN_NOT_ALLOWED (not https, http://localhost without developer mode, or blocked by the user or a policy);
 * - 'rate-limited': RATE_LIMITED (too many requests from this site this minute; `error.details.retryAfterMs`);
 * - 'failed': anything else (`error.code` says what).
 */
export type DetectProblem =
  'extension-missing' | 'host-missing' | 'update-needed' | 'site-not-allowed' | 'rate-limited' | 'failed';

export type DetectResult =
  { ready: true; status: KysoStatus } | { ready: false; problem: DetectProblem; error: KysoError };

const DETECT_PROBLEMS: Partial<Record<ErrorCode, DetectProblem>> = {
  EXTENSION_NOT_INSTALLED: 'extension-missing',
  HOST_NOT_INSTALLED: 'host-missing',
  VERSION_MISMATCH: 'update-needed',
  ORIGIN_NOT_ALLOWED: 'site-not-allowed',
  RATE_LIMITED: 'rate-limited',
};

/** status() without exceptions, for deciding what to show next to the "Ký số" button. */
export async function detect(options?: RequestOptions): Promise<DetectResult> {
  try {
    return { ready: true, status: await status(options) };
  } catch (error) {
    const e = error instanceof KysoError ? error : new KysoError('INTERNAL');
    return { ready: false, problem: DETECT_PROBLEMS[e.code] ?? 'failed', error: e };
  }
}

type Bytes = Uint8Array | ArrayBuffer;
type BytesOrBase64 = Bytes | string;
/** A wire type with its base64 fields `K` also accepting bytes. */
type WithBytes<T, K extends keyof T> = Omit<T, K> & { [P in keyof Pick<T, K>]: BytesOrBase64 };

/**
 * signCms: the `sign-cms` params, the digest as raw bytes or base64. `description` is shown in the
 * consent window; `lang` picks its language (the browser's otherwise); `rsaScheme: 'PSS'` for
 * RSASSA-PSS (PKCS#1 v1.5 otherwise); `timestamp`: CAdES-T from the TSA in the user's settings.
 */
export type SignCmsOptions = WithBytes<PageParams<'sign-cms'>, 'digest'>;
/** Detached CAdES-BES SignedData (`cms`) and the signer's certificate, both base64 DER. */
export type SignCmsResult = PageResult<'sign-cms'>;

/** What signCms and signHash send alike: the digest (base64) and what the window shows with it. */
function digestParams(options: SignHashOptions): PageParams<'sign-raw'> {
  return {
    digest: toBase64(options.digest),
    digestAlgorithm: options.digestAlgorithm,
    description: options.description,
    ...(options.documentName !== undefined && { documentName: options.documentName }),
    ...(options.lang !== undefined && { lang: options.lang }),
    ...(options.rsaScheme !== undefined && { rsaScheme: options.rsaScheme }),
  };
}

export function signCms(options: SignCmsOptions, requestOptions?: RequestOptions): Promise<SignCmsResult> {
  return typedFailures(() => {
    const params: PageParams<'sign-cms'> = {
      ...digestParams(options),
      ...(options.timestamp && { timestamp: true }),
    };
    return request('sign-cms', params, requestOptions);
  });
}

/** signHash: the `sign-raw` params, the digest as raw bytes or base64. */
export type SignHashOptions = WithBytes<PageParams<'sign-raw'>, 'digest'>;
/** RSA: PKCS#1 v1.5 (or PSS) signature; ECDSA: r‖s (IEEE P1363, what WebCrypto verifies). Base64, with the certificate. */
export type SignHashResult = PageResult<'sign-raw'>;

/** A bare signature over a digest, for portals that build their own container (XMLDSig, JWS, …). */
export function signHash(options: SignHashOptions, requestOptions?: RequestOptions): Promise<SignHashResult> {
  return typedFailures(() => {
    const params: PageParams<'sign-raw'> = digestParams(options);
    return request('sign-raw', params, requestOptions);
  });
}

type DocumentOfKind<K extends PageDocumentInput['kind']> = Extract<PageDocumentInput, { kind: K }>;

/**
 * A digest computed in the page: 'cms' (the default `kind`) wraps it in CAdES-BES (CAdES-T with
 * `timestamp`); 'raw' returns its bare signature. `name` is shown in the consent window.
 */
export type DigestDocumentInput =
  | WithBytes<Omit<DocumentOfKind<'cms'>, 'kind'> & { kind?: 'cms' }, 'digest'>
  | WithBytes<DocumentOfKind<'raw'>, 'digest'>;

type WirePdfAppearance = NonNullable<DocumentOfKind<'pdf'>['appearance']>;
/**
 * A Decree 30/2020 visible signature: the text stamp at the top right of page 1 (`kind: 'stamp'`),
 * or the signature and/or seal images (transparent PNG or JPEG) in `rect`, PDF points from the
 * page's bottom left (`kind: 'image'`).
 */
export type PdfAppearanceInput =
  | Extract<WirePdfAppearance, { kind: 'stamp' }>
  | WithBytes<Extract<WirePdfAppearance, { kind: 'image' }>, 'signatureImage' | 'sealImage'>;

/**
 * A PDF, signed PAdES in the extension (the page never sees the PIN; the token only a digest).
 * `level`: 'B-B' (default) or 'B-T', time-stamped by the TSA in the user's settings; 'B-LT' adds
 * the validation data (the chain and OCSP responses or CRLs, fetched by the native host) in a DSS,
 * 'B-LTA' then a document time-stamp (B-T and above need a TSA in the settings: TSA_NOT_CONFIGURED
 * otherwise). Invisible without `appearance`. `field`: sign into the PDF's own empty signature field
 * of that fully qualified name (an image `appearance` then fills its box, without `rect`/`pageIndex`);
 * BAD_REQUEST (details.problem: field-not-found, field-not-signature, field-signed, field-locked,
 * field-no-place, field-lock-permissions) before any window.
 */
export type PdfDocumentInput = Omit<DocumentOfKind<'pdf'>, 'pdf' | 'appearance'> & {
  pdf: BytesOrBase64 | Blob;
  appearance?: PdfAppearanceInput;
};

/**
 * An XML tax return (HTKK) or e-invoice, signed XMLDSig enveloped in the extension.
 * `digestAlgorithm`: 'SHA-256' (default); 'SHA-1' (rsa-sha1, RSA keys only) also needs `allowSha1: true`.
 */
export type XmlDocumentInput = DocumentOfKind<'xml'>;

/**
 * A text, signed in a detached CAdES-BES (CAdES-T with `timestamp`) over its UTF-8 bytes, which the
 * extension digests itself and the consent window shows whole. `text`: a string (sent as UTF-8) or
 * its bytes. BAD_REQUEST before any window for bytes that are not UTF-8 or hold control characters
 * other than newline and tab (details.problem: text-not-utf8, text-control-character).
 */
export type TextDocumentInput = Omit<DocumentOfKind<'text'>, 'data'> & { text: string | Bytes };

export type BatchDocumentInput =
  DigestDocumentInput | PdfDocumentInput | XmlDocumentInput | TextDocumentInput;

/** signMany: the `sign-many` params, each document as above. `description` (e.g. "50 hoá đơn tháng 11/2026") is shown in the consent window. */
export type SignManyOptions = Omit<PageParams<'sign-many'>, 'documents'> & {
  documents: BatchDocumentInput[];
};

type WireItem = PageResult<'sign-many'>['results'][number];
/** One document's outcome: its signature (a signed PDF as bytes), or its error. */
export type SignManyItem =
  | Exclude<WireItem, { pdf: string } | { ok: false }>
  | { ok: true; pdf: Uint8Array }
  | { ok: false; error: KysoError };

/** The signer's certificate, and one entry per document, in order: a failure of one document does not stop the others. */
export type SignManyResult = Omit<PageResult<'sign-many'>, 'results'> & { results: SignManyItem[] };

const toBase64 = (data: BytesOrBase64) =>
  typeof data === 'string' ? data : bytesToBase64(data instanceof Uint8Array ? data : new Uint8Array(data));

/** A text's bytes: a string as UTF-8 (a lone surrogate has none: TextEncoder would sign U+FFFD instead). */
function textBytes(text: string | Bytes): Uint8Array {
  if (typeof text !== 'string') return text instanceof Uint8Array ? text : new Uint8Array(text);
  if (/\p{Surrogate}/u.test(text))
    throw new KysoError('BAD_REQUEST', 'the text holds a lone surrogate (no UTF-8 for it)', {
      field: 'text',
    });
  return new TextEncoder().encode(text);
}

async function pageDocument(d: BatchDocumentInput): Promise<PageDocument> {
  switch (d.kind) {
    case 'pdf': {
      const pdf = d.pdf instanceof Blob ? new Uint8Array(await d.pdf.arrayBuffer()) : d.pdf;
      const appearance = d.appearance;
      return {
        kind: 'pdf',
        name: d.name,
        pdf: toBase64(pdf),
        ...(d.level !== undefined && { level: d.level }),
        ...(d.reason !== undefined && { reason: d.reason }),
        ...(d.location !== undefined && { location: d.location }),
        ...(d.certify !== undefined && { certify: d.certify }),
        ...(d.field !== undefined && { field: d.field }),
        ...(appearance && {
          appearance:
            appearance.kind === 'stamp'
              ? appearance
              : {
                  kind: 'image' as const,
                  ...(appearance.rect !== undefined && { rect: appearance.rect }),
                  ...(appearance.pageIndex !== undefined && { pageIndex: appearance.pageIndex }),
                  ...(appearance.signatureImage !== undefined && {
                    signatureImage: toBase64(appearance.signatureImage),
                  }),
                  ...(appearance.sealImage !== undefined && { sealImage: toBase64(appearance.sealImage) }),
                  ...(appearance.configuredImage !== undefined && {
                    configuredImage: appearance.configuredImage,
                  }),
                },
        }),
      };
    }
    case 'text':
      return {
        kind: 'text',
        name: d.name,
        data: bytesToBase64(textBytes(d.text)),
        ...(d.timestamp && { timestamp: true }),
      };
    case 'xml':
      return {
        kind: 'xml',
        name: d.name,
        xml: d.xml,
        profile: d.profile,
        ...(d.digestAlgorithm !== undefined && { digestAlgorithm: d.digestAlgorithm }),
        ...(d.allowSha1 !== undefined && { allowSha1: d.allowSha1 }),
        ...(d.referenceId !== undefined && { referenceId: d.referenceId }),
      };
    default:
      return d.kind === 'raw'
        ? { kind: 'raw', name: d.name, digest: toBase64(d.digest), digestAlgorithm: d.digestAlgorithm }
        : {
            kind: 'cms',
            name: d.name,
            digest: toBase64(d.digest),
            digestAlgorithm: d.digestAlgorithm,
            ...(d.timestamp && { timestamp: true }),
          };
  }
}

/** N documents of any kind with one consent and one PIN (up to LIMITS.maxBatchDocuments). */
export function signMany(options: SignManyOptions, requestOptions?: RequestOptions): Promise<SignManyResult> {
  return typedFailures(() => batch(options, (params) => request('sign-many', params, requestOptions)));
}

type SendSignMany = (params: PageParams<'sign-many'>) => Promise<PageResult<'sign-many'>>;

/**
 * Internal to kyso's plugin emulation: signMany whose request `send` answers — the extension's
 * background runs it itself for the Viettel loopback listener (extension/src/plugins/viettel-relay.ts).
 */
export function signManyThrough(send: SendSignMany): (options: SignManyOptions) => Promise<SignManyResult> {
  return (options) => typedFailures(() => batch(options, send));
}

async function batch(options: SignManyOptions, send: SendSignMany): Promise<SignManyResult> {
  const params: PageParams<'sign-many'> = {
    documents: await Promise.all(options.documents.map(pageDocument)),
    description: options.description,
    ...(options.lang !== undefined && { lang: options.lang }),
    ...(options.rsaScheme !== undefined && { rsaScheme: options.rsaScheme }),
    ...(options.certificateSerial !== undefined && { certificateSerial: options.certificateSerial }),
  };
  const result = await send(params);
  return {
    certificate: result.certificate,
    results: result.results.map((r): SignManyItem => {
      if (!r.ok) return { ok: false, error: KysoError.fromWire(r.error) };
      return 'pdf' in r ? { ok: true, pdf: base64ToBytes(r.pdf) } : r;
    }),
  };
}

/** What signPdf and signXml say of the request as a whole (as signMany does). */
type RequestWording = Pick<SignManyOptions, 'description' | 'lang'>;

/** signPdf / signXml options: one document (its `name` optional) with the request's wording. */
type OneDocumentOptions<D extends PdfDocumentInput | XmlDocumentInput | TextDocumentInput> = Omit<
  D,
  'kind' | 'name'
> & {
  name?: string;
} & RequestWording;

/** One document through signMany; its failure is thrown. */
async function signOne<T>(
  {
    description,
    lang,
    ...document
  }: (PdfDocumentInput | XmlDocumentInput | TextDocumentInput) & RequestWording,
  requestOptions: RequestOptions | undefined,
  pick: (item: Extract<SignManyItem, { ok: true }>) => T | undefined,
): Promise<T & { certificate: string }> {
  const { certificate, results } = await signMany(
    { documents: [document], description, ...(lang && { lang }) },
    requestOptions,
  );
  const [only] = results;
  if (!only) throw new KysoError('INTERNAL', 'no result from the extension');
  if (!only.ok) throw only.error;
  const picked = pick(only);
  if (picked === undefined) throw new KysoError('INTERNAL', 'unexpected answer from the extension');
  return { ...picked, certificate };
}

/** signPdf: one PDF document (its `name`, shown in the consent window, defaults to document.pdf), with the request's `description` and `lang`. */
export type SignPdfOptions = OneDocumentOptions<PdfDocumentInput>;

export interface SignPdfResult {
  pdf: Uint8Array;
  certificate: string;
}

/** PAdES (ETSI.CAdES.detached, incremental update: earlier signatures stay valid). Resolves with the signed PDF. */
export function signPdf(options: SignPdfOptions, requestOptions?: RequestOptions): Promise<SignPdfResult> {
  return typedFailures(() => {
    const document = { ...options, kind: 'pdf' as const, name: options.name ?? 'document.pdf' };
    return signOne(document, requestOptions, (r) => ('pdf' in r ? { pdf: r.pdf } : undefined));
  });
}

/** signXml: one XML document (its `name` defaults to `<profile>.xml`), with the request's `description` and `lang`. */
export type SignXmlOptions = OneDocumentOptions<XmlDocumentInput>;

export interface SignXmlResult {
  xml: string;
  certificate: string;
}

/** XMLDSig enveloped, placed where HTKK tax returns or e-invoices carry it. Resolves with the signed XML. */
export function signXml(options: SignXmlOptions, requestOptions?: RequestOptions): Promise<SignXmlResult> {
  return typedFailures(() => {
    const document = { ...options, kind: 'xml' as const, name: options.name ?? `${options.profile}.xml` };
    return signOne(document, requestOptions, (r) => ('xml' in r ? { xml: r.xml } : undefined));
  });
}

/** signText: one text (its `name` defaults to van-ban.txt), with the request's `description` and `lang`. */
export type SignTextOptions = OneDocumentOptions<TextDocumentInput>;
/** Detached CAdES-BES SignedData over the text's bytes (`cms`) and the signer's certificate, both base64 DER. */
export type SignTextResult = SignCmsResult;

/**
 * A text the consent window shows whole, signed in a detached CMS over exactly its bytes (the
 * extension digests them; the page sends the text, not a digest the window could not show).
 */
export function signText(options: SignTextOptions, requestOptions?: RequestOptions): Promise<SignTextResult> {
  return typedFailures(() => {
    const document = { ...options, kind: 'text' as const, name: options.name ?? 'van-ban.txt' };
    return signOne(document, requestOptions, (r) => ('cms' in r ? { cms: r.cms } : undefined));
  });
}

/** Digest of a file or bytes in the page, with WebCrypto (the document itself never leaves the page). */
export async function digestOf(
  data: Blob | ArrayBuffer | Uint8Array,
  algorithm: DigestAlgorithm = 'SHA-256',
): Promise<Uint8Array> {
  const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
  return new Uint8Array(await globalThis.crypto.subtle.digest(algorithm, bytes as ArrayBuffer));
}

/**
 * Internal to kyso's plugin emulation (extension/src/plugins, vgca-shim): what the emulated
 * plugins need besides signing. Not part of the portal API.
 */
export function pluginRequest(
  params: PageParams<'plugin'>,
  requestOptions?: RequestOptions,
): Promise<PageResult<'plugin'>> {
  return request('plugin', params, requestOptions);
}
