/** A page written against the VGCA plugin's globals, with kyso's shim loaded in place of the plugin. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';

describe('VGCA-compatible shim', () => {
  let session: PortalSession;
  beforeAll(async () => {
    session = await startPortalSession();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('vgca_sign_msg returns Status 0 and an attached CMS of the message that openssl verifies', async () => {
    const page = await session.browser.newPage();
    await page.goto(new URL('/vgca.html', session.demo.url).href);
    const consent = await consentWindowAfter(session.browser, () => page.click('#sign'));
    await consent.click('input[name="certificate"][value$="/01"]');
    await consent.type('#pin', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    await page.waitForFunction(() => (window as any).vgcaResult, { timeout: 30_000 });
    const result = await page.evaluate(() => (window as any).vgcaResult);
    expect(result.Status).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vgca-'));
    writeFileSync(path.join(dir, 'sig.p7m'), Buffer.from(result.Signature, 'base64'));
    const content = execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(dir, 'sig.p7m'), '-CAfile', session.token.caPem, '-purpose', 'any'], { stdio: ['ignore', 'pipe', 'ignore'] });
    expect(content.toString('utf8')).toBe('Công văn số 123/UBND-VP ngày 22/11/2026');
  });

  it('a cancelled consent gives a non-zero Status with kyso’s error code; unsupported functions say so', async () => {
    const page = await session.browser.newPage();
    await page.goto(new URL('/vgca.html', session.demo.url).href);
    const consent = await consentWindowAfter(session.browser, () => page.click('#sign'));
    await clickClosingWindow(consent, '#cancel');
    await page.waitForFunction(() => (window as any).vgcaResult, { timeout: 30_000 });
    expect(await page.evaluate(() => (window as any).vgcaResult)).toMatchObject({ Status: 1, ErrorCode: 'USER_CANCELLED' });
    const unsupported = await page.evaluate(
      () => new Promise((resolve) => (window as any).vgca_sign_pdf({}, '{"FileName":"https://x/y.pdf"}', (_: unknown, json: string) => resolve(JSON.parse(json)))),
    );
    expect(unsupported).toMatchObject({ Status: 2 });
  });
});
