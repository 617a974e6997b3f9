/**
 * The extension's side of the host's Viettel-CA loopback listener (native-host/src/viettel): pages
 * whose SignPlugin script makes synchronous requests reach 127.0.0.1:14007, which the host listens
 * on while at least one site is set to "use kyso". Each call comes here with the Origin the browser
 * sent and is answered by the same ViettelPlugin as the page-world emulation, its signatures run
 * through the page request table and kyso's consent window for that origin.
 */
import browser from 'webextension-polyfill';
import { bytesToBase64 } from '../../../shared/encoding.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type { ViettelRequestEvent } from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import type { PageResult } from '../../../shared/protocol/page.js';
import type { KysoCalls } from '../../../shared/sdk/plugins/common.js';
import { signManyThrough } from '../../../shared/sdk/index.js';
import { ViettelPlugin } from '../../../shared/sdk/plugins/viettel.js';
import type { NativeHostClient } from '../background/native-host.js';
import type { BackgroundServices } from '../background/requests/context.js';
import { runPageRequest } from '../background/requests/index.js';
import { pluginSites } from './sites.js';

/** One plugin (session, shared certificate, last error) per origin, as the installed plugin keeps one per machine. */
const plugins = new Map<string, ViettelPlugin>();

function digestBase64(digest: string | Uint8Array | ArrayBuffer): string {
  return typeof digest === 'string'
    ? digest
    : bytesToBase64(digest instanceof Uint8Array ? digest : new Uint8Array(digest));
}

/** The SDK's calls, run by the background for `origin` instead of posted by a page. */
function backgroundCalls(services: BackgroundServices, origin: string): KysoCalls {
  const run = <T>(type: 'plugin' | 'sign-raw' | 'sign-many', params: unknown) =>
    runPageRequest(services, type, params, { origin }) as Promise<T>;
  return {
    pluginRequest: (params) => run<PageResult<'plugin'>>('plugin', params),
    signHash: (options) =>
      run<PageResult<'sign-raw'>>('sign-raw', { ...options, digest: digestBase64(options.digest) }),
    signMany: signManyThrough((params) => run<PageResult<'sign-many'>>('sign-many', params)),
  };
}

export async function relayViettelRequest(
  services: BackgroundServices,
  event: ViettelRequestEvent,
): Promise<void> {
  let text = '';
  // The host already checked the origin against the list it was given; the list may have changed since.
  if ((await pluginSites())[event.origin] === 'kyso') {
    let plugin = plugins.get(event.origin);
    if (!plugin) {
      plugin = new ViettelPlugin('vi', backgroundCalls(services, event.origin));
      plugins.set(event.origin, plugin);
    }
    text = await plugin.answer(event.function, event.body);
  }
  await services.host
    .call('viettel-answer', { requestId: event.requestId, text }, LIMITS.tokenOperationTimeoutMs)
    .catch(() => undefined); // a host that went away has no one to deliver the answer to
}

/** The sites set to "use kyso": the host's listener serves these, and is off without any. */
async function kysoOrigins(): Promise<string[]> {
  return Object.entries(await pluginSites())
    .filter(([, mode]) => mode === 'kyso')
    .map(([origin]) => origin)
    .slice(0, LIMITS.maxWebSocketOrigins);
}

/** The host said it listens: when it exits, the next host is asked to listen again. */
let listening = false;

/** A host that exits takes the listener with it: start it again (after a pause) if it was listening. */
export function restartViettelListenerIfListening(host: NativeHostClient): void {
  if (!listening) return;
  listening = false;
  setTimeout(() => void applyViettelListener(host), 1_000);
}

/** Whether the host must stay running to keep the listener. */
export async function viettelListenerWanted(): Promise<boolean> {
  return (await kysoOrigins().catch(() => [])).length > 0;
}

/**
 * Starts, updates or stops the host's listener to match the user's choices. Never rejects: a host
 * that is missing, or a port the installed plugin holds, leaves things as without kyso.
 */
export async function applyViettelListener(host: NativeHostClient): Promise<void> {
  try {
    const origins = await kysoOrigins();
    for (const origin of plugins.keys()) if (!origins.includes(origin)) plugins.delete(origin);
    if (origins.length === 0 && !host.connected) {
      await browser.storage.local.set({ viettelPortTaken: false });
      return;
    }
    const state = await host.call('viettel-listener', { origins }, LIMITS.tokenOperationTimeoutMs);
    listening = state.listening;
    // The installed plugin holds the port: it keeps answering those pages (the asynchronous ones still reach kyso).
    // The options page says so.
    await browser.storage.local.set({ viettelPortTaken: state.portTaken });
  } catch (error) {
    if (!(error instanceof KysoError)) console.warn('kyso: Viettel listener', error);
  }
}
