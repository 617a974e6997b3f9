/**
 * Firefox ESR: a page loading on a site the user allowed starts the host before any request (the
 * content script reads the site's decision; the background checks it again), and a page on another
 * site starts nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickInside, startFirefoxSession, type FirefoxSession } from '../support/firefox.js';
import { hostPidsFor, waitForHostPid } from '../support/host-pids.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

describe('Firefox ESR: pre-connecting to the host', () => {
  let session: FirefoxSession;

  beforeAll(async () => {
    session = await startFirefoxSession();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('starts the host when a page of an allowed site loads, not for another site', async () => {
    const allowed = new URL(session.portal.url).origin;
    const other = allowed.replace('localhost', '127.0.0.1');
    // The user allows the site the usual way: at its first request, in the consent window (then cancels).
    const portal = await session.openPortal();
    const consent = await session.consentWindowAfter(() =>
      sdkCall(portal, 'signCms', {
        digest: Buffer.alloc(32, 1).toString('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'Cho phép trang',
      }),
    );
    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"][data-armed="true"]');
    await clickInside(consent, '#cancel');
    expect(await sdkOutcome(portal)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    await portal.close();
    // That request started the host: end it (by its pid) before looking.
    for (const pid of hostPidsFor(session.token.conf)) process.kill(pid);
    const deadline = Date.now() + 10_000;
    while (hostPidsFor(session.token.conf).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hostPidsFor(session.token.conf)).toEqual([]);

    const elsewhere = await session.browser.newPage();
    await elsewhere.goto(`${other}/no-kyso-here`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(hostPidsFor(session.token.conf)).toEqual([]);

    const page = await session.browser.newPage();
    // No SDK and no request on this page: the content script alone asks for the host.
    await page.goto(`${allowed}/no-kyso-here`);
    expect(await waitForHostPid(session.token.conf, 20_000)).toHaveLength(1);
    expect(await session.consentWindowOpen(0)).toBe(false);
  });
});
