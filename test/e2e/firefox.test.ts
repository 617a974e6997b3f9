/**
 * The same built extension in Firefox ESR (puppeteer-core over WebDriver BiDi): it installs under
 * its gecko id, its content script takes page requests and its background applies the origin policy.
 * (Signing through Firefox needs developer mode for http://localhost, set from the options page:
 * the full consent flow in Firefox belongs to the consent/UX work.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemCertificates, startDemoServer, type DemoServer } from '../../demo/server.js';
import { FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { NATIVE_HOST_NAME } from '../../shared/version.js';
import { registerHostForFirefox } from '../support/host-registration.js';
import { EXTENSION_DIST } from '../support/paths.js';
import { copyTestToken, type TestToken } from '../support/token.js';

describe('Firefox ESR', () => {
  let home: string;
  let token: TestToken;
  let demo: DemoServer;
  let browser: Browser;

  beforeAll(async () => {
    token = copyTestToken();
    home = mkdtempSync(path.join(tmpdir(), 'kyso-firefox-home-'));
    // kyso-host install writes ~/.mozilla/native-messaging-hosts/vn.kyso.host.json (a private HOME here)
    registerHostForFirefox(home, token.env);
    const manifest = JSON.parse(readFileSync(path.join(home, '.mozilla/native-messaging-hosts', `${NATIVE_HOST_NAME}.json`), 'utf8'));
    expect(manifest.allowed_extensions).toEqual([FIREFOX_EXTENSION_ID]);
    demo = await startDemoServer({ trustedRoots: pemCertificates(readFileSync(token.caPem, 'utf8')) });
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: process.env.KYSO_FIREFOX ?? '/usr/bin/firefox-esr',
      headless: true,
      userDataDir: path.join(home, 'profile'),
      env: { ...process.env, HOME: home },
      protocolTimeout: 60_000,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    token?.remove();
    rmSync(home, { recursive: true, force: true });
  });

  it('installs the built extension; its content script and background answer a page', async () => {
    const id = await browser.installExtension(EXTENSION_DIST);
    expect(id).toBe(FIREFOX_EXTENSION_ID);
    const page = await browser.newPage();
    await page.goto(demo.url);
    // Developer mode is off, so http://localhost is refused …
    const refused = await page.evaluate(() => new Function('return import("/sdk/kyso.js")')().then((sdk: any) => sdk.status().then(() => 'ok', (e: any) => e.code)));
    expect(refused).toBe('ORIGIN_NOT_ALLOWED');
    // … which proves the content script (ack) and the background (policy on the browser's origin) answered.
  });
});
