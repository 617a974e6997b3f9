/**
 * A top-level page whose origin is opaque (served with `Content-Security-Policy: sandbox`, as sites
 * serve untrusted uploads): the browser reports its origin as "null". It is no site, so kyso must
 * not ask anything in the name of its URL's host (whose permission the user may already have given).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSignRequestUntilAcknowledged } from '../support/bridge-messages.js';
import { clickClosingWindow, consentWindowOpen, waitArmed } from '../support/browser.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';

describe('a page with an opaque origin (CSP sandbox)', () => {
  const session = useSharedSession(startPortalSession);
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // One host serving its own page and, under /upload, untrusted content sandboxed by CSP.
    server = createServer((req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html',
        ...(req.url === '/upload' && { 'content-security-policy': 'sandbox allow-scripts' }),
      });
      res.end('<!doctype html><title>portal</title><p>content</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://localhost:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server?.close();
  });

  it('opens no window in the name of its URL’s site, while the site’s own page does', async () => {
    // The site's own page (not sandboxed) is asked as that site: the bridge and the host work here.
    const own = await session.browser.newPage();
    await own.goto(`${url}/`);
    const [target] = await Promise.all([
      session.browser.waitForTarget((t) => t.url().includes('consent'), { timeout: 30_000 }),
      postSignRequestUntilAcknowledged(own, 'own-1', 20_000),
    ]);
    const consent = await target.asPage();
    await waitArmed(consent);
    expect(await consent.$eval('#origin', (el) => el.textContent)).toBe(url);
    await clickClosingWindow(consent, '#cancel');
    expect(await consentWindowOpen(session.browser)).toBe(false);
    await own.close();

    // The same request from an opaque origin on the same host: no window at all.
    const upload = await session.browser.newPage();
    await upload.goto(`${url}/upload`);
    expect(await upload.evaluate(() => [self.origin, location.origin])).toEqual(['null', url]);
    expect(await postSignRequestUntilAcknowledged(upload, 'opaque-1', 5000)).toBe(false);
    const window = await session.browser
      .waitForTarget((t) => t.url().includes('consent'), { timeout: 10_000 })
      .catch(() => undefined);
    expect(window?.url()).toBeUndefined();
    await upload.close();
  });
});
