/**
 * Notices a page trying a signing plugin's loopback address (webRequest sees the WebSocket or HTTP
 * request; it never blocks or changes it) and, when the site has no choice yet, offers in kyso's
 * toolbar button to handle the site. Nothing is registered until the user says so.
 */
import browser from 'webextension-polyfill';
import { LOOPBACK_PATTERNS, pluginOfRequest } from './addresses.js';
import { pluginSites, rememberOffer } from './sites.js';

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
  const { incognito } = await browser.tabs.get(details.tabId);
  await rememberOffer(origin, plugin, incognito);
  await browser.action.setBadgeText({ tabId: details.tabId, text: '!' });
  await browser.action.setBadgeBackgroundColor({ tabId: details.tabId, color: '#b45309' });
  await browser.action.setTitle({
    tabId: details.tabId,
    title:
      'kyso có thể ký trên trang này thay phần mềm ký số / kyso can sign on this site instead of the signing plugin',
  });
}

export function observePluginAttempts(): void {
  browser.webRequest.onBeforeRequest.addListener(
    // Only noticed, never blocked: the request goes on while the attempt is recorded.
    (details) => void noticed(details as unknown as RequestDetails).catch(() => undefined),
    {
      urls: LOOPBACK_PATTERNS,
    },
  );
}
