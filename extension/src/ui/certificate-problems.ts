/**
 * Why a certificate cannot be chosen, in kyso's words: one list for every window where a user
 * chooses a certificate (the consent window, the plugin prompt), so each says the same thing.
 */
import type { UsabilityProblem } from '../../../shared/certificate/profile.js';
import type { MessageKey } from '../i18n/messages.js';
import type { Translator } from '../i18n/translate.js';

/**
 * The certificate's own problems (usabilityProblems), the site named another one to sign, or the
 * signature box would write its holder's name in a font that cannot draw it (refused at signing).
 */
export type CertificateProblem = UsabilityProblem | 'not-requested' | 'name-not-drawable';

const PROBLEM_TEXT: Record<CertificateProblem, MessageKey> = {
  expired: 'expired',
  'not-yet-valid': 'notYetValid',
  'not-for-signing': 'notForSigning',
  'weak-key': 'weakKey',
  'not-requested': 'notRequested',
  'name-not-drawable': 'nameNotDrawable',
};

/** The `.problem` line under a certificate: each reason in the window's language. */
export function problemLine(problems: CertificateProblem[], tr: Translator): HTMLSpanElement {
  return Object.assign(document.createElement('span'), {
    className: 'problem',
    textContent: problems.map((p) => tr.t(PROBLEM_TEXT[p])).join(', '),
  });
}
