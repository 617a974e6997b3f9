/** Options: the host's and tokens' state, the sites allowed or refused (revocable), the TSA, developer mode. */
import '../ui/base.css';
import './options.css';
import browser from 'webextension-polyfill';
import { holderName, summarizeCertificate } from '../../../shared/certificate/profile.js';
import { base64ToBytes } from '../../../shared/encoding.js';
import { OptionsModulesSchema, OptionsStatusSchema } from '../../../shared/protocol/consent.js';
import { errorMessage, KysoError, toWireError } from '../../../shared/protocol/errors.js';
import { WebSocketServeSchema, type ModuleReport } from '../../../shared/protocol/host.js';
import type { OptionsModules, OptionsRequest, OptionsStatus } from '../background/messages.js';
import type { MessageKey } from '../i18n/messages.js';
import { browserLanguage, translator, type Translator } from '../i18n/translate.js';
import { PRIVATE_KEYS } from '../background/private-session.js';
import { forgetDecision, listDecisions, type SiteDecision } from '../background/site-permissions.js';
import { HOST_DOWNLOAD_URL, hostAdvice } from './host-advice.js';
import { drawLatest, replaceRows } from '../ui/rows.js';
import { showSkipped } from '../ui/skipped-certificates.js';
import '../plugins/options-section.js';
import {
  consentTimeoutMs,
  saveConsentTimeoutSeconds,
  saveTsaUrl,
  saveWebSocketSetting,
  tsaSetting,
  webSocketSetting,
} from '../background/settings.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
let tr: Translator = translator('vi');
const t = (key: MessageKey, vars?: Record<string, string | number>) => tr.t(key, vars);
const errorText = (code: Parameters<typeof errorMessage>[0]) => errorMessage(code, tr.lang);

/** The background's answers are checked like any message: a malformed one reads as an internal error. */
async function ask<T>(
  request: OptionsRequest,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
): Promise<T> {
  const parsed = schema.safeParse(await browser.runtime.sendMessage(request));
  return parsed.success ? parsed.data : ({ ok: false, error: toWireError(new KysoError('INTERNAL')) } as T);
}

/** The page's one-field forms: each form's label, field and submit button (their texts by key). */
const FIELD_FORMS: Array<{
  form: string;
  label: MessageKey;
  field: { id: string; type: string; placeholder: string; spellcheck: boolean; inputMode?: string };
  submit: { id: string; label: MessageKey };
}> = [
  {
    form: 'module-form',
    label: 'options_modulePath',
    field: {
      id: 'module-path',
      type: 'text',
      spellcheck: false,
      placeholder: '/usr/lib/vendor/libvendor_p11.so',
    },
    submit: { id: 'add-module', label: 'options_add' },
  },
  {
    form: 'tsa-form',
    label: 'options_tsaAddress',
    field: {
      id: 'tsa-url',
      type: 'url',
      inputMode: 'url',
      placeholder: 'http://tsa.example.vn',
      spellcheck: false,
    },
    submit: { id: 'save-tsa', label: 'options_save' },
  },
];

/** Fills each of FIELD_FORMS before the texts are put in (renderTexts). */
function buildFieldForms(): void {
  for (const { form, label, field, submit } of FIELD_FORMS) {
    const labelElement = Object.assign(document.createElement('label'), { htmlFor: field.id });
    labelElement.dataset.i18n = label;
    const button = Object.assign(document.createElement('button'), { id: submit.id, type: 'submit' });
    button.dataset.i18n = submit.label;
    $(form).append(labelElement, Object.assign(document.createElement('input'), field), button);
  }
}

/** One language for the whole page: the browser's UI language, else its accept-languages. */
function renderTexts(): void {
  document.documentElement.lang = tr.lang;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]'))
    element.textContent = t(element.dataset.i18n as MessageKey);
}

/** A refused value: its field is marked invalid and described by the status line saying why (which announces it). */
function markField(field: HTMLElement, status: HTMLElement, invalid: boolean): void {
  if (invalid) {
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', status.id);
  } else {
    field.removeAttribute('aria-invalid');
    field.removeAttribute('aria-describedby');
  }
}

/** One row of the site list: who, what was decided, and whether (and where) the user can revoke it. */
interface SiteRow {
  origin: string;
  label: string;
  revoke?: { madePrivately: boolean };
}

function drawSites({ user, privateSession, managed }: Awaited<ReturnType<typeof listDecisions>>): void {
  const decided = (d: SiteDecision) => t(d === 'allowed' ? 'options_allowed' : 'options_refused');
  const rows: SiteRow[] = [
    ...(managed.allowedOrigins ?? []).map((origin) => ({ origin, label: t('options_allowedPolicy') })),
    ...(managed.blockedOrigins ?? []).map((origin) => ({ origin, label: t('options_blockedPolicy') })),
    ...Object.entries(user).map(([origin, d]) => ({
      origin,
      label: decided(d),
      revoke: { madePrivately: false },
    })),
    // Shown, as browsers show their own private-session site settings, so the user can see and revoke them.
    ...Object.entries(privateSession).map(([origin, d]) => ({
      origin,
      label: `${decided(d)} ${t('options_privateSession')}`,
      revoke: { madePrivately: true },
    })),
  ];
  $('no-sites').hidden = rows.length > 0;
  replaceRows(
    $('sites'),
    rows.map(({ origin, label, revoke }) => {
      const item = document.createElement('li');
      item.dataset.origin = origin;
      item.dataset.decision = label;
      if (revoke?.madePrivately) item.dataset.private = 'true';
      item.append(
        Object.assign(document.createElement('span'), { className: 'data', textContent: origin }),
        ` — ${label} `,
      );
      if (revoke) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'revoke';
        button.textContent = t('options_revoke');
        button.setAttribute('aria-label', t('options_revokeLabel', { origin }));
        button.addEventListener('click', async () => {
          await forgetDecision(origin, revoke.madePrivately);
          await renderSites();
        });
        item.append(button);
      }
      return item;
    }),
    $('no-sites'),
  );
}

// Drawn at load, after a revocation here, and whenever decisions change elsewhere (main).
const renderSites = drawLatest(listDecisions, drawSites);

async function renderHost(): Promise<void> {
  const status: OptionsStatus = await ask({ options: 'status' }, OptionsStatusSchema);
  if (!status.ok) {
    $('host-status').textContent = errorText(status.error.code);
    $('host-status').dataset.code = status.error.code;
    $('install-help').hidden = status.error.code !== 'HOST_NOT_INSTALLED';
    const advice = hostAdvice(status.error);
    $('host-advice').hidden = !advice;
    $('host-advice-text').textContent = advice ? advice[tr.lang] : '';
    $<HTMLAnchorElement>('host-download').hidden = !advice?.download;
    $<HTMLAnchorElement>('host-download').href = HOST_DOWNLOAD_URL;
    return;
  }
  $('host-status').textContent = tr.plural('options_hostStatus', status.certificates.length, {
    version: status.hostVersion,
  });
  $('certificates').replaceChildren(
    ...status.certificates.map((c) => {
      const summary = summarizeCertificate(base64ToBytes(c.certificate));
      const ids = Object.entries(summary.identities)
        .map(([k, v]) => `${k}:${v.join(',')}`)
        .join(' ');
      return Object.assign(document.createElement('li'), {
        className: 'data',
        textContent: `${holderName(summary)} ${ids} [${c.token.label}]`,
      });
    }),
  );
  showSkipped($('skipped-certificates'), status.skipped, tr);
}

async function renderTsa(): Promise<void> {
  const setting = await tsaSetting();
  const input = $<HTMLInputElement>('tsa-url');
  input.value = setting.url ?? '';
  // An agency's policy sets the TSA; the user sees it but cannot change it.
  input.disabled = setting.managed;
  $<HTMLButtonElement>('save-tsa').disabled = setting.managed;
  $('tsa-status').textContent = setting.managed ? t('options_setByPolicy') : '';
}

function wireTsaForm(): void {
  $('tsa-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await saveTsaUrl($<HTMLInputElement>('tsa-url').value);
    const status = $('tsa-status');
    status.dataset.saved = String(saved);
    status.textContent = saved ? t('options_saved') : t('options_tsaInvalid');
    markField($('tsa-url'), status, !saved);
  });
}

async function renderConsentTimeout(): Promise<void> {
  const select = $<HTMLSelectElement>('consent-timeout');
  const seconds = String((await consentTimeoutMs()) / 1000);
  select.replaceChildren(
    ...[1, 3, 5, 10, 15].map(
      (minutes) => new Option(tr.plural('options_minutes', minutes), String(minutes * 60)),
    ),
  );
  // A value set by policy or by hand that is not one of the choices is still shown as it is.
  if (![...select.options].some((o) => o.value === seconds))
    select.add(new Option(t('options_seconds', { n: Number(seconds) }), seconds));
  select.value = seconds;
  // A storage write: nothing on the page waits for it.
  select.addEventListener('change', () => void saveConsentTimeoutSeconds(Number(select.value)));
}

let configuredModules: string[] = [];

/**
 * A module's path (data) and what kyso knows of it, in the page's language only: the host's reason
 * for a failure is the driver's or pkcs11js's English (the doctor command shows it), not for this page.
 */
function moduleLine(m: ModuleReport['modules'][number]): Array<string | Node> {
  const state = m.loaded
    ? t('options_moduleLoaded')
    : m.present
      ? t('options_moduleFailed')
      : t('options_moduleMissing');
  const source =
    m.source === 'environment'
      ? 'KYSO_PKCS11_MODULES'
      : t(m.source === 'configured' ? 'options_sourceConfigured' : 'options_sourceKnown');
  return [
    Object.assign(document.createElement('code'), { textContent: m.path }),
    ' — ',
    source,
    ' — ',
    state,
    ' ',
  ];
}

function showModules(answer: OptionsModules): void {
  const status = $('module-status');
  if (!answer.ok) {
    status.textContent = errorText(answer.error.code);
    status.dataset.code = answer.error.code;
    return;
  }
  const { report } = answer;
  configuredModules = report.configured;
  status.removeAttribute('data-code');
  status.textContent = report.environmentOverride ? t('options_environmentOverride') : '';
  replaceRows(
    $('modules'),
    report.modules.map((m) => {
      const item = document.createElement('li');
      item.append(...moduleLine(m));
      item.dataset.path = m.path;
      item.dataset.loaded = String(m.loaded);
      if (m.source === 'configured') {
        const remove = Object.assign(document.createElement('button'), {
          type: 'button',
          className: 'remove-module',
          textContent: t('options_remove'),
        });
        remove.setAttribute('aria-label', t('options_removeLabel', { path: m.path }));
        // The click waits for nothing: setModules shows the host's answer in the module list.
        remove.addEventListener(
          'click',
          () => void setModules(configuredModules.filter((p) => p !== m.path)),
        );
        item.append(remove);
      }
      return item;
    }),
    $('module-path'),
  );
}

async function setModules(configured: string[]): Promise<void> {
  showModules(await ask<OptionsModules>({ options: 'set-modules', configured }, OptionsModulesSchema));
}

async function renderModules(): Promise<void> {
  showModules(await ask<OptionsModules>({ options: 'modules' }, OptionsModulesSchema));
  $('module-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('module-path');
    const value = input.value.trim();
    if (!value) return;
    await setModules([...configuredModules.filter((p) => p !== value), value]);
    const refused = $('module-status').dataset.code !== undefined;
    markField(input, $('module-status'), refused);
    if (!refused) input.value = '';
  });
}

async function renderWebSocket(): Promise<void> {
  const setting = await webSocketSetting();
  const [enabled, port, origins] = [
    $<HTMLInputElement>('ws-enabled'),
    $<HTMLInputElement>('ws-port'),
    $<HTMLTextAreaElement>('ws-origins'),
  ];
  if (setting) {
    enabled.checked = setting.enabled;
    port.value = String(setting.port);
    origins.value = setting.allowedOrigins.join('\n');
  }
  for (const control of [enabled, port, origins, $<HTMLButtonElement>('save-ws')])
    control.disabled = setting?.managed === true;
  $('ws-status').textContent = setting?.managed ? t('options_setByPolicy') : '';
  $('ws-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await saveWebSocketSetting({
      enabled: enabled.checked,
      port: Number(port.value),
      allowedOrigins: origins.value
        .split('\n')
        .map((o) => o.trim())
        .filter(Boolean),
    });
    $('ws-status').dataset.saved = String(saved);
    $('ws-status').textContent = saved ? t('options_saved') : t('options_wsInvalid');
    // The message covers both fields; the one refused is the port when it is out of range, else the origins.
    const portRefused = !WebSocketServeSchema.shape.port.safeParse(Number(port.value)).success;
    markField(port, $('ws-status'), !saved && portRefused);
    markField(origins, $('ws-status'), !saved && !portRefused);
  });
}

async function main(): Promise<void> {
  tr = translator(await browserLanguage(browser.i18n));
  buildFieldForms();
  renderTexts();
  const { developerMode } = (await browser.storage.local.get('developerMode')) as { developerMode?: boolean };
  const checkbox = $<HTMLInputElement>('developer-mode');
  checkbox.checked = developerMode === true;
  // A storage write: nothing on the page waits for it.
  checkbox.addEventListener(
    'change',
    () => void browser.storage.local.set({ developerMode: checkbox.checked }),
  );
  wireTsaForm();
  await Promise.all([
    renderSites(),
    renderHost(),
    renderTsa(),
    renderConsentTimeout(),
    renderModules(),
    renderWebSocket(),
  ]);
  document.body.dataset.state = 'ready';
  // The list follows decisions made elsewhere meanwhile, and the private session ending (its rows go).
  browser.storage.onChanged.addListener((changes, area) => {
    if (
      (area === 'local' && 'sitePermissions' in changes) ||
      (area === 'session' && PRIVATE_KEYS.sitePermissions in changes)
    )
      void renderSites();
  });
}

// The page's entry point: main renders every section and shows its own errors.
void main();
