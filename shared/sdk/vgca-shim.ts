/**
 * A drop-in for pages written against the Ban Cơ yếu (VGCA) signing plugin's global functions,
 * backed by kyso: load dist/sdk/vgca-shim.js instead of the plugin's script. No localhost
 * WebSocket and no self-signed certificate to accept; consent and PIN happen in kyso's window.
 *
 * Covered: vgca_sign_msg (attached CMS), vgca_sign_pdf / vgca_sign_xml / vgca_sign_files (fetch
 * FileName, sign through kyso, upload to FileUploadHandler, answer FileServer), vgca_get_certinfo
 * (the certificate of the last consented signature). Results go to callback(sender, json) with
 * Status 0; on failure Status 1 and a Vietnamese Message (ErrorCode: kyso's code); the rest answer
 * Status 2 (see docs/vgca-shim.md).
 */
import { attachContent } from '../cms/attach.js';
import { base64ToBytes, bytesToBase64 } from '../encoding.js';
import { errorMessage } from '../protocol/errors.js';
import { KysoError, digestOf, signCms, signMany, type BatchDocumentInput, type PdfAppearanceInput } from './index.js';

type Callback = (sender: unknown, result: string) => void;

export const VGCA_STATUS = { ok: 0, failed: 1, unsupported: 2 } as const;

function answer(callback: Callback | undefined, sender: unknown, result: Record<string, unknown>): void {
  if (typeof callback === 'function') callback(sender, JSON.stringify(result));
}

function failure(error: unknown) {
  const code = error instanceof KysoError ? error.code : 'INTERNAL';
  return { Status: VGCA_STATUS.failed, Message: errorMessage(code, 'vi'), ErrorCode: code };
}

export async function vgca_sign_msg(sender: unknown, base64Message: string, callback?: Callback): Promise<void> {
  try {
    const message = base64ToBytes(base64Message);
    const { cms, certificate } = await signCms({
      digest: await digestOf(message, 'SHA-256'),
      digestAlgorithm: 'SHA-256',
      description: 'Ký thông điệp (tương thích VGCA)',
      lang: 'vi',
    });
    lastCertificate = certificate;
    // VGCA's SignMsg returns the message and its signature together: an attached CMS.
    const signature = bytesToBase64(attachContent(base64ToBytes(cms), message));
    answer(callback, sender, { Status: VGCA_STATUS.ok, Message: '', Signature: signature });
  } catch (error) {
    answer(callback, sender, failure(error));
  }
}

/** What the plugin's file functions take (JSON): where to fetch the file, where to upload the signed one. */
interface VgcaFileRequest {
  FileUploadHandler?: string;
  SessionId?: string;
  JWTToken?: string;
  /** A URL; several (vgca_sign_files) as an array or separated by ';'. */
  FileName?: string | string[];
  MetaData?: Array<{ Key?: string; Value?: string }>;
}

function parseRequest(json: unknown): VgcaFileRequest {
  const request = (typeof json === 'string' ? JSON.parse(json) : json) as VgcaFileRequest;
  if (!request || typeof request !== 'object' || !request.FileName || !request.FileUploadHandler) {
    throw new KysoError('BAD_REQUEST', 'FileName and FileUploadHandler are required');
  }
  return request;
}

const fileUrls = (request: VgcaFileRequest) =>
  (Array.isArray(request.FileName) ? request.FileName : String(request.FileName).split(';')).map((u) => u.trim()).filter(Boolean);
const meta = (request: VgcaFileRequest, key: string) => request.MetaData?.find((m) => m.Key?.toLowerCase() === key.toLowerCase())?.Value;
const baseName = (url: string) => decodeURIComponent(new URL(url, location.href).pathname.split('/').pop() || 'document');

/** Fetches as the page could (same origin or CORS), with the page's cookies. */
async function download(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { credentials: 'include' });
  if (!response.ok) throw new KysoError('BAD_REQUEST', `download failed: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Uploads the signed file as the plugin does: multipart field "file", with SessionId and JWTToken as
 * fields (and the token as a Bearer header). FileServer is the handler's answer: its FileServer field
 * when it answers JSON, else its text.
 */
async function upload(request: VgcaFileRequest, name: string, bytes: Uint8Array): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
  if (request.SessionId) form.append('SessionId', request.SessionId);
  if (request.JWTToken) form.append('JWTToken', request.JWTToken);
  const response = await fetch(request.FileUploadHandler!, {
    method: 'POST',
    body: form,
    credentials: 'include',
    ...(request.JWTToken && { headers: { authorization: `Bearer ${request.JWTToken}` } }),
  });
  const text = await response.text();
  if (!response.ok) throw new KysoError('BAD_REQUEST', `upload failed: HTTP ${response.status}`);
  try {
    const answer = JSON.parse(text) as { FileServer?: unknown };
    if (typeof answer.FileServer === 'string') return answer.FileServer;
  } catch {
    // a plain-text answer is the location itself
  }
  return text;
}

/** The XML profile: MetaData "profile", else the root element (HSoThueDTu: a tax return; HDon: an e-invoice). */
function xmlProfile(xml: string, request: VgcaFileRequest): 'htkk' | 'einvoice' {
  const asked = meta(request, 'profile');
  if (asked === 'htkk' || asked === 'einvoice') return asked;
  const root = /<(?:[\w-]+:)?(\w+)[\s>/]/.exec(xml.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, ''))?.[1];
  if (root === 'HSoThueDTu') return 'htkk';
  if (root === 'HDon') return 'einvoice';
  throw new KysoError('BAD_REQUEST', `not a tax return or e-invoice (<${root ?? '?'}>)`);
}

/** The certificate of the last signature made through this page (vgca_get_certinfo answers with it). */
let lastCertificate: string | undefined;

/** Decree 30 roles of a PDF signature, as the plugin's approved/issued/copy functions name them. */
type PdfRole = 'approved' | 'issued' | 'copy';

/**
 * The appearance for a role, from MetaData (our keys; the plugin's are not public): approved → the
 * signer's image (Image, Rect "x,y,w,h", Page), issued → the seal image, copy → the text stamp
 * ("SAO Y" or CopyType, the copying Organization, the time) at the top right of page 1.
 */
function appearanceFor(role: PdfRole | undefined, request: VgcaFileRequest): PdfAppearanceInput | undefined {
  if (role === 'copy') {
    const lines = [meta(request, 'CopyType') ?? 'SAO Y', meta(request, 'Organization'), meta(request, 'DocNumber'), '{time}'].filter((l): l is string => !!l);
    return { kind: 'stamp', lines };
  }
  const image = meta(request, 'Image');
  const rect = meta(request, 'Rect')?.split(',').map(Number);
  if (!role || !image || !rect || rect.length !== 4 || rect.some((n) => !Number.isFinite(n))) return undefined;
  const page = Number(meta(request, 'Page') ?? 1);
  const [x, y, width, height] = rect as [number, number, number, number];
  return { kind: 'image', rect: { x, y, width, height }, pageIndex: Math.max(0, page - 1), [role === 'issued' ? 'sealImage' : 'signatureImage']: image };
}

async function documentFor(url: string, request: VgcaFileRequest, kind: 'pdf' | 'xml' | 'auto', role?: PdfRole): Promise<BatchDocumentInput> {
  const bytes = await download(url);
  const name = baseName(url);
  const isPdf = kind === 'pdf' || (kind === 'auto' && /\.pdf$/i.test(name));
  if (isPdf) {
    const reason = meta(request, 'Reason');
    const appearance = appearanceFor(role, request);
    return { kind: 'pdf', pdf: bytes, name, ...(reason && { reason }), ...(appearance && { appearance }) };
  }
  const xml = new TextDecoder().decode(bytes);
  return { kind: 'xml', xml, profile: xmlProfile(xml, request), name };
}

async function signFiles(
  sender: unknown,
  json: unknown,
  callback: Callback | undefined,
  kind: 'pdf' | 'xml' | 'auto',
  many: boolean,
  role?: PdfRole,
): Promise<void> {
  try {
    const request = parseRequest(json);
    const urls = fileUrls(request);
    if (urls.length === 0 || (!many && urls.length > 1)) throw new KysoError('BAD_REQUEST', 'one FileName expected');
    const documents = await Promise.all(urls.map((url) => documentFor(url, request, kind, role)));
    const description =
      meta(request, 'Description') ?? (many ? `Ký ${documents.length} tệp (tương thích VGCA)` : `Ký tệp ${documents[0]!.name} (tương thích VGCA)`);
    const { certificate, results } = await signMany({ documents, description, lang: 'vi' });
    lastCertificate = certificate;
    const locations: string[] = [];
    for (const [i, result] of results.entries()) {
      if (!result.ok) throw result.error;
      const bytes = 'pdf' in result ? result.pdf : 'xml' in result ? new TextEncoder().encode(result.xml) : undefined;
      if (!bytes) throw new KysoError('INTERNAL');
      locations.push(await upload(request, documents[i]!.name, bytes));
    }
    answer(callback, sender, { Status: VGCA_STATUS.ok, Message: '', FileServer: locations.join(';') });
  } catch (error) {
    answer(callback, sender, failure(error));
  }
}

export const vgca_sign_pdf = (sender: unknown, json: unknown, callback?: Callback) => signFiles(sender, json, callback, 'pdf', false);
export const vgca_sign_xml = (sender: unknown, json: unknown, callback?: Callback) => signFiles(sender, json, callback, 'xml', false);
export const vgca_sign_files = (sender: unknown, json: unknown, callback?: Callback) => signFiles(sender, json, callback, 'auto', true);
export const vgca_sign_approved = (sender: unknown, json: unknown, callback?: Callback) => signFiles(sender, json, callback, 'pdf', false, 'approved');
export const vgca_sign_issued = (sender: unknown, json: unknown, callback?: Callback) => signFiles(sender, json, callback, 'pdf', false, 'issued');
export const vgca_sign_copy = (sender: unknown, json: unknown, callback?: Callback) => signFiles(sender, json, callback, 'pdf', false, 'copy');

/**
 * The certificate the user chose for the last signature made from this page — never a listing of
 * the user's certificates without a consent. Before any signature: Status 2.
 */
export function vgca_get_certinfo(sender: unknown, ...rest: unknown[]): void {
  const callback = rest.reverse().find((a) => typeof a === 'function') as Callback | undefined;
  if (!lastCertificate) {
    return answer(callback, sender, {
      Status: VGCA_STATUS.unsupported,
      Message:
        'kyso chỉ cho biết chứng thư số đã dùng để ký trên trang này, sau khi người dùng đồng ý ký / kyso tells the certificate only after a consented signature',
    });
  }
  answer(callback, sender, { Status: VGCA_STATUS.ok, Message: '', CertInfo: { Base64: lastCertificate } });
}

const UNSUPPORTED = ['vgca_sign_json'] as const;

/** Installs the globals (what the plugin's own script does). */
export function installVgcaShim(target: Record<string, unknown> = globalThis): void {
  Object.assign(target, {
    vgca_sign_msg,
    vgca_sign_pdf,
    vgca_sign_xml,
    vgca_sign_files,
    vgca_sign_approved,
    vgca_sign_issued,
    vgca_sign_copy,
    vgca_get_certinfo,
  });
  for (const name of UNSUPPORTED) {
    target[name] = (sender: unknown, ...rest: unknown[]) => {
      const callback = rest.reverse().find((a) => typeof a === 'function') as Callback | undefined;
      answer(callback, sender, { Status: VGCA_STATUS.unsupported, Message: `${name}: chưa hỗ trợ trong kyso / not supported by kyso yet` });
    };
  }
}

installVgcaShim();
