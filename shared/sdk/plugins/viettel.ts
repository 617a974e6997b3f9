/**
 * The Viettel-CA SignPlugin as its page scripts talk to it: one HTTP POST per call to
 * http://127.0.0.1:14007/<function> (https://127.0.0.1:14407/<function> on https pages), the
 * arguments as an application/x-www-form-urlencoded body whose values are NOT percent-encoded
 * (base64 keeps its `+` and `/`), the answer as plain text. A failed call answers "" and the page
 * then asks `getLastErr` for the reason.
 *
 * kyso answers those calls itself, every signature after consent in kyso's window. Its failure
 * keeps the plugin's shape: "" from the call, then `getLastErr` answers kyso's code with a
 * Vietnamese / English message ("NOT_SUPPORTED: … / …"), which pages show in their own alert.
 */
import type { summarizeCertificate } from '../../certificate/profile.js';
import { base64ToBytes, hexToBytes } from '../../encoding.js';
import { KysoError, type Language } from '../../protocol/errors.js';
import type { subjectNameRfc4514 } from '../../xml/subject-name.js';
import {
  assertFrameSize,
  BLIND_DIGEST_DESCRIPTION,
  decodeBase64,
  pluginFailure,
  pluginAddress,
  askSharedCertificate,
  signSiteData,
  type KysoCalls,
  PAGE_SDK_CALLS,
} from './common.js';

export const VIETTEL_PORTS = { http: 14007, https: 14407 } as const;

/** The function a request URL names, when it is the SignPlugin's address; undefined otherwise. */
export function viettelFunction(url: string): string | undefined {
  const parsed = pluginAddress(url, { 'http:': VIETTEL_PORTS.http, 'https:': VIETTEL_PORTS.https });
  return parsed?.pathname.replace(/^\/+|\/+$/g, '');
}

/**
 * The plugin's form body: `name=value&…` split as the plugin reads it. Values are taken as sent
 * (pages do not encode base64), percent-escapes decoded only where they are well formed.
 */
export function parseViettelForm(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const name = at === -1 ? pair : pair.slice(0, at);
    const raw = at === -1 ? '' : pair.slice(at + 1);
    let value = raw;
    if (raw.includes('%')) {
      try {
        value = decodeURIComponent(raw);
      } catch {
        value = raw;
      }
    }
    fields.set(name.toLowerCase(), value);
  }
  return fields;
}

/** HashOpt: 0 SHA-1, 1 MD5, 2 SHA-256 (the plugin's default is SHA-1). */
const HASH_OPTIONS: Record<string, { name: string; bytes: number } | undefined> = {
  '0': { name: 'SHA-1', bytes: 20 },
  '1': { name: 'MD5', bytes: 16 },
  '2': { name: 'SHA-256', bytes: 32 },
};

const SHA256_HEX_CHARS = 64;

function randomSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * One page's SignPlugin: its session, the certificate the user shared with it and the last error,
 * as the plugin keeps them between calls.
 */
/** What reads certificates and CMS for the plugin (viettel-readers.ts gives them, for the page). */
export interface ViettelReaders {
  summarize: typeof summarizeCertificate;
  subjectName: typeof subjectNameRfc4514;
  checkCms(cms: Uint8Array, content: Uint8Array): Promise<boolean>;
}

export class ViettelPlugin {
  private session: string | undefined;
  private certificate: Uint8Array | undefined;
  private lastError = '0';

  /**
   * `readers` (viettel-readers.ts) describe the shared certificate (getCert*) and check a CMS (Verify):
   * given by the page-world emulation; the extension's background, whose service worker must start
   * without that code (pkijs), gives none, and those calls then answer NOT_SUPPORTED.
   */
  constructor(
    private readonly lang: Language = 'vi',
    private readonly kyso: KysoCalls = PAGE_SDK_CALLS,
    private readonly readers?: ViettelReaders,
  ) {}

  private reader(): ViettelReaders {
    if (!this.readers) throw new KysoError('NOT_SUPPORTED', 'answered only by the page-world emulation');
    return this.readers;
  }

  /** One call → the plugin's plain-text answer ("" on failure, the reason then in getLastErr). Never throws. */
  async answer(functionName: string, body: unknown): Promise<string> {
    if (functionName.toLowerCase() === 'getlasterr') return this.lastError;
    try {
      const text = typeof body === 'string' ? body : body == null ? '' : undefined;
      if (text === undefined) throw new KysoError('BAD_REQUEST', 'the request body must be form text');
      assertFrameSize(text);
      const answer = await this.dispatch(functionName, parseViettelForm(text));
      this.lastError = '0';
      return answer;
    } catch (error) {
      const { code, message } = pluginFailure(error);
      this.lastError = `${code}: ${message}`;
      return '';
    }
  }

  private async dispatch(functionName: string, form: Map<string, string>): Promise<string> {
    switch (functionName) {
      case 'getSession':
        // liblist (the token drivers to try) does not matter: kyso reads the tokens it was set up for.
        this.session = randomSessionId();
        return this.session;
      case 'getCertificate':
        this.checkSession(form);
        return this.shareCertificate();
      case 'getCertSNB':
        return this.reader().summarize(this.sharedCertificate()).serialNumberHex.toUpperCase();
      case 'getCertCN':
        return this.reader().summarize(this.sharedCertificate()).subject.commonName ?? '';
      case 'getCertDN':
        return this.reader().subjectName(this.sharedCertificate());
      case 'getCertIssuer':
        return this.reader().summarize(this.sharedCertificate()).issuer.commonName ?? '';
      case 'getCertValidDate':
        return this.reader().summarize(this.sharedCertificate()).notBefore.toISOString();
      case 'getCertExpireDate':
        return this.reader().summarize(this.sharedCertificate()).notAfter.toISOString();
      case 'signHash':
        this.checkSession(form);
        return this.signDigest(form);
      case 'Sign':
        this.checkSession(form);
        return this.signData(form);
      case 'Verify':
        this.checkSession(form);
        return this.verify(form);
      default:
        // fileSign, signPDF, signXMLData, getCert2SignFile, OpenFile, SaveFile, …: local paths or shapes kyso does not serve.
        throw new KysoError('NOT_SUPPORTED', `Viettel-CA ${functionName.slice(0, 40)}`, {
          function: functionName.slice(0, 40),
        });
    }
  }

  private checkSession(form: Map<string, string>): void {
    if (!this.session || form.get('sessionid') !== this.session)
      throw new KysoError('BAD_REQUEST', 'sessionID is not the one getSession gave');
  }

  /** getCertificate: only after the user agrees, in kyso's window, to share a certificate with this site. */
  private async shareCertificate(): Promise<string> {
    const certificate = await askSharedCertificate('viettel', this.lang, this.kyso);
    this.certificate = base64ToBytes(certificate);
    return certificate;
  }

  private sharedCertificate(): Uint8Array {
    if (!this.certificate) throw new KysoError('NO_CERTIFICATE', 'getCertificate was not called');
    return this.certificate;
  }

  /** signHash: the bare signature (RSA PKCS#1 v1.5 over the DigestInfo) of a SHA-256 digest in hex. */
  private async signDigest(form: Map<string, string>): Promise<string> {
    const option = HASH_OPTIONS[form.get('hashopt') ?? '0'];
    if (!option) throw new KysoError('BAD_REQUEST', 'HashOpt must be 0, 1 or 2');
    if (option.name !== 'SHA-256')
      // A bare SHA-1 or MD5 digest, whose content nobody can see, is not signed by kyso.
      throw new KysoError('NOT_SUPPORTED', `Viettel-CA signHash with ${option.name}`, { hash: option.name });
    const hex = form.get('hashval') ?? '';
    if (hex.length !== SHA256_HEX_CHARS || !/^[0-9a-fA-F]+$/.test(hex))
      throw new KysoError('BAD_REQUEST', 'HashVal must be a SHA-256 digest in hex');
    const { signature } = await this.kyso.signHash({
      digest: hexToBytes(hex),
      digestAlgorithm: 'SHA-256',
      description: BLIND_DIGEST_DESCRIPTION,
      lang: this.lang,
    });
    return signature;
  }

  /** Sign: the data (base64 `inData`) in a detached CMS (CAdES-BES, SHA-256); a readable text shown whole in the window. */
  private async signData(form: Map<string, string>): Promise<string> {
    const data = decodeBase64(form.get('indata') ?? '', 'inData');
    if (data.length === 0) throw new KysoError('BAD_REQUEST', 'inData is empty');
    return (await signSiteData(data, { lang: this.lang }, this.kyso)).cms;
  }

  /** Verify: whether `signature` (a CMS) signs `inData`; "1" when it does. Shows nothing, signs nothing. */
  private async verify(form: Map<string, string>): Promise<string> {
    const readers = this.reader();
    const cms = decodeBase64(form.get('signature') ?? '', 'signature');
    const content = decodeBase64(form.get('indata') ?? '', 'inData');
    let valid = false;
    try {
      valid = await readers.checkCms(cms, content);
    } catch {
      valid = false; // not a CMS at all
    }
    if (!valid) throw new KysoError('BAD_REQUEST', 'the signature does not verify');
    return '1';
  }
}
