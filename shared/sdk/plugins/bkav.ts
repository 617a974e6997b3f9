/**
 * The BkavCA Signer Plugin as its page script (BkavCAPlugin.js) talks to it: one WebSocket to
 * wss://localhost:8443; each call is `<function id>*<arg>*…[*BkavExtensionCallback]*end`, sent in
 * pieces of 114,271 characters when longer; the plugin answers `<result>*BkavExtensionCallback*end`
 * and the script passes `<result>` to the page's callback. Calls without the callback name get no
 * answer the page could see.
 *
 * kyso answers those calls itself, every signature after consent in kyso's window. A failure keeps
 * the plugin's result codes first, so pages' own `parseInt(result)` tables still work (0 not allowed,
 * 2 encrypted, 3 no certificate, 4 bad input, 5 signing error, 13 cancelled), followed by kyso's
 * code and a Vietnamese / English message: `13*USER_CANCELLED*… / …`.
 */
import { hasSerialNumber, summarizeCertificate, type CertificateSummary } from '../../certificate/profile.js';
import { base64ToBytes, bytesToBase64 } from '../../encoding.js';
import { KysoError, type ErrorCode, type Language } from '../../protocol/errors.js';
import { KYSO_VERSION } from '../../version.js';
import { signMany } from '../index.js';
import {
  decodeBase64,
  isPdf,
  MAX_PLUGIN_FRAME_CHARS,
  pluginFailure,
  signedDocumentBytes,
  xmlProfileOf,
  pluginAddress,
  askSharedCertificate,
  pageCertificateSerial,
  profileSavingInto,
} from './common.js';
import { signSiteDataAttached } from './attached-data.js';

export const BKAV_PORT = 8443;
const CALLBACK = 'BkavExtensionCallback';
const END = 'end';
const END_MARK = `*${END}`;
/** The serial the plugin's script puts in SignPDF / SignCMS when the page gives none. */
const SCRIPT_UNSET_SERIAL = '1';

/** The plugin's function ids (FUNCTION_ID in its page script) that kyso answers. */
const FUNCTION = {
  SignXMLBase64: 0,
  SignPDFBase64: 3,
  PluginValid: 7,
  GetAllCert: 12,
  GetCertListByFilter: 13,
  SetAESKey: 22,
  SetUsePKCS11: 23,
  SetDLLName: 25,
  SetLicenseKey: 26,
  GetVersion: 30,
  SetPINCache: 31,
  SetGetAttributesCertDefault: 32,
  SignCMSBase64: 38,
  BkavCANativeAppValidate: 40,
  SetCheckTokenDefault: 41,
  SetHashAlgorithm: 42,
  SetAddCertChain: 43,
  SetAddBase64Cert: 44,
} as const;

/** Settings the plugin keeps for its own token access; kyso has its own and accepts them unchanged. */
const ACCEPTED_SETTINGS: ReadonlySet<number> = new Set([
  FUNCTION.SetAESKey,
  FUNCTION.SetUsePKCS11,
  FUNCTION.SetDLLName,
  FUNCTION.SetLicenseKey,
  FUNCTION.SetPINCache,
  FUNCTION.SetGetAttributesCertDefault,
  FUNCTION.SetCheckTokenDefault,
  FUNCTION.SetHashAlgorithm,
  FUNCTION.SetAddCertChain,
  FUNCTION.SetAddBase64Cert,
]);

/** kyso's codes as the plugin's result codes (the sample pages' alert tables). */
function bkavResultCode(code: ErrorCode): number {
  switch (code) {
    case 'USER_CANCELLED':
      return 13;
    case 'NO_CERTIFICATE':
    case 'CERTIFICATE_NOT_USABLE':
    case 'CERTIFICATE_NOT_REQUESTED':
      return 3;
    case 'PDF_ENCRYPTED':
      return 2;
    case 'BAD_REQUEST':
    case 'PDF_DAMAGED':
    case 'PDF_AMBIGUOUS':
    case 'PDF_CERTIFIED':
    case 'XML_NOT_ACCEPTED':
    case 'DOCUMENT_TOO_LARGE':
      return 4;
    case 'NOT_SUPPORTED':
      return 0;
    default:
      return 5;
  }
}

export function bkavFailure(error: unknown): string {
  const { code, message } = pluginFailure(error);
  return `${bkavResultCode(code)}*${code}*${message}`;
}

/** Whether a socket URL is the BkavCA Signer Plugin's (wss on localhost / 127.0.0.1, port 8443). */
export function isBkavUrl(url: string): boolean {
  return pluginAddress(url, { 'wss:': BKAV_PORT }) !== undefined;
}

/** "yyyy/MM/dd HH:mm:ss", the date form the plugin's sample pages use. */
function bkavDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}/${two(date.getMonth() + 1)}/${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The plugin's script sends a field the page left unset as "" or the text "undefined". */
const given = (value: string | undefined): string | undefined =>
  value === undefined || value === '' || value === 'undefined' || value === 'null' ? undefined : value;

/** A date as the plugin's pages write them, "yyyy/MM/dd HH:mm:ss" (local time), or undefined. */
export function parseBkavDate(text: string): Date | undefined {
  const parts = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(
    text.trim(),
  );
  if (!parts) return undefined;
  const [year, month, day, hours, minutes, seconds] = parts.slice(1).map((p) => Number(p ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(year, month - 1, day, hours, minutes, seconds);
  // 2026/02/30 or 25:00 is no time: it must read back as written.
  return date.getFullYear() === year &&
    date.getMonth() === month - 1 &&
    date.getDate() === day &&
    date.getHours() === hours &&
    date.getMinutes() === minutes
    ? date
    : undefined;
}

/** GetAllCert's answer: base64 of `<Certificates>` with a `<Certificate>` for each of these (UTF-8). */
export function certificatesXml(certificatesBase64: readonly string[]): string {
  const entries = certificatesBase64.map((certificateBase64) => {
    const summary = summarizeCertificate(base64ToBytes(certificateBase64));
    return (
      '<Certificate>' +
      `<SerialNumber>${summary.serialNumberHex.toUpperCase()}</SerialNumber>` +
      `<SubjectDN><CN>${escapeXml(summary.subject.commonName ?? '')}</CN></SubjectDN>` +
      `<IssuerDN><CN>${escapeXml(summary.issuer.commonName ?? '')}</CN></IssuerDN>` +
      `<TimeValidFrom>${bkavDate(summary.notBefore)}</TimeValidFrom>` +
      `<TimeValidTo>${bkavDate(summary.notAfter)}</TimeValidTo>` +
      `<CertificateBase64>${certificateBase64}</CertificateBase64>` +
      '</Certificate>'
    );
  });
  const xml = `<?xml version="1.0" encoding="utf-8"?><Certificates>${entries.join('')}</Certificates>`;
  return bytesToBase64(new TextEncoder().encode(xml));
}

/** Case and composition aside, whether `name` contains `part`. */
const nameContains = (name: string | undefined, part: string) =>
  (name ?? '').normalize('NFC').toLowerCase().includes(part.normalize('NFC').toLowerCase());

/**
 * GetAllCert's / GetCertListByFilter's `<filter>*<value>` as a test of a certificate, undefined when
 * the page filters nothing (the script sends "" or its own "1" for no value). The plugin's filters
 * are its Windows certificate store's searches: `SerialNumber` the serial (hex, case, spaces and
 * leading zeros aside), `SubjectCN` / `IssuerCN` a part of the name, `TimeValid` valid at that time.
 * `ValidTo` / `ValidFrom`, whose rule is not public, and unknown filters are refused (NOT_SUPPORTED)
 * before any window; a TimeValid that is no date is BAD_REQUEST.
 */
export function bkavCertificateFilter(
  filter: string | undefined,
  value: string | undefined,
): ((summary: CertificateSummary) => boolean) | undefined {
  const wanted = given(value)?.trim();
  const kind = given(filter)?.toLowerCase();
  if (wanted === undefined || wanted === '' || wanted === '1' || kind === undefined) return undefined;
  switch (kind) {
    case 'serialnumber': {
      const serial = wanted.replace(/\s+/g, '');
      return (summary) => hasSerialNumber(summary, serial);
    }
    case 'subjectcn':
      return (summary) => nameContains(summary.subject.commonName, wanted);
    case 'issuercn':
      return (summary) => nameContains(summary.issuer.commonName, wanted);
    case 'timevalid': {
      const time = parseBkavDate(wanted);
      if (!time) throw new KysoError('BAD_REQUEST', 'the TimeValid filter is not yyyy/MM/dd HH:mm:ss');
      return (summary) => summary.notBefore <= time && time <= summary.notAfter;
    }
    default:
      throw new KysoError('NOT_SUPPORTED', `BkavCA certificate filter ${kind.slice(0, 20)}`, {
        function: `GetAllCert filter ${kind.slice(0, 20)}`,
      });
  }
}

/**
 * How far a page's SigningTime may be from kyso's clock and still name the moment of signing: the
 * page reads the same clock, but may take the time a little before it calls, or write it to the minute.
 */
const SIGNING_TIME_TOLERANCE_MS = 5 * 60_000;

/**
 * A sign call's SigningTime (SignPDF's, SignXML's `timeSign`): kyso signs at the moment of signing,
 * so a time naming now is followed and any other (a backdated or future signature) is refused
 * (NOT_SUPPORTED) before any window; a text that is no date is BAD_REQUEST.
 */
export function checkBkavSigningTime(value: string | undefined, now: number = Date.now()): void {
  const text = given(value);
  if (text === undefined) return;
  const time = parseBkavDate(text);
  if (!time) throw new KysoError('BAD_REQUEST', 'SigningTime is not yyyy/MM/dd HH:mm:ss');
  if (Math.abs(time.getTime() - now) > SIGNING_TIME_TOLERANCE_MS)
    throw new KysoError('NOT_SUPPORTED', 'BkavCA SigningTime: kyso signs at the moment of signing', {
      function: 'SigningTime',
    });
}

/** SignXMLBase64's `*<xml>*<tagSigning>*<nodeToSign>*<tagSaveResult>*…`: the element to sign, its Id, the element the signature goes into. */
export interface BkavXmlPlacement {
  tagSigning?: string;
  nodeToSign?: string;
  tagSaveResult?: string;
}

/**
 * The element each format signs, in the plugin's terms (a tax portal's `SignXMLBase64(xml,
 * "HSoKhaiThue", "_NODE_TO_SIGN", "CKyDTu", …)`): what a page may name and still get what kyso
 * signs. Where the signature goes is profileSavingInto's.
 */
const PROFILE_PLACEMENT = {
  // The Id kyso gives an HSoKhaiThue without one (shared/xml/profiles.ts HTKK_NODE_TO_SIGN; not
  // imported, which would bring the XML library into the page script).
  htkk: { tagSigning: 'HSoKhaiThue', defaultId: '_NODE_TO_SIGN' },
  einvoice: { tagSigning: 'DLHDon', defaultId: undefined },
} as const;

/**
 * The profile SignXMLBase64 signs with. A page naming an element to sign, its Id or the element
 * for the signature gets them where its format (tax return, e-invoice) puts them (`NMua`: the
 * invoice's buyer); any other naming is refused (NOT_SUPPORTED), never answered with a signature
 * over something else, elsewhere.
 */
export function bkavXmlProfile(
  xml: string,
  placement: BkavXmlPlacement,
): 'htkk' | 'einvoice' | 'einvoice-buyer' | 'generic' {
  const tagSigning = given(placement.tagSigning);
  const nodeToSign = given(placement.nodeToSign)?.replace(/^#/, '');
  const tagSaveResult = given(placement.tagSaveResult);
  const profile = xmlProfileOf(xml);
  if (tagSigning === undefined && nodeToSign === undefined && tagSaveResult === undefined)
    return profile ?? 'generic';
  const expected = profile && PROFILE_PLACEMENT[profile];
  const signedId = expected && (elementId(xml, expected.tagSigning) ?? expected.defaultId);
  const signed =
    profile &&
    expected &&
    (tagSigning === undefined || tagSigning === expected.tagSigning) &&
    (nodeToSign === undefined || nodeToSign === signedId)
      ? tagSaveResult === undefined
        ? profile
        : profileSavingInto(xml, profile, tagSaveResult)
      : undefined;
  if (signed) return signed;
  throw new KysoError(
    'NOT_SUPPORTED',
    'BkavCA SignXML: kyso signs an element and places the signature only where tax returns and e-invoices do',
    { function: 'SignXML tagSigning/nodeToSign/tagSaveResult' },
  );
}

/** The Id (Id, ID or id) on the first start tag of `localName`, read from the text. */
function elementId(xml: string, localName: string): string | undefined {
  const start = new RegExp(
    `<(?:[\\w.-]+:)?${localName}((?:\\s+[\\w.:-]+\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*/?>`,
  ).exec(xml)?.[1];
  const id = start && /\s(?:Id|ID|id)\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(start);
  return id ? (id[1] ?? id[2]) : undefined;
}

/**
 * One socket's conversation: pieces are gathered until a whole call (`…*end`) is there, then
 * answered. Never throws.
 */
export class BkavConnection {
  private pending = '';
  /** The call's last characters, kept even when an oversized call is dropped: where its end is seen. */
  private tail = '';
  private overflow = false;

  constructor(private readonly lang: Language = 'vi') {}

  /** One text frame in → the frames to send back (none while a call is still arriving). */
  async onFrame(frame: unknown): Promise<string[]> {
    if (typeof frame !== 'string') return [this.reply(bkavFailure(new KysoError('BAD_REQUEST')))];
    if (this.overflow || this.pending.length + frame.length > MAX_PLUGIN_FRAME_CHARS) {
      this.overflow = true;
      this.pending = '';
    } else {
      this.pending += frame;
    }
    // The plugin's script cuts a call every 114,271 characters wherever that falls, so "*end" can
    // be split across frames: the end is looked for in the call so far, not in the last frame.
    this.tail = (this.tail + frame).slice(-END_MARK.length);
    if (this.tail !== END_MARK) return [];
    const message = this.pending;
    const overflowed = this.overflow;
    this.pending = '';
    this.tail = '';
    this.overflow = false;
    if (overflowed)
      return [
        this.reply(bkavFailure(new KysoError('BAD_REQUEST', 'the request is larger than kyso accepts'))),
      ];
    const parts = message.split('*');
    parts.pop(); // "end"
    const wantsAnswer = parts.at(-1) === CALLBACK;
    if (wantsAnswer) parts.pop();
    let result: string;
    try {
      result = await this.dispatch(Number(parts[0]), parts.slice(1));
    } catch (error) {
      result = bkavFailure(error);
    }
    return wantsAnswer ? [this.reply(result)] : [];
  }

  private reply(result: string): string {
    return `${result}*${CALLBACK}*${END}`;
  }

  private async dispatch(id: number, args: string[]): Promise<string> {
    if (ACCEPTED_SETTINGS.has(id)) return '1';
    switch (id) {
      case FUNCTION.PluginValid:
      case FUNCTION.BkavCANativeAppValidate:
        return '1';
      case FUNCTION.GetVersion:
        return `kyso ${KYSO_VERSION}`;
      case FUNCTION.GetAllCert:
      case FUNCTION.GetCertListByFilter:
        return this.certificates(args);
      case FUNCTION.SignPDFBase64:
        return this.signPdf(args);
      case FUNCTION.SignXMLBase64:
        return this.signXml(args);
      case FUNCTION.SignCMSBase64:
        return this.signData(args);
      default:
        // File paths (SignPDFFile, SignXML, SignOOXMLFile…), OOXML, Verify*, OCSP/CRL checks, token PIN functions, ImportCert, …
        throw new KysoError('NOT_SUPPORTED', `BkavCA ${String(id).slice(0, 10)}`, {
          function: String(id).slice(0, 10),
        });
    }
  }

  /**
   * GetAllCert / GetCertListByFilter `*<filter>*<value>…`: only after "share my certificate with
   * this site" in kyso's window, the shared certificate if it passes the page's filter, else none.
   */
  private async certificates(args: string[]): Promise<string> {
    const passes = bkavCertificateFilter(args[0], args[1]);
    const certificate = await askSharedCertificate('bkav', this.lang);
    const listed = !passes || passes(summarizeCertificate(base64ToBytes(certificate)));
    return certificatesXml(listed ? [certificate] : []);
  }

  /**
   * SignPDFBase64 `*<pdf base64>*<signing time>*<serial>*<signer>`: PAdES after consent, the signed
   * PDF in base64; a serial the page names is the only certificate the user may choose; a signing
   * time only when it names now (checkBkavSigningTime).
   */
  private async signPdf(args: string[]): Promise<string> {
    const pdf = decodeBase64(args[0] ?? '', 'the PDF');
    if (!isPdf(pdf)) throw new KysoError('BAD_REQUEST', 'the data is not a PDF');
    const certificateSerial = pageCertificateSerial(args[2], [SCRIPT_UNSET_SERIAL]);
    checkBkavSigningTime(args[1]);
    const { results } = await signMany({
      documents: [{ kind: 'pdf', pdf, name: 'tai-lieu.pdf' }],
      description: 'Ký tài liệu PDF',
      lang: this.lang,
      ...(certificateSerial && { certificateSerial }),
    });
    return bytesToBase64(signedBytes(results[0]));
  }

  /**
   * SignXMLBase64 `*<xml>*<tagSigning>*<nodeToSign>*<tagSaveResult>*<timeSign>*<serial>*<ds>`: tax
   * returns and e-invoices where their formats sign, any other XML enveloped; the signed XML in base64.
   */
  private async signXml(args: string[]): Promise<string> {
    let xml: string;
    try {
      xml = new TextDecoder('utf-8', { fatal: true }).decode(decodeBase64(args[0] ?? '', 'the XML'));
    } catch {
      throw new KysoError('BAD_REQUEST', 'the data is not base64 UTF-8 XML');
    }
    const profile = bkavXmlProfile(xml, { tagSigning: args[1], nodeToSign: args[2], tagSaveResult: args[3] });
    const certificateSerial = pageCertificateSerial(args[5]);
    checkBkavSigningTime(args[4]);
    const { results } = await signMany({
      documents: [{ kind: 'xml', xml, profile, name: 'tai-lieu.xml' }],
      description: 'Ký tài liệu XML',
      lang: this.lang,
      ...(certificateSerial && { certificateSerial }),
    });
    return bytesToBase64(signedBytes(results[0]));
  }

  /** SignCMSBase64 `*<data base64>*<serial>`: the data and its signature in one attached CMS (CAdES-BES, SHA-256). */
  private async signData(args: string[]): Promise<string> {
    const data = decodeBase64(args[0] ?? '', 'the data');
    if (data.length === 0) throw new KysoError('BAD_REQUEST', 'the data is empty');
    const certificateSerial = pageCertificateSerial(args[1], [SCRIPT_UNSET_SERIAL]);
    return (
      await signSiteDataAttached(data, { lang: this.lang, ...(certificateSerial && { certificateSerial }) })
    ).cms;
  }
}

function signedBytes(item: Parameters<typeof signedDocumentBytes>[0] | undefined): Uint8Array {
  const bytes = item ? signedDocumentBytes(item) : undefined;
  if (!bytes) throw new KysoError('INTERNAL');
  return bytes;
}
