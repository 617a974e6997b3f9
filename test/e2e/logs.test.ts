/**
 * What a full signing run leaves in the logs (the browser's stderr, where it also writes the
 * native host's): our one-line-per-request records, and no PIN, digest, document or certificate.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ElementHandle } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { startPortalSession } from '../support/portal-session.js';
import { signInConsent } from '../support/consent.js';

describe('logs of a full e2e run', () => {
  it('hold request records but no PIN, digest, document or certificate', async () => {
    const session = await startPortalSession();
    const { token } = session;
    const certificate = token.certDer('01').toString('base64');
    const document = 'Tờ trình bí mật số 77/TTr-STC: nội dung không được ghi vào nhật ký\n';
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'kyso-logs-')), 'to-trinh.txt');
    writeFileSync(file, document);
    let logs = '';
    session.browser.process()?.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    session.browser.process()?.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    try {
      const page = await session.openPortal();
      await ((await page.$('input#file')) as ElementHandle<HTMLInputElement>).uploadFile(file);
      const consent = await consentWindowAfter(session.browser, () => page.click('#sign'));
      await signInConsent(consent, '01', '975310'); // a wrong PIN is a secret too
      await consent.click('#sign');
      await consent.waitForSelector('#error[data-code="PIN_INCORRECT"]', { visible: true });
      await consent.type('#pin', token.pin);
      await clickClosingWindow(consent, '#sign');
      await page.waitForSelector('#status[data-state="done"]', { timeout: 30_000 });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await session.close();
    }
    const digest = createHash('sha256').update(document).digest();
    expect(logs).toMatch(/\[kyso-host \d+\] sign-cms ok/); // the capture works: our records are there
    expect(logs).toMatch(/\[kyso-host \d+\] sign-cms PIN_INCORRECT/);
    expect(logs).not.toMatch(/(^|\D)123456(\D|$)/);
    expect(logs).not.toContain('975310');
    expect(logs).not.toContain(digest.toString('base64'));
    expect(logs).not.toContain(digest.toString('hex'));
    expect(logs).not.toContain('Tờ trình');
    expect(logs).not.toContain(certificate.slice(0, 40));
  });
});
