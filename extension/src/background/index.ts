/**
 * The background service worker, as wiring only: it makes the long-lived parts and registers the
 * listeners. Page requests: page-messages.ts and the table in requests/; the options page:
 * options-requests.ts; local WebSocket mode: websocket-relay.ts; the consent window: consent-flow.ts.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { BENCH_BUILD, takeBenchMarks } from './bench.js';
import { ConsentFlow } from './consent-flow.js';
import { documentPreparers } from './document-preparer.js';
import { CONSENT_PORT } from './messages.js';
import { hostMustStayOpen } from './host-hold.js';
import { NativeHostClient } from './native-host.js';
import { answerOptionsMessage } from './options-requests.js';
import { attachPagePort } from './page-messages.js';
import { PAGE_PORT } from '../../../shared/protocol/content.js';
import { OriginRateLimiter } from './rate-limit.js';
import { endPrivateSessionIfOver } from './private-session.js';
import { injectContentScriptsOncePerInstance } from './reinjection.js';
import type { BackgroundServices } from './requests/context.js';
import { installPluginSupport } from '../plugins/background.js';
import {
  applyViettelListener,
  relayViettelRequest,
  restartViettelListenerIfListening,
} from '../plugins/viettel-relay.js';
import {
  applyWebSocketSetting,
  relayWebSocketRequest,
  restartWebSocketIfEnabled,
  webSocketClientGone,
} from './websocket-relay.js';

const host = new NativeHostClient();
const services: BackgroundServices = {
  host,
  consent: new ConsentFlow(host),
  documents: documentPreparers(),
  rateLimiter: new OriginRateLimiter(LIMITS.maxRequestsPerOriginPerMinute),
  plugins: installPluginSupport(() => host.call('list-certificates', {}, LIMITS.tokenOperationTimeoutMs)),
};

browser.runtime.onMessage.addListener(
  (message: unknown, sender: Runtime.MessageSender): Promise<unknown> | undefined => {
    if (sender.id !== browser.runtime.id) return undefined;
    const fromOptionsPage = sender.url?.startsWith(browser.runtime.getURL('src/options/')) === true;
    // Page requests come up the content scripts' port (PAGE_PORT), never as a runtime message.
    return fromOptionsPage ? answerOptionsMessage(host, message) : undefined;
  },
);

browser.runtime.onConnect.addListener((port) => {
  if (port.name === PAGE_PORT && port.sender?.id === browser.runtime.id && port.sender.tab)
    return attachPagePort(services, port);
  // Only our own consent page may drive a consent (content scripts' senders carry the page's URL).
  const consentPage = browser.runtime.getURL('src/consent/consent.html');
  if (
    port.name === CONSENT_PORT &&
    port.sender?.id === browser.runtime.id &&
    port.sender.url?.startsWith(consentPage)
  )
    services.consent.attach(port);
  else if (services.documents.attach(port)) return;
  else if (!services.plugins.attach(port)) port.disconnect();
});
// The offscreen document preparer hands over the MessagePort the background's calls go over (document-preparer.ts).
globalThis.addEventListener('message', (event) => void services.documents.attachMessagePort(event));
// Benchmarks measure cold starts by dropping the port (bench build only; see bench.ts).
if (BENCH_BUILD)
  (globalThis as { kysoBench?: unknown }).kysoBench = {
    disconnect: () => host.disconnect(),
    takeMarks: takeBenchMarks,
  };

// Event handlers settle on their own (each catches what it can fail with); nothing waits for them.
host.onEvent = (event) => {
  if (event.event === 'websocket-gone') return webSocketClientGone(services, event);
  void (event.event === 'viettel-request'
    ? relayViettelRequest(services, event)
    : relayWebSocketRequest(services, event));
};
host.onDisconnected = () => {
  void restartWebSocketIfEnabled(host);
  restartViettelListenerIfListening(host);
};
// An idle host exits (see HOST_IDLE_DISCONNECT_MS) unless it listens for local programs or Viettel-CA pages.
host.holdOpen = hostMustStayOpen;
browser.storage.onChanged.addListener((changes) => {
  if ('websocket' in changes) void applyWebSocketSetting(host); // never rejects
  if ('pluginSites' in changes) void applyViettelListener(host); // never rejects
});
browser.runtime.onStartup.addListener(() => void applyWebSocketSetting(host));
// At every service-worker start: the listeners follow the settings (neither rejects).
void applyWebSocketSetting(host);
void applyViettelListener(host);

browser.windows.onRemoved.addListener((windowId) => {
  services.consent.windowRemoved(windowId);
  void endPrivateSessionIfOver().catch(() => undefined);
});
browser.tabs.onRemoved.addListener((tabId) => services.consent.tabRemoved(tabId));
// Chromium: tabs open before this extension instance started (install, update, reload, enable) get
// its content script (see reinjection.ts).
void injectContentScriptsOncePerInstance(); // never rejects
