/** The share-certificate / pick-a-file window (see prompt-flow.ts). */
import '../ui/base.css';
import '../consent/consent.css';
import browser from 'webextension-polyfill';
import { holderName, summarizeCertificate, usabilityProblems } from '../../../shared/certificate/profile.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import {
  BackgroundToPromptSchema,
  type BackgroundToPrompt,
  type PromptToBackground,
} from '../../../shared/protocol/consent.js';
import { errorMessage } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { browserLanguage, translator, type Translator } from '../i18n/translate.js';
import { problemLine } from '../ui/certificate-problems.js';
import { showSkipped } from '../ui/skipped-certificates.js';
import { PLUGIN_PROMPT_PORT } from './prompt-flow.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const promptId = new URLSearchParams(location.search).get('prompt') ?? '';
const port = browser.runtime.connect({ name: PLUGIN_PROMPT_PORT });
const send = (message: PromptToBackground) => port.postMessage(message);
let tr: Translator = translator('vi');
const t = (key: Parameters<Translator['t']>[0]) => tr.t(key);
const MODE_TITLE = {
  'share-certificate': 'prompt_shareCertificate',
  'pick-file': 'prompt_pickFile',
} as const;

// Messages are handled in order: the language is chosen (asynchronously) before anything is shown.
let queue = Promise.resolve();
port.onMessage.addListener((raw: unknown) => {
  const parsed = BackgroundToPromptSchema.safeParse(raw);
  if (!parsed.success) return; // (the background's own messages; anything malformed is dropped)
  queue = queue.then(() => handle(parsed.data)).catch(() => undefined);
});

async function handle(message: BackgroundToPrompt): Promise<void> {
  if (message.type === 'details') {
    // One language, chosen as for the consent window: the page's, else the browser's UI language, else its accept-languages.
    tr = translator(await browserLanguage(browser.i18n, message.lang));
    document.documentElement.lang = tr.lang;
    $('title').textContent = t(MODE_TITLE[message.mode]);
    document.title = `kyso — ${t(MODE_TITLE[message.mode])}`;
    $('origin-label').textContent = t('prompt_origin');
    $('origin').textContent = message.origin;
    $('explain').textContent =
      message.mode === 'share-certificate' ? t('prompt_shareExplain') : t('prompt_pickExplain');
    $('cancel').textContent = t('cancel');
    $('share').textContent = t('prompt_share');
    $('certificates-label').textContent = t('prompt_certificates');
    $('file-label').textContent = t('prompt_file');
    $('choose-file').textContent = t('prompt_chooseFile');
    $('file-name').textContent = t('prompt_noFile');
    $('pick').textContent = t('prompt_pick');
    $('share-form').hidden = message.mode !== 'share-certificate';
    $('file-form').hidden = message.mode !== 'pick-file';
    document.body.dataset.mode = message.mode;
    document.body.dataset.state = message.mode === 'pick-file' ? 'ready' : 'loading';
    return;
  }
  if (message.type === 'certificates') {
    const now = new Date();
    let usable = 0;
    $('certificates').replaceChildren(
      ...message.certificates.map((c) => {
        const summary = summarizeCertificate(base64ToBytes(c.certificate));
        // The page goes on to sign with the certificate shared (its serial names the one that must
        // sign): one that cannot sign is shown with its reasons, as in the consent window, but not offered.
        const problems = usabilityProblems(summary, now);
        const label = Object.assign(document.createElement('label'), {
          className: `certificate${problems.length ? ' unusable' : ''}`,
        });
        const input = Object.assign(document.createElement('input'), {
          type: 'radio',
          name: 'certificate',
          value: c.id,
          disabled: problems.length > 0,
        });
        input.addEventListener('change', () => $<HTMLButtonElement>('share').removeAttribute('disabled'));
        const ids = Object.entries(summary.identities)
          .map(([k, v]) => `${k}:${v.join(',')}`)
          .join(' ');
        // The certificate's own words (names, numbers, the token's label): data, shown as they are.
        const data = Object.assign(document.createElement('span'), {
          className: 'data',
          textContent: `${holderName(summary)} ${ids} [${c.token.label}]`,
        });
        const text = document.createElement('span');
        text.append(data);
        if (problems.length) text.append(document.createElement('br'), problemLine(problems, tr));
        else usable += 1;
        label.append(input, ' ', text);
        return label;
      }),
    );
    showSkipped($('skipped-certificates'), message.skipped, tr);
    if (message.certificates.length === 0) $('error').textContent = t('prompt_none');
    else if (usable === 0) $('error').textContent = t('prompt_noneUsable');
    document.body.dataset.state = 'ready';
    return;
  }
  if (message.type === 'error') {
    $('error').textContent = errorMessage(message.error.code, tr.lang);
    document.body.dataset.state = 'ready';
  }
}

$('share-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const chosen = document.querySelector<HTMLInputElement>('input[name="certificate"]:checked');
  if (chosen) send({ type: 'share', certificateId: chosen.value });
});
$('file').addEventListener('change', () => {
  const file = $<HTMLInputElement>('file').files?.[0];
  $<HTMLButtonElement>('pick').toggleAttribute('disabled', !file);
  // The chosen file's name is data (shown as it is); without one, kyso's words.
  $('file-name').className = file ? 'data' : '';
  $('file-name').textContent = file ? file.name : t('prompt_noFile');
});
$('file-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $<HTMLInputElement>('file').files?.[0];
  if (!file) return;
  if (file.size > LIMITS.maxPdfBytes) {
    $('error').textContent = errorMessage('DOCUMENT_TOO_LARGE', tr.lang);
    return;
  }
  const name = file.name.slice(0, LIMITS.maxDocumentNameChars) || 'document';
  send({ type: 'file', name, data: bytesToBase64(new Uint8Array(await file.arrayBuffer())) });
});
$('cancel').addEventListener('click', () => send({ type: 'cancel' }));
send({ type: 'hello', promptId });
