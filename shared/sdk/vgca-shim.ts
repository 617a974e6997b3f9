/**
 * A drop-in for vgcaplugin.js, for portals that prefer to load kyso's script instead of the plugin's
 * (dist/sdk/vgca-shim.js). It defines the plugin's globals in their three real call shapes and
 * answers exactly what the VGCA Sign Service answers (shared/sdk/plugins/vgca.ts: the same code
 * serves the extension's emulation of the service's WebSocket, for pages that keep their own
 * vgcaplugin.js). Consent and PIN happen in kyso's window.
 *
 *   f(json, cb)          → cb(jsonString)          file, PDF and verify functions
 *   f(sender, json, cb)  → cb(sender, jsonString)  vgca_sign_msg, vgca_sign_xml, vgca_sign_json, vgca_auth, vgca_sign_rsas
 *   f(cb)                → cb(jsonString)          vgca_get_certinfo, vgca_get_version, vgca_license_request
 */
import { answerVgca } from './plugins/vgca.js';

type Callback = (...args: unknown[]) => void;

const context = () => ({ pageUrl: location.href, lang: 'vi' as const });
const call = (endpoint: string, frame: unknown) => answerVgca(endpoint, frame, context());

/** f(json, cb) → cb(jsonString). */
export const JSON_CALLBACK: Record<string, string> = {
  vgca_sign_approved: 'SignApproved',
  vgca_sign_issued: 'SignIssued',
  vgca_sign_copy: 'SignCopy',
  vgca_sign_income: 'SignIncome',
  vgca_comment: 'Comment',
  vgca_sign_appendix: 'SignAppendix',
  vgca_sign_pdf: 'SignPDF',
  vgca_sign_files: 'SignFiles',
  vgca_sign_file: 'SignFile',
  vgca_sign_office: 'SignOffice',
  vgca_sign_pdfwp: 'SignPDFWP',
  vgca_sign_xml_wp12: 'SignXMLP12',
  vgca_sign_test: 'SignTest',
  vgca_encrypt: 'Encrypt',
  vgca_decrypt: 'Decrypt',
  vgca_verify_msg: 'VerifyMsg',
  vgca_verify_pdf: 'VerifyPDF',
  vgca_verify_office: 'VerifyOffice',
  vgca_verify_xml: 'VerifyXML',
  vgca_verify_json: 'VerifyJson',
};

/** f(sender, json, cb) → cb(sender, jsonString). */
export const SENDER_JSON_CALLBACK: Record<string, string> = {
  vgca_sign_msg: 'SignMsg',
  vgca_sign_xml: 'SignXML',
  vgca_sign_json: 'SignJson',
  vgca_auth: 'Auth',
  vgca_sign_rsas: 'SignRSAs',
};

/** f(cb) → cb(jsonString), with the fixed frame the plugin sends. */
export const CALLBACK_ONLY: Record<string, [endpoint: string, frame: string]> = {
  vgca_get_certinfo: ['GetCertInfo', 'get_cert_info'],
  vgca_get_version: ['GetVersion', 'GetVersion'],
  vgca_license_request: ['GetLicenseRequest', 'request'],
};

/** Installs the globals (what the plugin's own script does). */
export function installVgcaShim(target: Record<string, unknown> = globalThis): void {
  // The plugin's API answers through callbacks and returns nothing; `call` never rejects (answerVgca).
  for (const [name, endpoint] of Object.entries(JSON_CALLBACK)) {
    target[name] = (json: unknown, callback?: Callback) =>
      void call(endpoint, json).then((answer) => typeof callback === 'function' && callback(answer));
  }
  for (const [name, endpoint] of Object.entries(SENDER_JSON_CALLBACK)) {
    target[name] = (sender: unknown, json: unknown, callback?: Callback) =>
      void call(endpoint, typeof json === 'object' && json !== null ? JSON.stringify(json) : json).then(
        (answer) => typeof callback === 'function' && callback(sender, answer),
      );
  }
  for (const [name, [endpoint, frame]] of Object.entries(CALLBACK_ONLY)) {
    target[name] = (callback?: Callback) =>
      void call(endpoint, frame).then((answer) => typeof callback === 'function' && callback(answer));
  }
  target.vgca_show_config = () => void call('Config', 'config');
}

installVgcaShim();
