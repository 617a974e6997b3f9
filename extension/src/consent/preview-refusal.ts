/**
 * Which document's preview read another document than kyso signs (pdf.js counted other pages than
 * kyso's model: PreviewPagesDiffer): said with the window's error, so a batch's refusal names the
 * document to look at — its place in the batch, its name (shown as page text), both counts.
 */
import type { ConsentDocument } from '../../../shared/protocol/consent.js';
import type { Translator } from '../i18n/translate.js';

export interface PreviewRefusal {
  index: number;
  /** Pages pdf.js counted, and pages kyso's model counted (those signed). */
  shown: number;
  signed: number;
}

export function previewRefusalParts(
  documents: readonly ConsentDocument[],
  refusal: PreviewRefusal,
  tr: Translator,
): { place?: string; name: string; reason: string } {
  return {
    // One document needs no number; a batch's is the one its list shows.
    ...(documents.length > 1 && {
      place: tr.t('itemTitle', { n: refusal.index + 1, total: documents.length }),
    }),
    name: documents[refusal.index]?.name ?? '',
    reason: tr.t('previewPagesDiffer', { shown: refusal.shown, signed: refusal.signed }),
  };
}
