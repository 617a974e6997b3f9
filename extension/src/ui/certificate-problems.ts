/**
 * Why a certificate cannot be chosen, in kyso's words: one list for every window where a user
 * chooses a certificate (the consent window, the plugin prompt), so each says the same thing.
 */
import type { UsabilityProblem } from '../../../shared/certificate/profile.js';
import type { CertificateSeedConstraint } from '../../../shared/certificate/seed-match.js';
import { codePointLabel } from '../../../shared/pdf/stamp-font-coverage.js';
import type { MessageKey } from '../i18n/messages.js';
import type { Translator } from '../i18n/translate.js';

/**
 * The certificate's own problems (usabilityProblems), the site named another one to sign, the
 * signature box would write its holder's name in a font that cannot draw it (refused at signing), or
 * the document's signature field requires another certificate (its seed value, `field-…`).
 */
export type CertificateProblem =
  UsabilityProblem | 'not-requested' | 'name-not-drawable' | `field-${CertificateSeedConstraint}`;

const PROBLEM_TEXT: Record<CertificateProblem, MessageKey> = {
  expired: 'expired',
  'not-yet-valid': 'notYetValid',
  'not-for-signing': 'notForSigning',
  'weak-key': 'weakKey',
  'not-requested': 'notRequested',
  'name-not-drawable': 'nameNotDrawable',
  'field-subject': 'fieldSubject',
  'field-issuer': 'fieldIssuer',
  'field-policy': 'fieldPolicy',
  'field-subject-dn': 'fieldSubjectDn',
  'field-key-usage': 'fieldKeyUsage',
};

/** A character a person can see on its own: shown beside its code point; a mark, space or control only by its code point. */
const SEEN_ALONE = /^[\p{L}\p{N}\p{P}\p{S}]$/u;

/** "U+738B 王, U+5C0F 小": each character by code point, and itself (the certificate's, as data) when it can be seen alone. */
function characterList(characters: string[]): Node[] {
  return characters.flatMap((char, i) => {
    const label = `${i ? ', ' : ''}${codePointLabel(char.codePointAt(0)!)}`;
    if (!SEEN_ALONE.test(char)) return [document.createTextNode(label)];
    const shown = Object.assign(document.createElement('bdi'), { className: 'data', textContent: char });
    return [document.createTextNode(`${label} `), shown];
  });
}

/**
 * The `.problem` line under a certificate: each reason in the window's language; for a name the
 * stamp font cannot draw, those characters (`undrawable`, from undrawableInStampFont).
 */
export function problemLine(
  problems: CertificateProblem[],
  tr: Translator,
  undrawable: string[] = [],
): HTMLSpanElement {
  const line = Object.assign(document.createElement('span'), { className: 'problem' });
  problems.forEach((problem, i) => {
    if (i) line.append(', ');
    const text = tr.t(PROBLEM_TEXT[problem]);
    // {characters} is left in place by t(): the characters go there as elements, not as words.
    const [before, after] = text.split('{characters}');
    line.append(before!);
    if (after !== undefined) line.append(...characterList(undrawable), after);
  });
  return line;
}
