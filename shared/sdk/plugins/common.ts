/**
 * What every emulated signing plugin shares: kyso's failure as text in both languages, file
 * download and the size limits a page-supplied frame must keep.
 */
import { CertificateSerialSchema } from '../../protocol/common.js';
import { errorMessage, KysoError, type ErrorCode } from '../../protocol/errors.js';
import { LIMITS } from '../../protocol/limits.js';
import { base64ToBytes } from '../../encoding.js';
import { readableTextOf } from '../../text/readable-text.js';
import {
  digestOf,
  pluginRequest,
  signHash,
  signMany,
  type BatchDocumentInput,
  type SignManyItem,
} from '../index.js';
import { downloadedFileName } from './download-name.js';

/** One frame a page sends to an emulated plugin (a whole PDF in base64 fits). */
export const MAX_PLUGIN_FRAME_CHARS = Math.ceil((LIMITS.maxPdfBytes * 4) / 3) + 64 * 1024;

/** What kyso's window says of a bare digest a page sends: there is nothing it could show. */
export const BLIND_DIGEST_DESCRIPTION =
  'Ký mã băm do trang gửi — kyso không thể hiển thị nội dung đã ký / A digest sent by the site — kyso cannot show what is signed';

export interface PluginFailure {
  code: ErrorCode;
  /** Vietnamese, then English: what a portal shows in its alert. */
  message: string;
}

/** Any thrown value as kyso's code and a bilingual message; never a library's own text. */
export function pluginFailure(error: unknown): PluginFailure {
  const code: ErrorCode = error instanceof KysoError ? error.code : 'INTERNAL';
  return { code, message: `${errorMessage(code, 'vi')} / ${errorMessage(code, 'en')}` };
}

/**
 * A plugin's loopback address: `url` parsed when its scheme is one of `ports`' keys, its port the
 * one (or one of those) given for that scheme and its host localhost or 127.0.0.1; otherwise undefined.
 */
export function pluginAddress(
  url: string,
  ports: Record<string, number | string | readonly (number | string)[]>,
): URL | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const allowed = ports[parsed.protocol];
  if (allowed === undefined || ![allowed].flat().map(String).includes(parsed.port)) return undefined;
  return parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1' ? parsed : undefined;
}

/**
 * How an emulated plugin reaches kyso: the page SDK in the page (postMessage to the content script),
 * or, for the Viettel loopback listener (native-host/src/viettel), the extension's own request table
 * with the origin the browser sent.
 */
export interface KysoCalls {
  pluginRequest: typeof pluginRequest;
  signHash: typeof signHash;
  signMany: (options: Parameters<typeof signMany>[0]) => ReturnType<typeof signMany>;
}

export const PAGE_SDK_CALLS: KysoCalls = { pluginRequest, signHash, signMany };

/** The certificate (base64 DER) the user agreed, in kyso's window, to share with this site; a refusal throws USER_CANCELLED. */
export async function askSharedCertificate(
  plugin: 'vgca' | 'vnpt' | 'viettel' | 'bkav',
  lang?: 'vi' | 'en',
  kyso: KysoCalls = PAGE_SDK_CALLS,
): Promise<string> {
  const { certificate } = await kyso.pluginRequest({
    action: 'share-certificate',
    plugin,
    ...(lang && { lang }),
  });
  if (!certificate) throw new KysoError('USER_CANCELLED');
  return certificate;
}

/**
 * Data a page sent, as the document kyso signs it (a detached CMS over its bytes either way): a text
 * the consent window shows whole when the bytes are readable text (shared/text/readable-text.ts) within
 * LIMITS.maxTextBytes, else their SHA-256, which the window says it cannot show.
 */
export async function siteDataDocument(data: Uint8Array, name: string): Promise<BatchDocumentInput> {
  if (data.length <= LIMITS.maxTextBytes && readableTextOf(data).ok)
    return { kind: 'text', name, text: data };
  return { kind: 'cms', name, digest: await digestOf(data, 'SHA-256'), digestAlgorithm: 'SHA-256' };
}

/**
 * Data a page sent, signed after consent in a detached CMS (CAdES-BES, SHA-256), base64, with the
 * signer's certificate: a batch of one siteDataDocument, so a text is shown whole in the window.
 * `certificateSerial`: the page named the certificate that must sign (see sign-many's certificateSerial).
 * (attached-data.ts puts the data inside, for the plugins' "sign CMS" calls.)
 */
export async function signSiteData(
  data: Uint8Array,
  options: { lang?: 'vi' | 'en'; description?: string; certificateSerial?: string },
  kyso: KysoCalls = PAGE_SDK_CALLS,
): Promise<{ cms: string; certificate: string }> {
  const { results, certificate } = await kyso.signMany({
    documents: [await siteDataDocument(data, 'du-lieu')],
    description: options.description ?? 'Ký dữ liệu do trang gửi / Data sent by the site',
    lang: options.lang ?? 'vi',
    ...(options.certificateSerial && { certificateSerial: options.certificateSerial }),
  });
  const result = results[0];
  if (!result?.ok) throw result?.error ?? new KysoError('INTERNAL');
  if (!('cms' in result)) throw new KysoError('INTERNAL');
  return { cms: result.cms, certificate };
}

/**
 * The certificate serial a plugin page names for signing, or undefined when it names none: the
 * plugins' scripts send "", "undefined" or "null" for an unset one (BKAV's SignPDF and SignCMS "1").
 * Anything else must be hex, or BAD_REQUEST.
 */
export function pageCertificateSerial(value: unknown, unset: readonly string[] = []): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new KysoError('BAD_REQUEST', 'the certificate serial must be text');
  const serial = value.trim().replace(/\s+/g, '');
  if (serial === '' || serial === 'undefined' || serial === 'null' || unset.includes(serial))
    return undefined;
  if (!CertificateSerialSchema.safeParse(serial).success)
    throw new KysoError('BAD_REQUEST', 'the certificate serial is not hexadecimal');
  return serial;
}

export function assertFrameSize(frame: string): void {
  if (frame.length > MAX_PLUGIN_FRAME_CHARS) {
    throw new KysoError('BAD_REQUEST', 'the request is larger than kyso accepts', {
      limitChars: MAX_PLUGIN_FRAME_CHARS,
    });
  }
}

/** Page-supplied base64 → bytes, or BAD_REQUEST naming what it was. */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(text))
    throw new KysoError('BAD_REQUEST', `${what} is not base64`);
  try {
    return base64ToBytes(text.replace(/\s/g, ''));
  } catch {
    throw new KysoError('BAD_REQUEST', `${what} is not base64`);
  }
}

export function parseJsonFrame<T>(frame: string): T {
  try {
    const parsed = JSON.parse(frame) as unknown;
    if (parsed && typeof parsed === 'object') return parsed as T;
  } catch {
    // fall through: the same answer for any frame that is not a JSON object
  }
  throw new KysoError('BAD_REQUEST', 'the request is not a JSON object');
}

/**
 * Fetches a document as the page could (its cookies, same origin or CORS), within kyso's size limit;
 * named as the server names it (a cross-origin server must expose Content-Disposition), else by its URL.
 */
export async function download(url: string, base: string): Promise<{ name: string; bytes: Uint8Array }> {
  let resolved: URL;
  try {
    resolved = new URL(url, base);
  } catch {
    throw new KysoError('BAD_REQUEST', 'the file address is not a URL');
  }
  if (resolved.protocol !== 'https:' && resolved.protocol !== 'http:')
    throw new KysoError('BAD_REQUEST', 'the file address is not http(s)');
  let response: Response;
  try {
    response = await fetch(resolved.href, { credentials: 'include' });
  } catch {
    throw new KysoError('BAD_REQUEST', 'the file could not be downloaded', { url: resolved.href });
  }
  if (!response.ok)
    throw new KysoError('BAD_REQUEST', `the file could not be downloaded (HTTP ${response.status})`, {
      url: resolved.href,
    });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > LIMITS.maxPdfBytes)
    throw new KysoError('BAD_REQUEST', 'the file is larger than kyso accepts', {
      limitBytes: LIMITS.maxPdfBytes,
    });
  return { name: downloadedFileName(response.headers.get('content-disposition'), resolved), bytes };
}

const PDF_HEADER = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

export const isPdf = (bytes: Uint8Array) => PDF_HEADER.every((b, i) => bytes[i] === b);

/** The first element's local name, past the XML declaration, comments and doctype. */
export function xmlRootName(xml: string): string | undefined {
  const body = xml.replace(/^\uFEFF/, '').replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/g, '');
  return /<(?:[\w.-]+:)?([\w.-]+)[\s>/]/.exec(body)?.[1];
}

/**
 * The root element's Id (its Id, ID or id attribute), read from the text: only a hint of which
 * element to sign — the background parses the document and refuses an Id no element, or two, hold.
 */
export function xmlRootId(xml: string): string | undefined {
  const body = xml.replace(/^\uFEFF/, '').replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/g, '');
  const start =
    /<(?:[\w.-]+:)?[\w.-]+((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/.exec(body)?.[1] ?? '';
  const id = /\s(?:Id|ID|id)\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(start);
  return id ? (id[1] ?? id[2]) : undefined;
}

/** Tax returns and e-invoices, which kyso signs where those formats put their signature. */
export function xmlProfileOf(xml: string): 'htkk' | 'einvoice' | undefined {
  const root = xmlRootName(xml);
  return root === 'HSoThueDTu' ? 'htkk' : root === 'HDon' ? 'einvoice' : undefined;
}

/**
 * The profile kyso signs with when a plugin call names the element its signature is to be saved
 * in (BKAV's and VNPT's `TagSaveResult`), or undefined when kyso's signature would not be there.
 * Each format's own place: a tax return's `CKyDTu`; an e-invoice's `NBan` (or the `DSCKS` holding
 * it), or `NMua` for the buyer's co-signature; any other XML's signature is the root's last child.
 */
export function profileSavingInto(
  xml: string,
  profile: 'htkk' | 'einvoice' | 'generic',
  tagSaveResult: string,
): 'htkk' | 'einvoice' | 'einvoice-buyer' | 'generic' | undefined {
  switch (profile) {
    case 'htkk':
      return tagSaveResult === 'CKyDTu' ? 'htkk' : undefined;
    case 'einvoice':
      if (tagSaveResult === 'NBan' || tagSaveResult === 'DSCKS') return 'einvoice';
      return tagSaveResult === 'NMua' ? 'einvoice-buyer' : undefined;
    case 'generic':
      return tagSaveResult === xmlRootName(xml) ? 'generic' : undefined;
  }
}

/** A signed document's bytes (PDF, or XML as UTF-8); a failed item throws its error; undefined for a CMS or bare signature. */
export function signedDocumentBytes(item: SignManyItem): Uint8Array | undefined {
  if (!item.ok) throw item.error;
  if ('pdf' in item) return item.pdf;
  if ('xml' in item) return new TextEncoder().encode(item.xml);
  return undefined;
}
