/** Messages inside the extension: background ⇄ content script, background ⇄ consent window. */
import type { WireError } from '../../../shared/protocol/errors.js';

export type BackgroundAnswer = { ok: true; result: unknown } | { ok: false; error: WireError };

// The consent window's and the options page's messages are zod schemas (shared/protocol/consent.ts); the types come from them.
export type {
  BackgroundToConsent,
  ConsentDetails,
  ConsentDocument,
  ConsentToBackground,
  DocumentContent,
  DocumentWarning,
  OptionsModules,
  OptionsRequest,
  OptionsStatus,
} from '../../../shared/protocol/consent.js';

export const CONSENT_PORT = 'kyso-consent';
