/**
 * Under a certificate list (consent window, plugin prompt, options page): a line per token with
 * certificate objects the host could not list (unreadable, no key id, a key kyso cannot sign with),
 * so a certificate the user expects and does not see is explained; the box is hidden when there are
 * none. The token's label is data; the reasons are `kyso-host doctor`'s to give.
 */
import type { SkippedCertificates } from '../../../shared/protocol/common.js';
import type { Translator } from '../i18n/translate.js';

export function showSkipped(box: HTMLElement, skipped: readonly SkippedCertificates[], tr: Translator): void {
  box.replaceChildren(
    ...skipped.map(({ tokenLabel, count }) => {
      const [before, after] = tr.plural('skippedCertificates', count).split('{token}');
      const label = Object.assign(document.createElement('bdi'), {
        className: 'data',
        textContent: tokenLabel,
      });
      const line = document.createElement('p');
      line.append(before!, '«', label, '»', after ?? '');
      return line;
    }),
  );
  box.hidden = skipped.length === 0;
}
