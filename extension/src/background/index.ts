/**
 * The background service worker: takes page requests from the content script with the origin the
 * browser reports, applies the origin policy, and runs them against the native host, with the
 * user's consent for anything that signs.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import { PageRequestEnvelopeSchema, documentSizeError, pageRequests, type PageRequestEnvelope, type PageRequestType } from '../../../shared/protocol/page.js';
import { parseOrBadRequest } from '../../../shared/protocol/validate.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../../shared/version.js';
import { BENCH_BUILD } from './bench.js';
import { ConsentFlow } from './consent-flow.js';
import { planDocument } from './documents.js';
import { batchJob, rawJob, singleJob } from './jobs.js';
import { CONSENT_PORT, type BackgroundAnswer, type OptionsModules, type OptionsRequest, type OptionsStatus } from './messages.js';
import { OptionsRequestSchema } from '../../../shared/protocol/consent.js';
import type { HostEvent, HostParams } from '../../../shared/protocol/host.js';
import { sitePermission } from './site-permissions.js';
import { NativeHostClient } from './native-host.js';
import { tsaSetting, webSocketSetting } from './settings.js';
import { isOriginAllowed } from './origin-policy.js';
import { OriginRateLimiter } from './rate-limit.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { installPluginSupport, isPluginHello } from '../plugins/background.js';

const host = new NativeHostClient();
const consent = new ConsentFlow(host);
const rateLimiter = new OriginRateLimiter(LIMITS.maxRequestsPerOriginPerMinute);
const plugins = installPluginSupport(async () => (await host.call('list-certificates', {}, LIMITS.tokenOperationTimeoutMs)).certificates);

/** The requesting page's origin as the browser knows it (Chrome: sender.origin; Firefox: sender.url). */
function senderOrigin(sender: Runtime.MessageSender): string | undefined {
  const origin = (sender as { origin?: string }).origin;
  if (origin && origin !== 'null') return origin;
  try {
    return sender.url ? new URL(sender.url).origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Before any consent window: the site must not be blocked (by the user or by policy), and the host
 * must answer (no window when it is missing or outdated). Returns whether the user must be asked
 * to allow the site first.
 */
async function checkSite(origin: string): Promise<boolean> {
  const { permission, managed } = await sitePermission(origin);
  if (permission === 'blocked') throw new KysoError('ORIGIN_NOT_ALLOWED', undefined, { origin, reason: managed ? 'policy' : 'blocked by the user' });
  await host.connect();
  return permission === 'ask';
}

/** A time-stamp was asked for: the TSA in the settings, or TSA_NOT_CONFIGURED before any window opens. */
async function requireTsa(): Promise<string> {
  const { url } = await tsaSetting();
  if (!url) throw new KysoError('TSA_NOT_CONFIGURED');
  return url;
}

/** The options page asks for the host's state and the certificates present. */
async function optionsStatus(): Promise<OptionsStatus> {
  try {
    const hello = await host.connect();
    const { certificates } = await host.call('list-certificates', {}, LIMITS.tokenOperationTimeoutMs);
    return {
      ok: true,
      hostVersion: hello.hostVersion,
      certificates,
    };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

/** Who asks: a page (its tab, for progress and for cancelling when it closes), or a local program over WebSocket. */
interface Requester {
  origin: string;
  tabId?: number;
  /** The page's request id, for batch progress messages to its tab. */
  requestId?: string;
  viaWebSocket?: boolean;
}

/** A request from a page or a local program, after its origin was established: the same rules and the same consent for both. */
async function runRequest(type: PageRequestType, rawParams: unknown, requester: Requester): Promise<unknown> {
  const { origin, tabId } = requester;
  // The bench build signs hundreds of times a minute on purpose; every other build is limited.
  const budget = BENCH_BUILD || isPluginHello(type, rawParams) ? { allowed: true as const } : rateLimiter.take(origin);
  if (!budget.allowed) throw new KysoError('RATE_LIMITED', undefined, { retryAfterMs: budget.retryAfterMs });
  const consentOptions = async () => ({ askSite: await checkSite(origin), ...(requester.viaWebSocket && { viaWebSocket: true }) });
  switch (type) {
    case 'status': {
      parseOrBadRequest(pageRequests.status.params, rawParams, 'status');
      const hello = await host.connect();
      return { extensionVersion: KYSO_VERSION, hostVersion: hello.hostVersion, protocolVersion: hello.protocolVersion };
    }
    case 'sign-cms': {
      const params = parseOrBadRequest(pageRequests['sign-cms'].params, rawParams, 'sign-cms');
      const tsaUrl = params.timestamp ? await requireTsa() : undefined;
      return consent.request(origin, tabId, singleJob(host, origin, params, tsaUrl), await consentOptions());
    }
    case 'sign-raw': {
      const params = parseOrBadRequest(pageRequests['sign-raw'].params, rawParams, 'sign-raw');
      return consent.request(origin, tabId, rawJob(host, origin, params), await consentOptions());
    }
    case 'sign-many': {
      const oversized = documentSizeError(rawParams);
      if (oversized) throw oversized;
      const params = parseOrBadRequest(pageRequests['sign-many'].params, rawParams, 'sign-many');
      // Every document is checked (and PDFs and XML read) before anyone is asked anything.
      const plans = await Promise.all(params.documents.map((d, i) => planDocument(d, i, params.rsaScheme)));
      const tsaUrl = plans.some((p) => p.timestamp) ? await requireTsa() : undefined;
      const options = await consentOptions();
      // progress goes to the asking tab's bridge, which posts it to the page
      const onProgress =
        tabId === undefined
          ? undefined
          : (done: number, total: number) =>
              void browser.tabs.sendMessage(tabId, { progress: { id: requester.requestId, done, total } }, { frameId: 0 }).catch(() => undefined);
      return consent.request(origin, tabId, batchJob(host, origin, params, plans, tsaUrl), { ...options, ...(onProgress && { onProgress }) });
    }
    case 'plugin':
      return plugins.request(rawParams, origin, () => checkSite(origin));
  }
}

async function handle(envelope: PageRequestEnvelope, sender: Runtime.MessageSender): Promise<unknown> {
  const origin = senderOrigin(sender);
  const tabId = sender.tab?.id;
  if (!origin || tabId === undefined || sender.frameId !== 0) throw new KysoError('ORIGIN_NOT_ALLOWED');
  const { developerMode } = (await browser.storage.local.get('developerMode')) as { developerMode?: boolean };
  if (!isOriginAllowed(origin, { developerMode: developerMode === true })) {
    throw new KysoError('ORIGIN_NOT_ALLOWED', undefined, { origin });
  }
  if (envelope.protocolVersion !== PROTOCOL_VERSION) {
    throw new KysoError('VERSION_MISMATCH', undefined, {
      sdkProtocol: envelope.protocolVersion,
      extensionProtocol: PROTOCOL_VERSION,
      update: envelope.protocolVersion < PROTOCOL_VERSION ? 'sdk' : 'extension',
    });
  }
  return runRequest(envelope.type, envelope.params, { origin, tabId, requestId: envelope.id });
}

/** A local program's request, relayed by the host: only while the mode is on and for the origins the user listed. */
async function handleWebSocketRequest(event: HostEvent): Promise<void> {
  let answer: HostParams<'websocket-answer'>['answer'];
  try {
    const setting = await webSocketSetting();
    if (!setting?.enabled || !setting.allowedOrigins.includes(event.origin)) {
      throw new KysoError('ORIGIN_NOT_ALLOWED', undefined, { origin: event.origin });
    }
    answer = { ok: true, result: await runRequest(event.type, event.params, { origin: event.origin, viaWebSocket: true }) };
  } catch (error) {
    answer = { ok: false, error: toWireError(error) };
  }
  await host.call('websocket-answer', { requestId: event.requestId, answer }, LIMITS.tokenOperationTimeoutMs).catch(() => undefined);
}

/** Starts or stops the host's WebSocket listener to match the settings (the open port keeps the host, and this worker, running). */
async function applyWebSocketSetting(): Promise<void> {
  const setting = await webSocketSetting();
  if (setting?.enabled) {
    await host.call('websocket', { serve: { port: setting.port, allowedOrigins: setting.allowedOrigins } }, LIMITS.tokenOperationTimeoutMs).catch(() => undefined);
  } else if (host.connected) {
    await host.call('websocket', { serve: null }, LIMITS.tokenOperationTimeoutMs).catch(() => undefined);
  }
}

/** The options page lists the PKCS#11 modules and sets the user's extra ones (only it may: loading a library runs its code). */
async function optionsModules(request: OptionsRequest): Promise<OptionsModules> {
  try {
    await host.connect();
    const report =
      request.options === 'set-modules'
        ? await host.call('set-modules', { configured: request.configured }, LIMITS.tokenOperationTimeoutMs)
        : await host.call('modules', {}, LIMITS.tokenOperationTimeoutMs);
    return { ok: true, report };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender): Promise<unknown> | undefined => {
  if (sender.id !== browser.runtime.id) return undefined;
  const fromOptionsPage = sender.url?.startsWith(browser.runtime.getURL('src/options/')) === true;
  if (fromOptionsPage) {
    const options = OptionsRequestSchema.safeParse(message);
    if (!options.success) return Promise.resolve({ ok: false, error: toWireError(new KysoError('BAD_REQUEST')) });
    return options.data.options === 'status' ? optionsStatus() : optionsModules(options.data);
  }
  if (!sender.tab) return undefined; // page requests come from our content scripts only
  const parsed = PageRequestEnvelopeSchema.safeParse((message as { envelope?: unknown })?.envelope);
  if (!parsed.success) return Promise.resolve({ ok: false, error: toWireError(new KysoError('BAD_REQUEST')) });
  return handle(parsed.data, sender).then(
    (result): BackgroundAnswer => ({ ok: true, result }),
    (error): BackgroundAnswer => ({ ok: false, error: toWireError(error) }),
  );
});

browser.runtime.onConnect.addListener((port) => {
  // Only our own consent page may drive a consent (content scripts' senders carry the page's URL).
  const consentPage = browser.runtime.getURL('src/consent/consent.html');
  if (port.name === CONSENT_PORT && port.sender?.id === browser.runtime.id && port.sender.url?.startsWith(consentPage)) consent.attach(port);
  else if (!plugins.attach(port)) port.disconnect();
});
// Benchmarks measure cold starts by dropping the port (bench build only; see bench.ts).
if (BENCH_BUILD) (globalThis as { kysoBench?: unknown }).kysoBench = { disconnect: () => host.disconnect() };

host.onEvent = (event) => void handleWebSocketRequest(event);
// A host that exits takes the listener with it: start it again while the mode is on.
host.onDisconnected = () => void webSocketSetting().then((s) => s?.enabled && setTimeout(() => void applyWebSocketSetting(), 1_000));
browser.storage.onChanged.addListener((changes) => {
  if ('websocket' in changes) void applyWebSocketSetting();
});
browser.runtime.onStartup.addListener(() => void applyWebSocketSetting());
void applyWebSocketSetting();

browser.windows.onRemoved.addListener((windowId) => consent.windowRemoved(windowId));
browser.tabs.onRemoved.addListener((tabId) => consent.tabRemoved(tabId));
