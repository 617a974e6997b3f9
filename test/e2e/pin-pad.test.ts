/** A token with a PIN pad (protected authentication path, from our fault-injecting module): no PIN field, a hint instead; Sign counts only once the window is armed. */
import { createHash } from 'node:crypto';
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { opensslCmsVerify } from '../support/openssl.js';
import {
  atEachViewport,
  axeViolations,
  focused,
  focusRings,
  layout,
  ringSeen,
  shownDespiteHidden,
  textsNotIn,
} from '../support/page-checks.js';
import { screenshot } from '../support/screenshots.js';
import { pinPadHostEnv } from '../support/pin-pad.js';
import { startPortalSession } from '../support/portal-session.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { chooseCertificate } from '../support/consent.js';

/**
 * A portal on a PIN-pad token asks to sign `text` (a CMS over its digest); `consent` answers the
 * window and clicks Sign; the signature must then verify with openssl over `text`.
 */
async function signOnPinPad(
  text: string,
  request: { description: string; lang: 'vi' | 'en'; allowSite?: boolean },
  consent: (window: Page) => Promise<void>,
): Promise<void> {
  const session = await startPortalSession(pinPadHostEnv());
  try {
    const page = await session.openPortal();
    const content = Buffer.from(text);
    const digest = createHash('sha256').update(content).digest('base64');
    const window = await consentWindowAfter(
      session.browser,
      () =>
        sdkCall(page, 'signCms', {
          digest,
          digestAlgorithm: 'SHA-256',
          description: request.description,
          lang: request.lang,
        }),
      { allowSite: request.allowSite ?? true },
    );
    await consent(window);
    const result = await sdkOutcome(page);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(
      opensslCmsVerify({ cms: Buffer.from(result.cms, 'base64'), content, caFile: session.token.caPem }).ok,
    ).toBe(true);
  } finally {
    await session.close();
  }
}

describe('PIN pad', () => {
  it('asks for the PIN on the device and signs', async () => {
    await signOnPinPad(
      'Biên bản nghiệm thu — ký bằng token có bàn phím\n',
      { description: 'Biên bản nghiệm thu', lang: 'vi' },
      async (consent) => {
        // Every certificate is on the PIN-pad token: no PIN field, even before one is chosen — judged by layout.
        const pinField = () =>
          consent.$eval('#pin', (el) => {
            const box = el.getBoundingClientRect();
            return {
              laidOut: (el as HTMLElement).offsetParent !== null,
              width: box.width,
              height: box.height,
            };
          });
        expect(await pinField()).toEqual({ laidOut: false, width: 0, height: 0 });
        await chooseCertificate(consent, '02');
        expect(await consent.$eval('#pin-on-device', (el) => (el as HTMLElement).innerText)).toContain(
          'Nhập mã PIN trên thiết bị',
        );
        expect(await pinField()).toEqual({ laidOut: false, width: 0, height: 0 });
        // Tab never reaches it.
        const reached = new Set<string>();
        for (let i = 0; i < 15; i++) {
          await consent.keyboard.press('Tab');
          reached.add(await focused(consent));
        }
        expect(reached.has('pin')).toBe(false);
        expect(reached.has('sign')).toBe(true);
        expect(await axeViolations(consent)).toEqual([]);
        expect((await layout(consent, [])).bodyFontPx).toBeGreaterThanOrEqual(15);
        expect(await shownDespiteHidden(consent)).toEqual([]);
        expect(await textsNotIn(consent, 'vi')).toEqual([]);
        const rings = await focusRings(consent);
        expect(rings.map((ring) => ring.element)).toContain('sign');
        for (const ring of rings) expect(ringSeen(ring), JSON.stringify(ring)).toBe(true);
        await atEachViewport(consent, async (viewport) => {
          const measured = await layout(consent, ['#sign', '#cancel']);
          expect(measured.horizontalScroll, viewport.name).toBe(false);
          expect(measured.inside['#sign'] && measured.inside['#cancel'], viewport.name).toBe(true);
        });
        await screenshot(consent, 'consent-pin-pad', { fullPage: false });
        await consent.setViewport({ width: 240, height: 360, deviceScaleFactor: 2 });
        await screenshot(consent, 'consent-pin-pad-zoom-200', { fullPage: false });
        await consent.setViewport(null);
        await clickClosingWindow(consent, '#sign');
      },
    );
  });
});

describe('PIN pad: Sign is deliberate', () => {
  it('a click on Sign in the first moment after the form appears sends nothing; once armed, the same click signs', async () => {
    await signOnPinPad(
      'Quyết định — ký bằng token có bàn phím\n',
      { description: 'Quyết định', lang: 'en', allowSite: false },
      async (consent) => {
        expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('permission');
        // The moment the form replaces the site question, a certificate and Sign are clicked at once
        // (as a double click meant for the question would): no PIN-pad prompt, nothing signed.
        const early = consent.evaluate(
          () =>
            new Promise<{ armed: string | undefined; status: string }>((resolve) => {
              const observer = new MutationObserver(() => {
                if (document.body.dataset.state !== 'ready') return;
                observer.disconnect();
                const armed = document.body.dataset.armed;
                document.querySelector<HTMLInputElement>('input[name="certificate"][value$="/02"]')!.click();
                document.querySelector<HTMLButtonElement>('#sign')!.click();
                resolve({ armed, status: document.getElementById('status')!.textContent ?? '' });
              });
              observer.observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
            }),
        );
        await consent.click('#allow-site');
        expect(await early).toEqual({ armed: 'false', status: 'The Sign button works in a moment.' });
        await new Promise((r) => setTimeout(r, 2000));
        expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('ready');
        expect(await consent.$eval('#sign', (el) => el.getAttribute('aria-disabled'))).toBe('false');
        await clickClosingWindow(consent, '#sign');
      },
    );
  });
});
