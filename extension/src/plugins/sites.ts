/**
 * Which sites kyso answers the signing plugins for. The user chooses per origin: "use kyso" (the
 * plugin emulation is registered for it) or "use the installed plugin" (kyso stays out of the way).
 * Sites that tried a plugin's loopback address and have no choice yet are offers, shown in kyso's
 * popup; one seen in a private window is kept for the private session only (private-session.ts).
 */
import browser from 'webextension-polyfill';
import { PRIVATE_KEYS, readPrivate, writePrivate } from '../background/private-session.js';
import type { PluginName } from './emulated-socket.js';
export { originPattern } from './addresses.js';

export type PluginSiteMode = 'kyso' | 'installed';

export interface PluginOffer {
  plugin: PluginName;
  /** When the page last tried (ms since epoch). */
  at: number;
}

/** An offer as the options page lists it: seen in a private window now open, or in a normal one. */
export type ListedOffer = PluginOffer & { seenPrivately: boolean };

const MAX_OFFERS = 20;

export async function pluginSites(): Promise<Record<string, PluginSiteMode>> {
  const { pluginSites } = (await browser.storage.local.get('pluginSites')) as {
    pluginSites?: Record<string, PluginSiteMode>;
  };
  return pluginSites ?? {};
}

export async function setPluginSite(origin: string, mode: PluginSiteMode | null): Promise<void> {
  const sites = await pluginSites();
  if (mode) sites[origin] = mode;
  else delete sites[origin];
  const offers = await storedOffers();
  delete offers[origin];
  const privateOffers = await readPrivate<PluginOffer>(PRIVATE_KEYS.pluginOffers);
  delete privateOffers[origin];
  await writePrivate(PRIVATE_KEYS.pluginOffers, privateOffers);
  await browser.storage.local.set({ pluginSites: sites, pluginOffers: offers });
}

async function storedOffers(): Promise<Record<string, PluginOffer>> {
  const { pluginOffers } = (await browser.storage.local.get('pluginOffers')) as {
    pluginOffers?: Record<string, PluginOffer>;
  };
  return pluginOffers ?? {};
}

/** The offers of normal windows and of the private session now open, each saying which. */
export async function pluginOffers(): Promise<Record<string, ListedOffer>> {
  const listed = (offers: Record<string, PluginOffer>, seenPrivately: boolean) =>
    Object.fromEntries(
      Object.entries(offers).map(([origin, offer]) => [origin, { ...offer, seenPrivately }]),
    );
  return {
    ...listed(await storedOffers(), false),
    ...listed(await readPrivate<PluginOffer>(PRIVATE_KEYS.pluginOffers), true),
  };
}

export async function rememberOffer(origin: string, plugin: PluginName, incognito: boolean): Promise<void> {
  const offers = incognito ? await readPrivate<PluginOffer>(PRIVATE_KEYS.pluginOffers) : await storedOffers();
  offers[origin] = { plugin, at: Date.now() };
  const newest = Object.fromEntries(
    Object.entries(offers)
      .sort(([, a], [, b]) => b.at - a.at)
      .slice(0, MAX_OFFERS),
  );
  if (incognito) await writePrivate(PRIVATE_KEYS.pluginOffers, newest);
  else await browser.storage.local.set({ pluginOffers: newest });
}
