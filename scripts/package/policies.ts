/**
 * Opt-in enterprise policy templates (never active by default): an agency copies the one for its
 * browser to the location named in docs/deploy.md, after putting its own portals in allowedOrigins.
 * Each forces the extension's install from its store and sets kyso's managed storage
 * (extension/public/managed-schema.json).
 */
import path from 'node:path';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import type { PackageFile } from './layout.js';

/** An example agency setting; templates are edited before use. */
export const EXAMPLE_MANAGED_SETTINGS = {
  allowedOrigins: ['https://dichvucong.gov.vn'],
  blockedOrigins: [] as string[],
};

const CHROME_WEB_STORE_UPDATE_URL = 'https://clients2.google.com/service/update2/crx';
export const AMO_INSTALL_URL = 'https://addons.mozilla.org/firefox/downloads/latest/kyso/latest.xpi';

/** Chrome, Chromium, Edge and Brave read the same JSON; extension settings go under "3rdparty". */
export function chromiumPolicy(
  updateUrl = CHROME_WEB_STORE_UPDATE_URL,
  settings: object = EXAMPLE_MANAGED_SETTINGS,
): object {
  return {
    ExtensionInstallForcelist: [`${CHROMIUM_EXTENSION_ID};${updateUrl}`],
    '3rdparty': { extensions: { [CHROMIUM_EXTENSION_ID]: settings } },
  };
}

export function firefoxPolicy(
  installUrl = AMO_INSTALL_URL,
  settings: object = EXAMPLE_MANAGED_SETTINGS,
): object {
  return {
    policies: {
      ExtensionSettings: {
        [FIREFOX_EXTENSION_ID]: { installation_mode: 'force_installed', install_url: installUrl },
      },
      '3rdparty': { Extensions: { [FIREFOX_EXTENSION_ID]: settings } },
    },
  };
}

/**
 * Where each browser reads a managed policy file on Linux (the template's name under policies/).
 * Firefox reads one policies.json for everything: an agency merges kyso's entries into its own.
 * Firefox reads SysConfD/policies/policies.json first (EnterprisePoliciesParent), else its
 * distribution directory's. SysConfD is /etc/firefox for Mozilla's builds and for Debian's firefox-esr
 * alike (observed in about:policies with firefox-esr 153: /etc/firefox-esr/policies is not read), so
 * the firefox-esr template names the ESR package's distribution directory, read when /etc/firefox has none.
 */
export const LINUX_POLICY_LOCATIONS = {
  chrome: '/etc/opt/chrome/policies/managed/kyso.json',
  chromium: '/etc/chromium/policies/managed/kyso.json',
  edge: '/etc/opt/edge/policies/managed/kyso.json',
  brave: '/etc/brave/policies/managed/kyso.json',
  firefox: '/etc/firefox/policies/policies.json',
  'firefox-esr': '/usr/lib/firefox-esr/distribution/policies.json',
} as const;

export function enterprisePolicies(baseDir: string): PackageFile[] {
  const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;
  return Object.entries(LINUX_POLICY_LOCATIONS).map(([browser, location]) => ({
    path: path.posix.join(baseDir, browser, path.posix.basename(location)),
    text: json(browser.startsWith('firefox') ? firefoxPolicy() : chromiumPolicy()),
    mode: 0o644,
  }));
}
