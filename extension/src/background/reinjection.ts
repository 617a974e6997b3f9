/**
 * Open tabs keep working across an install, update, reload or a disable and enable. Chromium does
 * not inject an extension's content scripts into tabs that were already open when it (re)starts
 * the extension: a portal page opened before would read "kyso not installed" until reloaded (a tax
 * form half filled in lost). So, once per extension instance, the background injects the
 * manifest's content scripts into every open tab they match; the orphaned old bridge steps aside by
 * itself (content/content.ts), and the new one announces itself to the SDK ('ready').
 *
 * "Once per instance" is a flag in storage.session, which Chromium clears exactly when an instance
 * ends (reload, update, disable, browser exit) and keeps while the service worker merely stops and
 * starts again. runtime.onInstalled alone would miss a disable and enable (it does not fire then).
 *
 * Firefox injects them itself on install, update and reload: nothing is done there.
 */
import browser, { type Manifest, type Tabs } from 'webextension-polyfill';

/** One of the manifest's content_scripts entries, as the background injects it. */
interface ContentScriptInjection {
  matches: string[];
  files: string[];
  allFrames: boolean;
}

/**
 * The manifest's content scripts (the built manifest: crxjs lists its loader file there), each with
 * the pages it matches. Entries without JavaScript have nothing to inject.
 */
function contentScriptInjections(manifest: Manifest.WebExtensionManifest): ContentScriptInjection[] {
  return (manifest.content_scripts ?? [])
    .filter((entry) => (entry.js?.length ?? 0) > 0 && (entry.matches?.length ?? 0) > 0)
    .map((entry) => ({
      matches: [...(entry.matches ?? [])],
      files: [...(entry.js ?? [])],
      allFrames: entry.all_frames === true,
    }));
}

/** Whether the browser injects content scripts into open tabs itself (Firefox does; Chromium does not). */
function browserInjectsIntoOpenTabs(): boolean {
  return typeof (browser.runtime as { getBrowserInfo?: unknown }).getBrowserInfo === 'function';
}

/** Tabs that can take a script now: a discarded tab has no document (it loads the manifest's scripts when woken). */
const injectable = (tab: Tabs.Tab): tab is Tabs.Tab & { id: number } =>
  tab.id !== undefined && tab.discarded !== true;

/**
 * Injects the content scripts into the open tabs they match. A tab that cannot take them (discarded,
 * closed meanwhile, an error page, a page the browser protects) is skipped: it gets them at its
 * next load, as any tab does. Resolves once every tab was tried; never rejects.
 */
async function injectContentScriptsIntoOpenTabs(): Promise<void> {
  const injections = contentScriptInjections(browser.runtime.getManifest());
  await Promise.allSettled(
    injections.map(async ({ matches, files, allFrames }) => {
      const tabs = await browser.tabs.query({ url: matches });
      await Promise.allSettled(
        tabs
          .filter(injectable)
          .map((tab) => browser.scripting.executeScript({ target: { tabId: tab.id, allFrames }, files })),
      );
    }),
  );
}

/** The storage.session key that marks this extension instance's injection as done. */
const INJECTED_KEY = 'contentScriptsInjected';

/**
 * At each service-worker start: the first start of an extension instance injects into open tabs
 * (see above); later starts of the same instance find the flag and do nothing. Never rejects.
 */
export async function injectContentScriptsOncePerInstance(): Promise<void> {
  if (browserInjectsIntoOpenTabs()) return;
  try {
    const session = browser.storage.session;
    if ((await session.get(INJECTED_KEY))[INJECTED_KEY] === true) return;
    await session.set({ [INJECTED_KEY]: true });
  } catch {
    return; // no session storage: Chromium before 102, which kyso does not support
  }
  await injectContentScriptsIntoOpenTabs();
}
