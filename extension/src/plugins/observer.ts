/**
 * Notices a page trying a signing plugin's loopback address (webRequest sees the WebSocket or HTTP
 * request; it never blocks or changes it) and, when the site has no choice yet, offers in kyso's
 * toolbar button to handle the site. Nothing is registered until the user says so.
 */
import browser from 'webextension-polyfill';
import type { PluginName } from './emulated-socket.js';
import { pluginSites, rememberOffer } from './sites.js';

/** The plugins' loopback ports (VGCA 8987; VNPT 4433–4435, 9201–9202; Viettel 14007/14407; BKAV 8443). */
const PLUGIN_PORTS: Record<string, PluginName> = {
  '8987': 'vgca',
  '4433': 'vnpt',
  '4434': 'vnpt',
  '4435': 'vnpt',
  '9201': 'vnpt',
  '9202': 'vnpt',
  '14007': 'viettel',
  '14407': 'viettel',
  '8443': 'bkav',
};

export const LOOPBACK_PATTERNS = ['wss://127.0.0.1/*', 'wss://localhost/*', 'ws://127.0.0.1/*', 'ws://localhost/*', 'http://127.0.0.1/*', 'https://127.0.0.1/*', 'https://localhost/*'];

/** Which plugin a request to a loopback address is for, if any. */
export function pluginOfRequest(url: string): PluginName | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.hostname !== '127.0.0.1' && parsed.hostname !== 'localhost') return undefined;
    return PLUGIN_PORTS[parsed.port];
  } catch {
    return undefined;
  }
}

interface RequestDetails {
  url: string;
  tabId: number;
  /** Chrome */
  initiator?: string;
  /** Firefox */
  originUrl?: string;
  documentUrl?: string;
}

function initiatorOrigin(details: RequestDetails): string | undefined {
  const source = details.initiator ?? details.documentUrl ?? details.originUrl;
  try {
    const origin = source ? new URL(source).origin : undefined;
    return origin && origin !== 'null' && /^https?:/.test(origin) ? origin : undefined;
  } catch {
    return undefined;
  }
}

async function noticed(details: RequestDetails): Promise<void> {
  const plugin = pluginOfRequest(details.url);
  const origin = initiatorOrigin(details);
  if (!plugin || !origin || details.tabId < 0) return;
  if ((await pluginSites())[origin]) return; // the user already chose for this site
  await rememberOffer(origin, plugin);
  await browser.action.setBadgeText({ tabId: details.tabId, text: '!' });
  await browser.action.setBadgeBackgroundColor({ tabId: details.tabId, color: '#b45309' });
  await browser.action.setTitle({ tabId: details.tabId, title: 'kyso có thể ký trên trang này thay phần mềm ký số / kyso can sign on this site instead of the signing plugin' });
}

export function observePluginAttempts(): void {
  browser.webRequest.onBeforeRequest.addListener((details) => void noticed(details as unknown as RequestDetails).catch(() => undefined), {
    urls: LOOPBACK_PATTERNS,
  });
}
