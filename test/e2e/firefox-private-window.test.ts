/**
 * Firefox ESR with kyso allowed in private windows: a site allowed from a private window is kept
 * only in memory (storage.session) and forgotten when the last private window closes.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickInside, startFirefoxSession, type FirefoxSession } from '../support/firefox.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

describe('Firefox ESR: private windows', () => {
  let session: FirefoxSession;
  /** An extension page (the options page) to drive the browser's extension APIs from. */
  let options: Page;
  let origin: string;

  beforeAll(async () => {
    session = await startFirefoxSession(undefined, undefined, { allowPrivateBrowsing: true });
    origin = new URL(session.portal.url).origin;
    // BiDi cannot open moz-extension:// pages, but an extension page can: a first request's consent window opens the options page.
    const page = await session.openPortal();
    const consent = await session.consentWindowAfter(() => ask(page));
    const before = new Set(session.browser.targets());
    await consent.evaluate(() =>
      (globalThis as any).browser.tabs.create({
        url: (globalThis as any).browser.runtime.getURL('src/options/options.html'),
      }),
    );
    options = await session.extensionPage('src/options/', before);
    await consent.evaluate(() => setTimeout(() => window.close(), 0));
    expect((await sdkOutcome(page)).code).toBe('USER_CANCELLED');
    await page.close();
  }, 120_000);
  afterAll(() => session?.close());

  const ask = (page: Page) =>
    sdkCall(page, 'signCms', {
      digest: Buffer.alloc(32, 6).toString('base64'),
      digestAlgorithm: 'SHA-256',
      description: 'Thử cửa sổ riêng tư',
    });

  /** What the extension keeps about the portal's origin, in storage.local and storage.session. */
  const stored = () =>
    options.evaluate(async (origin) => {
      const { storage } = (globalThis as any).browser;
      const local = (await storage.local.get('sitePermissions')).sitePermissions ?? {};
      const memory = (await storage.session.get(null)) as Record<string, Record<string, unknown>>;
      return {
        local: local[origin] as string | undefined,
        session: Object.values(memory).find((value) => value?.[origin] !== undefined)?.[origin],
      };
    }, origin);

  it('the site allowed in a private window is not written to storage.local and is forgotten when the window closes', async () => {
    const before = new Set(session.browser.targets());
    const windowId = await options.evaluate(
      async (url) =>
        ((await (globalThis as any).browser.windows.create({ incognito: true, url })) as { id: number }).id,
      session.portal.url,
    );
    const target = await session.browser.waitForTarget(
      (t) => t.type() === 'page' && t.url() === session.portal.url && !before.has(t),
      { timeout: 20_000 },
    );
    const privatePage = (await target.page())!;
    await privatePage.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 });

    const consent = await session.consentWindowAfter(() => ask(privatePage));
    expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('permission');
    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
    await clickInside(consent, '#cancel');
    expect((await sdkOutcome(privatePage)).code).toBe('USER_CANCELLED');
    expect(await stored()).toEqual({ local: undefined, session: 'allowed' });

    await options.evaluate((id) => (globalThis as any).browser.windows.remove(id), windowId);
    await expect.poll(stored, { timeout: 10_000 }).toEqual({ local: undefined, session: undefined });
  });
});
