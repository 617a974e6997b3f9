/**
 * The key consent-window behaviours of issue 12 in Firefox ESR: every PDF page paged through
 * (judged by pixels), the odd item of a 1,000-item batch found and opened, the page's words made
 * inert, the active-content warnings before the PIN, stray typing before the window is armed
 * sending nothing, and the window armed again when the user comes back to it.
 */
import { PDFDocument } from 'pdf-lib';
import type { Page, Target } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { outcome, sdkCall, settled, threePagePdf } from '../support/consent-requests.js';
import { recordArming } from '../support/consent.js';
import { clickInside, startFirefoxSession } from '../support/firefox.js';
import { characterLefts, clickInView, darkThirds, focused } from '../support/page-checks.js';
import { usePortalTab } from '../support/portal-tab.js';

describe('Firefox ESR: what the consent window shows', () => {
  const portal = usePortalTab(startFirefoxSession);

  /** The window for a request, past the site question (answered yes) and its activation delay. */
  async function consentFor(method: string, options: unknown): Promise<Page> {
    const consent = await portal.session.consentWindowAfter(() => sdkCall(portal.page, method, options));
    if (await consent.$('body[data-state="permission"]')) {
      await consent.click('#allow-site');
      await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
    }
    return consent;
  }

  /** Cancels in the window (each test ends so): the page gets USER_CANCELLED. */
  async function cancelInWindow(consent: Page): Promise<void> {
    await clickInside(consent, '#cancel');
    expect(await outcome(portal.page)).toBe('USER_CANCELLED');
  }

  it('pages through every page of a PDF', async () => {
    const consent = await consentFor('signPdf', {
      pdf: await threePagePdf(),
      description: 'Biên bản 3 trang',
      name: 'bien-ban.pdf',
      lang: 'vi',
    });
    expect(await consent.$eval('#page-count', (el) => (el as HTMLElement).innerText)).toBe(
      'Tài liệu có 3 trang. Hãy xem từng trang trước khi ký.',
    );
    await consent.waitForSelector('#preview[data-page="1"][data-rendered="true"]', { timeout: 20_000 });
    expect((await darkThirds(consent))[0]).toBeGreaterThan(0.05);
    await clickInView(consent, '#page-next');
    await consent.waitForSelector('#preview[data-page="2"][data-rendered="true"]', { timeout: 20_000 });
    const [top, middle] = await darkThirds(consent);
    expect(middle).toBeGreaterThan(0.05);
    expect(top).toBeLessThan(0.01);
    await cancelInWindow(consent);
  });

  it('warns before the PIN about JavaScript and an attachment, whose name is shown as the document’s words', async () => {
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]);
    doc.addJavaScript('mo-ra', 'app.alert("xin chao")');
    await doc.attach(new TextEncoder().encode('MZ'), 'hoa-don-\u202Efdp.exe', {
      mimeType: 'application/octet-stream',
    });
    const consent = await consentFor('signPdf', {
      pdf: Buffer.from(await doc.save()).toString('base64'),
      description: 'Tài liệu có mã',
      name: 'co-ma.pdf',
      lang: 'vi',
    });
    const shown = await consent.$eval('#warnings', (el) => ({
      height: el.getBoundingClientRect().height,
      text: (el as HTMLElement).innerText,
    }));
    expect(shown.height).toBeGreaterThan(0);
    expect(shown.text).toContain('Cảnh báo: tài liệu vẫn có thể hành động hoặc thay đổi sau khi ký');
    expect(shown.text).toContain('Có mã JavaScript (chạy khi tài liệu được mở hoặc dùng).');
    expect(shown.text).toContain('Có tệp đính kèm bên trong tài liệu.');
    expect(shown.text).toContain('hoa-don-⟨U+202E⟩fdp.exe');
    const [warningsBottom, fieldsetTop] = await consent.evaluate(() => [
      document.querySelector('#warnings')!.getBoundingClientRect().bottom,
      document.querySelector('#certificate-fieldset')!.getBoundingClientRect().top,
    ]);
    expect(warningsBottom).toBeLessThan(fieldsetTop!);
    await cancelInWindow(consent);
  });

  it('lists all 1,000 items of a batch; the bare-hash item is found by kind and opened', async () => {
    const consent = await consentFor('signMany', {
      description: '1.000 hoá đơn',
      lang: 'en',
      digestBatch: { count: 1000, rawAt: 412 },
    });
    expect(await consent.$eval('#list-range', (el) => el.textContent)).toBe('Items 1–20 of 1,000');
    await consent.select('#kind-filter', 'raw');
    expect(
      await consent.$$eval('#documents li', (lis) => lis.map((li) => li.getAttribute('data-index'))),
    ).toEqual(['412']);
    await clickInView(consent, '#documents li[data-index="412"] .open-item');
    expect(await consent.$eval('#raw-warning', (el) => (el as HTMLElement).innerText)).toContain(
      'It can stand for any document',
    );
    await cancelInWindow(consent);
  });

  it('shows bidi overrides and zero-width characters as marks, drawn left to right', async () => {
    const consent = await consentFor('signCms', {
      digest: 'fill',
      digestAlgorithm: 'SHA-256',
      description: 'hoa-don-\u202Efdp.exe \u200Bx',
      lang: 'vi',
    });
    expect(await consent.$eval('#description', (el) => (el as HTMLElement).innerText)).toContain(
      'hoa-don-⟨U+202E⟩fdp.exe ⟨U+200B⟩x',
    );
    const order = await characterLefts(consent, '#description', 'fdp.exe', [0, 6]);
    expect(order[0]).toBeLessThan(order[1]!);
    await cancelInWindow(consent);
  });

  it('stray typing before the window is armed sends nothing', async () => {
    const before = new Set<Target>(portal.session.browser.targets());
    await sdkCall(portal.page, 'signCms', {
      digest: 'fill',
      digestAlgorithm: 'SHA-256',
      description: 'Đang gõ dở',
      lang: 'vi',
    });
    const consent = await portal.session.extensionPage('src/consent/', before);
    await consent.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    await consent.keyboard.press('Tab');
    await consent.keyboard.type(`${portal.session.token.pin}\n${portal.session.token.pin}\n`);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await settled(portal.page)).toBe(false);
    expect(await consent.$eval('#pin', (el) => (el as HTMLInputElement).value)).toBe('');
    expect(await focused(consent)).not.toBe('pin');
    await cancelInWindow(consent);
  });

  it('is armed again when the user comes back to it from a window that covered it', async () => {
    const consent = await consentFor('signCms', {
      digest: 'fill',
      digestAlgorithm: 'SHA-256',
      description: 'Cửa sổ bị che rồi quay lại',
      lang: 'vi',
    });
    const arming = await recordArming(consent);
    // The page opens a popup over the window (headless Firefox moves focus between its windows).
    await portal.page.evaluate(() => {
      (window as unknown as { cover: Window | null }).cover = window.open('about:blank', '', 'popup');
    });
    await consent.waitForFunction(() => !document.hasFocus(), { timeout: 20_000 });
    await portal.page.evaluate(() => (window as unknown as { cover: Window }).cover.close());
    await consent.bringToFront();
    await consent.waitForSelector('body[data-armed="true"]', { timeout: 20_000 });
    expect(await arming()).toEqual(['false', 'true']);
    await cancelInWindow(consent);
  });
});
