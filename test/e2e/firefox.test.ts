/**
 * The same built extension in Firefox ESR (puppeteer-core over WebDriver BiDi): `kyso-host install`
 * registers the host for the gecko id, the extension refuses http://localhost outside developer
 * mode, and the demo portal over https signs through the consent window with the real host and
 * token. (The other consent flows in Firefox: firefox-flows.test.ts.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ElementHandle } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemCertificates, startDemoServer, type DemoServer } from '../../demo/server.js';
import { FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { NATIVE_HOST_NAME } from '../../shared/version.js';
import { clickInside, startFirefoxSession, type FirefoxSession } from '../support/firefox.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { signInConsent } from '../support/consent.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

const documentText = 'Đơn đề nghị cấp bản sao trích lục — ký trong Firefox\n';

describe('Firefox ESR', () => {
  let session: FirefoxSession;
  let plainHttp: DemoServer;

  beforeAll(async () => {
    session = await startFirefoxSession();
    plainHttp = await startDemoServer({
      trustedRoots: pemCertificates(readFileSync(session.token.caPem, 'utf8')),
    });
  });
  afterAll(async () => {
    await plainHttp?.close();
    await session?.close();
  });

  it('the installer registered the host for the gecko id; on plain http://localhost the extension refuses', async () => {
    // kyso-host install wrote ~/.mozilla/native-messaging-hosts/vn.kyso.host.json (a private HOME here)
    const manifest = JSON.parse(
      readFileSync(
        path.join(session.home, '.mozilla/native-messaging-hosts', `${NATIVE_HOST_NAME}.json`),
        'utf8',
      ),
    );
    expect(manifest.allowed_extensions).toEqual([FIREFOX_EXTENSION_ID]);
    const page = await session.browser.newPage();
    await page.goto(plainHttp.url);
    // Developer mode is off, so http://localhost is refused …
    await sdkCall(page, 'status');
    expect(await sdkOutcome(page)).toMatchObject({ ok: false, code: 'ORIGIN_NOT_ALLOWED' });
    // … which proves the content script (ack) and the background (policy on the browser's origin) answered.
    await page.close();
  });

  it('signs on an https portal through the consent window, with the real host and token', async () => {
    const page = await session.openPortal();
    const file = path.join(session.home, 'ban-sao.txt');
    writeFileSync(file, documentText);
    await ((await page.$('input#file')) as ElementHandle<HTMLInputElement>).uploadFile(file);
    const consent = await session.consentWindowAfter(() => page.click('#sign'));
    await consent.waitForSelector('body[data-state="permission"]', { timeout: 20_000 });
    expect(await consent.$eval('#origin', (el) => el.textContent)).toBe(new URL(session.portal.url).origin);
    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
    await signInConsent(consent, '02', session.token.pin);
    await clickInside(consent, '#sign');
    await page.waitForSelector('#status[data-state="done"]', { timeout: 30_000 });
    expect(await page.$eval('#result-signer', (el) => el.textContent)).toBe('Công ty TNHH Ký Số Việt');
    const cms = Buffer.from(session.portal.submissions.at(-1)!.cms, 'base64');
    expect(
      opensslCmsVerify({ cms, content: Buffer.from(documentText), caFile: session.token.caPem }).ok,
    ).toBe(true);
  });
});
