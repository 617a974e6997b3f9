/** Messages inside the extension: background ⇄ content script, background ⇄ consent window. */

/** Background → content script: the page request's answer (the shape is defined once, in shared/protocol/common.ts). */
export type { Answer as BackgroundAnswer } from '../../../shared/protocol/common.js';

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
