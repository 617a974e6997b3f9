/**
 * What a PDF's signature adds to the page, in the consent window: which page, how large, whose
 * images, the stamp's lines and /Reason, /Location (the site's words), and the box outlined over
 * the drawn page with its images where prepare puts them. All of it from the consent entry and the
 * content the background sends: the appearance prepare will draw, never the page's account of it.
 */
import { base64ToBytes } from '../../../shared/encoding.js';
import type { ConsentAppearance, DocumentContent } from '../../../shared/protocol/consent.js';
import type { ConsentDocument } from '../background/messages.js';
import { setPageText } from './page-text.js';
import type { DrawnPage, ShownBox } from './pdf-preview.js';
import { $, t } from './window.js';

/** Object URLs of the images the open document's content brought, by role. */
let imageUrls = new Map<'signature' | 'seal', string>();

const MM_PER_POINT = 25.4 / 72;
const mm = (points: number) => Math.max(1, Math.round(points * MM_PER_POINT));

export function forgetImages(): void {
  for (const url of imageUrls.values()) URL.revokeObjectURL(url);
  imageUrls = new Map();
  $('appearance-outline').hidden = true;
  $('appearance-outline').replaceChildren();
}

/** What kyso fills in when it signs, as stampLines does: the signing time, the signer's name. */
const SLOTS = { '{time}': 'signingTimeSlot', '{signer}': 'signerSlot' } as const;

/**
 * A line of the site's words, or of kyso's (a field's text, `signerText`); its slots are kyso's,
 * filled in when it signs: `{time}` always, `{signer}` only in kyso's lines (prepare fills it only there).
 */
function stampLine(line: string, signerText: boolean): HTMLElement {
  const item = document.createElement('li');
  const text = Object.assign(document.createElement('span'), { className: 'page-text' });
  for (const piece of line.split(signerText ? /(\{time\}|\{signer\})/ : /(\{time\})/)) {
    if (piece in SLOTS) {
      const slot = Object.assign(document.createElement('span'), {
        className: 'slot',
        textContent: `⟨${t(SLOTS[piece as keyof typeof SLOTS])}⟩`,
      });
      slot.dataset.slot = piece.slice(1, -1);
      text.append(slot);
    } else if (piece) {
      const words = document.createElement('span');
      setPageText(words, piece, t('controlMark'), false);
      text.append(words);
    }
  }
  item.append(text);
  return item;
}

/**
 * The `{signer}` slots of kyso's lines: the chosen certificate's holder, as prepare will draw it, or
 * what will be there while no certificate is chosen.
 */
export function showSigner(holder: string | undefined): void {
  for (const slot of document.querySelectorAll<HTMLElement>('#appearance-lines .slot[data-slot="signer"]')) {
    slot.textContent = holder ?? `⟨${t('signerSlot')}⟩`;
    slot.classList.toggle('filled', holder !== undefined);
  }
}

/** Which page, how large, whose images, which lines: the outline on the page itself is drawn by showPage. */
export function renderAppearance(appearance: ConsentAppearance | undefined): void {
  $('appearance').hidden = !appearance;
  $('appearance-show').hidden = true; // until the preview can show the page
  if (!appearance) return;
  const { page, rect, pageShare } = appearance;
  $('appearance-title').textContent = t(appearance.signerText ? 'appearanceTitleField' : 'appearanceTitle');
  $('appearance').dataset.page = String(page + 1);
  $('appearance-where').textContent = t('appearanceWhere', {
    page: page + 1,
    width: mm(rect.width),
    height: mm(rect.height),
    share: pageShare,
  });
  $('appearance-images').replaceChildren(
    ...(appearance.images ?? []).map(({ role, source }) => {
      const item = document.createElement('li');
      item.dataset.role = role;
      item.dataset.source = source;
      item.append(
        Object.assign(document.createElement('span'), {
          textContent: t(`appearanceImage_${role}_${source}`),
        }),
      );
      return item;
    }),
  );
  const lines = appearance.lines ?? [];
  $('appearance-lines-box').hidden = lines.length === 0;
  $('appearance-lines-label').textContent = t(
    appearance.signerText ? 'appearanceLinesField' : 'appearanceLines',
  );
  // As stampLines draws them: without a {time} line the time comes last.
  const shown =
    lines.some((line) => line.includes('{time}')) || lines.length === 0 ? lines : [...lines, '{time}'];
  $('appearance-lines').replaceChildren(
    ...shown.map((line) => stampLine(line, appearance.signerText === true)),
  );
  $('appearance-show').textContent = t('appearanceShow', { page: page + 1 });
}

/** The document's own signature field the signature goes into: its name as the document spells it, and its page. */
export function renderSignatureField(d: ConsentDocument): void {
  $('signature-field').hidden = !d.field;
  if (!d.field) return;
  $('signature-field').dataset.page = String(d.field.page + 1);
  $('signature-field-where').textContent = t('signatureFieldWhere', { page: d.field.page + 1 });
  setPageText($('signature-field-name'), d.field.name, t('controlMark'));
}

/** /Reason and /Location: the site's words, signed into the signature. */
export function renderSignatureWords(d: ConsentDocument): void {
  const rows = (
    [
      ['reasonLabel', d.reason, 'reason'],
      ['locationLabel', d.location, 'location'],
    ] as const
  ).filter(([, value]) => value !== undefined);
  $('signature-words').hidden = rows.length === 0;
  $('signature-words').replaceChildren(
    ...rows.flatMap(([label, value, field]) => {
      const term = Object.assign(document.createElement('dt'), {
        className: 'site-words-label',
        textContent: t(label),
      });
      const definition = document.createElement('dd');
      definition.dataset.field = field;
      setPageText(definition, value!, t('controlMark'));
      return [term, definition];
    }),
  );
}

/** The images as the content brought them: listed with whose they are, and ready for the outline. */
export function showAppearanceImages(
  images: NonNullable<Extract<DocumentContent, { kind: 'pdf' }>['images']>,
): void {
  for (const { role, type, data } of images) {
    const url = URL.createObjectURL(new Blob([base64ToBytes(data)], { type: `image/${type}` }));
    imageUrls.set(role, url);
    const item = document.querySelector<HTMLElement>(`#appearance-images li[data-role="${role}"]`);
    item?.prepend(Object.assign(document.createElement('img'), { src: url, alt: item.textContent ?? '' }));
    // The text is the image's alternative: read once.
    item?.lastElementChild?.setAttribute('aria-hidden', 'true');
  }
}

/**
 * An image's element inside the outline, in fractions of the outline: the image is drawn upright in
 * page space, so a reader shows it turned with the page (/Rotate, clockwise). The element keeps the
 * image's unturned size, centred on where `place` puts its box, and turns about its centre. `shown`
 * is that turned box and `box` the outline, both in fractions of the drawn page, whose height over
 * width is `aspect`.
 */
export function imageInOutline(
  box: ShownBox,
  shown: ShownBox,
  rotation: number,
  aspect: number,
): ShownBox & { rotation: number } {
  const sideways = rotation === 90 || rotation === 270;
  // Unturned, the element's width is the turned box's height (in the page's pixels), and back.
  const width = sideways ? (shown.height * aspect) / box.width : shown.width / box.width;
  const height = sideways ? shown.width / aspect / box.height : shown.height / box.height;
  const centreX = (shown.left + shown.width / 2 - box.left) / box.width;
  const centreY = (shown.top + shown.height / 2 - box.top) / box.height;
  return { left: centreX - width / 2, top: centreY - height / 2, width, height, rotation };
}

/** The signature's box over the drawn page, and its images where prepare puts them (nothing on other pages). */
export function outlineAppearance(
  appearance: ConsentAppearance | undefined,
  number: number,
  drawn: DrawnPage,
): boolean {
  const outline = $('appearance-outline');
  if (!appearance || appearance.page !== number - 1) {
    outline.hidden = true;
    return false;
  }
  const box = drawn.place(appearance.rect);
  const percent = (n: number) => `${(n * 100).toFixed(3)}%`;
  Object.assign(outline.style, {
    left: percent(box.left),
    top: percent(box.top),
    width: percent(box.width),
    height: percent(box.height),
  });
  outline.replaceChildren(
    ...(appearance.images ?? []).flatMap(({ role, rect }) => {
      const url = imageUrls.get(role);
      if (!url) return [];
      const image = Object.assign(document.createElement('img'), { src: url, alt: '' });
      image.dataset.role = role;
      const at = imageInOutline(box, drawn.place(rect), drawn.rotation, drawn.aspect);
      Object.assign(image.style, {
        left: percent(at.left),
        top: percent(at.top),
        width: percent(at.width),
        height: percent(at.height),
        transform: at.rotation ? `rotate(${at.rotation}deg)` : '',
      });
      return [image];
    }),
  );
  outline.hidden = false;
  return true;
}
