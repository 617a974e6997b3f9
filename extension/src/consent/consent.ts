/**
 * The consent window: what is being signed, for whom, with which certificate — and the PIN, which
 * goes from here to the background and the host only. Everything the page wrote is shown as the
 * page's words (page-text.ts); every document and every page of it can be opened; nothing can be
 * approved in the first moment after a question appears (stray typing from the page the user was
 * in must not sign or spend a PIN try).
 */
import '../ui/base.css';
import './consent.css';
import browser from 'webextension-polyfill';
import {
  hasSerialNumber,
  holderName,
  summarizeCertificate,
  usabilityProblems,
  type CertificateSummary,
} from '../../../shared/certificate/profile.js';
import { base64ToBytes, bytesToHex } from '../../../shared/encoding.js';
import { undrawableInStampFont } from '../../../shared/pdf/stamp-font-coverage.js';
import { issuersAmong } from '../../../shared/certificate/issuer-names.js';
import { seedProblems, type CertificateSeedConstraint } from '../../../shared/certificate/seed-match.js';
import { certificateToTake, signerTaxCodes, taxCodesNotCarried } from '../../../shared/xml/signer-party.js';
import type { CertificateEntry, SkippedCertificates } from '../../../shared/protocol/common.js';
import { BackgroundToConsentSchema, type DocumentContent } from '../../../shared/protocol/consent.js';
import { errorMessage, type WireError } from '../../../shared/protocol/errors.js';
import { CONSENT_PORT } from '../background/messages.js';
import type {
  BackgroundToConsent,
  ConsentDetails,
  ConsentDocument,
  ConsentToBackground,
} from '../background/messages.js';
import { MESSAGES, type MessageKey } from '../i18n/messages.js';
import { browserLanguage, translator } from '../i18n/translate.js';
import { problemLine, type CertificateProblem } from '../ui/certificate-problems.js';
import { showSkipped } from '../ui/skipped-certificates.js';
import {
  forgetImages,
  outlineAppearance,
  renderAppearance,
  renderSignatureField,
  renderSignatureWords,
  showAppearanceImages,
  showSigner,
} from './appearance-view.js';
import {
  markCounts,
  markedPieces,
  signedTextOf,
  type SignedTextPiece,
} from '../../../shared/text/signed-text.js';
import { MAX_MARKS_PER_LETTER } from '../../../shared/text/stacked-marks.js';
import { setPageText } from './page-text.js';
import { previewRefusalParts, type PreviewRefusal } from './preview-refusal.js';
import { $, speak, t, tr } from './window.js';

const EXPIRY_WARNING_DAYS = 30;
/** Like browsers' permission prompts: a new question ignores keys and clicks for a moment. */
const ARMING_DELAY_MS = 1000;
const LIST_PAGE_SIZE = 20;
/** The XML table's first step; each "show more" shows twice as many, so tens of thousands take a few clicks. */
const XML_ROWS_FIRST_STEP = 200;

const requestId = new URLSearchParams(location.search).get('request') ?? '';
const port = browser.runtime.connect({ name: CONSENT_PORT });
const send = (message: ConsentToBackground) => port.postMessage(message);

let details: ConsentDetails | undefined;
let certificates: CertificateEntry[] = [];
/** Certificate objects the host could not list, per token (unreadable, no key id, a key kyso cannot use). */
let skipped: SkippedCertificates[] = [];
/** The listed certificates that can be chosen for this request (no CertificateProblem). */
let choosable: CertificateEntry[] = [];
let askSite = false;
/** Previews that read another document than kyso signs (notShown): no signing from this window; the error names each. */
const previewRefusals: PreviewRefusal[] = [];
const PREVIEW_REFUSED: WireError = { code: 'PDF_AMBIGUOUS', message: '' };
let state: 'loading' | 'permission' | 'ready' | 'signing' | 'error' = 'loading';

// ---- Deliberate approval ---------------------------------------------------------------------

let armedAt = Infinity;
let armTimer: ReturnType<typeof setTimeout> | undefined;
const armed = () => performance.now() >= armedAt;

/** A new question is on screen: keys and clicks on its answers count only after a moment. */
function arm(): void {
  armedAt = performance.now() + ARMING_DELAY_MS;
  document.body.dataset.armed = 'false';
  clearTimeout(armTimer);
  armTimer = setTimeout(() => {
    document.body.dataset.armed = 'true';
    updateSign();
  }, ARMING_DELAY_MS);
}

// Coming back to the window is meeting its question again: a window that covered it and closed (or a
// click meant for something that was on top) must not land on Sign or "allow" — armed again, as when it opened.
// Leaving is judged by the browser's own windows, not the page's blur: Tab past the last control visits the
// window's toolbar (blur and focus, no other window), and a keyboard user must not lose keys to it. Focus on
// no browser window (WINDOW_ID_NONE) is leaving when the window itself has lost it: another program took it
// (and may steer a click as a popup would). Chromium also reports it when the focus goes to browser UI the
// page has not got (headless): the window keeps its focus then, and that is not leaving.
// Coming back is the page's focus (the browser does not always report its own window regaining focus).
let leftWindow = false;
const ownWindow = browser.windows.getCurrent().then((window) => window.id);
browser.windows.onFocusChanged.addListener(async (focusedWindow) => {
  const own = await ownWindow;
  if (focusedWindow === browser.windows.WINDOW_ID_NONE) {
    if (own !== undefined && !(await browser.windows.get(own)).focused) leftWindow = true;
  } else if (focusedWindow !== own) leftWindow = true;
  else if (leftWindow) comeBack();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') leftWindow = true;
});
window.addEventListener('focus', () => {
  if (leftWindow && document.visibilityState === 'visible') comeBack();
});

function comeBack(): void {
  leftWindow = false;
  if (state !== 'permission' && state !== 'ready') return;
  arm();
  // The browser gives focus back to the PIN field, but keys are dropped while armed again: a PIN
  // typed straight on would lose its first digits and Enter would send the rest (a wrong PIN the
  // token counts). The PIN starts afresh and the focus goes where it goes when the window opens.
  const pin = $<HTMLInputElement>('pin');
  pin.value = '';
  if (document.activeElement === pin) focusCertificate({ preventScroll: true });
  updateSign();
}

// Keys typed before the window is armed were meant for another window: they go nowhere.
document.addEventListener(
  'keydown',
  (event) => {
    if (!armed() && event.key !== 'Escape') {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);

// ---- States and focus ------------------------------------------------------------------------

function setState(next: typeof state): void {
  const previous = state;
  state = next === 'ready' && askSite ? 'permission' : next;
  document.body.dataset.state = state;
  $('site-permission').hidden = state !== 'permission';
  $('consent').hidden = state === 'permission';
  // Read-only, not disabled, while signing: a disabled field would drop the keyboard's focus to the page.
  $<HTMLInputElement>('pin').readOnly = state === 'signing';
  if (state === 'loading') $('status').textContent = t('loading');
  else if (state === 'signing') $('status').textContent = t('signing');
  else $('status').textContent = '';
  // A new question (not the same form back after a failed attempt the user made deliberately).
  if (state !== previous && (state === 'permission' || state === 'ready') && previous !== 'signing') {
    arm();
    // Focus goes to the question (permission) or the certificate — never straight into the PIN —
    // without scrolling: the window opens on who asks and what is signed.
    if (state === 'permission') $('site-question').focus({ preventScroll: true });
    else focusCertificate({ preventScroll: true });
  }
  updateSign();
}

function focusCertificate(options?: FocusOptions): void {
  const radio =
    document.querySelector<HTMLInputElement>('#certificates input[name="certificate"]:checked') ??
    document.querySelector<HTMLInputElement>('#certificates input[name="certificate"]:not(:disabled)');
  if (radio) radio.focus(options);
  else if (!$('retry').hidden) $('retry').focus(options);
  else $('title').focus(options);
}

/** What Sign still needs, or undefined when it can sign. */
function missing(): MessageKey | undefined {
  if (state !== 'ready') return undefined;
  if (previewRefusals.length > 0) return 'previewRefused';
  if (uncounted > 0) return 'signNeedsCount';
  if (hasUnshown() && !$<HTMLInputElement>('unshown-ack').checked) return 'signNeedsUnshownAck';
  const entry = chosen();
  if (!entry) return 'signNeedsCertificate';
  if (!entry.token.protectedAuthPath && $<HTMLInputElement>('pin').value.length === 0) return 'signNeedsPin';
  return armed() ? undefined : 'signWait';
}

/** Sign stays focusable; when it cannot sign yet it says why (aria-disabled and the status line). */
function updateSign(): void {
  const sign = $<HTMLButtonElement>('sign');
  const need = missing();
  const ready = state === 'ready' && need === undefined;
  sign.setAttribute('aria-disabled', String(!ready));
  const reason = need ? t(need) : '';
  if ($('sign-why').textContent !== reason) $('sign-why').textContent = reason;
}

/**
 * Enables or disables a pager's two buttons. A button disabled under the keyboard's focus would drop
 * the focus to the page; it hands it to the other button instead (at the last page, to "previous").
 */
function setPager(previousId: string, nextId: string, atStart: boolean, atEnd: boolean): void {
  const previous = $<HTMLButtonElement>(previousId);
  const next = $<HTMLButtonElement>(nextId);
  const focused = document.activeElement;
  previous.disabled = atStart;
  next.disabled = atEnd;
  if (focused === next && atEnd && !atStart) previous.focus();
  else if (focused === previous && atStart && !atEnd) next.focus();
}

function showError(shown: WireError | undefined): void {
  // A preview that read another document than kyso signs stays said until the window closes.
  const error = shown ?? (previewRefusals.length > 0 ? PREVIEW_REFUSED : undefined);
  const box = $('error');
  const pin = $<HTMLInputElement>('pin');
  pin.removeAttribute('aria-invalid');
  pin.removeAttribute('aria-describedby');
  if (!error) {
    box.hidden = true;
    box.removeAttribute('data-code');
    box.textContent = '';
    return;
  }
  const extra: Array<string | HTMLElement> = [];
  if (error === PREVIEW_REFUSED) extra.push(...previewRefusals.map(refusedDocument));
  if (error.details?.pinFinalTry === true) extra.push(t('pinFinalTry'));
  else if (error.details?.pinCountLow === true) extra.push(t('pinCountLow'));
  box.dataset.code = error.code;
  // One sentence per catalogue message (the error, then what the token reports about its tries).
  box.replaceChildren(
    errorMessage(error.code, tr().lang),
    ...extra.flatMap((text) => [
      ' ',
      typeof text === 'string' ? Object.assign(document.createElement('span'), { textContent: text }) : text,
    ]),
  );
  box.hidden = false;
  if (error.code === 'PIN_INCORRECT' || error.code === 'PIN_INVALID') {
    pin.setAttribute('aria-invalid', 'true');
    pin.setAttribute('aria-describedby', 'error');
  }
}

/** "Document 2 of 3 “name”: the preview has 2 pages but …", the name inert as every page text. */
function refusedDocument(refusal: PreviewRefusal): HTMLElement {
  const { place, name, reason } = previewRefusalParts(details?.documents ?? [], refusal, tr());
  const sentence = Object.assign(document.createElement('span'), { className: 'refused-document' });
  sentence.dataset.index = String(refusal.index);
  const shownName = document.createElement('span');
  setPageText(shownName, name, t('controlMark'));
  sentence.append(...(place ? [`${place} `] : []), shownName, `: ${reason}`);
  return sentence;
}

// ---- Static texts ----------------------------------------------------------------------------

function renderTexts(): void {
  document.documentElement.lang = tr().lang;
  document.title = `kyso — ${t('title')}`;
  const texts: Array<[string, MessageKey]> = [
    ['title', 'title'],
    ['origin-label', 'requestedBy'],
    ['site-words-label', 'siteWords'],
    ['site-question', 'siteQuestion'],
    ['site-explain', 'siteExplain'],
    ['allow-site', 'allowSite'],
    ['deny-site', 'denySite'],
    ['document-name-label', 'documentName'],
    ['page-previous', 'previousPage'],
    ['page-next', 'nextPage'],
    ['xml-toggle', 'xmlOpen'],
    ['xml-path-head', 'xmlPath'],
    ['xml-value-head', 'xmlValue'],
    ['xml-more', 'showMore'],
    ['kind-filter-label', 'filterKind'],
    ['list-previous', 'previousItems'],
    ['list-next', 'nextItems'],
    ['close-document', 'closeItem'],
    ['warnings-title', 'warningsTitle'],
    ['certificate-label', 'certificate'],
    ['retry', 'retry'],
    ['pin-label', 'pin'],
    ['pin-on-device', 'pinOnDevice'],
    ['warning', 'warning'],
    ['sign', 'sign'],
    ['cancel', 'cancel'],
    ['escape-question', 'escapeQuestion'],
    ['keep-signing', 'keepSigning'],
    ['confirm-cancel', 'confirmCancel'],
  ];
  for (const [id, key] of texts) $(id).textContent = t(key);
  $('progress').setAttribute('aria-label', t('progressLabel'));
  $('action-bar').setAttribute('aria-label', t('title'));
}

// ---- The request -----------------------------------------------------------------------------

/** The kind a person is told: an XML document by its profile (a generic one as plain XML). */
const shownKind = (d: ConsentDocument) => {
  if (d.kind !== 'xml') return d.kind;
  if (d.profile === 'einvoice-buyer') return 'einvoice_buyer';
  if (d.elementOnly) return 'xml_element';
  return d.profile === 'einvoice' || d.profile === 'htkk' ? d.profile : 'xml';
};
const kindKey = (d: ConsentDocument): MessageKey => `kind_${shownKind(d)}`;
const shortKindKey = (d: ConsentDocument): MessageKey => `short_${shownKind(d)}`;
/** A batch counts and filters its items by the kind each is shown as. */
const kindOf = shownKind;

function renderDetails(): void {
  const request = details!;
  askSite = request.askSite;
  renderTexts();
  // The browser's own serialisation: IDN hosts arrive as punycode (xn--…), so look-alikes show.
  $('origin').textContent = request.origin;
  $('origin-via').textContent = request.viaWebSocket ? t('viaWebSocket') : '';
  setPageText($('description'), request.description, t('controlMark'));
  const documents = request.documents;
  if (documents.length === 1) {
    $('document-label').textContent = t('document');
    $('document-heading').hidden = true;
    openDocument(0, false);
  } else {
    document.body.dataset.batch = 'true';
    $('document-label').textContent = t('documents');
    renderBatch(documents);
    void countBatchPages(documents);
  }
}

// ---- A batch: every item, a page at a time ---------------------------------------------------

let listFilter = 'all';
let listStart = 0;

function renderBatch(documents: ConsentDocument[]): void {
  $('batch').hidden = false;
  $('document-count').textContent = tr().plural('batchCount', documents.length);
  $('document-count').dataset.count = String(documents.length);
  const counts = new Map<string, { label: string; n: number }>();
  for (const d of documents) {
    const kind = kindOf(d);
    counts.set(kind, { label: t(kindKey(d)), n: (counts.get(kind)?.n ?? 0) + 1 });
  }
  $('kind-counts').replaceChildren(
    ...[...counts.values()].map(({ label, n }) =>
      Object.assign(document.createElement('li'), { textContent: t('kindCount', { kind: label, n }) }),
    ),
  );
  $('mixed-kinds').textContent = t('mixedKinds');
  $('mixed-kinds').hidden = counts.size < 2;
  const filter = $<HTMLSelectElement>('kind-filter');
  filter.replaceChildren(
    new Option(`${t('filterAll')} (${tr().number(documents.length)})`, 'all'),
    ...[...counts.entries()].map(([kind, { label, n }]) => new Option(`${label} (${tr().number(n)})`, kind)),
  );
  filter.addEventListener('change', () => {
    // Chromium may fire change again when the select loses focus: re-render only on a new choice (a click on Open must find its button).
    if (filter.value === listFilter) return;
    listFilter = filter.value;
    listStart = 0;
    renderList();
  });
  $('list-previous').addEventListener('click', () => {
    listStart = Math.max(0, listStart - LIST_PAGE_SIZE);
    renderList();
  });
  $('list-next').addEventListener('click', () => {
    listStart += LIST_PAGE_SIZE;
    renderList();
  });
  const warned = documents.filter((d) => d.warnings?.length).length;
  if (warned) {
    $('batch-warnings').hidden = false;
    $('batch-warnings-text').textContent =
      `${t('warningsTitle')}: ${tr().number(warned)} / ${tr().number(documents.length)}`;
  }
  // What a single document's window says of it is said of the batch too: an item nobody opens must
  // not certify (lock) a document, or sign a bare hash, unannounced.
  const notes = [
    ...([1, 2, 3] as const).map(
      (level) => documents.some((d) => d.certify === level) && t(`certify${level}`),
    ),
    documents.some((d) => d.timestamp) && t('timestamped'),
    documents.some((d) => d.longTerm === 'B-LTA') && t('longTermLTA'),
    documents.some((d) => d.longTerm === 'B-LT') && t('longTermLT'),
    documents.some((d) => d.sha1) && t('sha1'),
    documents.some((d) => d.kind === 'raw') && t('rawWarning'),
  ].filter((n): n is string => !!n);
  $('document-notes').textContent = notes.join(' ');
  $('batch').append($('document-notes'));
  const progress = $<HTMLProgressElement>('progress');
  progress.max = documents.length;
  progress.value = 0;
  renderList();
}

function renderList(): void {
  const documents = details!.documents;
  const counts = new Map<string, number>();
  for (const d of documents) counts.set(kindOf(d), (counts.get(kindOf(d)) ?? 0) + 1);
  const usual = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const matching = documents
    .map((d, index) => ({ d, index }))
    .filter(({ d }) => listFilter === 'all' || kindOf(d) === listFilter);
  listStart = Math.min(
    listStart,
    Math.max(0, matching.length - 1 - ((matching.length - 1) % LIST_PAGE_SIZE)),
  );
  const shown = matching.slice(listStart, listStart + LIST_PAGE_SIZE);
  $('documents').replaceChildren(
    ...shown.map(({ d, index }) => {
      const item = document.createElement('li');
      item.dataset.index = String(index);
      item.dataset.kind = d.kind;
      if (counts.size > 1 && kindOf(d) !== usual) item.dataset.odd = 'true';
      const number = Object.assign(document.createElement('span'), {
        className: 'item-number',
        textContent: `${tr().number(index + 1)}.`,
      });
      const kind = Object.assign(document.createElement('span'), {
        className: 'item-kind',
        textContent: t(shortKindKey(d)),
      });
      const name = Object.assign(document.createElement('span'), { className: 'item-name page-text' });
      setPageText(name, d.name, t('controlMark'));
      item.append(number, kind, name);
      if (d.warnings?.length)
        item.append(
          Object.assign(document.createElement('span'), {
            className: 'item-warning',
            textContent: t('hasWarnings'),
          }),
        );
      const open = Object.assign(document.createElement('button'), {
        type: 'button',
        className: 'open-item',
        textContent: t('openItem'),
      });
      open.setAttribute('aria-label', t('openItemLabel', { n: index + 1 }));
      open.addEventListener('click', () => openDocument(index, true));
      item.append(open);
      return item;
    }),
  );
  $('list-range').textContent = matching.length
    ? t('listRange', { from: listStart + 1, to: listStart + shown.length, total: matching.length })
    : t('listRange', { from: 0, to: 0, total: 0 });
  setPager('list-previous', 'list-next', listStart === 0, listStart + LIST_PAGE_SIZE >= matching.length);
}

// ---- One document ----------------------------------------------------------------------------

let openIndex = -1;
/** The document whose content the window asked for to show (the batch count asks for others'). */
let contentWanted = -1;
let pdfView:
  | {
      index: number;
      pdf: import('./pdf-preview.js').OpenPdf;
      page: number;
      seen: Set<number>;
      /** showPage calls so far: a draw cancelled by a newer one (resize) is no failure of the page. */
      draws: number;
    }
  | undefined;
/** "Show page N" clicked while the preview was still opening: it opens on that page. */
let pageAsked: number | undefined;
let xmlRows: Array<{ path: string; value: string }> = [];
let xmlStep = XML_ROWS_FIRST_STEP;
let xmlShown = 0;
/** The open document's appearance images (object URLs), by role, once its content came. */

/** Shows document `index` (the single one, or a batch item the user opened) and asks the background for its content. */
function openDocument(index: number, fromList: boolean): void {
  const d = details!.documents[index]!;
  openIndex = index;
  void pdfView?.pdf.close(); // frees the previous preview; nothing waits for it
  pdfView = undefined;
  pageAsked = undefined;
  clearPdfPreview();
  const article = $('document');
  article.dataset.open = 'true';
  article.dataset.index = String(index);
  if (fromList) {
    $('document-heading').hidden = false;
    $('document-heading').textContent = t('itemTitle', { n: index + 1, total: details!.documents.length });
    $('close-document').hidden = false;
  }
  $('document-kind').textContent = t(kindKey(d));
  $('document-kind').dataset.kind = d.kind;
  setPageText($('document-name'), d.name, t('controlMark'));
  // A digest the page did not name has no name to show (a name of invisible characters only is refused earlier).
  $('document-name').hidden = d.name.length === 0;
  $('document-name-label').hidden = d.name.length === 0;
  $('document-meta').textContent = d.size !== undefined ? formatSize(d.size) : '';
  $('page-count').hidden = d.pages === undefined;
  if (d.pages !== undefined) $('page-count').textContent = tr().plural('documentPages', d.pages);
  renderSummary(d);
  renderWarnings(d);
  forgetImages();
  renderSignatureField(d);
  renderAppearance(d.appearance);
  showSigner(chosenHolder());
  renderSignatureWords(d);
  const digest = d.kind === 'cms' || d.kind === 'raw';
  $('hash-only').hidden = !digest;
  $('hash-only-text').textContent = digest ? t('hashOnly', { origin: details!.origin }) : '';
  $('raw-warning').hidden = d.kind !== 'raw';
  $('raw-warning').textContent = d.kind === 'raw' ? t('rawWarning') : '';
  if (d.digest && d.digestAlgorithm) {
    $('fingerprint-row').hidden = false;
    $('fingerprint-label').textContent = t('fingerprint');
    $('fingerprint-algorithm').textContent = d.digestAlgorithm;
    $('fingerprint').textContent = bytesToHex(base64ToBytes(d.digest)).replace(/(.{8})(?!$)/g, '$1 ');
  } else {
    $('fingerprint-row').hidden = true;
  }
  $('pdf-viewer').hidden = true;
  $('xml-viewer').hidden = true;
  $('text-viewer').hidden = true;
  $('content-problem').hidden = true;
  const notes = [
    d.certify && t(`certify${d.certify}`),
    d.timestamp && t('timestamped'),
    d.longTerm && t(d.longTerm === 'B-LTA' ? 'longTermLTA' : 'longTermLT'),
    d.sha1 && t('sha1'),
  ].filter((n): n is string => !!n);
  if (!fromList) $('document-notes').textContent = notes.join(' ');
  else {
    $('item-notes').textContent = notes.join(' ');
    $('item-notes').hidden = notes.length === 0;
  }
  if (d.kind === 'pdf' || d.kind === 'xml' || d.kind === 'text') {
    contentWanted = index;
    send({ type: 'open-document', index });
  }
  if (fromList) $('document-heading').focus();
}

function closeDocument(): void {
  const index = openIndex;
  $('document').dataset.open = 'false';
  void pdfView?.pdf.close(); // frees the preview; nothing waits for it
  pdfView = undefined;
  pageAsked = undefined;
  forgetImages();
  openIndex = -1;
  document.querySelector<HTMLButtonElement>(`#documents li[data-index="${index}"] .open-item`)?.focus();
}

function formatSize(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${tr().number(Math.max(1, Math.round(bytes / 1024)))} KB`
    : `${new Intl.NumberFormat(tr().lang, { maximumFractionDigits: 1 }).format(bytes / 1024 / 1024)} MB`;
}

function renderSummary(d: ConsentDocument): void {
  $('document-summary').replaceChildren(
    ...(d.summary ?? []).flatMap(({ field, value }) => {
      const key = `field_${field}`;
      const term = Object.assign(document.createElement('dt'), {
        textContent: key in MESSAGES.vi ? t(key as MessageKey) : field,
      });
      const definition = document.createElement('dd');
      definition.classList.add('data');
      setSignedValue(definition, value);
      definition.dataset.field = field;
      return [term, definition];
    }),
  );
}

function renderWarnings(d: ConsentDocument): void {
  const warnings = d.warnings ?? [];
  $('warnings').hidden = warnings.length === 0;
  $('warning-list').replaceChildren(
    ...warnings.map((warning) => {
      const item = document.createElement('li');
      item.dataset.code = warning.code;
      // {n}: the count, for the appearance's warning its share of the page in percent.
      item.append(t(`warning_${warning.code.replaceAll('-', '_')}` as MessageKey, { n: warning.count ?? 0 }));
      if (warning.names?.length) {
        const label = Object.assign(document.createElement('span'), {
          className: 'site-words-label',
          textContent: ` ${t('documentWords')}: `,
        });
        const names = document.createElement('ul');
        names.className = 'document-words';
        names.append(
          ...warning.names.slice(0, 50).map((name) => {
            const li = document.createElement('li');
            const text = Object.assign(document.createElement('span'), { className: 'page-text' });
            setPageText(text, name, t('controlMark'));
            li.append(text);
            return li;
          }),
        );
        item.append(label, names);
      }
      return item;
    }),
  );
}

/**
 * Nothing of the document shown before (a batch's other item) stays in the preview — its pixels, its
 * page number, its "rendered" state — while this one opens, or if it cannot.
 */
function clearPdfPreview(): void {
  const canvas = $<HTMLCanvasElement>('preview');
  canvas.width = 0;
  canvas.height = 0;
  canvas.dataset.rendered = 'pending';
  delete canvas.dataset.page;
  canvas.removeAttribute('aria-label');
  $('appearance-outline').hidden = true;
  $('page-position').textContent = '';
  $('seen-pages').textContent = '';
}

/**
 * A PDF's bytes, read from the preparer's blob (DocumentContentSchema): only a blob of this extension's
 * own origin is read, whatever a message names.
 */
async function pdfBytes(content: Extract<DocumentContent, { kind: 'pdf' }>): Promise<Uint8Array> {
  if (!content.url.startsWith(`blob:${location.origin}/`)) throw new Error('not a document of kyso');
  const response = await fetch(content.url);
  if (!response.ok) throw new Error('the document is no longer held');
  return new Uint8Array(await response.arrayBuffer());
}

async function showContent(index: number, content: DocumentContent): Promise<void> {
  if (index !== openIndex) return;
  if (content.kind === 'pdf') {
    $('pdf-viewer').hidden = false;
    if (content.images) showAppearanceImages(content.images);
    const appearance = details!.documents[index]?.appearance;
    $('appearance-show').hidden = !appearance;
    const canvas = $<HTMLCanvasElement>('preview');
    try {
      const { openPdf } = await import('./pdf-preview.js');
      const pdf = await openPdf(await pdfBytes(content), details!.documents[index]?.pages);
      if (index !== openIndex) return void pdf.close(); // another document was opened meanwhile: free this one
      pdfView = { index, pdf, page: 1, seen: new Set(), draws: 0 };
      $('page-count').hidden = false;
      $('page-count').textContent = tr().plural('documentPages', pdf.pages);
      await showPage(pageAsked ?? 1);
    } catch (error) {
      if (index === openIndex) {
        canvas.dataset.rendered = 'false';
        canvas.setAttribute('aria-label', t('contentFailed'));
        $('page-problem').hidden = false;
        $('page-problem').textContent = t('contentFailed');
      }
      notShown(index, error);
    }
  } else if (content.kind === 'text') {
    showText(base64ToBytes(content.data));
  } else if (content.kind === 'xml') {
    xmlRows = content.rows;
    xmlShown = 0;
    xmlStep = XML_ROWS_FIRST_STEP;
    $('xml-viewer').hidden = false;
    $('xml-rows').textContent = tr().plural('xmlRows', xmlRows.length);
    // Counted over every row, shown or not yet: what the table will mark is said before it is opened.
    showMarkCounts(
      $('xml-marks'),
      markCounts(xmlRows.flatMap(({ path, value }) => [...markedPieces(path), ...markedPieces(value)])),
      'xml',
    );
    $('xml-table').querySelector('tbody')!.replaceChildren();
    $('xml-table-box').hidden = true;
    $('xml-toggle').setAttribute('aria-expanded', 'false');
    $('xml-toggle').textContent = t('xmlOpen');
  }
}

/**
 * A text, as derived from the bytes signed: its lines with marks for what draws nothing, a letter
 * of another script inside a word or in a whole word that looks Latin, or accent marks in excess; or why it is not shown. Each line is
 * a block that clips what it draws, so no line draws over another.
 */
function showText(bytes: Uint8Array): void {
  $('text-viewer').hidden = false;
  const text = signedTextOf(bytes);
  const box = $('text-content');
  // Not text (the preparer refuses such bytes first): said where any content not shown is.
  $('content-problem').hidden = text.ok;
  $('content-problem').textContent = text.ok ? '' : t('textNotShown');
  box.hidden = !text.ok;
  if (!text.ok) {
    box.replaceChildren();
    $('text-lines').textContent = '';
    $('text-marks').replaceChildren();
    $('text-marks').hidden = true;
    return;
  }
  $('text-lines').textContent = tr().plural('textLines', text.lines.length, { characters: text.characters });
  showMarkCounts($('text-marks'), text, 'text');
  box.replaceChildren(
    ...text.lines.map((line) => {
      const shown = Object.assign(document.createElement('span'), { className: 'signed-line' });
      shown.replaceChildren(...line.map(textPieceNode));
      return shown;
    }),
  );
}

/** How many marks of each kind a signed text (`text`) or the signed XML values (`xml`) hold, in `list`; hidden when none. */
function showMarkCounts(
  list: HTMLElement,
  { marks, foreign, disguised, stacked }: ReturnType<typeof markCounts>,
  where: 'text' | 'xml',
): void {
  const counts = [
    marks > 0 && t(`${where}Marks`, { n: marks }),
    foreign > 0 && t(`${where}Foreign`, { n: foreign }),
    disguised > 0 && t(`${where}Disguised`, { n: disguised }),
    stacked > 0 && t(`${where}Stacked`, { n: stacked, max: MAX_MARKS_PER_LETTER }),
  ].filter((said) => said !== false);
  list.hidden = counts.length === 0;
  list.replaceChildren(
    ...counts.map((said) => Object.assign(document.createElement('li'), { textContent: said })),
  );
}

/** A value read from the signed bytes (an XML value or path), marked as a signed text's line is. */
function setSignedValue(element: HTMLElement, value: string): void {
  element.replaceChildren(...markedPieces(value).map(textPieceNode));
}

/** Plain text as itself; anything else as a mark naming its code point (and a letter's script). */
function textPieceNode(piece: SignedTextPiece): Node {
  if ('text' in piece) return document.createTextNode(piece.text);
  const [shown, title] =
    'control' in piece
      ? [piece.control, t('controlMark')]
      : 'foreign' in piece
        ? [
            `${piece.foreign} ${piece.script}`,
            t(piece.disguised ? 'disguisedMark' : 'foreignMark', { script: piece.script }),
          ]
        : [piece.stacked, t('stackedMark')];
  return Object.assign(document.createElement('span'), {
    className: 'control-mark',
    textContent: `⟨${shown}⟩`,
    title,
  });
}

/**
 * pdf.js could not open PDF `index`, or read another document than kyso signs. Either way nothing of
 * it is shown: every page of it is named as a page not drawn is, to be signed unseen only once the
 * user says so. When pdf.js and kyso's model count the pages differently (PreviewPagesDiffer), they
 * read different documents: nothing in this window can be signed any more; it says why.
 */
function notShown(index: number, error: unknown): void {
  if (!(error instanceof Error && error.name === 'PreviewPagesDiffer')) {
    const pages = Array.from({ length: details!.documents[index]?.pages ?? 0 }, (_, i) => i + 1);
    return setUnshown(index, pages, true);
  }
  const { shown, signed } = error as unknown as { shown: number; signed: number };
  previewRefusals.push({ index, shown, signed });
  if (index === openIndex) $('page-problem').textContent = t('previewPagesDiffer', { shown, signed });
  showError(PREVIEW_REFUSED);
  updateSign();
}

// ---- Every PDF of a batch, counted -----------------------------------------------------------

/** Batch PDFs whose pages pdf.js has still to count: Sign waits for them (body[data-counting] meanwhile). */
let uncounted = 0;
/** The batch count's requests for a document's content, by index, answered by handle(). */
const contentWaiters = new Map<
  number,
  { resolve(content: DocumentContent): void; reject(error: WireError): void }
>();

/**
 * The preview's guard for every PDF of a batch, opened or not: pdf.js reads the bytes kyso signs (the
 * content an opened item shows), one document after another, and counts their pages against the
 * model's (notShown when it cannot open them or counts otherwise).
 */
async function countBatchPages(documents: ConsentDocument[]): Promise<void> {
  const pdfs = documents.flatMap((d, index) => (d.kind === 'pdf' ? [index] : []));
  uncounted = pdfs.length;
  if (uncounted > 0) document.body.dataset.counting = 'true';
  for (const index of pdfs) {
    try {
      const content = await new Promise<DocumentContent>((resolve, reject) => {
        contentWaiters.set(index, { resolve, reject });
        send({ type: 'open-document', index });
      });
      const { checkPageCount } = await import('./pdf-preview.js');
      if (content.kind !== 'pdf') throw new Error('not a PDF');
      await checkPageCount(await pdfBytes(content), documents[index]!.pages ?? 0);
    } catch (error) {
      notShown(index, error);
    }
    uncounted -= 1;
    updateSign();
  }
  delete document.body.dataset.counting;
}

async function showPage(number: number): Promise<void> {
  const view = pdfView;
  if (!view) return;
  const canvas = $<HTMLCanvasElement>('preview');
  view.page = number;
  const draw = ++view.draws;
  $('page-position').textContent = t('pageOf', { page: number, pages: view.pdf.pages });
  setPager('page-previous', 'page-next', number <= 1, number >= view.pdf.pages);
  canvas.setAttribute('aria-label', t('pageImage', { page: number, pages: view.pdf.pages }));
  canvas.dataset.page = String(number);
  canvas.dataset.rendered = 'pending';
  try {
    const width = Math.max(200, Math.min($('pdf-viewer').clientWidth, 900));
    $('appearance-outline').hidden = true;
    const drawn = await view.pdf.render(number, canvas, width);
    if (pdfView !== view || view.page !== number) return;
    if (outlineAppearance(details!.documents[openIndex]?.appearance, number, drawn))
      canvas.setAttribute(
        'aria-label',
        `${t('pageImage', { page: number, pages: view.pdf.pages })} — ${t('pageHasAppearance')}`,
      );
    view.seen.add(number);
    setUnshown(view.index, [number], false);
    $('page-problem').hidden = true;
    canvas.dataset.rendered = 'true';
  } catch {
    if (pdfView !== view || view.page !== number || view.draws !== draw) return;
    canvas.dataset.rendered = 'false';
    $('page-problem').hidden = false;
    $('page-problem').textContent = t('pageFailed');
    setUnshown(view.index, [number], true);
  }
  // Only pages really drawn count as seen.
  $('seen-pages').textContent = tr().plural('seenPages', view.pdf.pages, {
    seen: view.seen.size,
    pages: view.pdf.pages,
  });
}

// ---- Pages signed unseen ---------------------------------------------------------------------

/**
 * Pages of each document the preview could not draw: they would be signed unseen, so Sign works
 * only once the user ticks #unshown-ack, which names them (never ticked for them in advance).
 */
const unshown = new Map<number, Set<number>>();

const hasUnshown = () => [...unshown.values()].some((pages) => pages.size > 0);

function setUnshown(index: number, changed: number[], failed: boolean): void {
  const pages = unshown.get(index) ?? new Set<number>();
  changed = changed.filter((page) => pages.has(page) !== failed);
  if (changed.length === 0) return;
  for (const page of changed) {
    if (failed) pages.add(page);
    else pages.delete(page);
  }
  unshown.set(index, pages);
  // What the user said covers the pages named then: a page newly unshown asks again.
  if (failed || !hasUnshown()) $<HTMLInputElement>('unshown-ack').checked = false;
  renderUnshown();
}

/** "2, 4–6": the page numbers, runs of them as ranges. */
function pageList(pages: Set<number>): string {
  const sorted = [...pages].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const first = tr().number(sorted[i]!);
    runs.push(j === i ? first : `${first}–${tr().number(sorted[j]!)}`);
    i = j + 1;
  }
  return runs.join(', ');
}

function renderUnshown(): void {
  const batch = details!.documents.length > 1;
  const named = [...unshown.entries()]
    .filter(([, pages]) => pages.size > 0)
    .sort(([a], [b]) => a - b)
    .map(([index, pages]) => {
      const list = tr().plural('unshownPages', pages.size, { pages: pageList(pages) });
      return batch ? t('unshownItem', { n: index + 1, pages: list }) : list;
    })
    .join('; ');
  $('unshown').hidden = named.length === 0;
  $('unshown-text').textContent = named && t('unshownText', { pages: named });
  $('unshown-ack-label').textContent = named && t('unshownAck', { pages: named });
  updateSign();
}

function showMoreXmlRows(): void {
  const body = $('xml-table').querySelector('tbody')!;
  if (xmlShown > 0) xmlStep *= 2;
  const next = xmlRows.slice(xmlShown, xmlShown + xmlStep);
  body.append(
    ...next.map(({ path, value }) => {
      const row = document.createElement('tr');
      const where = Object.assign(document.createElement('td'), { className: 'data' });
      setSignedValue(where, path);
      const what = Object.assign(document.createElement('td'), { className: 'data' });
      setSignedValue(what, value);
      row.append(where, what);
      return row;
    }),
  );
  xmlShown += next.length;
  const left = xmlRows.length - xmlShown;
  $('xml-more').hidden = left <= 0;
  $('xml-more').textContent = tr().plural('showMoreRows', Math.min(left, xmlStep * 2), {
    shown: xmlShown,
    total: xmlRows.length,
  });
}

// ---- Certificates ----------------------------------------------------------------------------

/** A field's hint (its seed value's constraint not required) the certificate misses. */
const HINT_TEXT: Record<CertificateSeedConstraint, MessageKey> = {
  subject: 'fieldHintSubject',
  issuer: 'fieldHintIssuer',
  policy: 'fieldHintPolicy',
  'subject-dn': 'fieldHintSubjectDn',
  'key-usage': 'fieldHintKeyUsage',
};

/**
 * What the documents' signature fields say of the certificate (their seed values, read from the
 * documents), with the CA certificates its token holds above it: the requirements it misses, and
 * the hints — each once, over the batch.
 */
function fieldSeedProblems(
  certificate: Uint8Array,
  issuers: readonly Uint8Array[],
): {
  required: CertificateSeedConstraint[];
  hints: CertificateSeedConstraint[];
} {
  const required = new Set<CertificateSeedConstraint>();
  const hints = new Set<CertificateSeedConstraint>();
  for (const document of details?.documents ?? []) {
    const seed = document.field?.certificateSeed;
    if (!seed) continue;
    const found = seedProblems(seed, certificate, issuers);
    found.required.forEach((c) => required.add(c));
    found.hints.forEach((c) => hints.add(c));
  }
  return { required: [...required], hints: [...hints].filter((c) => !required.has(c)) };
}

/**
 * Why a certificate cannot be chosen for this request (`fieldProblems`: the signature fields' seed
 * value requirements it misses), and the characters of its holder's name the box cannot draw.
 */
function choiceProblems(
  summary: CertificateSummary,
  now: Date,
  fieldProblems: CertificateSeedConstraint[],
): { problems: CertificateProblem[]; undrawable: string[] } {
  const problems: CertificateProblem[] = usabilityProblems(summary, now);
  const serial = details?.certificateSerial;
  if (serial !== undefined && !hasSerialNumber(summary, serial)) problems.push('not-requested');
  // A field signed without an image shows the holder's name (FIELD_TEXT_LINES): known now, not after the PIN.
  const drawsName = details?.documents.some((d) => d.appearance?.signerText === true) ?? false;
  const undrawable = drawsName ? undrawableInStampFont(holderName(summary)) : [];
  if (undrawable.length > 0) problems.push('name-not-drawable');
  // The document's signature field requires another certificate (its seed value).
  problems.push(...fieldProblems.map((c) => `field-${c}` as const));
  return { problems, undrawable };
}

function renderCertificates(): void {
  const usableList = $('certificates');
  const unusableList = $('unusable-certificates');
  usableList.replaceChildren();
  unusableList.replaceChildren();
  const none = certificates.length === 0;
  $('retry').hidden = !none;
  if (none)
    usableList.append(
      Object.assign(document.createElement('p'), {
        id: 'no-certificate',
        // A token is there when the host left objects out of it: "insert your token" would mislead.
        textContent: t(skipped.length > 0 ? 'noListableCertificate' : 'noCertificate'),
      }),
    );
  const now = new Date();
  const dateFormat = new Intl.DateTimeFormat('vi-VN');
  const listed = certificates.map((entry) => ({ entry, der: base64ToBytes(entry.certificate) }));
  const namesIssuers = details?.documents.some((d) => d.field?.certificateSeed?.issuers) ?? false;
  /** As the host finds them for the batch (QueuedTokens.issuersOf): among the listed certificates of its token. */
  const issuersOf = (entry: CertificateEntry, der: Uint8Array) =>
    issuersAmong(
      der,
      listed.filter((l) => l.entry.token.serial === entry.token.serial).map((l) => l.der),
    );
  // Tax returns and invoices name whose certificate signs them (signer-party.ts): one tax code list each.
  const partyCodes = (details?.documents ?? []).map(signerTaxCodes).filter((codes) => codes.length > 0);
  const rows = listed.map(({ entry, der }) => {
    const summary = summarizeCertificate(der);
    const field = fieldSeedProblems(der, namesIssuers ? issuersOf(entry, der) : []);
    const otherParty = taxCodesNotCarried(summary.identities, partyCodes);
    return {
      entry,
      summary,
      ...choiceProblems(summary, now, field.required),
      fieldHints: field.hints,
      otherParty,
    };
  });
  let usable = 0;
  rows.forEach(({ entry, summary, problems, undrawable, fieldHints, otherParty }, index) => {
    const row = document.createElement('label');
    row.className = `certificate${problems.length ? ' unusable' : ''}`;
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'certificate';
    radio.value = entry.id;
    radio.id = `certificate-${index}`;
    radio.disabled = problems.length > 0;
    radio.addEventListener('change', onChoice);
    const text = document.createElement('span');
    const holder = Object.assign(document.createElement('span'), {
      className: 'holder',
      textContent: holderName(summary),
    });
    const ids = Object.entries(summary.identities)
      .map(([kind, values]) => `${kind}: ${values.join(', ')}`)
      .join(' · ');
    const meta = document.createElement('span');
    meta.className = 'meta';
    const part = (label: MessageKey | undefined, value: string) => {
      const span = document.createElement('span');
      if (label) span.append(Object.assign(document.createElement('span'), { textContent: t(label) }), ' ');
      span.append(Object.assign(document.createElement('span'), { className: 'data', textContent: value }));
      return span;
    };
    const parts = [
      ids && part(undefined, ids),
      part('issuedBy', summary.issuer.commonName ?? summary.issuer.organization ?? ''),
      part('validUntil', dateFormat.format(summary.notAfter)),
      entry.token.label && part(undefined, entry.token.label),
    ].filter((p): p is HTMLSpanElement => !!p);
    parts.forEach((p, i) => meta.append(...(i ? [' — ', p] : [p])));
    text.append(holder, document.createElement('br'), meta);
    if (problems.length) {
      text.append(document.createElement('br'), problemLine(problems, tr(), undrawable));
    } else if (fieldHints.length > 0) {
      // The field suggests another certificate without requiring it: this one can sign, marked.
      const hint = Object.assign(document.createElement('span'), {
        className: 'field-hint',
        textContent: fieldHints.map((c) => t(HINT_TEXT[c])).join(', '),
      });
      text.append(document.createElement('br'), hint);
    }
    if (problems.length === 0 && otherParty.length > 0) {
      // Another company's or person's certificate: the tax authority may refuse it; the user may know better.
      // The codes are digits and hyphens only (signerTaxCodes): plain text in the sentence.
      const mismatch = Object.assign(document.createElement('span'), {
        className: 'party-mismatch',
        textContent: t('partyMismatch', { codes: otherParty.join(', ') }),
      });
      text.append(document.createElement('br'), mismatch);
    }
    if (
      problems.length === 0 &&
      summary.notAfter.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000
    ) {
      const soon = document.createElement('span');
      soon.className = 'soon';
      soon.append(
        t('expiresSoon'),
        ' (',
        Object.assign(document.createElement('span'), {
          className: 'data',
          textContent: dateFormat.format(summary.notAfter),
        }),
        ')',
      );
      text.append(document.createElement('br'), soon);
    }
    row.append(radio, text);
    if (problems.length) unusableList.append(row);
    else {
      usable += 1;
      usableList.append(row);
    }
  });
  // Certificates that cannot sign are folded away; their reasons are one click (or Enter) away.
  choosable = rows.filter((row) => row.problems.length === 0).map((row) => row.entry);
  const unusable = rows.length - usable;
  $('unusable').hidden = unusable === 0;
  $('unusable-summary').textContent = tr().plural('unusable', unusable);
  showSkipped($('skipped-certificates'), skipped, tr());
  // The only one that can sign, else the only one of the party the documents name (who signs them).
  const taken = certificateToTake(
    rows.filter((row) => row.problems.length === 0),
    (row) => row.summary.identities,
    partyCodes,
  );
  const radios = usableList.querySelectorAll<HTMLInputElement>('input[name="certificate"]');
  radios.forEach((radio) => {
    radio.checked = radio.value === taken?.entry.id;
  });
  onChoice();
}

function chosen(): CertificateEntry | undefined {
  const radio = document.querySelector<HTMLInputElement>('input[name="certificate"]:checked');
  return certificates.find((c) => c.id === radio?.value);
}

function onChoice(): void {
  const entry = chosen();
  // Nothing chosen yet: a PIN field only if some certificate that can be chosen is on a token without a PIN pad.
  const onDevice = entry
    ? entry.token.protectedAuthPath === true
    : choosable.length > 0 && choosable.every((c) => c.token.protectedAuthPath === true);
  // A PIN pad: no PIN field at all (not shown, not reachable by Tab), a hint instead. No certificate
  // that can sign: no PIN to type for a signature that cannot be made.
  $('pin-row').hidden = onDevice || choosable.length === 0;
  $<HTMLInputElement>('pin').disabled = onDevice;
  $('pin-on-device').hidden = !onDevice;
  showSigner(chosenHolder());
  updateSign();
}

/** The chosen certificate's holder, as a field's text draws it. */
function chosenHolder(): string | undefined {
  const entry = chosen();
  return entry && holderName(summarizeCertificate(base64ToBytes(entry.certificate))).normalize('NFC');
}

// ---- Messages from the background ------------------------------------------------------------

async function handle(message: BackgroundToConsent): Promise<void> {
  switch (message.type) {
    case 'details':
      details = message.details;
      speak(translator(await browserLanguage(browser.i18n, details.lang)));
      renderDetails();
      break;
    case 'certificates':
      certificates = message.certificates;
      skipped = message.skipped;
      showError(undefined);
      renderCertificates();
      setState('ready');
      if (certificates.length === 0) $('retry').focus({ preventScroll: true });
      break;
    case 'site-allowed':
      askSite = false;
      setState('ready');
      break;
    case 'signing':
      showError(undefined);
      setState('signing');
      break;
    case 'token-waiting':
      $('status').textContent = t(message.reason === 'other-program' ? 'tokenInUseElsewhere' : 'tokenInUse');
      break;
    case 'progress': {
      const progress = $<HTMLProgressElement>('progress');
      progress.hidden = false;
      progress.value = message.done;
      progress.setAttribute('aria-valuetext', `${message.done}/${message.total}`);
      $('status').textContent = `${t('signing')} ${tr().number(message.done)}/${tr().number(message.total)}`;
      break;
    }
    case 'document-content':
      contentWaiters.get(message.index)?.resolve(message.content);
      contentWaiters.delete(message.index);
      // Shown once, when the window asked to show it (not again for the batch count's request).
      if (message.index !== contentWanted) break;
      contentWanted = -1;
      await showContent(message.index, message.content);
      break;
    case 'document-content-error':
      contentWaiters.get(message.index)?.reject(message.error);
      contentWaiters.delete(message.index);
      if (message.index === openIndex) {
        $('content-problem').hidden = false;
        $('content-problem').textContent =
          `${t('contentFailed')} ${errorMessage(message.error.code, tr().lang)}`;
      }
      break;
    case 'error': {
      showError(message.error);
      const failedListing = state === 'loading' || certificates.length === 0;
      if (failedListing) $('retry').hidden = false;
      setState(failedListing ? 'error' : 'ready');
      if (message.error.code === 'PIN_INCORRECT' || message.error.code === 'PIN_INVALID') {
        // The user had typed and sent a PIN: the next thing to do is to type it again.
        const pin = $<HTMLInputElement>('pin');
        pin.value = '';
        pin.focus();
      } else if (failedListing) {
        $('retry').focus();
      }
      updateSign();
      break;
    }
  }
}

let queue = Promise.resolve();
port.onMessage.addListener((raw: unknown) => {
  // Only messages of the agreed shapes are acted upon, in the order they came.
  const parsed = BackgroundToConsentSchema.safeParse(raw);
  if (!parsed.success) return;
  queue = queue.then(() => handle(parsed.data)).catch(() => undefined);
});
// The background went away (its service worker was stopped, the extension reloaded) or refused this
// window: the request it showed is over and the page has its answer, so nothing here can be signed.
port.onDisconnect.addListener(() => window.close());

// ---- The user's actions ----------------------------------------------------------------------

let pointerOnSign = false;
$('sign').addEventListener('pointerdown', () => (pointerOnSign = true));

$('consent').addEventListener('submit', (event) => {
  event.preventDefault();
  const clicked = pointerOnSign;
  pointerOnSign = false;
  if (state !== 'ready') return;
  const need = missing();
  if (need) {
    $('status').textContent = t(need);
    // A click on Sign is deliberate: take the user to what is missing. A key (perhaps stray) moves nothing.
    if (clicked && need === 'signNeedsCertificate') focusCertificate();
    if (clicked && need === 'signNeedsPin') $('pin').focus();
    if (clicked && need === 'signNeedsUnshownAck') $('unshown-ack').focus();
    return;
  }
  const entry = chosen()!;
  const pinInput = $<HTMLInputElement>('pin');
  const pin = entry.token.protectedAuthPath ? null : pinInput.value;
  pinInput.value = ''; // the field does not keep the PIN once it is sent
  send({ type: 'sign', certificateId: entry.id, pin });
});
$('pin').addEventListener('input', () => {
  if ($('status').textContent === t('signNeedsPin')) $('status').textContent = '';
  updateSign();
});
// Saying "I sign unseen" is an answer like "allow this site": a click before the window is armed
// (meant for a window that was on top) does not tick it.
$('unshown-ack').addEventListener('click', (event) => {
  if (!armed()) event.preventDefault();
});
$('unshown-ack').addEventListener('change', () => {
  if ($('status').textContent === t('signNeedsUnshownAck')) $('status').textContent = '';
  updateSign();
});
$('cancel').addEventListener('click', () => send({ type: 'cancel' }));
$('allow-site').addEventListener('click', () => {
  if (armed()) send({ type: 'site', allow: true });
});
$('deny-site').addEventListener('click', () => send({ type: 'site', allow: false }));
$('retry').addEventListener('click', () => {
  showError(undefined);
  setState('loading');
  send({ type: 'list-certificates' });
});
$('close-document').addEventListener('click', closeDocument);
// showPage shows its own failure on the page (page-problem); a click or resize does not wait for it.
$('page-previous').addEventListener('click', () => pdfView && void showPage(Math.max(1, pdfView.page - 1)));
$('page-next').addEventListener(
  'click',
  () => pdfView && void showPage(Math.min(pdfView.pdf.pages, pdfView.page + 1)),
);
$('xml-toggle').addEventListener('click', () => {
  const box = $('xml-table-box');
  box.hidden = !box.hidden;
  $('xml-toggle').setAttribute('aria-expanded', String(!box.hidden));
  $('xml-toggle').textContent = t(box.hidden ? 'xmlOpen' : 'xmlClose');
  if (!box.hidden && xmlShown === 0) showMoreXmlRows();
});
$('xml-more').addEventListener('click', showMoreXmlRows);
$('appearance-show').addEventListener('click', () => {
  const page = details?.documents[openIndex]?.appearance?.page;
  if (page === undefined) return;
  if (pdfView) void showPage(page + 1);
  else pageAsked = page + 1; // a large PDF is still opening: shown once it is open, not lost
});
// Zoom or a resized window: draw the page again at its new size, so it stays sharp.
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => pdfView && void showPage(pdfView.page), 250);
});

// Escape cancels at once — unless a PIN was typed: then it asks first.
const escapeDialog = $<HTMLDialogElement>('escape-dialog');
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || escapeDialog.open) return;
  if ($<HTMLInputElement>('pin').value.length > 0 && state === 'ready') {
    event.preventDefault();
    escapeDialog.showModal();
    $('keep-signing').focus();
  } else {
    send({ type: 'cancel' });
  }
});
$('keep-signing').addEventListener('click', () => {
  escapeDialog.close();
  $('pin').focus();
});
$('confirm-cancel').addEventListener('click', () => {
  $<HTMLInputElement>('pin').value = '';
  send({ type: 'cancel' });
});

document.body.dataset.state = 'loading';
send({ type: 'hello', requestId });
