/**
 * The background's part of plugin emulation, wired into background/index.ts in a few lines:
 * answers the emulators' 'plugin' requests (from the browser-given origin only), keeps the
 * per-origin registrations in step with the user's choices, and watches for pages trying the
 * plugins' loopback addresses.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import type { HostResult } from '../../../shared/protocol/host.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { pageRequests } from '../../../shared/protocol/page.js';
import { parseOrBadRequest } from '../../../shared/protocol/validate.js';
import { observePluginAttempts } from './observer.js';
import { PLUGIN_PROMPT_PORT, PromptFlow } from './prompt-flow.js';
import { syncPluginRegistrations } from './registration.js';
import { pluginSites } from './sites.js';

/**
 * The emulation's "is this site set to kyso?" question, asked once per page: a storage read that
 * shows nothing and signs nothing, so it does not spend the site's request budget.
 */
export function isPluginHello(type: string, rawParams: unknown): boolean {
  return type === 'plugin' && (rawParams as { action?: unknown } | null)?.action === 'hello';
}

export interface PluginSupport {
  /** A 'plugin' page request; `checkSite` refuses blocked origins (and says whether the site is new). */
  request(rawParams: unknown, origin: string, checkSite: () => Promise<boolean>): Promise<unknown>;
  /** Takes the prompt window's port; false for any other port. */
  attach(port: Runtime.Port): boolean;
}

export function installPluginSupport(
  listCertificates: () => Promise<HostResult<'list-certificates'>>,
): PluginSupport {
  const prompts = new PromptFlow(listCertificates);
  // Listeners wait for nothing; a sync that fails leaves the registrations as they were.
  const sync = () => void syncPluginRegistrations().catch(() => undefined);
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && 'pluginSites' in changes) sync();
  });
  browser.runtime.onStartup.addListener(sync);
  browser.runtime.onInstalled.addListener(sync);
  sync();
  observePluginAttempts();
  browser.windows.onRemoved.addListener((windowId) => prompts.windowRemoved(windowId));

  return {
    async request(rawParams, origin, checkSite) {
      const params = parseOrBadRequest(pageRequests.plugin.params, rawParams, 'plugin');
      // Only sites the user chose for the emulation, or already allowed to ask for signatures, may
      // open kyso's windows and tabs: no certificate question, file picker or options from strangers.
      const requireKnownSite = async () => {
        if ((await pluginSites())[origin] !== 'kyso' && (await checkSite()))
          throw new KysoError('ORIGIN_NOT_ALLOWED', undefined, { origin });
      };
      switch (params.action) {
        case 'hello':
          // Whether the page's own plugin socket should be answered by kyso here: only for origins the user chose.
          return { enabled: (await pluginSites())[origin] === 'kyso' };
        case 'open-options':
          await requireKnownSite();
          await browser.runtime.openOptionsPage();
          return {};
        case 'share-certificate':
        case 'pick-file':
          await requireKnownSite();
          return prompts.ask(params.action, origin, params.lang);
      }
    },
    attach(port) {
      const page = browser.runtime.getURL('src/plugins/prompt.html');
      if (
        port.name !== PLUGIN_PROMPT_PORT ||
        port.sender?.id !== browser.runtime.id ||
        !port.sender.url?.startsWith(page)
      )
        return false;
      prompts.attach(port);
      return true;
    },
  };
}
