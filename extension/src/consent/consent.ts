/**
 * The consent window: what is being signed, for whom, with which certificate — and the PIN, which
 * goes from here to the background and the host only.
 */
import browser from 'webextension-polyfill';
import { holderName, summarizeCertificate, usabilityProblems, type UsabilityProblem } from '../../../shared/certificate/profile.js';
import { base64ToBytes, bytesToHex } from '../../../shared/encoding.js';
import type { CertificateEntry } from '../../../shared/protocol/common.js';
import { errorMessage, type ErrorCode, type Language, type WireError } from '../../../shared/protocol/errors.js';
import { CONSENT_PORT, type BackgroundToConsent, type ConsentDetails, type ConsentDocument, type ConsentToBackground } from '../background/messages.js';
import { MESSAGES, type MessageKey } from '../i18n/messages.js';

const EXPIRY_WARNING_DAYS = 30;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
let lang: Language | undefined;
/** The portal's language if it asked for one, else the browser's own i18n (_locales, Vietnamese default). */
const t = (key: MessageKey) => (lang ? MESSAGES[lang][key] : browser.i18n.getMessage(key) || MESSAGES.vi[key]);
const errorText = (code: ErrorCode) => (lang ? errorMessage(code, lang) : browser.i18n.getMessage(`error_${code}`) || errorMessage(code, 'vi'));
let certificates: CertificateEntry[] = [];

const requestId = new URLSearchParams(location.search).get('request') ?? '';
const port = browser.runtime.connect({ name: CONSENT_PORT });
const send = (message: ConsentToBackground) => port.postMessage(message);

let askSite = false;

function setState(state: 'loading' | 'ready' | 'signing' | 'error'): void {
  // While the site is not yet allowed, that question comes first and the form waits.
  document.body.dataset.state = askSite && state === 'ready' ? 'permission' : state;
  $('site-permission').hidden = !askSite;
  $('consent').hidden = askSite;
  const busy = state === 'signing' || state === 'loading';
  $<HTMLButtonElement>('sign').disabled = busy || !usableChoice();
  $<HTMLInputElement>('pin').disabled = state === 'signing';
  $('status').textContent = state === 'signing' ? t('signing') : state === 'loading' ? t('loading') : '';
}

function showError(error: WireError | undefined): void {
  const box = $('error');
  if (!error) {
    box.hidden = true;
    box.removeAttribute('data-code');
    box.textContent = '';
    return;
  }
  const extra: string[] = [];
  if (error.details?.pinFinalTry === true) extra.push(t('pinFinalTry'));
  else if (error.details?.pinCountLow === true) extra.push(t('pinCountLow'));
  box.dataset.code = error.code;
  box.textContent = [errorText(error.code), ...extra].join(' ');
  box.hidden = false;
}

function renderDetails(details: ConsentDetails): void {
  lang = details.lang;
  askSite = details.askSite;
  document.documentElement.lang = lang ?? browser.i18n.getUILanguage().slice(0, 2);
  $('site-question').textContent = t('siteQuestion');
  $('site-explain').textContent = t('siteExplain');
  $('allow-site').textContent = t('allowSite');
  $('deny-site').textContent = t('denySite');
  document.title = `kyso — ${t('title')}`;
  $('title').textContent = t('title');
  $('origin-label').textContent = t('requestedBy');
  // The browser's own serialisation: IDN hosts arrive as punycode (xn--…), so look-alikes show.
  $('origin').textContent = details.origin;
  $('origin-via').textContent = details.viaWebSocket ? t('viaWebSocket') : '';
  $('description').textContent = details.description;
  const documents = details.documents;
  if (documents.length === 1) {
    const [only] = documents as [ConsentDocument];
    $('document-label').textContent = t('document');
    $('document-name').textContent = only.name;
    renderDocument(only);
    if (only.kind === 'pdf') send({ type: 'open-document', index: 0 });
  } else {
    // A batch: how many, the first names, and (once signing) a progress bar.
    $('document-label').textContent = t('documents');
    $('document-count').textContent = `${documents.length} ${t('documentsCount')}`;
    $('document-count').dataset.count = String(documents.length);
    const list = $('documents');
    const shown = documents.slice(0, 5);
    list.replaceChildren(...shown.map((d) => Object.assign(document.createElement('li'), { textContent: `${d.name} — ${t(kindKey(d))}` })));
    if (documents.length > shown.length) list.append(Object.assign(document.createElement('li'), { textContent: `… (+${documents.length - shown.length})` }));
    $('fingerprint-row').hidden = true;
    const notes = [documents.some((d) => d.timestamp) && t('timestamped'), documents.some((d) => d.sha1) && t('sha1')].filter((n): n is string => !!n);
    $('document-notes').textContent = notes.join(' ');
    const progress = $<HTMLProgressElement>('progress');
    progress.max = documents.length;
    progress.value = 0;
  }
  $('certificate-label').textContent = t('certificate');
  $('pin-label').textContent = t('pin');
  $('pin-on-device').textContent = t('pinOnDevice');
  $('warning').textContent = t('warning');
  $('sign').textContent = t('sign');
  $('cancel').textContent = t('cancel');
}

const kindKey = (d: ConsentDocument): MessageKey => (d.kind === 'xml' ? (d.profile === 'einvoice' ? 'kind_einvoice' : 'kind_htkk') : `kind_${d.kind}`);

function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** One document: its kind, and what identifies it (the digest, the PDF's size and pages, the XML's summary). */
function renderDocument(d: ConsentDocument): void {
  $('document-kind').textContent = t(kindKey(d));
  $('document-kind').dataset.kind = d.kind;
  const meta = [d.size !== undefined && formatSize(d.size), d.pages !== undefined && `${d.pages} ${t('pages')}`].filter((m): m is string => !!m);
  $('document-meta').textContent = meta.join(' · ');
  if (d.digest && d.digestAlgorithm) {
    $('fingerprint-label').textContent = `${t('fingerprint')} ${d.digestAlgorithm}`;
    const hex = bytesToHex(base64ToBytes(d.digest));
    $('fingerprint').textContent = `${hex.slice(0, 16)}…${hex.slice(-8)}`;
  } else {
    $('fingerprint-row').hidden = true;
  }
  $('document-summary').replaceChildren(
    ...(d.summary ?? []).flatMap(({ field, value }) => {
      const term = Object.assign(document.createElement('dt'), { textContent: t(`field_${field}`) });
      const definition = Object.assign(document.createElement('dd'), { textContent: value });
      definition.dataset.field = field;
      return [term, definition];
    }),
  );
  const notes = [d.timestamp && t('timestamped'), d.sha1 && t('sha1')].filter((n): n is string => !!n);
  $('document-notes').textContent = notes.join(' ');
}

/** The first page, drawn by pdf.js (loaded only for PDFs); a PDF it cannot draw just has no preview. */
async function showPdfPreview(base64: string): Promise<void> {
  const canvas = $<HTMLCanvasElement>('preview');
  canvas.setAttribute('aria-label', t('previewLabel'));
  canvas.hidden = false;
  try {
    const { renderFirstPage } = await import('./pdf-preview.js');
    await renderFirstPage(base64ToBytes(base64), canvas, 200);
    canvas.dataset.rendered = 'true';
  } catch {
    canvas.hidden = true;
    canvas.dataset.rendered = 'false';
  }
}

const PROBLEM_TEXT: Record<UsabilityProblem, MessageKey> = {
  expired: 'expired',
  'not-yet-valid': 'notYetValid',
  'not-for-signing': 'notForSigning',
};

function renderCertificates(): void {
  const list = $('certificates');
  list.replaceChildren();
  if (certificates.length === 0) {
    const empty = document.createElement('p');
    empty.textContent = t('noCertificate');
    list.append(empty);
  }
  const now = new Date();
  const usable: HTMLInputElement[] = [];
  // Usable certificates first, unusable ones greyed after them (arrow keys stay among the usable).
  const rows = certificates.map((entry) => {
    const summary = summarizeCertificate(base64ToBytes(entry.certificate));
    return { entry, summary, problems: usabilityProblems(summary, now) };
  });
  rows.sort((a, b) => Number(a.problems.length > 0) - Number(b.problems.length > 0));
  rows.forEach(({ entry, summary, problems }, index) => {
    const row = document.createElement('label');
    row.className = `certificate${problems.length ? ' unusable' : ''}`;
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'certificate';
    radio.value = entry.id;
    radio.id = `certificate-${index}`;
    radio.disabled = problems.length > 0;
    if (!radio.disabled) usable.push(radio);
    radio.addEventListener('change', onChoice);
    const text = document.createElement('span');
    const holder = document.createElement('span');
    holder.className = 'holder';
    holder.textContent = holderName(summary);
    const ids = Object.entries(summary.identities)
      .map(([kind, values]) => `${kind}: ${values.join(', ')}`)
      .join(' · ');
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = [
      ids,
      `${t('issuedBy')} ${summary.issuer.commonName ?? summary.issuer.organization ?? ''}`,
      `${t('validUntil')} ${summary.notAfter.toLocaleDateString('vi-VN')}`,
      entry.token.label,
    ]
      .filter(Boolean)
      .join(' — ');
    text.append(holder, document.createElement('br'), meta);
    if (problems.length) {
      const problem = document.createElement('span');
      problem.className = 'problem';
      problem.textContent = problems.map((p) => t(PROBLEM_TEXT[p])).join(', ');
      text.append(document.createElement('br'), problem);
    } else if (summary.notAfter.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000) {
      const soon = document.createElement('span');
      soon.className = 'soon';
      soon.textContent = `${t('expiresSoon')} (${summary.notAfter.toLocaleDateString('vi-VN')})`;
      text.append(document.createElement('br'), soon);
    }
    row.append(radio, text);
    list.append(row);
  });
  if (usable.length === 1) usable[0]!.checked = true;
  onChoice();
  // Pre-selected (the only usable certificate): the next thing to do is the PIN. Otherwise focus
  // stays put, so arrow keys can move through the certificates.
  if (usable.length === 1 && !chosen()?.token.protectedAuthPath) $<HTMLInputElement>('pin').focus();
}

function chosen(): CertificateEntry | undefined {
  const radio = document.querySelector<HTMLInputElement>('input[name="certificate"]:checked');
  return certificates.find((c) => c.id === radio?.value);
}

function usableChoice(): boolean {
  return chosen() !== undefined;
}

function onChoice(): void {
  const entry = chosen();
  const onDevice = entry?.token.protectedAuthPath === true;
  $('pin-row').hidden = onDevice;
  $('pin-on-device').hidden = !onDevice;
  $<HTMLButtonElement>('sign').disabled = !entry || document.body.dataset.state === 'signing';
}

port.onMessage.addListener((raw: unknown) => {
  const message = raw as BackgroundToConsent;
  switch (message.type) {
    case 'details':
      renderDetails(message.details);
      break;
    case 'certificates':
      certificates = message.certificates;
      renderCertificates();
      setState('ready');
      break;
    case 'site-allowed':
      askSite = false;
      setState('ready');
      onChoice();
      break;
    case 'signing':
      showError(undefined);
      setState('signing');
      break;
    case 'progress': {
      const progress = $<HTMLProgressElement>('progress');
      progress.hidden = false;
      progress.value = message.done;
      progress.setAttribute('aria-valuetext', `${message.done}/${message.total}`);
      $('status').textContent = `${t('signing')} ${message.done}/${message.total}`;
      break;
    }
    case 'document-content':
      if (message.index === 0 && message.content.kind === 'pdf') void showPdfPreview(message.content.pdf);
      break;
    case 'document-content-error':
      break;
    case 'error':
      showError(message.error);
      setState(certificates.length ? 'ready' : 'error');
      if (message.error.code === 'PIN_INCORRECT') {
        const pin = $<HTMLInputElement>('pin');
        pin.value = '';
        pin.focus();
      }
      break;
  }
});

$('consent').addEventListener('submit', (event) => {
  event.preventDefault();
  const entry = chosen();
  const pinInput = $<HTMLInputElement>('pin');
  if (!entry || (!entry.token.protectedAuthPath && pinInput.value.length === 0)) {
    $('status').textContent = t('chooseFirst');
    return;
  }
  const pin = entry.token.protectedAuthPath ? null : pinInput.value;
  pinInput.value = ''; // the field does not keep the PIN once it is sent
  send({ type: 'sign', certificateId: entry.id, pin });
});
$('cancel').addEventListener('click', () => send({ type: 'cancel' }));
$('allow-site').addEventListener('click', () => send({ type: 'site', allow: true }));
$('deny-site').addEventListener('click', () => send({ type: 'site', allow: false }));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') send({ type: 'cancel' });
});

setState('loading');
send({ type: 'hello', requestId });
