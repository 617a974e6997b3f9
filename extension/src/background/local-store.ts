/**
 * The storage.local values the background reads on every request (developer mode, the user's site
 * decisions, settings), kept in memory: each storage.local read is a round trip to the browser
 * process (~0.2 ms), and a signature used to make three. A change made anywhere (the options page,
 * a test, another context) drops the kept value through storage.onChanged; the background's own
 * writes go through here and are seen at once.
 */
import browser from 'webextension-polyfill';

const kept = new Map<string, Promise<unknown>>();

/** The stored value of `key` (undefined when unset), read from the browser once and kept. */
export function readLocal(key: string): Promise<unknown> {
  let value = kept.get(key);
  if (!value) {
    value = browser.storage.local.get(key).then((items) => items[key]);
    kept.set(key, value);
    value.catch(() => kept.delete(key)); // a failed read is tried again next time
  }
  return value;
}

export async function writeLocal(items: Record<string, unknown>): Promise<void> {
  for (const [key, value] of Object.entries(items)) kept.set(key, Promise.resolve(value));
  try {
    await browser.storage.local.set(items);
  } finally {
    for (const key of Object.keys(items)) kept.delete(key); // read back from the browser next time (also after a failure)
  }
}

export async function removeLocal(key: string): Promise<void> {
  kept.set(key, Promise.resolve(undefined));
  try {
    await browser.storage.local.remove(key);
  } finally {
    kept.delete(key);
  }
}

browser.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local') return;
  for (const key of Object.keys(changes)) kept.delete(key);
});
