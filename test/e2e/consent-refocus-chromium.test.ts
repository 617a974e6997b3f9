/**
 * The consent window met again: when another window covered it (a popup the page opened, another
 * program) and the user comes back, its question is armed again, as when it opened — a click or key
 * meant for what was on top must not land on "allow this site" or Sign. Headless Chromium fakes focus
 * (every window always has it), so this runs headed on an X display of its own (Xvfb).
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter, waitArmed } from '../support/browser.js';
import { outcome, sdkCall } from '../support/consent-requests.js';
import { startDisplay, type Display } from '../support/display.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';

let display: Display;
let session: PortalSession;
let portal: Page;

beforeAll(async () => {
  display = await startDisplay();
  session = await startPortalSession(undefined, undefined, [], display.name);
  portal = await session.openPortal();
});
afterAll(async () => {
  await session?.close();
  await display?.close();
});

/** From now on, every change of the window's armed state, in order. */
async function recordArming(consent: Page): Promise<() => Promise<string[]>> {
  await consent.evaluate(() => {
    const log: string[] = [];
    (window as unknown as { armingLog: string[] }).armingLog = log;
    new MutationObserver(() => log.push(document.body.dataset.armed ?? '')).observe(document.body, {
      attributeFilter: ['data-armed'],
    });
  });
  return () => consent.evaluate(() => (window as unknown as { armingLog: string[] }).armingLog);
}

/** Another window (a new tab in the browser's window) on top of the consent window, then closed. */
async function coverAndComeBack(consent: Page): Promise<void> {
  const cover = await session.browser.newPage();
  await cover.bringToFront();
  await consent.waitForFunction(() => !document.hasFocus(), { timeout: 20_000 });
  await cover.close();
  await consent.bringToFront();
  await consent.waitForFunction(() => document.hasFocus(), { timeout: 20_000 });
}

describe('coming back to the consent window (Chromium, headed)', () => {
  it('the site question and then the signing form: each armed again on coming back, and only then', async () => {
    const consent = await consentWindowAfter(
      session.browser,
      () =>
        sdkCall(portal, 'signCms', {
          digest: 'fill',
          digestAlgorithm: 'SHA-256',
          description: 'Cửa sổ bị che rồi quay lại',
        }),
      { allowSite: false },
    );
    expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('permission');
    let arming = await recordArming(consent);
    await coverAndComeBack(consent);
    await waitArmed(consent);
    expect(await arming()).toEqual(['false', 'true']);

    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    await waitArmed(consent);
    arming = await recordArming(consent);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await arming()).toEqual([]); // left alone, it stays armed
    await coverAndComeBack(consent);
    await waitArmed(consent);
    expect(await arming()).toEqual(['false', 'true']);
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome(portal)).toBe('USER_CANCELLED');
  });
});
