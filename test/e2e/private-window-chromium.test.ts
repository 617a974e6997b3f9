/**
 * A page in a private (incognito) window signs like any other, but leaves nothing behind once the
 * user's private windows close: its site decisions last only for the private session, as the
 * browser's own permission prompts do in a private window.
 */
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allowExtensionInIncognito,
  clickClosingWindow,
  consentWindowAfter,
  consentWindowOpen,
  extensionServiceWorker,
  openPrivateWindow,
} from '../support/browser.js';
import { signInConsent } from '../support/consent.js';
import { CHROMIUM_OPTIONS_URL } from '../support/plugin-choice.js';
import { startPortalSession } from '../support/portal-session.js';
import { askToSignText, expectCmsVerified, sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { useSharedSession } from '../support/shared-session.js';

describe('private (incognito) windows', () => {
  const session = useSharedSession(startPortalSession);
  let origin: string;

  beforeAll(async () => {
    origin = new URL(session.demo.url).origin;
    await allowExtensionInIncognito(session.browser);
  });

  /** A portal page in a new private window, once kyso reports ready there. */
  async function privatePortal(): Promise<{ page: Page; windowId: number }> {
    const opened = await openPrivateWindow(session.browser, session.demo.url);
    await opened.page.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 });
    return opened;
  }

  const ask = (page: Page) =>
    sdkCall(page, 'signCms', {
      digest: Buffer.alloc(32, 5).toString('base64'),
      digestAlgorithm: 'SHA-256',
      description: 'Thử cửa sổ riêng tư',
    });

  /** The consent window a request from `page` opens: 'permission' (the site question) or 'ready'; cancelled. */
  async function firstQuestion(page: Page): Promise<string> {
    const consent = await consentWindowAfter(session.browser, () => ask(page), { allowSite: false });
    const state = await consent.$eval('body', (b) => b.dataset.state!);
    await clickClosingWindow(consent, state === 'permission' ? '#deny-site' : '#cancel');
    await sdkOutcome(page);
    return state;
  }

  /** What the extension keeps, in each storage area, about the portal's origin. */
  const stored = async () => {
    const worker = await extensionServiceWorker(session.browser);
    return worker.evaluate(async (origin) => {
      const { storage } = (globalThis as any).chrome;
      const local = (await storage.local.get('sitePermissions')).sitePermissions ?? {};
      const memory = (await storage.session.get(null)) as Record<string, Record<string, unknown>>;
      return {
        local: local[origin] as string | undefined,
        session: Object.values(memory).find((value) => value?.[origin] !== undefined)?.[origin],
      };
    }, origin);
  };

  const closeWindow = async (windowId: number) => {
    const worker = await extensionServiceWorker(session.browser);
    await worker.evaluate((id) => (globalThis as any).chrome.windows.remove(id), windowId);
  };

  it('signs from a private window; the site allowed there is remembered only until the private windows close', async () => {
    const { page, windowId } = await privatePortal();
    const text = 'Ký trong cửa sổ riêng tư';
    const consent = await consentWindowAfter(session.browser, () => askToSignText(page, text)); // allows the site
    // The consent window is the extension's own popup, outside the private window (spanning mode).
    const worker = await extensionServiceWorker(session.browser);
    const windows = await worker.evaluate(async () =>
      ((await (globalThis as any).chrome.windows.getAll()) as { type: string; incognito: boolean }[]).map(
        ({ type, incognito }) => ({ type, incognito }),
      ),
    );
    expect(windows).toContainEqual({ type: 'popup', incognito: false });
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    expectCmsVerified(await sdkOutcome(page), text, session.token.caPem);

    expect(await stored()).toEqual({ local: undefined, session: 'allowed' });
    expect(await firstQuestion(page)).toBe('ready'); // remembered for the private session

    await closeWindow(windowId);
    await expect.poll(stored).toEqual({ local: undefined, session: undefined });
    const next = await privatePortal();
    expect(await firstQuestion(next.page)).toBe('permission'); // the next private session is asked again
    await closeWindow(next.windowId);
  });

  it('a normal window never sees a private decision; a site blocked in normal windows stays blocked in private ones, one allowed is asked again', async () => {
    const { page: privatePage, windowId } = await privatePortal();
    const consent = await consentWindowAfter(session.browser, () => ask(privatePage)); // allowed privately
    await clickClosingWindow(consent, '#cancel');
    await sdkOutcome(privatePage);
    const normal = await session.openPortal();
    // Asked in the normal window: the private "allowed" does not carry over; the answer here is "block".
    expect(await firstQuestion(normal)).toBe('permission');
    expect(await stored()).toEqual({ local: 'blocked', session: 'allowed' });
    await closeWindow(windowId);

    const blocked = await privatePortal();
    await ask(blocked.page);
    expect((await sdkOutcome(blocked.page)).code).toBe('ORIGIN_NOT_ALLOWED');
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
    await closeWindow(blocked.windowId);

    const worker = await extensionServiceWorker(session.browser);
    await worker.evaluate(
      (origin) => (globalThis as any).chrome.storage.local.set({ sitePermissions: { [origin]: 'allowed' } }),
      origin,
    );
    const allowedElsewhere = await privatePortal();
    expect(await firstQuestion(allowedElsewhere.page)).toBe('permission');
    await closeWindow(allowedElsewhere.windowId);
  });

  it('a site seen trying a signing plugin from a private window is offered only until the private windows close', async () => {
    const offers = async () => {
      const worker = await extensionServiceWorker(session.browser);
      return worker.evaluate(async () => {
        const { storage } = (globalThis as any).chrome;
        const local = (await storage.local.get('pluginOffers')).pluginOffers ?? {};
        const memory = (await storage.session.get(null)) as Record<string, Record<string, unknown>>;
        const inMemory = Object.values(memory).flatMap((value) =>
          value && typeof value === 'object' ? Object.keys(value) : [],
        );
        return { local: Object.keys(local), session: inMemory };
      });
    };
    const { page, windowId } = await privatePortal();
    // The page tries VGCA's loopback address, as a portal does; nothing listens there.
    await page.evaluate(() => void new WebSocket('ws://127.0.0.1:8987/'));
    await expect.poll(offers, { timeout: 10_000 }).toEqual({ local: [], session: [origin] });
    await closeWindow(windowId);
    await expect.poll(offers, { timeout: 10_000 }).toEqual({ local: [], session: [] });
  });

  it("the options page lists the private session's site decision and plugin offer as such, revokes the decision, and drops both when the private windows close", async () => {
    const { page, windowId } = await privatePortal();
    const consent = await consentWindowAfter(session.browser, () => ask(page)); // allowed privately
    await clickClosingWindow(consent, '#cancel');
    await sdkOutcome(page);
    await page.evaluate(() => void new WebSocket('ws://127.0.0.1:8987/')); // tries VGCA's plugin
    const options = await session.browser.newPage();
    await options.goto(CHROMIUM_OPTIONS_URL);
    await options.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    // The row of the private session (the tests before left a saved decision for the same site).
    const row = (list: string) =>
      options.$$eval(
        `#${list} li[data-private="true"]`,
        (items, origin) => items.find((li) => (li as HTMLElement).dataset.origin === origin)?.textContent,
        origin,
      );
    expect(await row('sites')).toBe(
      `${origin} — allowed (in the private windows now open — forgotten when they close) Revoke`,
    );
    await expect
      .poll(() => row('plugin-sites'), { timeout: 10_000 })
      .toContain('(in the private windows now open — forgotten when they close)');

    await options.click(`#sites li[data-private="true"] .revoke`);
    await expect.poll(() => row('sites')).toBeUndefined();
    expect(await firstQuestion(page)).toBe('permission'); // revoked: the private window is asked again
    await closeWindow(windowId);
    await expect.poll(() => row('plugin-sites'), { timeout: 10_000 }).toBeUndefined();
    await options.close();
  });

  it('closing the private window while its consent window is open ends the request', async () => {
    const { page, windowId } = await privatePortal();
    await consentWindowAfter(session.browser, () => ask(page), { allowSite: false });
    await closeWindow(windowId);
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });
});
