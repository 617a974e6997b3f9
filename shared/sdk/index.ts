/**
 * The kyso portal SDK: what a public-service portal imports to add a "Ký số" button.
 *
 *   import { signCms, detect } from 'kyso';
 *   const { cms, certificate } = await signCms({ digest, digestAlgorithm: 'SHA-256', description: 'Hồ sơ số 123' });
 *
 * It talks to the kyso extension's content script with window.postMessage. The PIN, the
 * certificate choice and the user's consent all happen in the extension's own window, never here.
 */
import { z } from 'zod';
import { base64ToBytes, bytesToBase64 } from '../encoding.js';
import { KysoError, type Language } from '../protocol/errors.js';
import type { DigestAlgorithm } from '../protocol/common.js';
import { LIMITS } from '../protocol/limits.js';
import {
  PAGE_CHANNEL,
  documentSizeError,
  PageResponseEnvelopeSchema,
  pageRequests,
  type PageDocument,
  type PageParams,
  type PageRequestType,
  type PageResult,
} from '../protocol/page.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../version.js';

export { KysoError, ERROR_CODES, errorMessage, type ErrorCode, type Language } from '../protocol/errors.js';
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
let readyListener = false;
function repostOnReady(): void {
  if (readyListener) return;
  readyListener = true;
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window || (event.data as { channel?: unknown; kind?: unknown })?.channel !== PAGE_CHANNEL) return;
    if ((event.data as { kind?: unknown }).kind !== 'ready') return;
    for (const message of unacknowledged.values()) window.postMessage(message, window.location.origin);
  });
}

/** One request to the extension: ack first (proves it is installed), then the answer. */
async function request<T extends PageRequestType>(
  type: T,
  params: PageParams<T>,
  options: RequestOptions = {},
): Promise<PageResult<T>> {
  const id = newId();
  const ackTimeoutMs = options.ackTimeoutMs ?? LIMITS.extensionAckTimeoutMs;
  // The user may have given themselves up to maxUserInteractionTimeoutMs in the consent window.
  const timeoutMs = options.timeoutMs ?? LIMITS.maxUserInteractionTimeoutMs + 30_000;
  // A document over its limit is told apart here, before the bridge would have to drop it.
  const oversized = documentSizeError(params, type === 'sign-many' ? JSON.stringify(params).length : undefined);
  if (oversized) return Promise.reject(oversized);
  return new Promise<PageResult<T>>((resolve, reject) => {
    let acknowledged = false;
    const finish = (error: KysoError | undefined, result?: PageResult<T>) => {
      unacknowledged.delete(id);
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
    const overallTimer = setTimeout(() => finish(new KysoError('TIMEOUT')), timeoutMs);
    window.addEventListener('message', onMessage);
    repostOnReady();
    const message = { channel: PAGE_CHANNEL, kind: 'request', id, protocolVersion: PROTOCOL_VERSION, type, params };
    unacknowledged.set(id, message);
    window.postMessage(message, window.location.origin);
  });
}

export interface KysoStatus {
  extensionVersion: string;
  hostVersion: string;
  protocolVersion: number;
}

/**
 * Whether kyso can sign here. Resolves with the versions when extension and host are both
 * installed; rejects with EXTENSION_NOT_INSTALLED, HOST_NOT_INSTALLED or VERSION_MISMATCH otherwise.
 */
export function status(options?: RequestOptions): Promise<KysoStatus> {
  return request('status', {}, options);
}

export type DetectResult =
  | { ready: true; status: KysoStatus }
  | { ready: false; missing: 'extension' | 'host' | 'update'; error: KysoError };

/** status() without exceptions, for deciding what to show next to the "Ký số" button. */
export async function detect(options?: RequestOptions): Promise<DetectResult> {
  try {
    return { ready: true, status: await status(options) };
  } catch (error) {
    const e = error instanceof KysoError ? error : new KysoError('INTERNAL');
    const missing = e.code === 'EXTENSION_NOT_INSTALLED' ? 'extension' : e.code === 'VERSION_MISMATCH' ? 'update' : 'host';
    return { ready: false, missing, error: e };
  }
}

export interface SignCmsOptions {
  /** The document's digest, raw bytes or base64. */
  digest: Uint8Array | ArrayBuffer | string;
  digestAlgorithm: DigestAlgorithm;
  /** What the user is signing, shown in the consent window (e.g. "Hồ sơ đăng ký kinh doanh số 123"). */
  description: string;
  documentName?: string;
  lang?: Language;
  /** RSA keys only: 'PSS' for RSASSA-PSS; PKCS#1 v1.5 otherwise (what Vietnamese verifiers expect). */
  rsaScheme?: 'PKCS1-v1_5' | 'PSS';
  /** signCms only: CAdES-T, time-stamped by the TSA in the user's kyso settings (TSA_NOT_CONFIGURED without one). */
  timestamp?: boolean;
}

export interface SignCmsResult {
  /** Detached CAdES-BES SignedData, base64 DER. */
  cms: string;
  /** The signer's certificate, base64 DER. */
  certificate: string;
}

export function signCms(options: SignCmsOptions, requestOptions?: RequestOptions): Promise<SignCmsResult> {
  const digest =
    typeof options.digest === 'string'
      ? options.digest
      : bytesToBase64(options.digest instanceof Uint8Array ? options.digest : new Uint8Array(options.digest));
  const params: PageParams<'sign-cms'> = {
    digest,
    digestAlgorithm: options.digestAlgorithm,
    description: options.description,
    ...(options.documentName !== undefined && { documentName: options.documentName }),
    ...(options.lang !== undefined && { lang: options.lang }),
    ...(options.rsaScheme !== undefined && { rsaScheme: options.rsaScheme }),
    ...(options.timestamp && { timestamp: true }),
  };
  return request('sign-cms', params, requestOptions);
}

export interface SignHashResult {
  /** RSA: PKCS#1 v1.5 (or PSS) signature; ECDSA: r‖s (IEEE P1363, what WebCrypto verifies). Base64. */
  signature: string;
  signatureAlgorithm: 'RSASSA-PKCS1-v1_5' | 'RSASSA-PSS' | 'ECDSA-P1363';
  certificate: string;
}

/** A bare signature over a digest, for portals that build their own container (XMLDSig, JWS, …). */
export function signHash(options: SignCmsOptions, requestOptions?: RequestOptions): Promise<SignHashResult> {
  const params: PageParams<'sign-raw'> = {
    digest: toBase64(options.digest),
    digestAlgorithm: options.digestAlgorithm,
    description: options.description,
    ...(options.documentName !== undefined && { documentName: options.documentName }),
    ...(options.lang !== undefined && { lang: options.lang }),
    ...(options.rsaScheme !== undefined && { rsaScheme: options.rsaScheme }),
  };
  return request('sign-raw', params, requestOptions);
}

type Bytes = Uint8Array | ArrayBuffer;
type BytesOrBase64 = Bytes | string;

/** A digest computed in the page: 'cms' (default) wraps it in CAdES-BES (CAdES-T with `timestamp`); 'raw' returns its bare signature. */
export interface DigestDocumentInput {
  kind?: 'cms' | 'raw';
  digest: BytesOrBase64;
  digestAlgorithm: DigestAlgorithm;
  /** Shown in the consent window. */
  name: string;
  /** 'cms' only: CAdES-T, time-stamped by the TSA in the user's kyso settings. */
  timestamp?: boolean;
}

/** A Decree 30/2020 visible signature: the text stamp at the top right of page 1, or signature/seal images. */
export type PdfAppearanceInput =
  | { kind: 'stamp'; lines: string[]; pageIndex?: number; fontSize?: number }
  | {
      kind: 'image';
      /** PDF points from the page's bottom left. */
      rect: { x: number; y: number; width: number; height: number };
      pageIndex?: number;
      /** The handwritten signature (transparent PNG, blue). */
      signatureImage?: BytesOrBase64;
      /** The seal (transparent PNG, red). */
      sealImage?: BytesOrBase64;
      /** kyso's plugin emulation: the image the user configured in kyso's options (the page never sees it). */
      configuredImage?: 'signature' | 'seal';
    };

/** A PDF, signed PAdES in the extension (the page never sees the PIN; the token only a digest). */
export interface PdfDocumentInput {
  kind: 'pdf';
  pdf: BytesOrBase64 | Blob;
  name: string;
  /** 'B-B' (default), or 'B-T' time-stamped by the TSA in the user's kyso settings. */
  level?: 'B-B' | 'B-T';
  reason?: string;
  location?: string;
  /** Invisible without it. */
  appearance?: PdfAppearanceInput;
  /**
   * For agencies issuing a document: a certification signature (DocMDP) allowing afterwards
   * 1 no changes, 2 form filling and signatures, 3 also annotations. Only on an unsigned PDF.
   */
  certify?: 1 | 2 | 3;
}

/** An XML tax return (HTKK) or e-invoice, signed XMLDSig enveloped in the extension. */
export interface XmlDocumentInput {
  kind: 'xml';
  xml: string;
  /** 'generic' (any XML, enveloped over the whole document) is for kyso's plugin emulation. */
  profile: 'htkk' | 'einvoice' | 'generic';
  name: string;
  /** 'SHA-256' (default). 'SHA-1' (rsa-sha1, RSA keys only) also needs allowSha1: for receivers that still demand it. */
  digestAlgorithm?: 'SHA-256' | 'SHA-1';
  allowSha1?: boolean;
}

export type BatchDocumentInput = DigestDocumentInput | PdfDocumentInput | XmlDocumentInput;

export interface SignManyOptions {
  documents: BatchDocumentInput[];
  /** What the batch is, shown in the consent window (e.g. "50 hoá đơn tháng 11/2026"). */
  description: string;
  lang?: Language;
  rsaScheme?: 'PKCS1-v1_5' | 'PSS';
}

export type SignManyItem =
  | { ok: true; cms: string }
  | { ok: true; signature: string }
  | { ok: true; pdf: Uint8Array }
  | { ok: true; xml: string }
  | { ok: false; error: KysoError };

export interface SignManyResult {
  certificate: string;
  /** One entry per document, in order: a failure of one document does not stop the others. */
  results: SignManyItem[];
}

const toBase64 = (data: BytesOrBase64) =>
  typeof data === 'string' ? data : bytesToBase64(data instanceof Uint8Array ? data : new Uint8Array(data));

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
        ...(appearance && {
          appearance:
            appearance.kind === 'stamp'
              ? appearance
              : {
                  kind: 'image' as const,
                  rect: appearance.rect,
                  ...(appearance.pageIndex !== undefined && { pageIndex: appearance.pageIndex }),
                  ...(appearance.signatureImage !== undefined && { signatureImage: toBase64(appearance.signatureImage) }),
                  ...(appearance.sealImage !== undefined && { sealImage: toBase64(appearance.sealImage) }),
                  ...(appearance.configuredImage !== undefined && { configuredImage: appearance.configuredImage }),
                },
        }),
      };
    }
    case 'xml':
      return {
        kind: 'xml',
        name: d.name,
        xml: d.xml,
        profile: d.profile,
        ...(d.digestAlgorithm !== undefined && { digestAlgorithm: d.digestAlgorithm }),
        ...(d.allowSha1 !== undefined && { allowSha1: d.allowSha1 }),
      };
    default:
      return d.kind === 'raw'
        ? { kind: 'raw', name: d.name, digest: toBase64(d.digest), digestAlgorithm: d.digestAlgorithm }
        : { kind: 'cms', name: d.name, digest: toBase64(d.digest), digestAlgorithm: d.digestAlgorithm, ...(d.timestamp && { timestamp: true }) };
  }
}

/** N documents of any kind with one consent and one PIN (up to LIMITS.maxBatchDocuments). */
export async function signMany(options: SignManyOptions, requestOptions?: RequestOptions): Promise<SignManyResult> {
  const params: PageParams<'sign-many'> = {
    documents: await Promise.all(options.documents.map(pageDocument)),
    description: options.description,
    ...(options.lang !== undefined && { lang: options.lang }),
    ...(options.rsaScheme !== undefined && { rsaScheme: options.rsaScheme }),
  };
  const result = await request('sign-many', params, requestOptions);
  return {
    certificate: result.certificate,
    results: result.results.map((r): SignManyItem => {
      if (!r.ok) return { ok: false, error: KysoError.fromWire(r.error) };
      return 'pdf' in r ? { ok: true, pdf: base64ToBytes(r.pdf) } : r;
    }),
  };
}

/** One document through signMany; its failure is thrown. */
async function signOne<T>(
  document: BatchDocumentInput,
  options: { description: string; lang?: Language },
  requestOptions: RequestOptions | undefined,
  pick: (item: Extract<SignManyItem, { ok: true }>) => T | undefined,
): Promise<T & { certificate: string }> {
  const { certificate, results } = await signMany(
    { documents: [document], description: options.description, ...(options.lang && { lang: options.lang }) },
    requestOptions,
  );
  const [only] = results;
  if (!only) throw new KysoError('INTERNAL', 'no result from the extension');
  if (!only.ok) throw only.error;
  const picked = pick(only);
  if (picked === undefined) throw new KysoError('INTERNAL', 'unexpected answer from the extension');
  return { ...picked, certificate };
}

export interface SignPdfOptions extends Omit<PdfDocumentInput, 'kind' | 'name'> {
  /** What the user is signing, shown in the consent window. */
  description: string;
  /** The file name shown in the consent window. */
  name?: string;
  lang?: Language;
}

/** PAdES (ETSI.CAdES.detached, incremental update: earlier signatures stay valid). Resolves with the signed PDF. */
export function signPdf(options: SignPdfOptions, requestOptions?: RequestOptions): Promise<{ pdf: Uint8Array; certificate: string }> {
  const { description, lang, name, ...document } = options;
  return signOne({ kind: 'pdf', name: name ?? 'document.pdf', ...document }, { description, ...(lang && { lang }) }, requestOptions, (r) =>
    'pdf' in r ? { pdf: r.pdf } : undefined,
  );
}

export interface SignXmlOptions extends Omit<XmlDocumentInput, 'kind' | 'name'> {
  description: string;
  name?: string;
  lang?: Language;
}

/** XMLDSig enveloped, placed where HTKK tax returns or e-invoices carry it. Resolves with the signed XML. */
export function signXml(options: SignXmlOptions, requestOptions?: RequestOptions): Promise<{ xml: string; certificate: string }> {
  const { description, lang, name, ...document } = options;
  return signOne({ kind: 'xml', name: name ?? `${document.profile}.xml`, ...document }, { description, ...(lang && { lang }) }, requestOptions, (r) =>
    'xml' in r ? { xml: r.xml } : undefined,
  );
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
export function pluginRequest(params: PageParams<'plugin'>, requestOptions?: RequestOptions): Promise<PageResult<'plugin'>> {
  return request('plugin', params, requestOptions);
}
