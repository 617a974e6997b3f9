/**
 * The consent window met again: when another window covered it (a popup the page opened, another
 * program) and the user comes back, its question is armed again, as when it opened — a click or key
 * meant for what was on top must not land on "allow this site" or Sign. Tabbing through the window
 * and its toolbar is not leaving it. Headless Chromium fakes focus (every window always has it), so
 * this runs headed on an X display of its own (Xvfb).
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter, launchChromium, waitArmed } from '../support/browser.js';
import { chooseCertificate, recordArming } from '../support/consent.js';
import { outcome, pdfWithUndrawablePage2, sdkCall, settled } from '../support/consent-requests.js';
import { clickInView, focused } from '../support/page-checks.js';
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

/** A popup the page opens over the consent window (the way a page would steer a click), then closed. */
async function coverAndComeBack(consent: Page): Promise<void> {
  await portal.evaluate(() => {
    (window as unknown as { cover: Window | null }).cover = window.open('about:blank', '', 'popup');
  });
  await consent.waitForFunction(() => !document.hasFocus(), { timeout: 20_000 });
  await portal.evaluate(() => (window as unknown as { cover: Window }).cover.close());
  await consent.bringToFront();
  await consent.waitForFunction(() => document.hasFocus(), { timeout: 20_000 });
}

/** Another program (a browser of its own on the same display) takes the focus, then the user comes back. */
async function switchToOtherProgramAndBack(consent: Page): Promise<void> {
  const other = await launchChromium(undefined, [], display.name);
  try {
    const page = (await other.browser.pages())[0] ?? (await other.browser.newPage());
    await page.bringToFront();
    await page.waitForFunction(() => document.hasFocus(), { timeout: 20_000 });
    await consent.waitForFunction(() => !document.hasFocus(), { timeout: 20_000 });
  } finally {
    await other.close();
  }
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

  it('switching to another program and back: the signing form is armed again, as on any coming back', async () => {
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(portal, 'signCms', {
        digest: 'fill',
        digestAlgorithm: 'SHA-256',
        description: 'Chuyển sang chương trình khác rồi quay lại',
      }),
    );
    await waitArmed(consent);
    const arming = await recordArming(consent);
    await switchToOtherProgramAndBack(consent);
    await waitArmed(consent);
    expect(await arming()).toEqual(['false', 'true']);
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome(portal)).toBe('USER_CANCELLED');
  });

  it("Tab past the last control (into the window's toolbar) and round again is not leaving: nothing re-armed, no key lost", async () => {
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(portal, 'signCms', {
        digest: 'fill',
        digestAlgorithm: 'SHA-256',
        description: 'Tab qua thanh công cụ của cửa sổ',
      }),
    );
    await waitArmed(consent);
    const arming = await recordArming(consent);
    await consent.evaluate(() => {
      const page = window as unknown as { blurs: number };
      page.blurs = 0;
      window.addEventListener('blur', () => page.blurs++);
    });
    const blurs = () => consent.evaluate(() => (window as unknown as { blurs: number }).blurs);
    /** Tab until `reached` (80 presses at most); whether it was. */
    const tabUntil = async (reached: () => Promise<boolean>) => {
      for (let presses = 0; !(await reached()) && presses < 80; presses++)
        await consent.keyboard.press('Tab');
      return reached();
    };
    // Forward until the focus has left the page for the toolbar, then on until it is back in the page.
    expect(await tabUntil(async () => (await blurs()) > 0)).toBe(true);
    expect(await tabUntil(() => consent.evaluate(() => document.hasFocus()))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await arming()).toEqual([]);
    // Straight on, the keys count: the certificate chosen and a PIN typed reach their fields.
    await chooseCertificate(consent, '02');
    await consent.type('#pin', '12');
    expect(await consent.$eval('#pin', (el) => (el as HTMLInputElement).value)).toBe('12');
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome(portal)).toBe('USER_CANCELLED');
  });

  it('a PIN half typed before leaving is not sent by the rest typed on coming back: the PIN starts afresh, away from its field', async () => {
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(portal, 'signCms', {
        digest: 'fill',
        digestAlgorithm: 'SHA-256',
        description: 'Gõ PIN dở rồi chuyển cửa sổ',
      }),
    );
    const pin = session.token.pin;
    await chooseCertificate(consent, '02');
    await consent.type('#pin', pin.slice(0, 2));
    await coverAndComeBack(consent);
    // Straight on, as a person does: the rest of the PIN and Enter, before the window is armed again.
    await consent.keyboard.type(`${pin.slice(2)}\n`);
    await waitArmed(consent);
    await consent.keyboard.press('Enter');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await settled(portal)).toBe(false); // no PIN went to the token: nothing signed, nothing refused
    expect(await consent.$eval('#pin', (el) => (el as HTMLInputElement).value)).toBe('');
    expect(await focused(consent)).not.toBe('pin');
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome(portal)).toBe('USER_CANCELLED');
  });

  it('"I sign without seeing page 2": a click on coming back, before the window is armed again, does not tick it', async () => {
    const pdf = await pdfWithUndrawablePage2();
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(portal, 'signPdf', {
        pdf: Buffer.from(pdf).toString('base64'),
        description: 'Trang 2 không hiển thị được, cửa sổ bị che',
        name: 'trang-2.pdf',
      }),
    );
    const ticked = () => consent.$eval('#unshown-ack', (el) => (el as HTMLInputElement).checked);
    await consent.waitForSelector('#preview[data-page="1"][data-rendered="true"]', { timeout: 20_000 });
    await clickInView(consent, '#page-next');
    await consent.waitForSelector('#preview[data-page="2"][data-rendered="false"]', { timeout: 20_000 });
    await consent.waitForSelector('#unshown:not([hidden])', { timeout: 20_000 });
    await coverAndComeBack(consent);
    await consent.waitForSelector('body[data-armed="false"]', { timeout: 20_000 });
    // A click meant for the popup that was on top lands on the acknowledgement: it counts for nothing.
    await clickInView(consent, '#unshown-ack');
    expect(await ticked()).toBe(false);
    await waitArmed(consent);
    await clickInView(consent, '#unshown-ack'); // the user's own click, once armed
    expect(await ticked()).toBe(true);
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome(portal)).toBe('USER_CANCELLED');
  });
});
