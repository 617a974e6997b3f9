/**
 * opaque-origin.test.ts in Firefox ESR: a page served with CSP `sandbox` opens no window in its
 * URL's name. Firefox ESR 128 was not affected by the Chromium bug (this passes without that fix);
 * it is here so that it stays so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSignRequestUntilAcknowledged } from '../support/bridge-messages.js';
import { clickInside, startFirefoxSession, type FirefoxSession } from '../support/firefox.js';
import { localhostTls } from '../support/openssl.js';

describe('Firefox ESR: a page with an opaque origin (CSP sandbox)', () => {
  let session: FirefoxSession;
  let server: Server;
  let url: string;
  const tlsDir = mkdtempSync(path.join(tmpdir(), 'kyso-opaque-tls-'));

  beforeAll(async () => {
    session = await startFirefoxSession();
    // One https host serving its own page and, under /upload, untrusted content sandboxed by CSP.
    server = createServer(localhostTls(tlsDir), (req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html',
        ...(req.url === '/upload' && { 'content-security-policy': 'sandbox allow-scripts' }),
      });
      res.end('<!doctype html><title>portal</title><p>content</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://localhost:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server?.close();
    await session?.close();
    rmSync(tlsDir, { recursive: true, force: true });
  });

  it('opens no window in the name of its URL’s site, while the site’s own page does', async () => {
    const own = await session.browser.newPage();
    await own.goto(`${url}/`);
    const consent = await session.consentWindowAfter(() =>
      postSignRequestUntilAcknowledged(own, 'own-1', 20_000),
    );
    expect(await consent.$eval('#origin', (el) => el.textContent)).toBe(url);
    await clickInside(consent, '#cancel');
    expect(await session.consentWindowOpen()).toBe(false);
    await own.close();

    const upload = await session.browser.newPage();
    await upload.goto(`${url}/upload`);
    expect(await upload.evaluate(() => [self.origin, location.origin])).toEqual(['null', url]);
    expect(await postSignRequestUntilAcknowledged(upload, 'opaque-1', 5000)).toBe(false);
    // The host is already running: a window would have opened within these seconds.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    expect(await session.consentWindowOpen(0)).toBe(false);
    await upload.close();
  });
});
