/**
 * What kyso keeps about pages in private (incognito) windows: only in storage.session (memory,
 * never on disk), and only until the last private window closes, as the browser forgets its own
 * private session. The next user of a shared computer finds no trace of the sites used privately.
 */
import browser from 'webextension-polyfill';

/** The storage.session keys of the private session's records. */
export const PRIVATE_KEYS = {
  /** Site decisions made in private windows (site-permissions.ts). */
  sitePermissions: 'privateSitePermissions',
  /** Sites seen trying a signing plugin from a private window (plugins/sites.ts). */
  pluginOffers: 'privatePluginOffers',
} as const;

type PrivateKey = (typeof PRIVATE_KEYS)[keyof typeof PRIVATE_KEYS];

export async function readPrivate<T>(key: PrivateKey): Promise<Record<string, T>> {
  const items = await browser.storage.session.get(key);
  return { ...(items[key] as Record<string, T> | undefined) };
}

export async function writePrivate<T>(key: PrivateKey, value: Record<string, T>): Promise<void> {
  await browser.storage.session.set({ [key]: value });
}

/** A window closed: when no private window is left, the private session's records go. */
export async function endPrivateSessionIfOver(): Promise<void> {
  const windows = await browser.windows.getAll();
  if (windows.some((window) => window.incognito)) return;
  await browser.storage.session.remove(Object.values(PRIVATE_KEYS));
}
