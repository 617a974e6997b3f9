/**
 * The VNPT-CA Plugin as its page library (vnpt-plugin.js) talks to it: a WebSocket to
 * wss://localhost:{4433,4434,4435,9201,9202}/plugin, each call one JSON frame
 * `{functionID, funcCallback, args[], domain}`, each answer the text `<result>*<funcCallback>` (the
 * library calls window[funcCallback](result)). Results of signing functions are JSON
 * `{code, data, error}`: code 0 on success, 11 when the user cancels, 1 bad input, 2 no
 * certificate, 3 signing failed, 5 anything else (the codes VNPT's own sample page explains).
 * The portal's licence key is accepted (`{code: 1}`, what portals test for) and ignored: kyso needs none.
 */
import { summarizeCertificate } from '../../certificate/profile.js';
import { base64ToBytes, bytesToBase64 } from '../../encoding.js';
import { KysoError, type ErrorCode, type Language } from '../../protocol/errors.js';
import { KYSO_VERSION } from '../../version.js';
import { pluginRequest, signHash, signMany } from '../index.js';
import type { BatchDocumentInput, PdfAppearanceInput, SignManyItem } from '../index.js';
import {
  assertFrameSize,
  BLIND_DIGEST_DESCRIPTION,
  decodeBase64,
  signedDocumentBytes,
  isPdf,
  parseJsonFrame,
  pluginFailure,
  xmlProfileOf,
  pluginAddress,
  askSharedCertificate,
  pageCertificateSerial,
  profileSavingInto,
  siteDataDocument,
} from './common.js';
import { attachContent } from '../../cms/attach.js';
import { signSiteDataAttached } from './attached-data.js';

export const VNPT_PORTS = ['4433', '4434', '4435', '9201', '9202'];

/** functionID values of vnpt-plugin.js. */
const FN = {
  GetCertInfo: 0,
  SignXML: 1,
  SignPDF: 2,
  SignOFFICE: 3,
  SignCMS: 4,
  chooseFile: 5,
  setLicenseKey: 6,
  checkPlugin: 7,
  signArrData: 8,
  signHash: 9,
  signArrDataAdvanced: 10,
  getVersion: 11,
  SetLanguage: 23,
  SetGetCertFromUsbToken: 35,
  SetGetCertByPkcs11: 36,
  SetShowCertListDialog: 37,
} as const;

/**
 * The language the page chose with setLanguage for kyso's windows (one emulation per page). Until
 * then the consent window speaks Vietnamese, as the plugin's own, and the certificate and file
 * windows follow the browser.
 */
let chosenLanguage: Language | undefined;
const signingLanguage = (): Language => chosenLanguage ?? 'vi';

/** setLanguage's argument: a language tag ("en", "en-US", "vi", "VI"…); any other value changes nothing. */
function followLanguage(value: unknown): void {
  const tag = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (/^en(?:[-_]|$)/.test(tag)) chosenLanguage = 'en';
  else if (/^vi(?:[-_]|$)/.test(tag)) chosenLanguage = 'vi';
}

/** What a setter kyso accepts answers: setLicenseKey's success (the setters' own answers are not public). */
const ACCEPTED = JSON.stringify({ code: 1, data: '', error: '' });

const VNPT_CODES: Partial<Record<ErrorCode, number>> = {
  USER_CANCELLED: 11,
  BAD_REQUEST: 1,
  NO_CERTIFICATE: 2,
  TOKEN_NOT_PRESENT: 2,
  CERTIFICATE_NOT_USABLE: 4,
  CERTIFICATE_NOT_REQUESTED: 2,
  PIN_INCORRECT: 3,
  PIN_LOCKED: 3,
  TOKEN_DRIVER_FAILED: 3,
  TOKEN_NOT_RESPONDING: 3,
  OFFICE_NOT_SUPPORTED: 5,
};

interface VnptCall {
  functionID?: unknown;
  funcCallback?: unknown;
  args?: unknown;
}

/** VNPT's code 7, "Ký pdf: trang đặt chữ ký không tồn tại": the PdfSigner's page is not in the PDF. */
const PAGE_NOT_IN_PDF = 7;

const failure = (error: unknown) => {
  const { code, message } = pluginFailure(error);
  // kyso's background refuses such a page before any window, naming the field (documents.ts).
  const missingPage = error instanceof KysoError && error.details?.field === 'appearance.pageIndex';
  return {
    code: missingPage ? PAGE_NOT_IN_PDF : (VNPT_CODES[code] ?? 5),
    data: '',
    error: message,
    kysoCode: code,
  };
};
const success = (data: string) => ({ code: 0, data, error: '' });

/** The socket URL is the VNPT plugin's. */
export function isVnptUrl(url: string): boolean {
  return pluginAddress(url, { 'wss:': VNPT_PORTS })?.pathname.replace(/\/+$/, '') === '/plugin';
}

/** One frame → the plugin's answer text. Never throws. */
export async function answerVnpt(frame: unknown): Promise<string> {
  let callback = 'callbackDefault';
  let result: string;
  try {
    if (typeof frame !== 'string') throw new KysoError('BAD_REQUEST', 'the request must be text');
    assertFrameSize(frame);
    const call = parseJsonFrame<VnptCall>(frame);
    // The name the library will call: a plain identifier only (the library does window[name](result)).
    if (typeof call.funcCallback === 'string' && /^[A-Za-z_$][\w$]{0,100}$/.test(call.funcCallback))
      callback = call.funcCallback;
    result = await dispatch(call);
  } catch (error) {
    result = JSON.stringify(failure(error));
  }
  // '*' separates result and callback name; base64 and kyso's JSON never contain one, a page's text might.
  return `${result.replaceAll('*', '\u2217')}*${callback}`;
}

const args = (call: VnptCall): unknown[] => (Array.isArray(call.args) ? call.args : []);
const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw new KysoError('BAD_REQUEST', `${what} must be text`);
  return value;
};

async function dispatch(call: VnptCall): Promise<string> {
  switch (call.functionID) {
    case FN.checkPlugin:
      return '1';
    case FN.getVersion:
      return `kyso ${KYSO_VERSION}`;
    case FN.setLicenseKey:
      // Accepted: code 1, the success VNPT's portals test for (`code === 1`; a refused key is negative).
      return ACCEPTED;
    case FN.SetLanguage:
      followLanguage(args(call)[0]);
      return ACCEPTED;
    case FN.SetGetCertFromUsbToken:
    case FN.SetGetCertByPkcs11:
    case FN.SetShowCertListDialog:
      // Accepted as kyso already works: certificates only from tokens, through PKCS#11. The list of
      // certificates is part of kyso's consent window, which no page can switch off.
      return ACCEPTED;
    case FN.GetCertInfo:
      return certificateInfo();
    case FN.chooseFile:
      return chooseFile();
    case FN.signArrDataAdvanced:
      return signArrDataAdvanced(call);
    case FN.signArrData:
      return signArrData(call);
    default:
      break;
  }
  try {
    return JSON.stringify(await sign(call));
  } catch (error) {
    return JSON.stringify(failure(error));
  }
}

// dispatch's caller answers a thrown error as a failure: these two need no catch of their own.
async function certificateInfo(): Promise<string> {
  const certificate = await askSharedCertificate('vnpt', chosenLanguage);
  const summary = summarizeCertificate(base64ToBytes(certificate));
  // No `code` field: VNPT's portals take any answer with one for a failure (hasOwnProperty('code')).
  return JSON.stringify({
    subjectCN: summary.subject.commonName ?? '',
    issuerCN: summary.issuer.commonName ?? '',
    serial: summary.serialNumberHex,
    notBefore: summary.notBefore.toISOString(),
    notAfter: summary.notAfter.toISOString(),
    base64: certificate,
  });
}

async function chooseFile(): Promise<string> {
  const { file } = await pluginRequest({
    action: 'pick-file',
    plugin: 'vnpt',
    ...(chosenLanguage && { lang: chosenLanguage }),
  });
  if (!file) throw new KysoError('USER_CANCELLED');
  return JSON.stringify({ path: file.name, base64: file.data });
}

interface PdfSignerOptions {
  page?: unknown;
  llx?: unknown;
  lly?: unknown;
  urx?: unknown;
  ury?: unknown;
  SigType?: unknown;
  ImageBase64?: unknown;
  Description?: unknown;
  SigVisible?: unknown;
}

/** PdfSigner's rectangle and image (SigType 1/2) → kyso's image appearance; otherwise an invisible signature. */
function pdfAppearance(optionsJson: unknown): PdfAppearanceInput | undefined {
  if (typeof optionsJson !== 'string' || !optionsJson || optionsJson === 'null') return undefined;
  const options = parseJsonFrame<PdfSignerOptions>(optionsJson);
  const [llx, lly, urx, ury] = [options.llx, options.lly, options.urx, options.ury].map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const image =
    typeof options.ImageBase64 === 'string' && options.ImageBase64 ? options.ImageBase64 : undefined;
  if (
    !image ||
    options.SigVisible === false ||
    ![llx, lly, urx, ury].every(Number.isFinite) ||
    urx <= llx ||
    ury <= lly
  )
    return undefined;
  return {
    kind: 'image',
    rect: { x: llx, y: lly, width: urx - llx, height: ury - lly },
    pageIndex: Math.max(1, Number(options.page) || 1) - 1,
    signatureImage: image,
  };
}

/** One item to sign: its data (base64), its type and its signer's options (JSON text), as the library sends them. */
interface ArrayItem {
  data?: unknown;
  type?: unknown;
  sigOptions?: unknown;
}

/** One document of an item, and, for a "txt" item, the data the answer's CMS carries. */
async function itemDocument(
  item: ArrayItem,
  index: number,
): Promise<{ document: BatchDocumentInput; attach?: Uint8Array }> {
  const type = typeof item.type === 'string' ? item.type.toLowerCase() : '';
  const name = `tai-lieu-${index + 1}.${type || 'bin'}`;
  if (type === 'cmsdetached' || type === 'txt') {
    // Data signed in a CMS: detached for VNPT iOffice's token login (it signs a challenge this way),
    // attached for a text file (VNPT's sample page sends .txt here; its older sign() called signCms,
    // which answers the data and signature in one CMS): shown whole in the window when it is
    // readable text, else by its SHA-256 (siteDataDocument).
    const data = decodeBase64(text(item.data, 'data'), 'data');
    if (data.length === 0) throw new KysoError('BAD_REQUEST', 'data is empty');
    if (type === 'txt') return { document: await siteDataDocument(data, name), attach: data };
    return { document: await siteDataDocument(data, `du-lieu-${index + 1}`) };
  }
  return { document: documentOf(text(item.data, 'data'), type, name, item.sigOptions) };
}

/**
 * An XmlSigner (vnpt-plugin.js 1.0.3.4 sends `JSON.stringify(xmlSigner)`): the Id in its
 * `NodeToSign` without a leading '#', and its `TagSaveResult`, the element the signature is saved
 * in; each undefined when unset (the library's default is null). Its other fields (SigningType,
 * DigestMethod "SHA1", …) are not followed: kyso signs SHA-256.
 */
function xmlSignerOf(signerJson: unknown): { nodeToSign?: string; tagSaveResult?: string } {
  if (typeof signerJson !== 'string' || !signerJson || signerJson === 'null') return {};
  const signer = parseJsonFrame<{ NodeToSign?: unknown; TagSaveResult?: unknown }>(signerJson);
  const field = (value: unknown, name: string): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new KysoError('BAD_REQUEST', `${name} must be text`);
    return value;
  };
  const nodeToSign = field(signer.NodeToSign, 'NodeToSign')?.replace(/^#/, '');
  const tagSaveResult = field(signer.TagSaveResult, 'TagSaveResult');
  return { ...(nodeToSign && { nodeToSign }), ...(tagSaveResult && { tagSaveResult }) };
}

/**
 * The XML document kyso signs for signXML / an xml item of signArrDataAdvanced with this XmlSigner:
 * tax returns and e-invoices in their formats' places, any other XML enveloped over the whole
 * document; with `NodeToSign`, only the element with that Id (URI="#id"), the Signature as the
 * root's last child. A `TagSaveResult` naming where kyso puts the signature is followed (an
 * invoice's `NMua`: the buyer's signature); any other is refused (NOT_SUPPORTED) before any window,
 * never answered with a signature somewhere the page did not ask for.
 */
export function vnptXmlDocument(xml: string, name: string, signerJson?: unknown): BatchDocumentInput {
  const { nodeToSign, tagSaveResult } = xmlSignerOf(signerJson);
  const profile = nodeToSign === undefined ? (xmlProfileOf(xml) ?? 'generic') : 'generic';
  const signed = tagSaveResult === undefined ? profile : profileSavingInto(xml, profile, tagSaveResult);
  if (!signed)
    throw new KysoError('NOT_SUPPORTED', 'VNPT XmlSigner TagSaveResult: kyso saves the signature elsewhere', {
      function: 'XmlSigner.TagSaveResult',
    });
  if (nodeToSign !== undefined)
    return { kind: 'xml', xml, profile: 'generic', name, referenceId: nodeToSign };
  return { kind: 'xml', xml, profile: signed, name };
}

/** Office Open XML and OpenDocument: signed inside their packages, which kyso does not do (docs/compat.md). */
const OFFICE_TYPES = new Set(['docx', 'xlsx', 'pptx', 'doc', 'xls', 'ppt', 'odt', 'ods', 'odp', 'office']);

/** `options`: a PdfSigner for a PDF, an XmlSigner for XML (JSON text, as the library sends them). */
function documentOf(base64: string, type: string, name: string, options?: unknown): BatchDocumentInput {
  const bytes = decodeBase64(base64, 'data');
  if (type === 'pdf' || isPdf(bytes)) {
    if (!isPdf(bytes)) throw new KysoError('BAD_REQUEST', 'not a PDF');
    const appearance = pdfAppearance(options);
    return { kind: 'pdf', pdf: bytes, name, ...(appearance && { appearance }) };
  }
  if (type === 'xml') return vnptXmlDocument(new TextDecoder().decode(bytes), name, options);
  if (OFFICE_TYPES.has(type)) throw new KysoError('OFFICE_NOT_SUPPORTED', `a ${type} document`);
  throw new KysoError('NOT_SUPPORTED', `kyso does not sign "${type.slice(0, 20)}" documents here`);
}

const resultData = (item: SignManyItem): string => {
  const bytes = signedDocumentBytes(item);
  if (bytes) return bytesToBase64(bytes);
  if ('cms' in item) return item.cms;
  if ('signature' in item) return item.signature;
  throw new KysoError('INTERNAL'); // signedDocumentBytes threw a failed item's error
};

async function signOneDocument(document: BatchDocumentInput, description: string) {
  const { results } = await signMany({ documents: [document], description, lang: signingLanguage() });
  return success(resultData(results[0]!));
}

async function sign(call: VnptCall): Promise<{ code: number; data: string; error: string }> {
  const [first, second] = args(call);
  switch (call.functionID) {
    case FN.SignPDF:
      return signOneDocument(documentOf(text(first, 'the PDF'), 'pdf', 'tai-lieu.pdf', second), 'Ký tệp PDF');
    case FN.SignXML:
      return signOneDocument(documentOf(text(first, 'the XML'), 'xml', 'tai-lieu.xml', second), 'Ký tệp XML');
    case FN.SignCMS: {
      // The data and its signature in one (attached) CMS, base64.
      const data = decodeBase64(text(first, 'the data'), 'the data');
      return success(
        (
          await signSiteDataAttached(data, {
            description: 'Ký dữ liệu do trang gửi',
            lang: signingLanguage(),
          })
        ).cms,
      );
    }
    case FN.signHash: {
      const { signature } = await signHash({
        digest: text(first, 'the hash'),
        digestAlgorithm: 'SHA-256',
        description: BLIND_DIGEST_DESCRIPTION,
        lang: signingLanguage(),
      });
      return success(signature);
    }
    case FN.SignOFFICE:
      // An OOXML/ODF package signature (parts, relationships, XAdES inside the zip) is not built.
      throw new KysoError('OFFICE_NOT_SUPPORTED', 'signOffice');
    default:
      throw new KysoError('NOT_SUPPORTED', `VNPT function ${String(call.functionID).slice(0, 10)}`);
  }
}

/**
 * signArrDataAdvanced: `[JSON array of JSON {data, type, sigOptions}, serial, clearPIN, showCertList]`.
 * Answers a JSON array of JSON strings, one `{code, data, error}` per item.
 */
function signArrDataAdvanced(call: VnptCall): Promise<string> {
  const [list, serialArgument] = args(call);
  return signItems(list, serialArgument, (entry) => parseJsonFrame<ArrayItem>(text(entry, 'each item')));
}

/**
 * signArrData (library 1.0.3.4): `[JSON array of base64 data, type, serial, clearPIN, sigOptions?]`,
 * one type and one signer's options for every item. Answered as signArrDataAdvanced answers (the
 * plugin's own answer is not public; the library passes it to the page's callback unread).
 */
function signArrData(call: VnptCall): Promise<string> {
  const [list, type, serialArgument, , sigOptions] = args(call);
  return signItems(list, serialArgument, (entry) => ({ data: text(entry, 'each item'), type, sigOptions }));
}

/**
 * The items of `list` (JSON array text), each read by `itemOf`, signed with one consent; only the
 * certificate of the serial the page names (getCertInfo's) may sign. A JSON array of JSON strings,
 * one `{code, data, error, serial}` per item.
 */
async function signItems(
  list: unknown,
  serialArgument: unknown,
  itemOf: (entry: unknown) => ArrayItem,
): Promise<string> {
  let entries: unknown[];
  try {
    entries = JSON.parse(text(list, 'the list')) as unknown[];
    if (!Array.isArray(entries) || entries.length === 0) throw new Error('empty');
  } catch {
    return JSON.stringify([
      JSON.stringify(failure(new KysoError('BAD_REQUEST', 'arrData must be a JSON array'))),
    ]);
  }
  try {
    const certificateSerial = pageCertificateSerial(serialArgument);
    const items = await Promise.all(entries.map((entry, index) => itemDocument(itemOf(entry), index)));
    const documents = items.map((i) => i.document);
    const { results, certificate } = await signMany({
      documents,
      description: `Ký ${documents.length} tài liệu`,
      lang: signingLanguage(),
      ...(certificateSerial && { certificateSerial }),
    });
    // Each item names the signer's certificate serial, as the plugin's do (portals post it with the signature).
    const serial = summarizeCertificate(base64ToBytes(certificate)).serialNumberHex;
    return JSON.stringify(
      results.map((r, i) => {
        if (!r.ok) return JSON.stringify(failure(r.error));
        const attach = items[i]?.attach;
        const data = attach
          ? bytesToBase64(attachContent(base64ToBytes(resultData(r)), attach))
          : resultData(r);
        return JSON.stringify({ ...success(data), serial });
      }),
    );
  } catch (error) {
    return JSON.stringify(entries.map(() => JSON.stringify(failure(error))));
  }
}
