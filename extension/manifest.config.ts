import { defineManifest } from '@crxjs/vite-plugin';
import { EXTENSION_PUBLIC_KEY, FIREFOX_EXTENSION_ID } from '../shared/identity.js';
import { KYSO_VERSION } from '../shared/version.js';

/**
 * The content script runs on https pages and on localhost (answered only in developer mode). It
 * injects nothing into the page but a message listener. Firefox rejects ports in match patterns,
 * and `http://localhost/*` matches every port in both browsers.
 */
export default defineManifest({
  manifest_version: 3,
  name: '__MSG_extensionName__',
  description: '__MSG_extensionDescription__',
  default_locale: 'vi',
  version: KYSO_VERSION,
  key: EXTENSION_PUBLIC_KEY,
  // scripting: the plugin emulation, registered per origin the user chose (extension/src/plugins);
  // webRequest: noticing (never blocking) pages that try a signing plugin's loopback address;
  // offscreen (Chromium): PDFs and XML are prepared in an offscreen document, not in the service
  // worker (extension/src/background/document-preparer.ts; Firefox ignores this permission).
  permissions: ['nativeMessaging', 'storage', 'scripting', 'webRequest', 'offscreen'],
  // The pages kyso may serve (as its content script) and the plugins' loopback addresses it watches.
  host_permissions: [
    'https://*/*',
    'http://localhost/*',
    'http://127.0.0.1/*',
    'https://localhost/*',
    'https://127.0.0.1/*',
    'wss://localhost/*',
    'wss://127.0.0.1/*',
    'ws://localhost/*',
    'ws://127.0.0.1/*',
  ],
  background: { service_worker: 'src/background/index.ts', type: 'module' },
  options_ui: { page: 'src/options/options.html', open_in_tab: true },
  // The toolbar popup is the same page: host and token state, sites, developer mode.
  action: { default_popup: 'src/options/options.html', default_title: '__MSG_extensionName__' },
  // Agencies pre-approve or forbid origins through policy (Chrome) / enterprise policy (Firefox).
  storage: { managed_schema: 'managed-schema.json' },
  content_scripts: [
    {
      matches: ['https://*/*', 'http://localhost/*', 'http://127.0.0.1/*'],
      js: ['src/content/content.ts'],
      run_at: 'document_start',
      all_frames: false,
    },
  ],
  content_security_policy: {
    extension_pages: "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  },
  // data_collection_permissions: addons.mozilla.org requires it of every new extension (Firefox 140+ shows it at
  // install; older versions ignore it). kyso sends nothing to its developers or anyone else: signatures go to the
  // page that asked, time-stamp requests carry a hash to the TSA the user or agency chose.
  browser_specific_settings: {
    gecko: {
      id: FIREFOX_EXTENSION_ID,
      strict_min_version: '128.0',
      data_collection_permissions: { required: ['none'] },
    },
  },
} as Parameters<typeof defineManifest>[0]);
