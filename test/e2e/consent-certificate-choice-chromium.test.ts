/**
 * Certificates the consent window does not let the user choose, on a SoftHSM token in Chromium:
 * one whose RSA key has 1024 bits (its signatures are judged WEAK_KEY: Circular 15/2025/TT-BKHCN
 * asks 2048), and, for a PDF signed into its own field without an image, one whose holder name the
 * box's font cannot write (the name is drawn there: prepare would refuse it only after the PIN).
 * Each is listed with its reason in the window's language, its radio cannot be checked, Sign does
 * nothing and no PIN is asked for it. kyso's plugin prompt, where a vendor plugin's page asks for a
 * certificate before it signs with it, lists the same reasons and does not share such a certificate.
 * Certificate objects the host leaves out (unreadable, no key id, an Ed25519 key) are counted under
 * their token in the window, the prompt and the options page, so a missing certificate is explained.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page, Target } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeCertificate } from '../../shared/certificate/profile.js';
import { MESSAGES } from '../../extension/src/i18n/messages.js';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen } from '../support/browser.js';
import { chooseCertificate, scrollIntoViewPainted } from '../support/consent.js';
import { buildFaultModule, faultModuleEnv } from '../support/fault-module.js';
import { drawn } from '../support/page-checks.js';
import { CHROMIUM_OPTIONS_URL, storeUseKyso } from '../support/plugin-choice.js';
import { nextRawAnswer, openPluginPortal } from '../support/plugin-portal.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { TOKEN_LABEL } from '../support/paths.js';
import { issueOntoToken, writeUnlistableCertificates } from '../support/token.js';

const WEAK_KEY = '06';
const CJK_NAME_KEY = '07';
const FORM = readFileSync(new URL('../fixtures/signature-fields/form.pdf', import.meta.url)).toString(
  'base64',
);

/** A certificate's row in the window: where it is listed, its reason, whether its radio is enabled and checked. */
async function certificateRow(consent: Page, keyId: string) {
  return consent.$eval(`input[name="certificate"][value$="/${keyId}"]`, (input) => {
    const row = input.closest('label')!;
    return {
      list: row.parentElement!.id,
      problem: row.querySelector('.problem')?.textContent ?? null,
      disabled: input.disabled,
      checked: input.checked,
    };
  });
}

/** Tries to choose `keyId` as a person would (the folded list opened, a click), then Sign; returns the row and Sign's state after. */
async function tryToChoose(consent: Page, keyId: string) {
  await consent.$eval('#unusable', (el) => ((el as HTMLDetailsElement).open = true));
  const radio = `input[name="certificate"][value$="/${keyId}"]`;
  await scrollIntoViewPainted(consent, radio);
  await consent.click(radio);
  await consent.click('#sign');
  return {
    row: await certificateRow(consent, keyId),
    sign: await consent.$eval('#sign', (el) => el.getAttribute('aria-disabled')),
    pinShown: await drawn(consent, '#pin-row'),
    state: await consent.evaluate(() => document.body.dataset.state),
  };
}

describe('certificates the consent window does not let the user sign with (Chromium)', () => {
  let session: PortalSession;
  let page: Page;
  let cjkNameSerial: string;

  beforeAll(async () => {
    session = await startPortalSession((token) => {
      issueOntoToken(token, WEAK_KEY, '/C=VN/CN=Phan Văn Khoá Ngắn/UID=CCCD:001199000606', { rsaBits: 1024 });
      // 王小明: Liberation Serif, the stamp's font, has no CJK glyphs.
      const der = issueOntoToken(token, CJK_NAME_KEY, '/C=VN/CN=Vương 王小明/UID=HC:E1234567');
      cjkNameSerial = summarizeCertificate(der).serialNumberHex;
      return token.env;
    });
    page = await session.openPortal();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('a 1024-bit RSA key: listed as too short (vi), not choosable, nothing signed', async () => {
    const text = 'Hợp đồng dịch vụ số 12/2026';
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signCms', {
        digest: createHash('sha256').update(text).digest('base64'),
        digestAlgorithm: 'SHA-256',
        description: text,
        lang: 'vi',
      }),
    );
    await consent.waitForSelector('body[data-state="ready"]');
    expect(await certificateRow(consent, WEAK_KEY)).toEqual({
      list: 'unusable-certificates',
      problem: 'Khoá RSA dưới 2048 bit, quá ngắn để ký: chữ ký sẽ không được công nhận',
      disabled: true,
      checked: false,
    });
    // Its holder's name needs no drawing here: that certificate can sign this text.
    expect(await certificateRow(consent, CJK_NAME_KEY)).toMatchObject({
      list: 'certificates',
      disabled: false,
    });
    expect(await tryToChoose(consent, WEAK_KEY)).toMatchObject({
      row: { checked: false },
      sign: 'true',
      state: 'ready',
    });
    await clickClosingWindow(consent, '#cancel');
    expect(await sdkOutcome(page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });

  it('a PDF field’s text and a holder name its font cannot write: said at the choice (en), no PIN asked, nothing signed', async () => {
    // The page asks for that certificate only (as a plugin page names one): no other can be chosen.
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signMany', {
        documents: [{ kind: 'pdf', pdf: FORM, name: 'don-de-nghi.pdf', field: 'NguoiDeNghi' }],
        description: 'Người đề nghị ký',
        lang: 'en',
        certificateSerial: cjkNameSerial,
      }),
    );
    await consent.waitForSelector('body[data-state="ready"]');
    expect(await certificateRow(consent, CJK_NAME_KEY)).toEqual({
      list: 'unusable-certificates',
      problem:
        'The name on this certificate has characters the signature box’s font cannot write (U+738B 王, U+5C0F 小, U+660E 明): it cannot sign into this box',
      disabled: true,
      checked: false,
    });
    // The characters are the certificate's words (data), each isolated; the code points are kyso's.
    expect(
      await consent.$$eval(`input[name="certificate"][value$="/${CJK_NAME_KEY}"]`, ([input]) =>
        [...input!.closest('label')!.querySelectorAll('.problem bdi.data')].map((el) => el.textContent),
      ),
    ).toEqual(['王', '小', '明']);
    expect(await tryToChoose(consent, CJK_NAME_KEY)).toEqual({
      row: expect.objectContaining({ checked: false }),
      sign: 'true',
      pinShown: false,
      state: 'ready',
    });
    await clickClosingWindow(consent, '#cancel');
    expect(await sdkOutcome(page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
  });

  it('a VNPT-CA Plugin page (unmodified vnpt-plugin.js) asks for a certificate: kyso’s prompt gives the 1024-bit key the window’s reason and does not share it; the others can be', async () => {
    await storeUseKyso(session);
    const portal = await openPluginPortal(
      session.browser,
      new URL('/vnpt-portal.html', session.demo.url).href,
    );
    const isPrompt = (t: Target) => t.url().includes('src/plugins/prompt.html');
    await portal.click('#btGetCertInfo');
    const prompt = await (await session.browser.waitForTarget(isPrompt, { timeout: 20_000 })).asPage();
    await prompt.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    // vnpt-plugin.js names no language: the prompt speaks the browser's, in the window's words.
    const lang = (await prompt.$eval('html', (el) => el.lang)) as 'vi' | 'en';
    expect(await certificateRow(prompt, WEAK_KEY)).toEqual({
      list: 'certificates',
      problem: MESSAGES[lang].weakKey,
      disabled: true,
      checked: false,
    });
    // No document, so no box to draw the name in: that certificate can be shared.
    expect(await certificateRow(prompt, CJK_NAME_KEY)).toMatchObject({ problem: null, disabled: false });
    const weak = `input[name="certificate"][value$="/${WEAK_KEY}"]`;
    await scrollIntoViewPainted(prompt, weak);
    await prompt.click(weak);
    expect(await certificateRow(prompt, WEAK_KEY)).toMatchObject({ checked: false });
    expect(await prompt.$eval('#share', (el) => (el as HTMLButtonElement).disabled)).toBe(true);
    // The certificate that can sign is shared, and reaches the page's own callback.
    await chooseCertificate(prompt, '01');
    await clickClosingWindow(prompt, '#share');
    expect(JSON.parse(await nextRawAnswer(portal))).toMatchObject({
      base64: session.token.certDer('01').toString('base64'),
    });
    await portal.close();
  });

  it('certificate objects the host could not list are counted under their token, so a missing certificate is explained: in the consent window (vi, en), kyso’s plugin prompt and the options page', async () => {
    // Last: these objects stay on the token. None is listed; the token's others still can sign.
    writeUnlistableCertificates(session.token);
    for (const lang of ['vi', 'en'] as const) {
      const consent = await consentWindowAfter(session.browser, () =>
        sdkCall(page, 'signCms', {
          digest: createHash('sha256').update(lang).digest('base64'),
          digestAlgorithm: 'SHA-256',
          description: 'Tờ khai',
          lang,
        }),
      );
      await consent.waitForSelector('body[data-state="ready"]');
      expect(await drawn(consent, '#skipped-certificates')).toBe(true);
      const said = await consent.$eval('#skipped-certificates', (el) => (el as HTMLElement).innerText);
      expect(said).toBe(
        MESSAGES[lang].skippedCertificates_other.replace('{token}', `«${TOKEN_LABEL}»`).replace('{n}', '2'),
      );
      // The label is the token's word (data); the rest is kyso's.
      expect(
        await consent.$$eval('#skipped-certificates bdi.data', (els) => els.map((e) => e.textContent)),
      ).toEqual([TOKEN_LABEL]);
      expect(await certificateRow(consent, '01')).toMatchObject({ list: 'certificates', disabled: false });
      await clickClosingWindow(consent, '#cancel');
      expect(await sdkOutcome(page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    }
    // kyso's prompt, where a vendor plugin's page asks for a certificate, says it under its list too.
    const portal = await openPluginPortal(
      session.browser,
      new URL('/vnpt-portal.html', session.demo.url).href,
    );
    await portal.click('#btGetCertInfo');
    const prompt = await (
      await session.browser.waitForTarget((t) => t.url().includes('src/plugins/prompt.html'), {
        timeout: 20_000,
      })
    ).asPage();
    await prompt.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    const lang = (await prompt.$eval('html', (el) => el.lang)) as 'vi' | 'en';
    expect(await drawn(prompt, '#skipped-certificates')).toBe(true);
    expect(await prompt.$eval('#skipped-certificates', (el) => (el as HTMLElement).innerText)).toBe(
      MESSAGES[lang].skippedCertificates_other.replace('{token}', `«${TOKEN_LABEL}»`).replace('{n}', '2'),
    );
    await clickClosingWindow(prompt, '#cancel');
    await portal.close();
    // And the options page, under the certificates it lists.
    const options = await session.browser.newPage();
    await options.goto(CHROMIUM_OPTIONS_URL);
    await options.waitForSelector('#skipped-certificates:not([hidden])', { timeout: 20_000 });
    const optionsLang = (await options.$eval('html', (el) => el.lang)) as 'vi' | 'en';
    expect(await drawn(options, '#skipped-certificates')).toBe(true);
    expect(await options.$eval('#skipped-certificates', (el) => (el as HTMLElement).innerText)).toBe(
      MESSAGES[optionsLang].skippedCertificates_other
        .replace('{token}', `«${TOKEN_LABEL}»`)
        .replace('{n}', '2'),
    );
    await options.close();
  });
});

describe('a token whose every certificate the driver cannot read (Chromium)', () => {
  it('the window does not ask to insert the token: it says none could be listed, and how many of which token', async () => {
    const control = path.join(mkdtempSync(path.join(tmpdir(), 'kyso-unreadable-')), 'faults');
    buildFaultModule();
    const session = await startPortalSession((token) => {
      // CKR_DEVICE_ERROR for each certificate object of the test token (cert-01 … cert-05).
      writeFileSync(
        control,
        ['01', '02', '03', '04', '05'].map((id) => `fail_object cert-${id} 0x30\n`).join(''),
      );
      return { ...token.env, ...faultModuleEnv(control) };
    });
    try {
      const page = await session.openPortal();
      const consent = await consentWindowAfter(session.browser, () =>
        sdkCall(page, 'signCms', {
          digest: createHash('sha256').update('tờ khai').digest('base64'),
          digestAlgorithm: 'SHA-256',
          description: 'Tờ khai',
          lang: 'vi',
        }),
      );
      await consent.waitForSelector('body[data-state="ready"]');
      expect(await consent.$eval('#no-certificate', (el) => (el as HTMLElement).innerText)).toBe(
        MESSAGES.vi.noListableCertificate,
      );
      expect(await consent.$eval('#skipped-certificates', (el) => (el as HTMLElement).innerText)).toBe(
        MESSAGES.vi.skippedCertificates_other.replace('{token}', `«${TOKEN_LABEL}»`).replace('{n}', '5'),
      );
      expect(await drawn(consent, '#retry')).toBe(true);
      await clickClosingWindow(consent, '#cancel');
      expect(await sdkOutcome(page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    } finally {
      await session.close();
    }
  });
});
