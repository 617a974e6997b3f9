/** Options: the host's and tokens' state, the sites allowed or refused (revocable), the TSA, developer mode. */
import browser from 'webextension-polyfill';
import { holderName, summarizeCertificate } from '../../../shared/certificate/profile.js';
import { base64ToBytes } from '../../../shared/encoding.js';
import { errorMessage } from '../../../shared/protocol/errors.js';
import type { ModuleReport } from '../../../shared/protocol/host.js';
import type { OptionsModules, OptionsRequest, OptionsStatus } from '../background/messages.js';
import { forgetDecision, listDecisions } from '../background/site-permissions.js';
import { consentTimeoutMs, saveConsentTimeoutSeconds, saveTsaUrl, saveWebSocketSetting, tsaSetting, webSocketSetting } from '../background/settings.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

async function renderSites(): Promise<void> {
  const { user, managed } = await listDecisions();
  const rows: Array<[string, string, boolean]> = [
    ...(managed.allowedOrigins ?? []).map((o): [string, string, boolean] => [o, 'cho phép (chính sách) / allowed (policy)', false]),
    ...(managed.blockedOrigins ?? []).map((o): [string, string, boolean] => [o, 'chặn (chính sách) / blocked (policy)', false]),
    ...Object.entries(user).map(([o, d]): [string, string, boolean] => [o, d === 'allowed' ? 'cho phép / allowed' : 'không cho phép / refused', true]),
  ];
  const list = $('sites');
  list.replaceChildren(
    ...rows.map(([origin, label, revocable]) => {
      const item = document.createElement('li');
      item.dataset.origin = origin;
      item.textContent = `${origin} — ${label} `;
      if (revocable) {
        const revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.className = 'revoke';
        revoke.textContent = 'Thu hồi / Revoke';
        revoke.setAttribute('aria-label', `Thu hồi / Revoke ${origin}`);
        revoke.addEventListener('click', async () => {
          await forgetDecision(origin);
          await renderSites();
        });
        item.append(revoke);
      }
      return item;
    }),
  );
  $('no-sites').hidden = rows.length > 0;
}

async function renderHost(): Promise<void> {
  const status = await browser.runtime.sendMessage<OptionsRequest, OptionsStatus>({ options: 'status' });
  if (!status.ok) {
    $('host-status').textContent = `${errorMessage(status.error.code, 'vi')} / ${errorMessage(status.error.code, 'en')}`;
    $('host-status').dataset.code = status.error.code;
    $('install-help').hidden = status.error.code !== 'HOST_NOT_INSTALLED';
    return;
  }
  $('host-status').textContent = `kyso-host ${status.hostVersion} — ${status.certificates.length} chứng thư số / certificates`;
  $('certificates').replaceChildren(
    ...status.certificates.map((c) => {
      const summary = summarizeCertificate(base64ToBytes(c.certificate));
      const ids = Object.entries(summary.identities)
        .map(([k, v]) => `${k}:${v.join(',')}`)
        .join(' ');
      return Object.assign(document.createElement('li'), { textContent: `${holderName(summary)} ${ids} [${c.token.label}]` });
    }),
  );
}

async function renderTsa(): Promise<void> {
  const setting = await tsaSetting();
  const input = $<HTMLInputElement>('tsa-url');
  input.value = setting.url ?? '';
  // An agency's policy sets the TSA; the user sees it but cannot change it.
  input.disabled = setting.managed;
  $<HTMLButtonElement>('save-tsa').disabled = setting.managed;
  $('tsa-status').textContent = setting.managed ? 'Đặt bởi chính sách của cơ quan / Set by policy' : '';
}

function wireTsaForm(): void {
  $('tsa-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await saveTsaUrl($<HTMLInputElement>('tsa-url').value);
    const status = $('tsa-status');
    status.dataset.saved = String(saved);
    status.textContent = saved ? 'Đã lưu / Saved' : 'Địa chỉ phải là URL http:// hoặc https:// / The address must be an http:// or https:// URL';
  });
}

async function renderConsentTimeout(): Promise<void> {
  const select = $<HTMLSelectElement>('consent-timeout');
  const seconds = String((await consentTimeoutMs()) / 1000);
  // A value set by policy or by hand that is not one of the choices is still shown as it is.
  if (![...select.options].some((o) => o.value === seconds)) select.add(new Option(`${seconds} s`, seconds));
  select.value = seconds;
  // A storage write: nothing on the page waits for it.
  select.addEventListener('change', () => void saveConsentTimeoutSeconds(Number(select.value)));
}

let configuredModules: string[] = [];

function moduleLine(m: ModuleReport['modules'][number]): string {
  const state = m.loaded ? 'đã nạp / loaded' : m.present ? `lỗi / failed: ${m.error ?? ''}` : 'không thấy tệp / file not found';
  const source = { environment: 'KYSO_PKCS11_MODULES', configured: 'bạn thêm / added by you', known: 'tự tìm thấy / found' }[m.source];
  return `${m.path} — ${source} — ${state} `;
}

function showModules(answer: OptionsModules): void {
  const status = $('module-status');
  if (!answer.ok) {
    status.textContent = `${errorMessage(answer.error.code, 'vi')} / ${errorMessage(answer.error.code, 'en')}`;
    status.dataset.code = answer.error.code;
    return;
  }
  const { report } = answer;
  configuredModules = report.configured;
  status.removeAttribute('data-code');
  status.textContent = report.environmentOverride
    ? 'KYSO_PKCS11_MODULES đang quyết định thư viện nào được nạp / KYSO_PKCS11_MODULES decides which libraries load'
    : '';
  $('modules').replaceChildren(
    ...report.modules.map((m) => {
      const item = Object.assign(document.createElement('li'), { textContent: moduleLine(m) });
      item.dataset.path = m.path;
      item.dataset.loaded = String(m.loaded);
      if (m.source === 'configured') {
        const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'remove-module', textContent: 'Bỏ / Remove' });
        remove.setAttribute('aria-label', `Bỏ / Remove ${m.path}`);
        // setModules shows the host's new report (or its error) when it comes.
        remove.addEventListener('click', () => void setModules(configuredModules.filter((p) => p !== m.path)));
        item.append(remove);
      }
      return item;
    }),
  );
}

async function setModules(configured: string[]): Promise<void> {
  const request: OptionsRequest = { options: 'set-modules', configured };
  showModules(await browser.runtime.sendMessage<OptionsRequest, OptionsModules>(request));
}

async function renderModules(): Promise<void> {
  const request: OptionsRequest = { options: 'modules' };
  showModules(await browser.runtime.sendMessage<OptionsRequest, OptionsModules>(request));
  $('module-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('module-path');
    const value = input.value.trim();
    if (!value) return;
    await setModules([...configuredModules.filter((p) => p !== value), value]);
    if ($('module-status').dataset.code === undefined) input.value = '';
  });
}

async function renderWebSocket(): Promise<void> {
  const setting = await webSocketSetting();
  const [enabled, port, origins] = [$<HTMLInputElement>('ws-enabled'), $<HTMLInputElement>('ws-port'), $<HTMLTextAreaElement>('ws-origins')];
  if (setting) {
    enabled.checked = setting.enabled;
    port.value = String(setting.port);
    origins.value = setting.allowedOrigins.join('\n');
  }
  for (const control of [enabled, port, origins, $<HTMLButtonElement>('save-ws')]) control.disabled = setting?.managed === true;
  $('ws-status').textContent = setting?.managed ? 'Đặt bởi chính sách của cơ quan / Set by policy' : '';
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
    $('ws-status').textContent = saved
      ? 'Đã lưu / Saved'
      : 'Cổng 1024–65535 và ít nhất một Origin dạng scheme://tên / Port 1024–65535 and at least one Origin like scheme://name';
  });
}

async function main(): Promise<void> {
  const { developerMode } = (await browser.storage.local.get('developerMode')) as { developerMode?: boolean };
  const checkbox = $<HTMLInputElement>('developer-mode');
  checkbox.checked = developerMode === true;
  // A storage write: nothing on the page waits for it.
  checkbox.addEventListener('change', () => void browser.storage.local.set({ developerMode: checkbox.checked }));
  wireTsaForm();
  await Promise.all([renderSites(), renderHost(), renderTsa(), renderConsentTimeout(), renderModules(), renderWebSocket()]);
  document.body.dataset.state = 'ready';
}

// The page's entry point: main renders every section and shows its own errors.
void main();
