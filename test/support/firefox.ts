/**
 * Firefox ESR for the e2e tests (puppeteer-core over WebDriver BiDi): a private HOME where
 * `kyso-host install --browser firefox` registers the host, the built extension installed under
 * its gecko id with a fixed internal UUID, and the demo portal over https (as in production: no
 * developer mode). BiDi shows extension pages as about:blank targets, so kyso's windows are found
 * by asking each page where it is.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page, type Target } from 'puppeteer-core';
import { pemCertificates, startDemoServer, type DemoServer } from '../../demo/server.js';
import { FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { consentState, signInConsent } from './consent.js';
import { registerHostForFirefox } from './host-registration.js';
import { localhostTls } from './openssl.js';
import { EXTENSION_DIST } from './paths.js';
import { copyTestToken, type TestToken } from './token.js';

export const FIREFOX_UUID = '6f1e0c2a-5b7d-4e39-9a41-2d8c7b3e9f10';
export const FIREFOX_EXTENSION_BASE = `moz-extension://${FIREFOX_UUID}/`;

export interface FirefoxSession {
  token: TestToken;
  home: string;
  browser: Browser;
  /** The https demo portal. */
  portal: DemoServer;
  /** A new tab on the portal, once kyso reports ready there. */
  openPortal(): Promise<Page>;
  /** Runs `action` and returns the consent window it opened, loaded (windows open before are not taken for it). */
  consentWindowAfter(action: () => Promise<unknown>): Promise<Page>;
  /** An extension page (consent or options) whose location starts with `prefix`, not among `exclude`. */
  extensionPage(prefix: string, exclude?: Set<Target>): Promise<Page>;
  /** Whether a consent window is still open, after a closing one had `graceMs` to go. */
  consentWindowOpen(graceMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

async function locationOf(target: Target): Promise<string> {
  const page = await target.page().catch(() => null);
  return (page && (await page.evaluate(() => location.href).catch(() => ''))) || '';
}

export async function startFirefoxSession(
  hostEnv?: (token: TestToken) => Record<string, string>,
  files?: Record<string, Uint8Array>,
  options: { allowPrivateBrowsing?: boolean } = {},
): Promise<FirefoxSession> {
  const token = copyTestToken();
  const home = mkdtempSync(path.join(tmpdir(), 'kyso-firefox-home-'));
  registerHostForFirefox(home, hostEnv?.(token) ?? token.env);
  const tls = localhostTls(path.join(home, 'tls'));
  const portal = await startDemoServer({
    trustedRoots: pemCertificates(readFileSync(token.caPem, 'utf8')),
    tls,
    ...(files && { files }),
  });
  // "Run in Private Windows", stored where Firefox keeps it (about:addons writes the same entry).
  if (options.allowPrivateBrowsing) {
    mkdirSync(path.join(home, 'profile'), { recursive: true });
    writeFileSync(
      path.join(home, 'profile', 'extension-preferences.json'),
      JSON.stringify({
        [FIREFOX_EXTENSION_ID]: { permissions: ['internal:privateBrowsingAllowed'], origins: [] },
      }),
    );
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.KYSO_FIREFOX ?? '/usr/bin/firefox-esr',
    headless: true,
    userDataDir: path.join(home, 'profile'),
    env: { ...process.env, HOME: home },
    protocolTimeout: 60_000,
    acceptInsecureCerts: true,
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_EXTENSION_ID]: FIREFOX_UUID }),
    },
  });
  const id = await browser.installExtension(EXTENSION_DIST);
  if (id !== FIREFOX_EXTENSION_ID)
    throw new Error(`the extension installed as ${id}, not ${FIREFOX_EXTENSION_ID}`);

  async function extensionPage(prefix: string, exclude = new Set<Target>()): Promise<Page> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      for (const target of browser.targets()) {
        if (exclude.has(target)) continue;
        if ((await locationOf(target)).startsWith(`${FIREFOX_EXTENSION_BASE}${prefix}`))
          return (await target.page())!;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no extension page ${prefix}`);
  }

  async function consentTargets(): Promise<Target[]> {
    const found: Target[] = [];
    for (const target of browser.targets())
      if ((await locationOf(target)).startsWith(`${FIREFOX_EXTENSION_BASE}src/consent/`)) found.push(target);
    return found;
  }

  return {
    token,
    home,
    browser,
    portal,
    async openPortal() {
      const page = await browser.newPage();
      await page.goto(portal.url);
      await page.waitForSelector('#kyso-state[data-state="ready"], #kyso-state[data-state="error"]', {
        timeout: 20_000,
      });
      return page;
    },
    async consentWindowAfter(action) {
      const before = new Set(browser.targets());
      await action();
      const consent = await extensionPage('src/consent/', before);
      // Past the activation delay: before it, the window ignores keys and clicks on its answers.
      await consent.waitForSelector(
        'body[data-state="ready"][data-armed="true"], body[data-state="permission"][data-armed="true"]',
        { timeout: 20_000 },
      );
      return consent;
    },
    extensionPage,
    async consentWindowOpen(graceMs = 3000) {
      const deadline = Date.now() + graceMs;
      while ((await consentTargets()).length > 0) {
        if (Date.now() > deadline) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    },
    async close() {
      await browser.close();
      await portal.close();
      token.remove();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Clicks a control that closes its own window, from inside the page (the input event's target goes away). */
export async function clickInside(page: Page, selector: string): Promise<void> {
  await page.$eval(selector, (el) => setTimeout(() => (el as HTMLElement).click(), 0));
}

/**
 * In a Firefox consent window: chooses the certificate of key `keyId`, types the PIN and signs; fails
 * at once with what the window shows if Sign was not taken.
 */
export async function signInFirefoxConsent(consent: Page, keyId: string, pin: string): Promise<void> {
  await signInConsent(consent, keyId, pin);
  await clickInside(consent, '#sign');
  const taken = await consent
    .waitForFunction(() => document.body.dataset.state !== 'ready', { timeout: 15_000, polling: 100 })
    .then(
      () => true,
      // Still waiting: a window that signed and closed cannot be read any more; one still asking can.
      async () => !(await consentState(consent)).includes('"state":"ready"'),
    );
  if (!taken) throw new Error(`Sign was not taken: ${await consentState(consent)}`);
}
