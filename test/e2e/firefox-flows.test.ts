/**
 * The consent flows of the Chromium suite, in Firefox ESR: first-time site approval, certificate
 * choice, wrong then right PIN, cancel, two tabs at once, English and Vietnamese, revoking in the
 * options page, the timeout, a PIN pad, and PDF and tax-return signing judged by pdfsig and xmlsec1
 * (a PDF also after a real file's two Acrobat Reader signatures).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { HTKK_NS } from '../../shared/xml/profiles.js';
import { clickInside, startFirefoxSession } from '../support/firefox.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { pinPadHostEnv } from '../support/pin-pad.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { chooseCertificate, consentWarnings, signInConsent, signWithWrongPin } from '../support/consent.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { usePortalTab } from '../support/portal-tab.js';

const HTKK = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8');

const digestOf = (text: string) => ({
  digest: Buffer.from(execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: text })).toString(
    'base64',
  ),
  digestAlgorithm: 'SHA-256',
});

describe('Firefox ESR: the consent flows', () => {
  const portal = usePortalTab(startFirefoxSession);

  const signIn = (consent: Page, keyId: string, pin = portal.session.token.pin) =>
    signInConsent(consent, keyId, pin);
  const outcome = (page: Page) => sdkOutcome(page);

  it('asks to allow the site first; then signs with the chosen certificate after a wrong PIN', async () => {
    const text = 'Tờ trình số 12 — ký trong Firefox\n';
    const consent = await portal.session.consentWindowAfter(() =>
      sdkCall(portal.page, 'signCms', { ...digestOf(text), description: 'Tờ trình số 12', lang: 'vi' }),
    );
    expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('permission');
    expect(await consent.$eval('#origin', (el) => el.textContent)).toBe(
      new URL(portal.session.portal.url).origin,
    );
    expect(await consent.$eval('#title', (el) => el.textContent)).toBe('Yêu cầu ký số');
    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"][data-armed="true"]');
    await signWithWrongPin(consent, '01', '000000');
    await signIn(consent, '01');
    await clickInside(consent, '#sign');
    const result = await outcome(portal.page);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(
      opensslCmsVerify({
        cms: Buffer.from(result.cms, 'base64'),
        content: Buffer.from(text),
        caFile: portal.session.token.caPem,
      }).ok,
    ).toBe(true);
    expect(await portal.session.consentWindowOpen()).toBe(false);
  });

  it('remembers the site; Cancel returns USER_CANCELLED; English when the portal asks', async () => {
    const consent = await portal.session.consentWindowAfter(() =>
      sdkCall(portal.page, 'signCms', { ...digestOf('x'), description: 'Cancel me', lang: 'en' }),
    );
    expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('ready'); // remembered: no site question
    expect(await consent.$eval('#title', (el) => el.textContent)).toBe('Signature request');
    expect(await consent.$eval('#cancel', (el) => el.textContent)).toBe('Cancel');
    await clickInside(consent, '#cancel');
    expect(await outcome(portal.page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    expect(await portal.session.consentWindowOpen()).toBe(false);
  });

  it('two tabs at once: one window at a time, each request with its own description', async () => {
    const second = await portal.session.openPortal();
    const first = await portal.session.consentWindowAfter(() =>
      sdkCall(portal.page, 'signCms', { ...digestOf('một'), description: 'Hồ sơ thứ nhất' }),
    );
    await sdkCall(second, 'signCms', { ...digestOf('hai'), description: 'Hồ sơ thứ hai' });
    await new Promise((r) => setTimeout(r, 500));
    expect(await first.$eval('#description', (el) => el.textContent)).toBe('Hồ sơ thứ nhất');
    const next = await portal.session.consentWindowAfter(() => clickInside(first, '#cancel'));
    expect(await outcome(portal.page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    expect(await next.$eval('#description', (el) => el.textContent)).toBe('Hồ sơ thứ hai');
    await signIn(next, '02');
    await clickInside(next, '#sign');
    expect((await outcome(second)).ok).toBe(true);
    await second.close();
  });

  it('signs a PDF (pdfsig: valid) and a tax return (xmlsec1: valid) through the extension', async () => {
    const plainPdf = await onePagePdf('Don de nghi', 20);
    const original = plainPdf;
    const pdfConsent = await portal.session.consentWindowAfter(() =>
      sdkCall(portal.page, 'signPdf', {
        pdf: Buffer.from(original).toString('base64'),
        name: 'don.pdf',
        description: 'Đơn đề nghị',
        appearance: { kind: 'stamp', lines: ['Số: 7/ĐĐN'] },
      }),
    );
    expect(await pdfConsent.$eval('#document-kind', (el) => (el as HTMLElement).dataset.kind)).toBe('pdf');
    await pdfConsent.waitForSelector('#preview[data-rendered="true"]', { timeout: 20_000 });
    await signIn(pdfConsent, '02');
    await clickInside(pdfConsent, '#sign');
    const signedPdf = await outcome(portal.page);
    expect(signedPdf.ok, JSON.stringify(signedPdf).slice(0, 300)).toBe(true);
    const dir = mkdtempSync(path.join(portal.session.home, 'out-'));
    const report = pdfsig(
      writePdf(dir, 'signed.pdf', new Uint8Array(Buffer.from(signedPdf.pdf, 'base64'))),
      makeNssDb(dir, [portal.session.token.caPem]),
    );
    expect(report.signatures, report.output).toHaveLength(1);
    expect(report.signatures[0]!.valid && report.signatures[0]!.trusted, report.output).toBe(true);

    // An individual's return: their tax code is the CCCD number key 01's certificate carries.
    const ownReturn = HTKK.replace('<mst>0101234567</mst>', '<mst>001099012345</mst>');
    const xmlConsent = await portal.session.consentWindowAfter(() =>
      sdkCall(portal.page, 'signXml', { xml: ownReturn, profile: 'htkk', description: 'Tờ khai 01/GTGT' }),
    );
    expect(await xmlConsent.$eval('dd[data-field="taxpayerId"]', (el) => el.textContent)).toBe(
      '001099012345',
    );
    // That certificate is chosen; the company's (key 02) is marked as not the taxpayer's.
    const row = (key: string) =>
      xmlConsent.$eval(`input[name="certificate"][value$="/${key}"]`, (input) => ({
        checked: input.checked,
        mismatch: input.closest('label')!.querySelector('.party-mismatch')?.textContent ?? null,
      }));
    expect(await row('01')).toEqual({ checked: true, mismatch: null });
    expect(await row('02')).toEqual({ checked: false, mismatch: expect.stringContaining('(001099012345)') });
    await signIn(xmlConsent, '01');
    await clickInside(xmlConsent, '#sign');
    const signedXml = await outcome(portal.page);
    expect(signedXml.ok, JSON.stringify(signedXml).slice(0, 300)).toBe(true);
    const file = path.join(dir, 'htkk.xml');
    writeFileSync(file, signedXml.xml);
    const run = spawnSync(
      'xmlsec1',
      [
        '--verify',
        '--trusted-pem',
        portal.session.token.caPem,
        '--id-attr:id',
        `${HTKK_NS}:HSoKhaiThue`,
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  });

  it('signs after the signatures of a real PDF Acrobat Reader signed twice (the window names them); pdfsig finds all three valid', async () => {
    const acrobat = readFileSync(
      new URL('../fixtures/third_party/signed-pdfs/pyhanko-acrobat-two-signatures.pdf', import.meta.url),
    );
    const consent = await portal.session.consentWindowAfter(() =>
      sdkCall(portal.page, 'signPdf', {
        pdf: acrobat.toString('base64'),
        name: 'hai-chu-ky.pdf',
        description: 'Ký sau hai người',
        lang: 'en',
      }),
    );
    await consent.waitForSelector('#preview[data-rendered="true"]', { timeout: 20_000 });
    const warnings = await consentWarnings(consent);
    expect(warnings.filter((w) => w.code === 'pdf-existing-signatures').map((w) => w.names)).toEqual([
      ['Sig1', 'Sig2'],
    ]);
    await signIn(consent, '01');
    await clickInside(consent, '#sign');
    const signed = await outcome(portal.page);
    expect(signed.ok, JSON.stringify(signed).slice(0, 300)).toBe(true);
    const dir = mkdtempSync(path.join(portal.session.home, 'out-'));
    const report = pdfsig(
      writePdf(dir, 'after-acrobat.pdf', new Uint8Array(Buffer.from(signed.pdf, 'base64'))),
      makeNssDb(dir, [portal.session.token.caPem]),
    );
    expect(
      report.signatures.map((s) => s.valid),
      report.output,
    ).toEqual([true, true, true]);
    expect(report.signatures.filter((s) => s.trusted).map((s) => s.signer)).toEqual(['Nguyễn Văn Ân']);
  });

  it('the window cancels itself after the time set in the options; revoking the site there asks again', async () => {
    const consent = await portal.session.consentWindowAfter(() =>
      sdkCall(portal.page, 'signCms', { ...digestOf('y'), description: 'Mở tuỳ chọn' }),
    );
    // BiDi cannot open moz-extension:// pages, but an extension page can: the options page in a tab, from the consent window.
    const before = new Set(portal.session.browser.targets());
    await consent.evaluate(() =>
      (globalThis as any).browser.tabs.create({
        url: (globalThis as any).browser.runtime.getURL('src/options/options.html'),
      }),
    );
    const options = await portal.session.extensionPage('src/options/', before);
    await options.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    await clickInside(consent, '#cancel');
    expect(await outcome(portal.page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });

    await options.evaluate(() => (globalThis as any).browser.storage.local.set({ consentTimeoutSeconds: 5 }));
    await portal.session.consentWindowAfter(() =>
      sdkCall(portal.page, 'signCms', { ...digestOf('z'), description: 'Không ai trả lời' }),
    );
    expect(await outcome(portal.page)).toMatchObject({ ok: false, code: 'TIMEOUT' });
    expect(await portal.session.consentWindowOpen()).toBe(false);
    await options.evaluate(() => (globalThis as any).browser.storage.local.remove('consentTimeoutSeconds'));

    const origin = new URL(portal.session.portal.url).origin;
    await options.waitForSelector(`#sites li[data-origin="${origin}"] .revoke`, { timeout: 20_000 });
    await options.click(`#sites li[data-origin="${origin}"] .revoke`);
    await options.waitForFunction(
      (o) => !document.querySelector(`#sites li[data-origin="${o}"]`),
      {},
      origin,
    );
    const asked = await portal.session.consentWindowAfter(() =>
      sdkCall(portal.page, 'signCms', { ...digestOf('w'), description: 'Hỏi lại' }),
    );
    expect(await asked.$eval('body', (b) => b.dataset.state)).toBe('permission');
    await clickInside(asked, '#deny-site');
    expect(await outcome(portal.page)).toMatchObject({ ok: false, code: 'ORIGIN_NOT_ALLOWED' });
    await options.close();
  });
});

describe('Firefox ESR: a token with a PIN pad', () => {
  it('shows “enter the PIN on your device” instead of a PIN field, and signs', async () => {
    const session = await startFirefoxSession(pinPadHostEnv());
    try {
      const page = await session.openPortal();
      const text = 'Biên bản — token có bàn phím, Firefox\n';
      const consent = await session.consentWindowAfter(() =>
        sdkCall(page, 'signCms', { ...digestOf(text), description: 'Biên bản' }),
      );
      if (await consent.$('body[data-state="permission"]')) {
        await consent.click('#allow-site');
        await consent.waitForSelector('body[data-state="ready"][data-armed="true"]');
      }
      await chooseCertificate(consent, '02');
      // No PIN field, judged by layout: nothing laid out, no box.
      expect(
        await consent.$eval('#pin', (el) => [
          (el as HTMLElement).offsetParent === null,
          el.getBoundingClientRect().height,
        ]),
      ).toEqual([true, 0]);
      expect(await consent.$eval('#pin-on-device', (el) => (el as HTMLElement).offsetParent !== null)).toBe(
        true,
      );
      await clickInside(consent, '#sign');
      const result = await sdkOutcome(page);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      expect(
        opensslCmsVerify({
          cms: Buffer.from(result.cms, 'base64'),
          content: Buffer.from(text),
          caFile: session.token.caPem,
        }).ok,
      ).toBe(true);
    } finally {
      await session.close();
    }
  });
});
