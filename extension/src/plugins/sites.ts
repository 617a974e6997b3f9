/**
 * Which sites kyso answers the signing plugins for. The user chooses per origin: "use kyso" (the
 * plugin emulation is registered for it) or "use the installed plugin" (kyso stays out of the way).
 * Sites that tried a plugin's loopback address and have no choice yet are offers, shown in kyso's
 * popup.
 */
import browser from 'webextension-polyfill';
import type { PluginName } from './emulated-socket.js';
export { originPattern } from './addresses.js';

export type PluginSiteMode = 'kyso' | 'installed';

export interface PluginOffer {
  plugin: PluginName;
  /** When the page last tried (ms since epoch). */
  at: number;
}

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
  const offers = await pluginOffers();
  delete offers[origin];
  await browser.storage.local.set({ pluginSites: sites, pluginOffers: offers });
}

export async function pluginOffers(): Promise<Record<string, PluginOffer>> {
  const { pluginOffers } = (await browser.storage.local.get('pluginOffers')) as {
    pluginOffers?: Record<string, PluginOffer>;
  };
  return pluginOffers ?? {};
}

export async function rememberOffer(origin: string, plugin: PluginName): Promise<void> {
  const offers = await pluginOffers();
  offers[origin] = { plugin, at: Date.now() };
  const newest = Object.entries(offers)
    .sort(([, a], [, b]) => b.at - a.at)
    .slice(0, MAX_OFFERS);
  await browser.storage.local.set({ pluginOffers: Object.fromEntries(newest) });
}
