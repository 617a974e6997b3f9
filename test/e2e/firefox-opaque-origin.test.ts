/**
 * opaque-origin.test.ts in Firefox ESR: a page served with CSP `sandbox` opens no window in its
 * URL's name. Firefox ESR 128 was not affected by the Chromium bug (this passes without that fix);
 * it is here so that it stays so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickInside, startFirefoxSession, type FirefoxSession } from '../support/firefox.js';
import { localhostTls } from '../support/openssl.js';

const digest = Buffer.alloc(32, 1).toString('base64');

/**
 * Posts a sign-cms request as any script in the page can (no SDK needed), again every half second
 * for `ms` or until it is acknowledged, as the SDK does: the bridge may still be loading in a tab
 * just opened (it ignores an id it has seen). An opaque-origin page never hears an ack.
 */
function askToSign(page: Page, id: string, ms: number): Promise<boolean> {
  return page.evaluate(
    (digest, id, ms) =>
      new Promise<boolean>((resolve) => {
        const request = {
          channel: 'kyso',
          kind: 'request',
          id,
          protocolVersion: 1,
          type: 'sign-cms',
          params: { digest, digestAlgorithm: 'SHA-256', description: 'from an uploaded file' },
        };
        const post = () => postMessage(request, '*');
        const timer = setInterval(post, 500);
        const end = (acknowledged: boolean) => {
          clearInterval(timer);
          resolve(acknowledged);
        };
        addEventListener('message', (e) => e.data?.kind === 'ack' && e.data.id === id && end(true));
        setTimeout(() => end(false), ms);
        post();
      }),
    digest,
    id,
    ms,
  );
}

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
    const consent = await session.consentWindowAfter(() => askToSign(own, 'own-1', 20_000));
    expect(await consent.$eval('#origin', (el) => el.textContent)).toBe(url);
    await clickInside(consent, '#cancel');
    expect(await session.consentWindowOpen()).toBe(false);
    await own.close();

    const upload = await session.browser.newPage();
    await upload.goto(`${url}/upload`);
    expect(await upload.evaluate(() => [self.origin, location.origin])).toEqual(['null', url]);
    expect(await askToSign(upload, 'opaque-1', 5000)).toBe(false);
    // The host is already running: a window would have opened within these seconds.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    expect(await session.consentWindowOpen(0)).toBe(false);
    await upload.close();
  });
});
