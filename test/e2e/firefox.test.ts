/**
 * The same built extension in Firefox ESR (puppeteer-core over WebDriver BiDi): it installs under
 * its gecko id, refuses http://localhost outside developer mode, and signs on an https portal
 * through the consent window with the real host (registered by `kyso-host install`) and token.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemCertificates, startDemoServer, type DemoServer } from '../../demo/server.js';
import { FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { NATIVE_HOST_NAME } from '../../shared/version.js';
import { registerHostForFirefox } from '../support/host-registration.js';
import { EXTENSION_DIST } from '../support/paths.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { FIREFOX_UUID } from '../support/firefox.js';

const documentText = 'Đơn đề nghị cấp bản sao trích lục — ký trong Firefox\n';

/**
 * The consent popup in Firefox: over WebDriver BiDi its target keeps the URL about:blank, so it is
 * found by asking each page where it is.
 */
async function firefoxConsentWindow(browser: Browser): Promise<Page> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    for (const target of browser.targets()) {
      const page = await target.page().catch(() => null);
      const href = page && (await page.evaluate(() => location.href).catch(() => ''));
      if (page && href?.startsWith(`moz-extension://${FIREFOX_UUID}/src/consent/`)) return page;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no consent window');
}

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
      acceptInsecureCerts: true,
      // A fixed internal UUID, so the test can find the add-on's own pages (the consent window).
      extraPrefsFirefox: { 'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_EXTENSION_ID]: FIREFOX_UUID }) },
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

  it('signs on an https portal through the consent window, with the real host and token', async () => {
    // an https portal (self-signed for the test), as in production: no developer mode needed
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    const https = await startDemoServer({
      trustedRoots: pemCertificates(readFileSync(token.caPem, 'utf8')),
      tls: { key: readFileSync(`${dir}/key.pem`, 'utf8'), cert: readFileSync(`${dir}/cert.pem`, 'utf8') },
    });
    const page = await browser.newPage();
    await page.goto(https.url);
    await page.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 });
    const file = path.join(home, 'ban-sao.txt');
    writeFileSync(file, documentText);
    await ((await page.$('input#file')) as ElementHandle<HTMLInputElement>).uploadFile(file);
    await page.click('#sign');
    const consent = await firefoxConsentWindow(browser);
    await consent.waitForSelector('body[data-state="permission"]', { timeout: 20_000 });
    expect(await consent.$eval('#origin', (el) => el.textContent)).toBe(new URL(https.url).origin);
    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    await consent.click('input[name="certificate"][value$="/02"]');
    await consent.type('#pin', token.pin);
    await consent.$eval('#sign', (el) => setTimeout(() => (el as HTMLElement).click(), 0));
    await page.waitForSelector('#status[data-state="done"]', { timeout: 30_000 });
    expect(await page.$eval('#result-signer', (el) => el.textContent)).toBe('Công ty TNHH Ký Số Việt');
    const cms = Buffer.from(https.submissions.at(-1)!.cms, 'base64');
    expect(opensslCmsVerify({ cms, content: Buffer.from(documentText), caFile: token.caPem }).ok).toBe(true);
    await https.close();
  });
});
