/** What the release build of the extension may and may not contain (runs after `npm run build`). */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_EXTENSION_ID, EXTENSION_PUBLIC_KEY, FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { EXTENSION_DIST } from '../support/paths.js';

const bundle = () =>
  readdirSync(path.join(EXTENSION_DIST, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(path.join(EXTENSION_DIST, 'assets', f), 'utf8'))
    .join('\n');

describe('release extension build', () => {
  it('cannot auto-approve consent: the benchmark switch is compiled out', () => {
    const code = bundle();
    expect(code).not.toContain('benchAutoApprove');
    expect(code).not.toContain('kysoBench');
  });

  it('loads no remote code and has a strict CSP', () => {
    const manifest = JSON.parse(readFileSync(path.join(EXTENSION_DIST, 'manifest.json'), 'utf8'));
    expect(manifest.content_security_policy.extension_pages).toMatch(/^script-src 'self'; object-src 'none'/);
    expect(bundle()).not.toMatch(/https?:\/\/[^"'\s]*\.(js|mjs)\b/);
    const html = readFileSync(path.join(EXTENSION_DIST, 'src/consent/consent.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
  });

  it('gives every page the shared head: UTF-8, a viewport, a title, then its stylesheets', () => {
    for (const page of ['consent/consent', 'options/options', 'plugins/prompt']) {
      const html = readFileSync(path.join(EXTENSION_DIST, `src/${page}.html`), 'utf8');
      const head = html.slice(html.indexOf('<head>'), html.indexOf('</head>'));
      expect(head, page).toMatch(
        /^<head>\s*<meta charset="utf-8">\s*<meta name="viewport"[^>]*>\s*<title>kyso<\/title>/,
      );
      expect(head, page).toMatch(/<link rel="stylesheet"[^>]+href="\/assets\/[^"]+\.css">/);
    }
  });

  it('has the identity the native host allows, for Chromium and Firefox', () => {
    const manifest = JSON.parse(readFileSync(path.join(EXTENSION_DIST, 'manifest.json'), 'utf8'));
    expect(manifest.key).toBe(EXTENSION_PUBLIC_KEY);
    expect(manifest.browser_specific_settings.gecko.id).toBe(FIREFOX_EXTENSION_ID);
    // addons.mozilla.org refuses a new extension without its data-collection declaration
    expect(manifest.browser_specific_settings.gecko.data_collection_permissions).toEqual({
      required: ['none'],
    });
    expect(manifest.background.scripts).toEqual([manifest.background.service_worker]);
    expect(manifest.content_scripts[0].matches).toEqual([
      'https://*/*',
      'http://localhost/*',
      'http://127.0.0.1/*',
    ]);
    expect(manifest.permissions).toEqual([
      'nativeMessaging',
      'storage',
      'scripting',
      'webRequest',
      'offscreen',
    ]);
    // the plugin emulation is a classic script (registered per origin in the page's world), not a module chunk
    const mainWorld = readFileSync(path.join(EXTENSION_DIST, 'plugins/main-world.js'), 'utf8');
    expect(mainWorld).not.toMatch(/^\s*import[\s{]/m);
    // the Chromium id is derived from the key: the first 128 bits of SHA-256, as a-p letters
    const hex = createHash('sha256')
      .update(Buffer.from(EXTENSION_PUBLIC_KEY, 'base64'))
      .digest('hex')
      .slice(0, 32);
    expect([...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('')).toBe(
      CHROMIUM_EXTENSION_ID,
    );
  });
});
