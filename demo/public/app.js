// The demo portal's page: a few lines of kyso SDK use, the rest is the portal's own UI.
import { detect, signCms, digestOf, errorMessage, KysoError } from '/sdk/kyso.js';

const TEXT = {
  vi: {
    banner: 'Cổng dịch vụ công thử nghiệm — không phải trang của cơ quan nhà nước',
    title: 'Nộp hồ sơ trực tuyến',
    intro:
      'Chọn tệp hồ sơ, rồi ký số bằng USB token của bạn. Tệp không rời khỏi trình duyệt cho đến khi bạn nộp; kyso chỉ nhận mã băm của tệp.',
    checking: 'Đang kiểm tra kyso…',
    ready: (v) => `kyso sẵn sàng (tiện ích ${v.extensionVersion}, ứng dụng ${v.hostVersion}).`,
    fileLabel: 'Tệp hồ sơ',
    descriptionLabel: 'Nội dung',
    sign: 'Ký số và nộp hồ sơ',
    hashing: 'Đang tính mã băm của tệp…',
    signing: 'Hãy xác nhận trong cửa sổ kyso…',
    submitting: 'Đang nộp hồ sơ…',
    accepted: 'Hồ sơ đã được tiếp nhận',
    rejected: 'Cổng từ chối chữ ký',
    signer: 'Người ký',
    identity: 'Mã định danh',
    time: 'Thời điểm ký',
    file: 'Tệp',
    chooseFile: 'Hãy chọn tệp hồ sơ.',
    update: {
      host: 'Hãy cập nhật ứng dụng kyso trên máy này: ứng dụng cũ hơn tiện ích.',
      extension: 'Hãy cập nhật tiện ích kyso trong trình duyệt: tiện ích cũ hơn ứng dụng.',
      sdk: 'Trang này cần bản kyso SDK mới hơn.',
    },
  },
  en: {
    banner: 'Demo public-service portal — not a government site',
    title: 'Submit an application online',
    intro:
      'Choose your application file, then sign it with your USB token. The file stays in your browser until you submit; kyso only receives its hash.',
    checking: 'Checking kyso…',
    ready: (v) => `kyso is ready (extension ${v.extensionVersion}, app ${v.hostVersion}).`,
    fileLabel: 'Application file',
    descriptionLabel: 'Description',
    sign: 'Sign and submit',
    hashing: 'Hashing the file…',
    signing: 'Please confirm in the kyso window…',
    submitting: 'Submitting…',
    accepted: 'Application received',
    rejected: 'The portal rejected the signature',
    signer: 'Signed by',
    identity: 'Identity number',
    time: 'Signing time',
    file: 'File',
    chooseFile: 'Please choose a file.',
    update: {
      host: 'Update the kyso app on this computer: it is older than the extension.',
      extension: 'Update the kyso extension in your browser: it is older than the app.',
      sdk: 'This page needs a newer kyso SDK.',
    },
  },
};

let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'vi';
let kysoStatus = null;
const $ = (id) => document.getElementById(id);

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const text = TEXT[lang][el.dataset.i18n];
    if (typeof text === 'string') el.textContent = text;
  }
  $('lang-vi').setAttribute('aria-pressed', String(lang === 'vi'));
  $('lang-en').setAttribute('aria-pressed', String(lang === 'en'));
  if (kysoStatus?.ready) $('kyso-state').textContent = TEXT[lang].ready(kysoStatus.status);
  else if (kysoStatus) {
    // VERSION_MISMATCH says which part is behind (details.update): the portal tells the person which to update.
    const behind = TEXT[lang].update[kysoStatus.error.details?.update];
    $('kyso-state').textContent =
      kysoStatus.error.code === 'VERSION_MISMATCH' && behind
        ? behind
        : errorMessage(kysoStatus.error.code, lang);
  }
}

function setStatus(state, text = '') {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

function showError(error) {
  const code = error instanceof KysoError ? error.code : 'INTERNAL';
  $('error').dataset.code = code;
  $('error').textContent =
    error instanceof KysoError ? errorMessage(code, lang) : String(error.message ?? error);
  $('error').hidden = false;
  setStatus('error');
}

async function fileToBase64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function onSubmit(event) {
  event.preventDefault();
  $('error').hidden = true;
  $('error').removeAttribute('data-code');
  $('result').hidden = true;
  const file = $('file').files[0];
  if (!file) return showError(new Error(TEXT[lang].chooseFile));
  try {
    setStatus('hashing', TEXT[lang].hashing);
    const digest = await digestOf(file, 'SHA-256');
    setStatus('signing', TEXT[lang].signing);
    const { cms } = await signCms({
      digest,
      digestAlgorithm: 'SHA-256',
      description: $('description').value || file.name,
      documentName: file.name,
      lang,
    });
    setStatus('submitting', TEXT[lang].submitting);
    const response = await fetch('/api/submit', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fileName: file.name, file: await fileToBase64(file), cms }),
    });
    const body = await response.json();
    if (!body.accepted) throw new Error(`${TEXT[lang].rejected}: ${body.problems.join('; ')}`);
    $('result-signer').textContent = body.signer;
    $('result-identity').textContent = Object.entries(body.identities)
      .map(([kind, values]) => `${kind}: ${values.join(', ')}`)
      .join(' · ');
    $('result-time').textContent = body.signingTime
      ? new Date(body.signingTime).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', {
          timeZone: 'Asia/Ho_Chi_Minh',
        })
      : '';
    $('result-file').textContent = body.fileName;
    $('result').hidden = false;
    setStatus('done');
  } catch (error) {
    showError(error);
  }
}

$('application').addEventListener('submit', onSubmit);
$('lang-vi').addEventListener('click', () => ((lang = 'vi'), applyLanguage()));
$('lang-en').addEventListener('click', () => ((lang = 'en'), applyLanguage()));
applyLanguage();
detect().then((result) => {
  kysoStatus = result;
  $('kyso-state').dataset.state = result.ready ? 'ready' : result.problem;
  applyLanguage();
});
