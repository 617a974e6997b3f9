/**
 * Text that came from the page or the document, put into the window as inert text: bidi controls
 * and invisible characters are not obeyed but shown, each as a visible mark naming it
 * (⟨U+202E⟩), so "…‮fdp.exe" cannot pass for "…exe.pdf" and a name cannot be empty to the eye.
 */
import { neutralizeText } from '../../../shared/text/invisible.js';

export function setPageText(element: HTMLElement, text: string, markLabel: string, styled = true): void {
  if (styled) element.classList.add('page-text');
  element.replaceChildren(
    ...neutralizeText(text).map((piece) => {
      if ('text' in piece) return document.createTextNode(piece.text);
      const mark = document.createElement('span');
      mark.className = 'control-mark';
      mark.textContent = `⟨${piece.control}⟩`;
      mark.title = markLabel;
      return mark;
    }),
  );
}
