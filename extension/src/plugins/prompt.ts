/** The share-certificate / pick-a-file window (see prompt-flow.ts). */
import browser from 'webextension-polyfill';
import { holderName, summarizeCertificate } from '../../../shared/certificate/profile.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import { errorMessage, type Language } from '../../../shared/protocol/errors.js';
import { PLUGIN_PROMPT_PORT, type BackgroundToPrompt, type PromptToBackground } from './prompt-flow.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const TEXT = {
  vi: {
    'share-certificate': 'Chia sẻ chứng thư số với trang web',
    'pick-file': 'Chọn tệp để ký',
    origin: 'Trang web',
    shareExplain:
      'Trang web này muốn biết chứng thư số của bạn (họ tên, mã số, thời hạn). Không có gì được ký. Chỉ chia sẻ với trang bạn tin cậy.',
    pickExplain:
      'Trang web này yêu cầu ký một tệp trên máy của bạn. Tệp bạn chọn sẽ được giao cho trang để ký (cửa sổ ký của kyso sẽ hỏi bạn trước khi ký) và tải lên máy chủ của trang.',
    certificates: 'Chứng thư số',
    share: 'Chia sẻ chứng thư này',
    file: 'Tệp cần ký',
    pick: 'Dùng tệp này',
    cancel: 'Huỷ',
    none: 'Không tìm thấy chứng thư số nào.',
  },
  en: {
    'share-certificate': 'Share your certificate with the website',
    'pick-file': 'Choose a file to sign',
    origin: 'Website',
    shareExplain:
      'This website wants to know your certificate (name, identity numbers, validity). Nothing is signed. Only share with sites you trust.',
    pickExplain:
      'This website asks to sign a file on your computer. The file you choose is given to the site to sign (kyso’s signing window asks you before signing) and uploaded to its server.',
    certificates: 'Certificates',
    share: 'Share this certificate',
    file: 'File to sign',
    pick: 'Use this file',
    cancel: 'Cancel',
    none: 'No certificate was found.',
  },
} as const;

const promptId = new URLSearchParams(location.search).get('prompt') ?? '';
const port = browser.runtime.connect({ name: PLUGIN_PROMPT_PORT });
const send = (message: PromptToBackground) => port.postMessage(message);
let lang: Language = 'vi';
const t = (key: keyof (typeof TEXT)['vi']) => TEXT[lang][key];

port.onMessage.addListener((raw: unknown) => {
  const message = raw as BackgroundToPrompt;
  if (message.type === 'details') {
    lang = message.lang;
    document.documentElement.lang = lang;
    $('title').textContent = t(message.mode);
    document.title = `kyso — ${t(message.mode)}`;
    $('origin-label').textContent = t('origin');
    $('origin').textContent = message.origin;
    $('explain').textContent = message.mode === 'share-certificate' ? t('shareExplain') : t('pickExplain');
    $('cancel').textContent = t('cancel');
    $('share').textContent = t('share');
    $('certificates-label').textContent = t('certificates');
    $('file-label').textContent = t('file');
    $('pick').textContent = t('pick');
    $('share-form').hidden = message.mode !== 'share-certificate';
    $('file-form').hidden = message.mode !== 'pick-file';
    document.body.dataset.mode = message.mode;
    document.body.dataset.state = message.mode === 'pick-file' ? 'ready' : 'loading';
    return;
  }
  if (message.type === 'certificates') {
    $('certificates').replaceChildren(
      ...message.certificates.map((c) => {
        const label = document.createElement('label');
        const input = Object.assign(document.createElement('input'), {
          type: 'radio',
          name: 'certificate',
          value: c.id,
        });
        input.addEventListener('change', () => $<HTMLButtonElement>('share').removeAttribute('disabled'));
        const summary = summarizeCertificate(base64ToBytes(c.certificate));
        const ids = Object.entries(summary.identities)
          .map(([k, v]) => `${k}:${v.join(',')}`)
          .join(' ');
        label.append(input, ` ${holderName(summary)} ${ids} [${c.token.label}]`);
        return label;
      }),
    );
    if (message.certificates.length === 0) $('error').textContent = t('none');
    document.body.dataset.state = 'ready';
    return;
  }
  if (message.type === 'error') {
    $('error').textContent = errorMessage(message.error.code, lang);
    document.body.dataset.state = 'ready';
  }
});

$('share-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const chosen = document.querySelector<HTMLInputElement>('input[name="certificate"]:checked');
  if (chosen) send({ type: 'share', certificateId: chosen.value });
});
$('file').addEventListener('change', () =>
  $<HTMLButtonElement>('pick').toggleAttribute('disabled', !$<HTMLInputElement>('file').files?.length),
);
$('file-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $<HTMLInputElement>('file').files?.[0];
  if (!file) return;
  send({ type: 'file', name: file.name, data: bytesToBase64(new Uint8Array(await file.arrayBuffer())) });
});
$('cancel').addEventListener('click', () => send({ type: 'cancel' }));
send({ type: 'hello', promptId });
