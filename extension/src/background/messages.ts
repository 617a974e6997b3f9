/** Messages inside the extension: background ⇄ content script, background ⇄ consent window. */
import type { CertificateEntry, DigestAlgorithm } from '../../../shared/protocol/common.js';
import type { Language, WireError } from '../../../shared/protocol/errors.js';
import type { ModuleReport } from '../../../shared/protocol/host.js';
import type { PageDocumentKind } from '../../../shared/protocol/page.js';
import type { XmlSummaryLine } from '../../../shared/xml/summary.js';

export type BackgroundAnswer = { ok: true; result: unknown } | { ok: false; error: WireError };

/** One document as the consent window describes it (built by the background from the document itself where it has it). */
export interface ConsentDocument {
  name: string;
  kind: PageDocumentKind;
  /** A digest the page sent ('cms', 'raw'). */
  digest?: string;
  digestAlgorithm?: DigestAlgorithm;
  /** PDF and XML: bytes. */
  size?: number;
  /** PDF: page count. */
  pages?: number;
  /** XML: which kind, and what identifies it (form, period, taxpayer; invoice number, parties, total). */
  profile?: 'htkk' | 'einvoice';
  summary?: XmlSummaryLine[];
  /** Time-stamped by the TSA in the settings (CAdES-T, PAdES B-T). */
  timestamp?: boolean;
  /** rsa-sha1, asked for by the portal. */
  sha1?: boolean;
}

/** What the consent window shows: everything comes from the browser or the validated request. */
export interface ConsentDetails {
  requestId: string;
  origin: string;
  description: string;
  /** One for a single signature; several for a batch (one consent, one PIN). */
  documents: ConsentDocument[];
  /** The portal's choice; absent: the browser's language. */
  lang?: Language;
  /** The site has never asked before: the user must first allow it (remembered) or refuse it. */
  askSite: boolean;
  /** A single PDF, base64: the window draws its first page. */
  pdfPreview?: string;
  /** Asked by a program on this computer through the local WebSocket mode, not by a web page. */
  viaWebSocket?: boolean;
}

export type ConsentToBackground =
  | { type: 'hello'; requestId: string }
  | { type: 'sign'; certificateId: string; pin: string | null }
  | { type: 'cancel' }
  | { type: 'site'; allow: boolean };

export type BackgroundToConsent =
  | { type: 'details'; details: ConsentDetails }
  | { type: 'certificates'; certificates: CertificateEntry[] }
  | { type: 'site-allowed' }
  | { type: 'signing' }
  | { type: 'progress'; done: number; total: number }
  | { type: 'error'; error: WireError };

export const CONSENT_PORT = 'kyso-consent';

/** Extension pages (options) ⇄ background. */
export type OptionsRequest = { options: 'status' } | { options: 'modules' } | { options: 'set-modules'; configured: string[] };
export type OptionsModules = { ok: true; report: ModuleReport } | { ok: false; error: WireError };
export type OptionsStatus =
  | { ok: true; hostVersion: string; certificates: CertificateEntry[] }
  | { ok: false; error: WireError };
