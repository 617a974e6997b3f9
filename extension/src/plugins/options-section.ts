/**
 * The options page's (and toolbar popup's) "signing plugins" section: sites that tried a signing
 * plugin, with the choice "use kyso" / "use the installed plugin", and the sites already chosen.
 * Choosing reloads the site's open tabs so the choice takes effect.
 */
import browser from 'webextension-polyfill';
import { configuredImages, saveConfiguredImage } from './configured-images.js';
import { syncPluginRegistrations } from './registration.js';
import { PRIVATE_KEYS } from '../background/private-session.js';
import { bytesToBase64 } from '../../../shared/encoding.js';
import type { MessageKey } from '../i18n/messages.js';
import { browserLanguage, translator, type Vars } from '../i18n/translate.js';
import { drawLatest, replaceRows } from '../ui/rows.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { originPattern, pluginOffers, pluginSites, setPluginSite, type PluginSiteMode } from './sites.js';

const PLUGIN_NAMES: Record<string, string> = {
  vgca: 'VGCA (Ban Cơ yếu)',
  vnpt: 'VNPT-CA Plugin',
  viettel: 'Viettel-CA SignPlugin',
  bkav: 'BkavCA Signer',
};

// The options page's language (one per page, as options.ts chooses it).
const translation = browserLanguage(browser.i18n).then(translator);
const texts = async () => {
  const tr = await translation;
  return (key: MessageKey, vars?: Vars) => tr.t(key, vars);
};

/** A row's button: its words, and its name for a screen reader's list of buttons (which site it acts on). */
const button = (className: string, text: string, label: string, onClick: () => void) => {
  const element = Object.assign(document.createElement('button'), {
    type: 'button',
    className,
    textContent: text,
  });
  element.setAttribute('aria-label', label);
  element.addEventListener('click', onClick);
  return element;
};

// The section draws itself again after each choice and each change of what it shows (below).
const render = drawLatest(readSection, drawSection);

async function choose(origin: string, mode: PluginSiteMode | null): Promise<void> {
  await setPluginSite(origin, mode);
  // The emulation starts with the page: register now (the background also follows the change), then reload the site's tabs.
  await syncPluginRegistrations().catch(() => undefined);
  const pattern = originPattern(origin);
  if (!pattern) return;
  const tabs = await browser.tabs.query({ url: pattern }).catch(() => []);
  await Promise.all(
    tabs
      .filter((t) => t.id !== undefined && t.url && new URL(t.url).origin === origin)
      .map((t) => browser.tabs.reload(t.id).catch(() => undefined)),
  );
  await render();
  document.body.dataset.pluginChoice = `${origin} ${mode ?? 'none'}`;
}

/** The offer goes, with no choice stored and no tab reloaded. */
async function dismissOffer(origin: string): Promise<void> {
  await setPluginSite(origin, null);
  await render();
}

/** What the section shows: the stored choices and offers, and whether the installed Viettel-CA plugin holds its port. */
async function readSection() {
  const [sites, offers, t, stored] = await Promise.all([
    pluginSites(),
    pluginOffers(),
    texts(),
    browser.storage.local.get('viettelPortTaken') as Promise<{ viettelPortTaken?: boolean }>,
  ]);
  return { sites, offers, t, viettelPortTaken: stored.viettelPortTaken === true };
}

function drawSection({ sites, offers, t, viettelPortTaken }: Awaited<ReturnType<typeof readSection>>): void {
  const list = document.getElementById('plugin-sites');
  if (!list) return;
  const rows: HTMLLIElement[] = [];
  // The buttons wait for nothing: choose() saves, reloads the site's tabs and draws the section again.
  for (const [origin, offer] of Object.entries(offers)) {
    if (sites[origin]) continue;
    const item = Object.assign(document.createElement('li'), { className: 'plugin-offer' });
    item.dataset.origin = origin;
    if (offer.seenPrivately) item.dataset.private = 'true';
    const privately = offer.seenPrivately ? ` ${t('options_privateSession')}` : '';
    item.append(
      `${origin} — ${PLUGIN_NAMES[offer.plugin] ?? offer.plugin}${privately}: `,
      button(
        'use-kyso',
        t('plugins_useKyso'),
        t('plugins_useKysoLabel', { origin }),
        () => void choose(origin, 'kyso'),
      ),
      ' ',
      button(
        'use-installed',
        t('plugins_useInstalled'),
        t('plugins_useInstalledLabel', { origin }),
        () => void choose(origin, 'installed'),
      ),
      ' ',
      // On a shared computer the list shows which sites were visited: it can be cleared without choosing.
      button(
        'forget',
        t('plugins_remove'),
        t('plugins_removeLabel', { origin }),
        () => void dismissOffer(origin),
      ),
    );
    rows.push(item);
  }
  for (const [origin, mode] of Object.entries(sites)) {
    const item = Object.assign(document.createElement('li'), { className: 'plugin-site' });
    item.dataset.origin = origin;
    item.dataset.mode = mode;
    item.append(
      `${origin} — ${t(mode === 'kyso' ? 'plugins_kysoSigns' : 'plugins_installedSigns')} `,
      mode === 'kyso'
        ? button(
            'use-installed',
            t('plugins_useInstalled'),
            t('plugins_useInstalledLabel', { origin }),
            () => void choose(origin, 'installed'),
          )
        : button(
            'use-kyso',
            t('plugins_useKyso'),
            t('plugins_useKysoLabel', { origin }),
            () => void choose(origin, 'kyso'),
          ),
      ' ',
      button(
        'forget',
        t('plugins_remove'),
        t('plugins_removeLabel', { origin }),
        () => void choose(origin, null),
      ),
    );
    rows.push(item);
  }
  const empty = document.getElementById('no-plugin-sites');
  if (empty) empty.hidden = rows.length > 0;
  replaceRows(list, rows, empty ?? list);
  // kyso-host found the installed Viettel-CA plugin on its port (viettel-relay.ts) and left it alone.
  const portNote = document.getElementById('plugin-viettel-port');
  if (portNote) portNote.hidden = !viettelPortTaken;
}

const PNG_HEADER = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function renderImages(): Promise<void> {
  const images = await configuredImages();
  for (const [which, value] of [
    ['signature', images.signatureImage],
    ['seal', images.sealImage],
  ] as const) {
    const preview = document.getElementById(`plugin-${which}-preview`) as HTMLImageElement | null;
    if (!preview) continue;
    preview.hidden = !value;
    if (value) preview.src = `data:image/png;base64,${value}`;
  }
}

const IMAGE_LABELS = {
  signature: 'plugins_signature',
  seal: 'plugins_seal',
} as const satisfies Record<string, MessageKey>;

/**
 * The picker of the signer's image or the agency's seal: its label (filled in with the page's
 * texts), a PNG file field and a preview, before the images' status line.
 */
function addImagePicker(which: keyof typeof IMAGE_LABELS, status: HTMLElement): HTMLInputElement {
  const text = document.createElement('span');
  text.dataset.i18n = IMAGE_LABELS[which];
  const input = Object.assign(document.createElement('input'), {
    id: `plugin-${which}-image`,
    type: 'file',
    accept: 'image/png',
  });
  // The browser's own file button speaks its UI language; kyso's button says it in the page's.
  input.className = 'visually-hidden';
  const button = document.createElement('span');
  button.className = 'file-button';
  button.dataset.i18n = 'options_chooseFile';
  const label = document.createElement('label');
  label.append(text, ' ', input, button);
  const preview = Object.assign(document.createElement('img'), {
    id: `plugin-${which}-preview`,
    alt: '',
    height: 40,
    hidden: true,
  });
  const line = document.createElement('p');
  line.className = 'file-choice';
  line.append(label, preview);
  status.before(line);
  return input;
}

const imagesStatus = document.getElementById('plugin-images-status');
for (const which of imagesStatus ? (['signature', 'seal'] as const) : []) {
  addImagePicker(which, imagesStatus!).addEventListener('change', async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    const status = imagesStatus!;
    const t = await texts();
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.length > LIMITS.maxAppearanceImageBytes || !PNG_HEADER.every((b, i) => bytes[i] === b)) {
      status.textContent = t('plugins_pngNeeded');
      return;
    }
    await saveConfiguredImage(which, bytesToBase64(bytes));
    status.textContent = t('plugins_saved');
    document.body.dataset.pluginImage = which;
    await renderImages();
  });
}

// The section draws itself when the page loads and when the stored choices change; nothing waits for it.
void renderImages();
void render();
browser.storage.onChanged.addListener((changes, area) => {
  if (
    (area === 'local' &&
      ('pluginSites' in changes || 'pluginOffers' in changes || 'viettelPortTaken' in changes)) ||
    (area === 'session' && PRIVATE_KEYS.pluginOffers in changes)
  )
    void render();
});
