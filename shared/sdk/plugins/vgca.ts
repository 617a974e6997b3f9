/**
 * The Ban Cơ yếu VGCA Sign Service as its page script (vgcaplugin.js) talks to it: one WebSocket per
 * call to wss://127.0.0.1:8987/<Endpoint>, the page's request as one text frame, one JSON text frame
 * back. kyso answers those frames itself: documents are fetched as the page could fetch them,
 * signed after consent in kyso's window, and uploaded to the portal's handler the way the tool does
 * (multipart field `uploadfile`), the handler's answer passed on.
 *
 * Answers keep the service's shape: `Status` 0 on success; on failure a non-zero Status, `Message`
 * (Vietnamese / English) and kyso's `ErrorCode`.
 */
import { summarizeCertificate } from '../../certificate/profile.js';
import { base64ToBytes, bytesToBase64 } from '../../encoding.js';
import { KysoError, type Language } from '../../protocol/errors.js';
import { subjectNameRfc4514 } from '../../xml/subject-name.js';
import { KYSO_VERSION } from '../../version.js';
import { pluginRequest, signMany, type BatchDocumentInput, type PdfAppearanceInput } from '../index.js';
import type { SignManyItem } from '../index.js';
import {
  assertFrameSize,
  download,
  isPdf,
  parseJsonFrame,
  pluginFailure,
  signedDocumentBytes,
  xmlProfileOf,
  xmlRootId,
  pluginAddress,
  askSharedCertificate,
} from './common.js';
import { signSiteDataAttached } from './attached-data.js';
import { DigestGatherer } from './digest-gatherer.js';
import { nameEndingAs, pageGivenFileName } from './download-name.js';

export const VGCA_PORT = 8987;
export type VgcaReply = Record<string, unknown>;

/** What the service's file functions take. */
interface VgcaFileRequest {
  FileUploadHandler?: string;
  SessionId?: string;
  JWTToken?: string;
  /** The document's URL; "" lets the user pick a local file. */
  FileName?: string;
  DocNumber?: string;
  IssuedDate?: string;
  MetaData?: Array<{ Key?: unknown; Value?: unknown }>;
  Files?: Array<{ FileID?: unknown; FileName?: unknown; URL?: unknown }>;
}

/** Where a Decree 30 signature goes and what it shows, by endpoint. */
type PdfRole = 'approved' | 'issued' | 'copy' | 'income' | 'comment' | 'appendix' | 'plain';

const FILE_ENDPOINTS: Record<string, PdfRole> = {
  SignPDF: 'plain',
  SignFile: 'plain',
  SignApproved: 'approved',
  SignIssued: 'issued',
  SignCopy: 'copy',
  SignIncome: 'income',
  Comment: 'comment',
  SignAppendix: 'appendix',
};

export interface VgcaContext {
  /** The page's address: relative FileName / handler URLs resolve against it. */
  pageUrl: string;
  lang?: Language;
}

const failed = (error: unknown): VgcaReply => {
  const { code, message } = pluginFailure(error);
  return { Status: 1, Message: message, ErrorCode: code };
};

/** One frame to one endpoint → the service's JSON answer (as text). Never throws. */
export async function answerVgca(endpoint: string, frame: unknown, context: VgcaContext): Promise<string> {
  let reply: VgcaReply;
  try {
    if (typeof frame !== 'string') throw new KysoError('BAD_REQUEST', 'the request must be text');
    assertFrameSize(frame);
    reply = await dispatch(endpoint, frame, context);
  } catch (error) {
    reply = failed(error);
  }
  return JSON.stringify(reply);
}

async function dispatch(endpoint: string, frame: string, context: VgcaContext): Promise<VgcaReply> {
  const role = FILE_ENDPOINTS[endpoint];
  if (role) return signOneFile(parseJsonFrame<VgcaFileRequest>(frame), role, context);
  switch (endpoint) {
    case 'SignFiles':
      return signFiles(parseJsonFrame<VgcaFileRequest>(frame), context);
    case 'SignMsg':
      return signMessage(frame, context);
    case 'Auth':
      return authenticate(frame, context);
    case 'SignXML':
      return signXmlFrame(frame, context);
    case 'GetCertInfo':
      return certificateInfo(context);
    case 'GetVersion':
      return { Status: 0, Message: `kyso ${KYSO_VERSION}`, Version: KYSO_VERSION };
    case 'Config':
      await pluginRequest({ action: 'open-options', plugin: 'vgca' });
      return { Status: 0, Message: '' };
    default:
      // SignOffice, SignPDFWP, SignXMLP12, SignJson, SignRSAs, SignTest, Encrypt, Decrypt, Verify*, GetLicenseRequest, …
      throw new KysoError('NOT_SUPPORTED', `VGCA ${endpoint.slice(0, 40)}`, {
        function: endpoint.slice(0, 40),
      });
  }
}

const metaValue = (request: VgcaFileRequest, key: string): string | undefined => {
  const entry = request.MetaData?.find(
    (m) => typeof m?.Key === 'string' && m.Key.toLowerCase() === key.toLowerCase(),
  );
  return typeof entry?.Value === 'string' && entry.Value.trim()
    ? entry.Value.trim().slice(0, 200)
    : undefined;
};

/**
 * The Decree 30/2020 appearance for an endpoint. Copies, appendices and incoming-document stamps
 * are the organisation's text at the top right of page 1; approved/issued documents carry the
 * signer's image or the seal when the page sends one (MetaData Image, Rect "x,y,w,h", Page).
 */
function appearanceFor(role: PdfRole, request: VgcaFileRequest): PdfAppearanceInput | undefined {
  const organisation = metaValue(request, 'Organization') ?? metaValue(request, 'Organisation');
  const docNumber =
    typeof request.DocNumber === 'string' && request.DocNumber.trim()
      ? request.DocNumber.trim().slice(0, 150)
      : metaValue(request, 'DocNumber');
  const stamp = (...lines: Array<string | undefined>): PdfAppearanceInput => ({
    kind: 'stamp',
    lines: [...lines.filter((l): l is string => !!l), '{time}'],
  });
  switch (role) {
    case 'copy':
      return stamp(metaValue(request, 'CopyType') ?? 'SAO Y', organisation, docNumber && `Số: ${docNumber}`);
    case 'appendix':
      return stamp(docNumber ? `Phụ lục kèm theo văn bản số ${docNumber}` : 'Phụ lục', organisation);
    case 'income':
      return stamp('ĐẾN', organisation, docNumber && `Số: ${docNumber}`);
    case 'issued':
    case 'approved': {
      const image = metaValue(request, 'Image');
      const rect = metaValue(request, 'Rect')?.split(',').map(Number);
      if (image && rect?.length === 4 && rect.every((n) => Number.isFinite(n) && n >= 0)) {
        const [x, y, width, height] = rect as [number, number, number, number];
        const page = Math.max(1, Number(metaValue(request, 'Page') ?? 1) || 1);
        return {
          kind: 'image',
          rect: { x, y, width, height },
          pageIndex: page - 1,
          [role === 'issued' ? 'sealImage' : 'signatureImage']: image,
        };
      }
      // None from the page: the signer's image (approved) or the agency's seal (issued) configured in kyso's options,
      // in the signing block at the bottom right (MetaData Page, else page 1); invisible when none is configured.
      const page = Math.max(1, Number(metaValue(request, 'Page') ?? 1) || 1);
      return role === 'issued'
        ? {
            kind: 'image',
            rect: { x: 330, y: 70, width: 110, height: 110 },
            pageIndex: page - 1,
            configuredImage: 'seal',
          }
        : {
            kind: 'image',
            rect: { x: 370, y: 80, width: 170, height: 80 },
            pageIndex: page - 1,
            configuredImage: 'signature',
          };
    }
    default:
      return undefined;
  }
}

/** The document a file request names: downloaded from FileName/URL, or picked by the user in kyso's window. */
async function fetchDocument(
  url: unknown,
  context: VgcaContext,
): Promise<{ name: string; bytes: Uint8Array }> {
  if (url === undefined || url === null || (typeof url === 'string' && url.trim() === '')) {
    const { file } = await pluginRequest({
      action: 'pick-file',
      plugin: 'vgca',
      ...(context.lang && { lang: context.lang }),
    });
    if (!file) throw new KysoError('USER_CANCELLED');
    return { name: file.name, bytes: base64ToBytes(file.data) };
  }
  if (typeof url !== 'string') throw new KysoError('BAD_REQUEST', 'FileName must be a URL');
  return download(url, context.pageUrl);
}

/** The extension of what kyso signs from these bytes: a PDF, or a tax return / e-invoice; undefined for what it refuses. */
function contentExtension(bytes: Uint8Array): '.pdf' | '.xml' | undefined {
  if (isPdf(bytes)) return '.pdf';
  return xmlProfileOf(new TextDecoder('utf-8', { fatal: false }).decode(bytes)) ? '.xml' : undefined;
}

function documentInput(
  name: string,
  bytes: Uint8Array,
  role: PdfRole,
  request: VgcaFileRequest,
): BatchDocumentInput {
  if (isPdf(bytes)) {
    const appearance = appearanceFor(role, request);
    const reason =
      role === 'comment'
        ? (metaValue(request, 'Comment') ?? metaValue(request, 'Reason'))
        : metaValue(request, 'Reason');
    return { kind: 'pdf', pdf: bytes, name, ...(reason && { reason }), ...(appearance && { appearance }) };
  }
  const xml = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const profile = xmlProfileOf(xml);
  if (profile) return { kind: 'xml', xml, profile, name };
  throw new KysoError('NOT_SUPPORTED', 'kyso signs PDF files, tax returns and e-invoices here', {
    document: name,
  });
}

const signedBytes = (item: SignManyItem): Uint8Array => {
  const bytes = signedDocumentBytes(item);
  if (!bytes) throw new KysoError('INTERNAL');
  return bytes;
};

/** The portal handler's answer: `{Status, Message, FileName, FileServer, DocumentNumber, …}`. */
interface HandlerAnswer {
  Status?: unknown;
  Message?: unknown;
  FileName?: unknown;
  FileServer?: unknown;
  DocumentNumber?: unknown;
  DocumentDate?: unknown;
}

/** Uploads the signed file as the tool does: multipart, field `uploadfile`, with the page's cookies and JWT. */
async function upload(
  request: VgcaFileRequest,
  name: string,
  bytes: Uint8Array,
  context: VgcaContext,
): Promise<HandlerAnswer> {
  if (typeof request.FileUploadHandler !== 'string' || !request.FileUploadHandler.trim())
    throw new KysoError('BAD_REQUEST', 'FileUploadHandler is required');
  let handler: URL;
  try {
    handler = new URL(request.FileUploadHandler, context.pageUrl);
  } catch {
    throw new KysoError('BAD_REQUEST', 'FileUploadHandler is not a URL');
  }
  const form = new FormData();
  form.append(
    'uploadfile',
    new Blob([bytes as Uint8Array<ArrayBuffer>], {
      type: isPdf(bytes) ? 'application/pdf' : 'application/octet-stream',
    }),
    name,
  );
  const jwt = typeof request.JWTToken === 'string' && request.JWTToken ? request.JWTToken : undefined;
  let response: Response;
  try {
    response = await fetch(handler.href, {
      method: 'POST',
      body: form,
      credentials: 'include',
      ...(jwt && { headers: { authorization: `Bearer ${jwt}` } }),
    });
  } catch {
    throw new KysoError('UPLOAD_FAILED', undefined, { handler: handler.href });
  }
  const text = await response.text();
  if (!response.ok)
    throw new KysoError('UPLOAD_FAILED', undefined, { handler: handler.href, httpStatus: response.status });
  let answer: HandlerAnswer;
  try {
    answer = JSON.parse(text) as HandlerAnswer;
    if (!answer || typeof answer !== 'object') answer = { FileServer: text };
  } catch {
    answer = { FileServer: text }; // a plain-text answer is the stored file's location
  }
  // Handlers report a refusal inside HTTP 200: Status 1 / false.
  if (answer.Status !== undefined && answer.Status !== 0 && answer.Status !== true && answer.Status !== '0') {
    throw new KysoError('UPLOAD_FAILED', undefined, {
      handler: handler.href,
      ...(typeof answer.Message === 'string' && { handlerMessage: answer.Message.slice(0, 300) }),
    });
  }
  return answer;
}

async function signOneFile(
  request: VgcaFileRequest,
  role: PdfRole,
  context: VgcaContext,
): Promise<VgcaReply> {
  const source = await fetchDocument(request.FileName, context);
  const document = documentInput(source.name, source.bytes, role, request);
  const { results } = await signMany({
    documents: [document],
    description: `Ký tệp ${source.name}`,
    lang: context.lang ?? 'vi',
  });
  const bytes = signedBytes(results[0] ?? { ok: false, error: new KysoError('INTERNAL') });
  const answer = await upload(request, source.name, bytes, context);
  return {
    Status: 0,
    Message:
      typeof answer.Message === 'string' && answer.Message ? answer.Message : 'Ký số thành công / Signed',
    FileName: answer.FileName ?? source.name,
    FileServer: answer.FileServer ?? '',
    DocumentNumber: answer.DocumentNumber ?? request.DocNumber ?? '',
    DocumentDate: answer.DocumentDate ?? request.IssuedDate ?? '',
  };
}

/** Several files, one consent and one PIN; each signed file uploaded, its handler answer in Files[]. */
async function signFiles(request: VgcaFileRequest, context: VgcaContext): Promise<VgcaReply> {
  if (!Array.isArray(request.Files) || request.Files.length === 0)
    throw new KysoError('BAD_REQUEST', 'Files must list the files to sign');
  const entries = request.Files.map((f) => {
    const hasUrl = typeof f?.URL === 'string' && f.URL.trim() !== '';
    return {
      id: f?.FileID ?? '',
      url: hasUrl ? f.URL : f?.FileName,
      // FileName beside URL is the document's title: the name shown and uploaded, ending as its bytes are.
      givenName: hasUrl ? pageGivenFileName(f.FileName, f.URL) : undefined,
    };
  });
  const sources = await Promise.all(
    entries.map(async (e) => {
      const source = await fetchDocument(e.url, context);
      return e.givenName
        ? { ...source, name: nameEndingAs(e.givenName, contentExtension(source.bytes)) }
        : source;
    }),
  );
  const documents = sources.map((s) => documentInput(s.name, s.bytes, 'plain', request));
  const { results } = await signMany({
    documents,
    description: `Ký ${documents.length} tệp`,
    lang: context.lang ?? 'vi',
  });
  const files: VgcaReply[] = [];
  let firstError: unknown;
  for (const [i, entry] of entries.entries()) {
    try {
      const answer = await upload(request, sources[i]!.name, signedBytes(results[i]!), context);
      files.push({
        FileID: entry.id,
        FileSignedURL: answer.FileServer ?? '',
        FileName: answer.FileName ?? sources[i]!.name,
        Status: 0,
      });
    } catch (error) {
      firstError ??= error;
      const { code, message } = pluginFailure(error);
      files.push({ FileID: entry.id, FileSignedURL: '', Status: 1, Message: message, ErrorCode: code });
    }
  }
  if (firstError) return { ...failed(firstError), Files: files };
  return { Status: 0, Message: `Đã ký ${files.length} tệp / ${files.length} files signed`, Files: files };
}

interface HashRequest {
  HashAlg?: unknown;
  HashValue?: unknown;
  Encode?: unknown;
}

const HASH_ALGORITHMS: Record<string, 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  SHA256: 'SHA-256',
  'SHA-256': 'SHA-256',
  SHA384: 'SHA-384',
  'SHA-384': 'SHA-384',
  SHA512: 'SHA-512',
  'SHA-512': 'SHA-512',
};

/** The page's hash calls: those it starts together are signed with one consent and one PIN. */
const pageDigests = new DigestGatherer();

/**
 * SignMsg: `{HashAlg, HashValue, Encode:"RSA"}` signs the digest bare (the page builds its own
 * container; kyso's window says the content cannot be shown; calls started together are gathered
 * into one request); any other frame is the message in
 * base64, answered with the message and its signature in one (attached) CMS.
 */
async function signMessage(frame: string, context: VgcaContext): Promise<VgcaReply> {
  const trimmed = frame.trim();
  if (trimmed.startsWith('{')) {
    const request = parseJsonFrame<HashRequest>(trimmed);
    const algorithm =
      typeof request.HashAlg === 'string' ? HASH_ALGORITHMS[request.HashAlg.toUpperCase()] : undefined;
    if (!algorithm) throw new KysoError('BAD_REQUEST', 'HashAlg must be SHA256, SHA384 or SHA512');
    if (typeof request.HashValue !== 'string') throw new KysoError('BAD_REQUEST', 'HashValue must be base64');
    const { signature, certificate } = await pageDigests.sign(request.HashValue, algorithm, context.lang);
    return { Status: 0, Message: '', Signature: signature, CertBase64: certificate };
  }
  let message: Uint8Array;
  try {
    message = base64ToBytes(trimmed);
  } catch {
    throw new KysoError('BAD_REQUEST', 'the message must be base64');
  }
  const { cms, certificate } = await signSiteDataAttached(message, {
    description: 'Ký thông điệp do trang gửi',
    ...(context.lang && { lang: context.lang }),
  });
  return { Status: 0, Message: '', Signature: cms, CertBase64: certificate };
}

/**
 * Auth (`vgca_auth(sender, authCode, cb)`): portals log a user in by having the service sign the
 * challenge their server put in the page (`Session["AuthCode"]`, sent as the frame itself, plain
 * text) and posting back `Signature`. The service's own signature format is not public: kyso answers
 * as SignMsg's message mode does, the challenge and its signature in one attached CMS (the server
 * verifies it alone and reads the challenge back), with `CertBase64`; the window shows the challenge.
 */
async function authenticate(frame: string, context: VgcaContext): Promise<VgcaReply> {
  const challenge = new TextEncoder().encode(frame);
  if (frame.trim() === '') throw new KysoError('BAD_REQUEST', 'the challenge is empty');
  const { cms, certificate } = await signSiteDataAttached(challenge, {
    description: 'Đăng nhập: ký mã xác thực do trang gửi',
    ...(context.lang && { lang: context.lang }),
  });
  return { Status: 0, Message: '', Signature: cms, CertBase64: certificate };
}

interface XmlRequest extends VgcaFileRequest {
  Base64Content?: unknown;
  ReturnSignatureOnly?: unknown;
  HashAlg?: unknown;
  XmlDsigForm?: unknown;
}

const truthy = (value: unknown) =>
  value === true || (typeof value === 'string' && value.toLowerCase() === 'true');

/**
 * SignXML: inline `{Base64Content, ReturnSignatureOnly, HashAlg}` answered with `Signature`: the
 * signed XML in base64 (or only its Signature element with ReturnSignatureOnly); with FileName and
 * FileUploadHandler instead, the file flow.
 */
async function signXmlFrame(frame: string, context: VgcaContext): Promise<VgcaReply> {
  const request = parseJsonFrame<XmlRequest>(frame);
  if (request.Base64Content === undefined) return signOneFile(request, 'plain', context);
  if (typeof request.Base64Content !== 'string')
    throw new KysoError('BAD_REQUEST', 'Base64Content must be base64');
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(base64ToBytes(request.Base64Content));
  } catch {
    throw new KysoError('BAD_REQUEST', 'Base64Content is not base64 UTF-8 XML');
  }
  // Tax returns and e-invoices get their formats' signature places; any other XML is signed enveloped over the whole document.
  const profile = xmlProfileOf(xml) ?? 'generic';
  const sha1 =
    typeof request.HashAlg === 'string' && request.HashAlg.toUpperCase().replace('-', '') === 'SHA1';
  const signatureOnly = truthy(request.ReturnSignatureOnly);
  // A Signature the page places elsewhere must name what it signs: the root's Id (URI="#id"), not URI="".
  const rootId = profile === 'generic' && signatureOnly ? xmlRootId(xml) : undefined;
  const { results } = await signMany({
    documents: [
      {
        kind: 'xml',
        xml,
        profile,
        name: { htkk: 'to-khai.xml', einvoice: 'hoa-don.xml', generic: 'tai-lieu.xml' }[profile],
        ...(sha1 && { digestAlgorithm: 'SHA-1', allowSha1: true }),
        ...(rootId !== undefined && { referenceId: rootId }),
      },
    ],
    description: { htkk: 'Ký tờ khai thuế', einvoice: 'Ký hoá đơn điện tử', generic: 'Ký tài liệu XML' }[
      profile
    ],
    lang: context.lang ?? 'vi',
  });
  const signed = new TextDecoder().decode(
    signedBytes(results[0] ?? { ok: false, error: new KysoError('INTERNAL') }),
  );
  const result = signatureOnly ? signatureElementOf(signed) : signed;
  return { Status: 0, Message: '', Signature: bytesToBase64(new TextEncoder().encode(result)) };
}

/** The Signature element kyso added (the last one), as text. */
function signatureElementOf(xml: string): string {
  const start = xml.lastIndexOf('<Signature ');
  const end = xml.indexOf('</Signature>', start);
  if (start === -1 || end === -1) throw new KysoError('INTERNAL');
  return xml.slice(start, end + '</Signature>'.length);
}

/** GetCertInfo: only after the user agrees, in kyso's window, to share a certificate with this site. */
async function certificateInfo(context: VgcaContext): Promise<VgcaReply> {
  const certificate = await askSharedCertificate('vgca', context.lang);
  const der = base64ToBytes(certificate);
  const summary = summarizeCertificate(der);
  return {
    Status: 0,
    Message: '',
    CertInfo: {
      Subject: subjectNameRfc4514(der),
      SerialNumber: summary.serialNumberHex,
      Base64Data: certificate,
      ValidFrom: summary.notBefore.toISOString(),
      ValidTo: summary.notAfter.toISOString(),
    },
  };
}

/** The endpoint a socket URL names, when it is the VGCA service's; undefined otherwise. */
export function vgcaEndpoint(url: string): string | undefined {
  return pluginAddress(url, { 'wss:': VGCA_PORT })?.pathname.replace(/^\/+|\/+$/g, '');
}
