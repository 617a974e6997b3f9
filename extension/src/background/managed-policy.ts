/**
 * The agency's managed policy (Chrome policy / Firefox enterprise policy), read once and kept.
 * Chromium answers the first storage.managed read only after its policy service is up — about 5 s
 * after start on a machine without policy (measured in the bench) — so the read starts as soon as
 * this module loads, every caller shares it, and a policy change (storage.onChanged 'managed')
 * starts a fresh read.
 */
import browser from 'webextension-polyfill';

let policy: Promise<Record<string, unknown>> | undefined;

function read(): Promise<Record<string, unknown>> {
  // Firefox throws when no policy is installed: that is an empty policy.
  return browser.storage.managed.get(null).then(
    (values) => values,
    () => ({}),
  );
}

export function managedPolicy(): Promise<Record<string, unknown>> {
  policy ??= read();
  return policy;
}

browser.storage.onChanged.addListener((_changes, area) => {
  if (area === 'managed') policy = read();
});
// Start the read now (see above); it never rejects, and callers await the same promise.
void managedPolicy();
