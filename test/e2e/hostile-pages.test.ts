/**
 * Hostile pages in real Chromium: none gets a signature without consent in the extension's window,
 * none can name its own origin, none learns the PIN, and floods are refused with RATE_LIMITED.
 */
import { createServer, type Server } from 'node:http';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen } from '../support/browser.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';
import { LIMITS } from '../../shared/protocol/limits.js';

/** Posts a raw request as a page can, and collects every kyso message for `ms`. */
async function rawRequest(page: Page, request: Record<string, unknown>, ms = 1500): Promise<any[]> {
  return page.evaluate(
    (request, ms) =>
      new Promise<any[]>((resolve) => {
        const seen: any[] = [];
        window.addEventListener('message', (e) => {
          if (e.data?.channel === 'kyso' && e.data.kind !== 'request') seen.push(e.data);
        });
        window.postMessage(
          { channel: 'kyso', kind: 'request', protocolVersion: 1, ...request },
          location.origin,
        );
        setTimeout(() => resolve(seen), ms);
      }),
    request,
    ms,
  );
}

const digest = Buffer.alloc(32, 1).toString('base64');

describe('hostile pages', () => {
  const session = useSharedSession(startPortalSession);
  let page: Page;
  let iframeHost: Server;
  let iframeUrl: string;

  beforeAll(async () => {
    // another origin (127.0.0.1 vs localhost) whose page embeds an iframe trying to sign
    iframeHost = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><script>
        window.results = [];
        addEventListener('message', (e) => { if (e.data && e.data.channel === 'kyso' && e.data.kind !== 'request') results.push(e.data); });
        parent.postMessage({ channel: 'kyso', kind: 'request', id: 'from-iframe-to-parent', protocolVersion: 1, type: 'sign-cms', params: { digest: '${digest}', digestAlgorithm: 'SHA-256', description: 'iframe' } }, '*');
        postMessage({ channel: 'kyso', kind: 'request', id: 'inside-iframe', protocolVersion: 1, type: 'sign-cms', params: { digest: '${digest}', digestAlgorithm: 'SHA-256', description: 'iframe' } }, '*');
        // after a while, tell the parent what reached this frame (the test reads it there)
        setTimeout(() => parent.postMessage({ iframeReport: results, sandboxed: origin === 'null' }, '*'), 1500);
      </script>`);
    });
    await new Promise<void>((resolve) => iframeHost.listen(0, '127.0.0.1', resolve));
    iframeUrl = `http://127.0.0.1:${(iframeHost.address() as { port: number }).port}/`;
    page = await session.openPortal();
  });
  afterAll(() => {
    iframeHost?.close();
  });

  it('cannot claim another origin: extra fields are refused, and the window shows the browser’s origin', async () => {
    const forged = await rawRequest(page, {
      id: 'forged-1',
      type: 'sign-cms',
      params: { digest, digestAlgorithm: 'SHA-256', description: 'x', origin: 'https://dichvucong.gov.vn' },
    });
    expect(forged.find((m) => m.kind === 'response')).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);

    const consent = await consentWindowAfter(session.browser, () =>
      rawRequest(
        page,
        {
          id: 'honest-1',
          type: 'sign-cms',
          params: { digest, digestAlgorithm: 'SHA-256', description: 'Tôi là dichvucong.gov.vn' },
        },
        10,
      ),
    );
    expect(await consent.$eval('#origin', (el) => el.textContent)).toBe(new URL(session.demo.url).origin);
    await clickClosingWindow(consent, '#cancel');
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });

  it('messages imitating the extension’s replies change nothing and sign nothing', async () => {
    const before = session.demo.submissions.length;
    const seen = await page.evaluate(
      (digest) =>
        new Promise<number>((resolve) => {
          let responses = 0;
          addEventListener(
            'message',
            (e) => e.data?.kind === 'response' && e.data.id === 'fake-ok' && responses++,
          );
          postMessage(
            {
              channel: 'kyso',
              kind: 'response',
              id: 'fake-ok',
              ok: true,
              result: { cms: digest, certificate: digest },
            },
            location.origin,
          );
          postMessage({ channel: 'kyso', kind: 'ack', id: 'fake-ok' }, location.origin);
          postMessage({ channel: 'kyso', kind: 'ready', extensionVersion: '99.0.0' }, location.origin);
          setTimeout(() => resolve(responses), 800);
        }),
      digest,
    );
    expect(seen).toBe(1); // only its own forged message: the extension did not act on any of them
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
    expect(session.demo.submissions.length).toBe(before);
  });

  it('an oversized request is dropped by the bridge without an answer', async () => {
    const seen = await rawRequest(
      page,
      {
        id: 'huge',
        type: 'sign-cms',
        params: { digest, digestAlgorithm: 'SHA-256', description: 'x'.repeat(LIMITS.maxPageRequestChars) },
      },
      800,
    );
    expect(seen.filter((m) => m.id === 'huge')).toEqual([]);
    const small = await rawRequest(page, { id: 'small', type: 'status', params: {} }, 800);
    expect(small.filter((m) => m.id === 'small').map((m) => m.kind)).toEqual(['ack', 'response']);
  });

  it('a cross-origin iframe cannot ask for a signature, neither itself nor through the parent', async () => {
    const seen = await page.evaluate(
      (src) =>
        new Promise<{ parent: any[]; reports: any[] }>((resolve) => {
          const parentSeen: any[] = [];
          const reports: any[] = [];
          addEventListener('message', (e) => {
            if (e.data?.iframeReport) reports.push(e.data);
            else if (e.data?.channel === 'kyso' && e.data.kind !== 'request') parentSeen.push(e.data);
            if (reports.length === 2) setTimeout(() => resolve({ parent: parentSeen, reports }), 300);
          });
          const frame = document.createElement('iframe');
          frame.src = src;
          const sandboxed = document.createElement('iframe');
          sandboxed.setAttribute('sandbox', 'allow-scripts');
          sandboxed.src = src;
          document.body.append(frame, sandboxed);
        }),
      iframeUrl,
    );
    expect(seen.reports.map((r) => r.sandboxed).sort()).toEqual([false, true]); // both frames ran
    for (const report of seen.reports) expect(report.iframeReport).toEqual([]); // no ack inside iframes
    expect(seen.parent.filter((m) => m.id === 'from-iframe-to-parent')).toEqual([]); // the parent's bridge ignored it
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
  });

  it('the page cannot read the PIN typed in the consent window', async () => {
    const page2 = await session.browser.newPage();
    await page2.goto(session.demo.url);
    await page2.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 }); // bridge loaded
    const consent = await consentWindowAfter(session.browser, () =>
      rawRequest(
        page2,
        { id: 'pin-1', type: 'sign-cms', params: { digest, digestAlgorithm: 'SHA-256', description: 'pin' } },
        10,
      ),
    );
    await consent.type('#pin', '8642');
    const visible = await page2.evaluate(
      () =>
        document.documentElement.outerHTML.includes('8642') || String(Object.keys(window)).includes('8642'),
    );
    expect(visible).toBe(false);
    await clickClosingWindow(consent, '#cancel');
    await page2.close();
  });
  it('a flood of requests is refused with RATE_LIMITED and opens at most one window', async () => {
    const flooder = await session.browser.newPage();
    await flooder.goto(session.demo.url);
    await flooder.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 }); // bridge loaded
    const answers = await flooder.evaluate(async (digest) => {
      const out: string[] = [];
      const pending = Array.from(
        { length: 40 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const id = `flood-${i}`;
            addEventListener('message', (e) => {
              if (e.data?.id === id && e.data.kind === 'response') {
                out.push(e.data.ok ? 'ok' : e.data.error.code);
                resolve();
              }
            });
            postMessage(
              {
                channel: 'kyso',
                kind: 'request',
                id,
                protocolVersion: 1,
                type: 'sign-cms',
                params: { digest, digestAlgorithm: 'SHA-256', description: `flood ${i}` },
              },
              location.origin,
            );
            setTimeout(resolve, 4000);
          }),
      );
      await Promise.all(pending);
      return out;
    }, digest);
    expect(answers.length).toBeGreaterThan(25);
    expect(answers.every((code) => code === 'RATE_LIMITED')).toBe(true);
    const windows = session.browser.targets().filter((t) => t.url().includes('consent'));
    expect(windows.length).toBeLessThanOrEqual(1);
    await flooder.close(); // closing the tab cancels its open and queued requests
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });
});
