/** Messages inside the extension: background ⇄ content script, background ⇄ consent window. */
import type { CertificateEntry, DigestAlgorithm } from '../../../shared/protocol/common.js';
import type { Language, WireError } from '../../../shared/protocol/errors.js';
import type { ModuleReport } from '../../../shared/protocol/host.js';
import type { PageDocumentKind } from '../../../shared/protocol/page.js';
import type { XmlSummaryLine } from '../../../shared/xml/summary.js';

/** Background → content script: the page request's answer (the shape is defined once, in shared/protocol/common.ts). */
export type { Answer as BackgroundAnswer } from '../../../shared/protocol/common.js';

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
  /** What in the document can still act or change after signing (found in the document itself). */
  warnings?: DocumentWarning[];
}

/**
 * Something a signed document can still do or change: the window warns before the PIN.
 * `names` are taken from the document (attachment file names, field names): the window shows them
 * as the document's words, never as kyso's.
 */
export interface DocumentWarning {
  code:
    | 'pdf-javascript'
    | 'pdf-launch'
    | 'pdf-actions'
    | 'pdf-embedded-files'
    | 'pdf-form-fields'
    | 'pdf-annotations'
    | 'pdf-incremental-updates'
    | 'pdf-existing-signatures'
    | 'pdf-empty-signature-fields';
  count?: number;
  names?: string[];
}

/**
 * The whole content of one document, asked for by the window when the user opens it (lazily: a
 * batch may hold a thousand). Derived from exactly the bytes that are signed.
 */
export type DocumentContent =
  /** The bytes a reader renders: the signed revision (or the original, when the prepared revision only appends the signature to it). */
  | { kind: 'pdf'; pdf: string }
  /** Every element and attribute value inside the signed XML element, by its path from that element. */
  | { kind: 'xml'; rows: Array<{ path: string; value: string }> }
  /** A digest the page computed: nothing to show but the digest itself (in ConsentDocument). */
  | { kind: 'digest' };

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
  /** Asked by a program on this computer through the local WebSocket mode, not by a web page. */
  viaWebSocket?: boolean;
}

export type ConsentToBackground =
  | { type: 'hello'; requestId: string }
  | { type: 'sign'; certificateId: string; pin: string | null }
  | { type: 'cancel' }
  | { type: 'site'; allow: boolean }
  /** The user opened document `index` (0-based) of the request. */
  | { type: 'open-document'; index: number };

export type BackgroundToConsent =
  | { type: 'details'; details: ConsentDetails }
  | { type: 'certificates'; certificates: CertificateEntry[] }
  | { type: 'site-allowed' }
  | { type: 'signing' }
  | { type: 'progress'; done: number; total: number }
  | { type: 'error'; error: WireError }
  | { type: 'document-content'; index: number; content: DocumentContent }
  | { type: 'document-content-error'; index: number; error: WireError };

export const CONSENT_PORT = 'kyso-consent';

/** Extension pages (options) ⇄ background. */
export type OptionsRequest = { options: 'status' } | { options: 'modules' } | { options: 'set-modules'; configured: string[] };
export type OptionsModules = { ok: true; report: ModuleReport } | { ok: false; error: WireError };
export type OptionsStatus = { ok: true; hostVersion: string; certificates: CertificateEntry[] } | { ok: false; error: WireError };
