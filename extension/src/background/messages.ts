/** Messages inside the extension: background ⇄ content script, background ⇄ consent window. */
import type { CertificateEntry, DigestAlgorithm } from '../../../shared/protocol/common.js';
import type { Language, WireError } from '../../../shared/protocol/errors.js';

export type BackgroundAnswer = { ok: true; result: unknown } | { ok: false; error: WireError };

export interface ConsentDocument {
  name: string;
  digest: string;
  digestAlgorithm: DigestAlgorithm;
}

/** What the consent window shows: everything comes from the browser or the validated request. */
export interface ConsentDetails {
  requestId: string;
  origin: string;
  description: string;
  /** One for a single signature; several for a batch (one consent, one PIN). */
  documents: ConsentDocument[];
  lang: Language;
}

export type ConsentToBackground =
  | { type: 'hello'; requestId: string }
  | { type: 'sign'; certificateId: string; pin: string | null }
  | { type: 'cancel' };

export type BackgroundToConsent =
  | { type: 'details'; details: ConsentDetails }
  | { type: 'certificates'; certificates: CertificateEntry[] }
  | { type: 'signing' }
  | { type: 'progress'; done: number; total: number }
  | { type: 'error'; error: WireError };

export const CONSENT_PORT = 'kyso-consent';
