/**
 * A portal page written for the Ban Cơ yếu VGCA plugin, with the plugin's own unmodified
 * vgcaplugin.js (test/fixtures/third_party/plugins/vgca), signs through kyso in Chromium once the user chose
 * "use kyso" for the site: the page's WebSockets to wss://127.0.0.1:8987 are answered by kyso's
 * emulation, every signature through kyso's consent window. Results judged by pdfsig, xmlsec1 and
 * openssl; uploads received by the demo portal's handler in the real multipart shape.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../shared/protocol/errors.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import {
  clickClosingWindow,
  consentWindowAfter,
  consentWindowOpen,
  extensionServiceWorker,
} from '../support/browser.js';
import { pdftotext } from '../support/pdf-tools.js';
import { countPixels, isBlue, isRed, renderPage } from '../support/pdf-raster.js';
import { blueSignaturePng, redSealPng } from '../support/pdf-images.js';
import { CHROMIUM_OPTIONS_URL, chooseUseKyso, openKeptOnInstalledPlugin } from '../support/plugin-choice.js';
import { startPluginStandIn } from '../support/plugin-stand-in.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { HOC_BA_ID_ATTRIBUTE, xmlsecVerify } from '../support/xmlsec.js';
import { onePagePdf } from '../support/sample-pdf.js';
import {
  atEachViewport,
  axeViolations,
  layout,
  shownDespiteHidden,
  textsNotIn,
} from '../support/page-checks.js';
import { screenshot } from '../support/screenshots.js';

/** kyso's prompt window read as the consent window is: axe, ≥ 15 px text, one language, no sideways scrolling at any size or zoom. */
async function expectReadablePrompt(prompt: Page, name: string): Promise<void> {
  // The VGCA emulation asks in Vietnamese, as the plugin it stands in for (the portal's language wins over the browser's).
  expect(await prompt.$eval('html', (el) => el.lang)).toBe('vi');
  expect(await axeViolations(prompt), `${name}: axe`).toEqual([]);
  expect((await layout(prompt, [])).bodyFontPx, `${name}: body font`).toBeGreaterThanOrEqual(15);
  expect(await shownDespiteHidden(prompt), `${name}: [hidden] drawn`).toEqual([]);
  expect(await textsNotIn(prompt, 'vi'), `${name}: words not in Vietnamese`).toEqual([]);
  await atEachViewport(prompt, async (viewport) => {
    const measured = await layout(prompt, []);
    expect(measured.horizontalScroll, `${name} at ${viewport.name}: ${measured.wide.join(', ')}`).toBe(false);
  });
  await screenshot(prompt, name, { fullPage: false });
}
import {
  expectSignedFilesUploaded,
  expectUploadedPdfSigned,
  expectVgcaHashSignature,
  nextRawAnswer,
  openPluginPortal,
  setFieldValue,
  uploadedSignedPdf,
  vgcaPortalFiles,
} from '../support/plugin-portal.js';
import { chooseCertificate, signInConsent } from '../support/consent.js';

const PROMPT = 'src/plugins/prompt.html';

/** The installed VGCA tool: wss on 127.0.0.1:8987 with a self-signed certificate, answering every call. */
const installedPluginListener = () =>
  startPluginStandIn(8987, { subject: '/CN=127.0.0.1', subjectAltName: 'IP:127.0.0.1' }, () =>
    JSON.stringify({ Status: 0, Message: 'answered by the installed plugin', FileServer: '/tool' }),
  );

describe('VGCA plugin pages sign through kyso (Chromium, unmodified vgcaplugin.js)', () => {
  const session = useSharedSession(async () =>
    startPortalSession(
      undefined,
      await vgcaPortalFiles(),
      // the stand-in for the installed tool has a self-signed certificate, as the real one has
      ['--ignore-certificate-errors'],
    ),
  );
  const portal = () => new URL('/vgca-portal.html', session.demo.url).href;

  const raw = async (page: Page, previous = '') => {
    const answer = await nextRawAnswer(page, previous).catch(async (error) => {
      for (const t of session.browser.targets())
        if (t.url().includes('consent'))
          console.log(
            'consent window when the answer timed out:',
            await (
              await t.asPage()
            )
              .$eval('body', (b) => `${b.dataset.state} ${b.innerText.slice(0, 700)}`)
              .catch(() => 'closed'),
          );
      console.log('page answer when it timed out:', await page.$eval('#raw', (el) => el.textContent));
      throw error;
    });
    return JSON.parse(answer) as Record<string, any>;
  };
  const signAfter = async (page: Page, click: () => Promise<unknown>, certificate: '01' | '02' = '01') => {
    const consent = await consentWindowAfter(session.browser, click);
    await signInConsent(consent, certificate, session.token.pin);
    await clickClosingWindow(consent, '#sign');
    return consent;
  };

  it('a site the user has not chosen sees no plugin; kyso offers to handle it, and after "use kyso" the page’s own script reaches kyso', async () => {
    const page = await openPluginPortal(session.browser, portal());
    // The real script opens wss://127.0.0.1:8987/GetVersion; nothing listens: its callback is never called.
    await page.evaluate(() =>
      (window as any).vgca_get_version((json: string) => ((window as any).version = json)),
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await page.evaluate(() => (window as any).version)).toBeUndefined();
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);

    // The attempt was noticed: kyso's toolbar button is marked on that tab, and its popup (the options page) offers to handle the site.
    const worker = await extensionServiceWorker(session.browser);
    const badges = await worker.evaluate(async () => {
      const chrome = (globalThis as any).chrome;
      const tabs = await chrome.tabs.query({});
      return Promise.all(
        tabs.map(async (t: any) => [t.url, await chrome.action.getBadgeText({ tabId: t.id })]),
      );
    });
    expect(badges.find(([url]: [string]) => url === portal())?.[1]).toBe('!');
    await chooseUseKyso(session.browser, page, new URL(session.demo.url).origin, 'VGCA');
    // The page was reloaded with the emulation in place: the same unmodified call now answers.
    const version = await page.evaluate(
      () => new Promise<string>((resolve) => (window as any).vgca_get_version(resolve)),
    );
    expect(JSON.parse(version)).toMatchObject({ Status: 0 });
    await page.close();
  }, 120_000);

  it('vgca_sign_approved: the page’s button signs the PDF in kyso’s window; the upload arrives as multipart "uploadfile"; the handler’s answer reaches the page; pdfsig accepts it', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const before = session.demo.uploads.length;
    await signAfter(page, () => page.click('#_lanhdaoPheduyet'));
    const reply = await raw(page);
    expect(reply, JSON.stringify(reply)).toMatchObject({
      Status: 0,
      FileName: 'cong-van.pdf',
      FileServer: `/uploads/${before + 1}/cong-van.pdf`,
      DocumentNumber: `${before + 1}/VP`,
    });
    expect(await page.$eval('#_signature', (el) => (el as HTMLTextAreaElement).value)).toBe(
      `cong-van.pdf:/uploads/${before + 1}/cong-van.pdf:${before + 1}/VP:`,
    );
    expectUploadedPdfSigned(session.demo.uploads, session.token.caPem);
    await page.close();
  }, 120_000);

  it('vgca_sign_copy: the Decree 30 copy stamp (SAO Y, the document number, the time) on the uploaded copy', async () => {
    const page = await openPluginPortal(session.browser, portal());
    await signAfter(page, () => page.click('#_Sacomment'));
    expect(await raw(page)).toMatchObject({ Status: 0 });
    const text = pdftotext(uploadedSignedPdf(session.demo.uploads, session.token.caPem));
    expect(text).toContain('SAO Y');
    expect(text).toContain('123/BCY-CTSBMTT');
    await page.close();
  }, 120_000);

  it('the signer’s image and the agency’s seal, set once in kyso’s options, are drawn by vgca_sign_approved / vgca_sign_issued when the page sends none (pdftoppm, pdfsig)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vgca-images-'));
    writeFileSync(path.join(dir, 'chu-ky.png'), blueSignaturePng());
    writeFileSync(path.join(dir, 'con-dau.png'), redSealPng());
    const options = await openPluginPortal(session.browser, CHROMIUM_OPTIONS_URL);
    for (const [which, file] of [
      ['signature', 'chu-ky.png'],
      ['seal', 'con-dau.png'],
    ] as const) {
      const input = (await options.waitForSelector(
        `#plugin-${which}-image`,
      )) as ElementHandle<HTMLInputElement>;
      await input.uploadFile(path.join(dir, file));
      await options.waitForSelector(
        `body[data-plugin-image="${which}"] #plugin-${which}-preview:not([hidden])`,
        { timeout: 20_000 },
      );
    }
    await options.close();

    const page = await openPluginPortal(session.browser, portal());
    for (const [button, rect, isColour] of [
      ['#_lanhdaoPheduyet', { x: 370, y: 80, width: 170, height: 80 }, isBlue],
      ['#_vanthuphathanh', { x: 330, y: 70, width: 110, height: 110 }, isRed],
    ] as const) {
      const previous = await page.$eval('#raw', (el) => el.textContent ?? '');
      await signAfter(page, () => page.click(button));
      expect(await raw(page, previous)).toMatchObject({ Status: 0 });
      const raster = renderPage(uploadedSignedPdf(session.demo.uploads, session.token.caPem));
      expect(countPixels(raster, rect, isColour), button).toBeGreaterThan(50);
      expect(countPixels(raster, { x: 0, y: 400, width: 595, height: 442 }, isColour), button).toBe(0);
    }
    await page.close();
  }, 120_000);

  it('vgca_sign_income and vgca_sign_appendix (called as the sample page does): their Decree 30 text stamps on the uploads', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const base = session.demo.url.replace(/\/$/, '');
    const call = (fn: string) =>
      page.evaluate(
        (fn, base) => {
          (window as any).stamped = undefined;
          const prms = {
            FileUploadHandler: `${base}/upload`,
            SessionId: '',
            JWTToken: '',
            FileName: `${base}/files/cong-van.pdf`,
            DocNumber: '45/UBND-VP',
            MetaData: [{ Key: 'abc', Value: 'abc' }],
          };
          (window as any)[fn](
            JSON.stringify(prms),
            (rv: string) => ((window as any).stamped = JSON.parse(rv)),
          );
        },
        fn,
        base,
      );
    for (const [fn, expected] of [
      ['vgca_sign_income', 'ĐẾN'],
      ['vgca_sign_appendix', 'Phụ lục kèm theo văn bản số 45/UBND-VP'],
    ] as const) {
      const consent = await consentWindowAfter(session.browser, () => call(fn));
      await signInConsent(consent, '01', session.token.pin);
      await clickClosingWindow(consent, '#sign');
      await page.waitForFunction(() => (window as any).stamped, { timeout: 60_000 });
      expect(await page.evaluate(() => (window as any).stamped)).toMatchObject({ Status: 0 });
      expect(pdftotext(uploadedSignedPdf(session.demo.uploads, session.token.caPem))).toContain(expected);
    }
    await page.close();
  }, 120_000);

  it('vgca_sign_files: Files[] with one consent and one PIN; each upload verified (pdfsig, xmlsec1), named as the server named its download or as the page named it beside URL; Files[] answered with FileSignedURL', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const base = session.demo.url.replace(/\/$/, '');
    // The first as a document-management system serves it: /download?file=…, its name only in
    // Content-Disposition, its address repeated in FileName (as most portals send it).
    const first = `${base}/download?file=cong-van.pdf`;
    const files = [
      { FileID: 'F0', FileName: first, URL: first },
      // The document's title in FileName beside URL, as a one-stop-shop portal sends it (index id
      // 19248806557: FileName = tenGiayTo, URL = tenFileFull): the name the window shows and the upload carries.
      { FileID: 'F1', FileName: 'Tờ khai thuế GTGT quý 3/2026', URL: `${base}/files/to-khai.xml` },
      // A title naming another type than the bytes (an e-invoice called .pdf): the window says XML, the name ends so.
      { FileID: 'F2', FileName: 'hoa-don.pdf', URL: `${base}/files/hoa-don.xml` },
    ];
    const names = ['cong-van.pdf', 'Tờ khai thuế GTGT quý 3-2026.xml', 'hoa-don.pdf.xml'];
    // The request shape of the portals that call vgca_sign_files (a JSON typed into the page, as the sample page does).
    await setFieldValue(
      page,
      '#_txtfiles',
      JSON.stringify({ FileUploadHandler: `${base}/upload`, SessionId: '', Files: files }),
    );
    const before = session.demo.uploads.length;
    const consent = await consentWindowAfter(session.browser, () => page.click('#_SignFiles'));
    expect(await consent.$eval('#document-count', (el) => el.getAttribute('data-count'))).toBe('3');
    expect(
      await consent.$$eval('#documents li', (items) =>
        items.map((li) => [(li as HTMLElement).dataset.kind, li.querySelector('.item-name')!.textContent]),
      ),
    ).toEqual([
      ['pdf', names[0]],
      ['xml', names[1]],
      ['xml', names[2]],
    ]);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const reply = await raw(page);
    expect(reply, JSON.stringify(reply)).toMatchObject({ Status: 0 });
    expect(reply.Message).not.toBe('');
    expect(reply.Files.map((f: any) => [f.FileID, f.FileSignedURL, f.FileName])).toEqual(
      files.map((f, i) => [
        f.FileID,
        `/uploads/${before + i + 1}/${encodeURIComponent(names[i]!)}`,
        names[i],
      ]),
    );
    const uploads = session.demo.uploads.slice(before);
    expect(uploads.map((u) => u.field)).toEqual(['uploadfile', 'uploadfile', 'uploadfile']);
    expect(uploads.map((u) => u.name)).toEqual(names);
    expectSignedFilesUploaded(uploads, session.token.caPem);
    await page.close();
  }, 180_000);

  it('vgca_sign_msg in hash mode: a bare RSA signature of the page’s hash that openssl verifies with the returned certificate', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const content = Buffer.from('Học bạ lớp 12A1 — năm học 2025-2026');
    const digest = createHash('sha256').update(content).digest();
    await setFieldValue(page, '#hash', digest.toString('base64'));
    const consent = await consentWindowAfter(session.browser, () => page.click('#btn-sign'));
    // The window says what it is: a digest the site sent, whose content kyso cannot show.
    expect(await consent.$eval('body', (el) => el.innerText)).toMatch(/mã băm/);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    expectVgcaHashSignature(await raw(page), content, session.token);
    await page.close();
  }, 120_000);

  it('vgca_sign_msg for each selected record at once (the school-records portal’s doPricipalSign): one consent lists every hash, one PIN signs them; each call’s signature verifies (openssl)', async () => {
    const page = await openPluginPortal(session.browser, portal());
    // Seven: more than kyso queues as separate requests (LIMITS.maxQueuedSignRequests + the one shown).
    const records = Array.from({ length: 7 }, (_, i) =>
      Buffer.from(`Học bạ học sinh số ${i + 1} — lớp 12A1`),
    );
    const hashes = records.map((r) => createHash('sha256').update(r).digest('base64'));
    await setFieldValue(page, '#hashes', hashes.join('\n'));
    const consent = await consentWindowAfter(session.browser, () => page.click('#btn-sign-hashes'));
    await consent.waitForSelector('#batch:not([hidden])');
    expect(await consent.$eval('#document-count', (el) => el.getAttribute('data-count'))).toBe('7');
    expect(await consent.$eval('body', (el) => el.innerText)).toMatch(/7 mã băm/);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const answer = (await raw(page)) as unknown as Array<{
      item: number;
      signature: string;
      certBase64: string;
    }>;
    expect(answer.map((a) => a.item)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    answer.forEach((a, i) =>
      expectVgcaHashSignature(
        { Status: 0, Signature: a.signature, CertBase64: a.certBase64 },
        records[i]!,
        session.token,
      ),
    );
    expect(await consentWindowOpen(session.browser, 500)).toBe(false);
    await page.close();
  }, 120_000);

  it('vgca_sign_msg in message mode: the window shows the message itself; the message and its signature in one attached CMS that openssl verifies', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const message = 'Công văn số 123/UBND-VP ngày 22/11/2026';
    const consent = await consentWindowAfter(session.browser, () =>
      page.evaluate(
        (b64) =>
          void (window as any).vgca_sign_msg(
            'nut-ky',
            b64,
            (sender: string, json: string) => ((window as any).msg = [sender, json]),
          ),
        Buffer.from(message).toString('base64'),
      ),
    );
    // The message itself, decoded from the bytes signed: not "a digest kyso cannot show".
    await consent.waitForSelector('#text-content:not([hidden])', { visible: true, timeout: 20_000 });
    expect(await consent.$eval('#text-content', (el) => el.textContent)).toBe(message);
    expect(await consent.$eval('#document-kind', (el) => el.getAttribute('data-kind'))).toBe('text');
    expect(await consent.$eval('#hash-only', (el) => (el as HTMLElement).hidden)).toBe(true);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    await page.waitForFunction(() => (window as any).msg, { timeout: 60_000 });
    const [sender, json] = await page.evaluate(() => (window as any).msg);
    expect(sender).toBe('nut-ky');
    const reply = JSON.parse(json);
    expect(reply, json).toMatchObject({
      Status: 0,
      CertBase64: session.token.certDer('01').toString('base64'),
    });
    const verified = opensslCmsVerify({
      cms: Buffer.from(reply.Signature, 'base64'),
      caFile: session.token.caPem,
    });
    expect(verified.ok, verified.output).toBe(true);
    expect(verified.signedContent?.toString('utf8')).toBe(message);
    await page.close();
  }, 120_000);

  it('vgca_auth (a court portal’s token login, f(sender, authCode, cb)): the window shows the server’s challenge; Signature is the challenge and its signature in one attached CMS that openssl verifies; the page’s own callback posts it', async () => {
    const page = await openPluginPortal(session.browser, portal());
    // The server's Session["AuthCode"], as the portal writes it into the page: plain text, not base64.
    const challenge = 'AUTH-7f3a9c-20261202T152200';
    await setFieldValue(page, '#auth-code', challenge);
    const consent = await consentWindowAfter(session.browser, () => page.click('#btn-auth'));
    await consent.waitForSelector('#text-content:not([hidden])', { visible: true, timeout: 20_000 });
    expect(await consent.$eval('#text-content', (el) => el.textContent)).toBe(challenge);
    expect(await consent.$eval('#hash-only', (el) => (el as HTMLElement).hidden)).toBe(true);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const reply = await raw(page);
    expect(reply).toMatchObject({ Status: 0, CertBase64: session.token.certDer('01').toString('base64') });
    // AuthCallBack put the Signature in the form and clicked the button again, which now submits.
    await page.waitForFunction(() => (document.getElementById('_signature') as HTMLTextAreaElement).value, {
      timeout: 20_000,
    });
    expect(await page.$eval('#Signature1', (el) => (el as HTMLInputElement).value)).toBe(reply.Signature);
    expect(await page.$eval('#_signature', (el) => (el as HTMLTextAreaElement).value)).toBe(
      'Đã gửi chữ ký đăng nhập',
    );
    const verified = opensslCmsVerify({
      cms: Buffer.from(reply.Signature, 'base64'),
      caFile: session.token.caPem,
    });
    expect(verified.ok, verified.output).toBe(true);
    expect(verified.signedContent?.toString('utf8')).toBe(challenge);
    await page.close();
  }, 120_000);

  it('vgca_sign_xml inline: the whole signed tax return (xmlsec1), ReturnSignatureOnly gives only the Signature element, and any other XML is signed enveloped (xmlsec1)', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const xml = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url));
    await setFieldValue(page, '#xml', xml.toString('base64'));
    await signAfter(page, () => page.click('#btn-xml'));
    const whole = await raw(page);
    expect(whole, JSON.stringify(whole)).toMatchObject({ Status: 0 });
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vgca-xml-'));
    const run = xmlsecVerify(dir, Buffer.from(whole.Signature, 'base64'), session.token.caPem, 'to-khai.xml');
    expect(run.ok, run.output).toBe(true);

    const previous = JSON.stringify(whole);
    await signAfter(page, () => page.click('#btn-xml-sig'));
    await page.waitForFunction(
      (before) => document.getElementById('raw')!.textContent !== before,
      { timeout: 60_000 },
      previous,
    );
    const only = JSON.parse(await page.$eval('#raw', (el) => el.textContent));
    const signature = Buffer.from(only.Signature, 'base64').toString('utf8');
    expect(signature).toMatch(/^<Signature [^>]*xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#"/);
    expect(signature).toContain('<SignatureValue>');
    expect(signature.endsWith('</Signature>')).toBe(true);

    // Any other XML (the school-records portal's own document): enveloped over the whole document.
    const hocBa = '<DU_LIEU_HOC_BA Id="data">THONG_TIN_HOC_BA</DU_LIEU_HOC_BA>';
    await setFieldValue(page, '#xml', Buffer.from(hocBa).toString('base64'));
    const before = await page.$eval('#raw', (el) => el.textContent);
    const consent = await consentWindowAfter(session.browser, () => page.click('#btn-xml'));
    expect(await consent.$eval('#document-kind', (el) => el.textContent)).toContain('Tài liệu XML');
    await signInConsent(consent, '02', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const generic = await raw(page, before);
    expect(generic, JSON.stringify(generic)).toMatchObject({ Status: 0 });
    const genericRun = xmlsecVerify(
      dir,
      Buffer.from(generic.Signature, 'base64'),
      session.token.caPem,
      'hoc-ba.xml',
      [],
    );
    expect(genericRun.ok, genericRun.output).toBe(true);
    await page.close();
  }, 120_000);

  it('vgca_sign_xml with ReturnSignatureOnly on the school-records portal’s XML: the Signature names its root by Id (URI="#data") and verifies where the page puts it (xmlsec1 --id-attr)', async () => {
    const page = await openPluginPortal(session.browser, portal());
    // The portal's testSigned call: its document, ReturnSignatureOnly "true", the Signature kept apart.
    const hocBa = '<DU_LIEU_HOC_BA Id="data">THONG_TIN_HOC_BA</DU_LIEU_HOC_BA>';
    await setFieldValue(page, '#xml', Buffer.from(hocBa).toString('base64'));
    await page.$eval('#raw', (el) => (el.textContent = ''));
    await signAfter(page, () => page.click('#btn-xml-sig'));
    const answer = await raw(page);
    expect(answer, JSON.stringify(answer)).toMatchObject({ Status: 0 });
    const signature = Buffer.from(answer.Signature, 'base64').toString('utf8');
    expect(signature).toMatch(/^<Signature /);
    expect(signature).toContain('<Reference URI="#data">');
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vgca-byid-'));
    const verify = (document: string) =>
      xmlsecVerify(dir, document, session.token.caPem, 'hoc-ba.xml', HOC_BA_ID_ATTRIBUTE);
    const placed = verify(`<HoSo>${hocBa}<CBQL>${signature}</CBQL></HoSo>`);
    expect(placed.ok, placed.output).toBe(true);
    expect(
      verify(`<HoSo>${hocBa.replace('THONG_TIN', 'THONG-TIN')}<CBQL>${signature}</CBQL></HoSo>`).ok,
    ).toBe(false);
    await page.close();
  }, 120_000);

  it('vgca_get_certinfo (the 2019 vgcaplugin.js: the 2023 copy has no such function) answers only after "share my certificate" in kyso’s window; a cancel answers the failure shape', async () => {
    const page = await session.browser.newPage();
    await page.goto(new URL('/vgca-portal-2019.html', session.demo.url).href);
    const promptAfter = async (click: () => Promise<unknown>) => {
      await click();
      const target = await session.browser.waitForTarget((t) => t.url().includes(PROMPT), {
        timeout: 20_000,
      });
      const prompt = await target.asPage();
      await prompt.waitForSelector('body[data-state="ready"][data-mode="share-certificate"]', {
        timeout: 20_000,
      });
      return prompt;
    };
    const cancelled = await promptAfter(() => page.click('#btn-certinfo'));
    expect(await cancelled.$eval('#origin', (el) => el.textContent)).toBe(new URL(session.demo.url).origin);
    await expectReadablePrompt(cancelled, 'plugin-prompt-share-certificate');
    await clickClosingWindow(cancelled, '#cancel');
    const refused = await raw(page);
    expect(refused).toMatchObject({ Status: 1, ErrorCode: 'USER_CANCELLED' });
    expect(refused.Message).toMatch(/huỷ.*\/.*cancelled/);

    const prompt = await promptAfter(() => page.click('#btn-certinfo'));
    await chooseCertificate(prompt, '02');
    await clickClosingWindow(prompt, '#share');
    const reply = await raw(page, JSON.stringify(refused));
    expect(reply, JSON.stringify(reply)).toMatchObject({
      Status: 0,
      CertInfo: { Base64Data: session.token.certDer('02').toString('base64') },
    });
    expect(reply.CertInfo.Subject).toContain('MST:0312345678');
    expect(new Date(reply.CertInfo.ValidTo).getTime()).toBeGreaterThan(Date.now());
    await page.close();
  }, 120_000);

  it('bad input answers the plugin’s failure shape with kyso’s code and a vi/en message, and signs nothing', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const call = (fn: string, frame: string) =>
      page.evaluate(
        (fn, frame) =>
          new Promise<any>((resolve) =>
            (window as any)[fn](frame, (json: string) => resolve(JSON.parse(json))),
          ),
        fn,
        frame,
      );
    const uploadsBefore = session.demo.uploads.length;
    expect(await call('vgca_sign_pdf', '{"FileName": ')).toMatchObject({
      Status: 1,
      ErrorCode: 'BAD_REQUEST',
      Message: 'Yêu cầu không hợp lệ. / The request is not valid.',
    });
    expect(await call('vgca_sign_pdf', 'x'.repeat(23 * 1024 * 1024))).toMatchObject({
      Status: 1,
      ErrorCode: 'BAD_REQUEST',
    });
    // A function kyso does not implement: the service's own shape, with a clear message.
    const json = await page.evaluate(
      () =>
        new Promise<any>((resolve) =>
          (window as any).vgca_sign_json(null, '{}', (_: unknown, answer: string) =>
            resolve(JSON.parse(answer)),
          ),
        ),
    );
    expect(json).toMatchObject({ Status: 1, ErrorCode: 'NOT_SUPPORTED' });
    expect(json.Message).toMatch(/chưa hỗ trợ.*\/.*does not support/);
    // A file that is not a PDF, tax return or e-invoice: refused before any consent.
    const base = session.demo.url.replace(/\/$/, '');
    expect(
      await call(
        'vgca_sign_file',
        JSON.stringify({ FileUploadHandler: `${base}/upload`, FileName: `${base}/files/ghi-chu.txt` }),
      ),
    ).toMatchObject({ Status: 1, ErrorCode: 'NOT_SUPPORTED' });
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);

    // A cancelled consent: nothing signed, nothing uploaded.
    const cancelConsent = await consentWindowAfter(session.browser, () => page.click('#_vanthuphathanh'));
    await clickClosingWindow(cancelConsent, '#cancel');
    expect(await raw(page)).toMatchObject({ Status: 1, ErrorCode: 'USER_CANCELLED' });
    expect(session.demo.uploads.length).toBe(uploadsBefore);

    // A handler that refuses the upload (HTTP 200, Status 1).
    await page.$eval('#handler', (el) => ((el as HTMLInputElement).value = '/upload-refuse'));
    const previous = await page.$eval('#raw', (el) => el.textContent);
    await signAfter(page, () => page.click('#_lanhdaoPheduyet'));
    const refused = await raw(page, previous);
    expect(refused).toMatchObject({ Status: 1, ErrorCode: 'UPLOAD_FAILED' });
    expect(await page.$eval('#_signature', (el) => (el as HTMLTextAreaElement).value)).toContain(
      'không nhận tệp đã ký',
    );
    await page.close();
  }, 180_000);

  it('the vgca_verify_* functions (both real scripts, f(data, cb)) answer at once with the service’s failure shape, NOT_SUPPORTED and a vi/en message; no window opens', async () => {
    const pdf = Buffer.from(await onePagePdf('Quyet dinh so 12')).toString('base64');
    const verifyAll = async (url: string, functions: readonly string[]) => {
      const page = await session.browser.newPage();
      await page.goto(url);
      const answers = await page.evaluate(
        (functions, data) =>
          Promise.all(
            functions.map(
              (fn) =>
                new Promise<[string, any]>((resolve) =>
                  (window as any)[fn](data, (json: string) => resolve([fn, JSON.parse(json)])),
                ),
            ),
          ),
        functions,
        pdf,
      );
      await page.close();
      return answers;
    };
    const answers = [
      ...(await verifyAll(portal(), [
        'vgca_verify_msg',
        'vgca_verify_pdf',
        'vgca_verify_xml',
        'vgca_verify_json',
      ])),
      ...(await verifyAll(new URL('/vgca-portal-2019.html', session.demo.url).href, ['vgca_verify_office'])),
    ];
    for (const [fn, answer] of answers) {
      expect(answer, fn).toMatchObject({ Status: 1, ErrorCode: 'NOT_SUPPORTED' });
      expect(answer.Message, fn).toBe(
        `${errorMessage('NOT_SUPPORTED', 'vi')} / ${errorMessage('NOT_SUPPORTED', 'en')}`,
      );
    }
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
  }, 120_000);

  it('FileName "" lets the user pick a local file in kyso’s own window; it is signed after consent and uploaded', async () => {
    const page = await openPluginPortal(session.browser, portal());
    await page.$eval('#file-url', (el) => ((el as HTMLInputElement).value = ''));
    await page.click('#_lanhdaoPheduyet');
    const target = await session.browser.waitForTarget((t) => t.url().includes(PROMPT), { timeout: 20_000 });
    const prompt = await target.asPage();
    await prompt.waitForSelector('body[data-state="ready"][data-mode="pick-file"]', { timeout: 20_000 });
    expect(await prompt.$eval('#origin', (el) => el.textContent)).toBe(new URL(session.demo.url).origin);
    await expectReadablePrompt(prompt, 'plugin-prompt-pick-file');
    expect(await prompt.$eval('#file-name', (el) => el.textContent)).toBe('Chưa chọn tệp nào.');
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vgca-pick-'));
    writeFileSync(path.join(dir, 'to-trinh.pdf'), await onePagePdf('Cong van so 123'));
    const input = (await prompt.$('#file')) as ElementHandle<HTMLInputElement> | null;
    // A file over kyso's size is refused in the window, which stays open for another.
    const tooLarge = path.join(dir, 'ban-quet.pdf');
    writeFileSync(tooLarge, '');
    truncateSync(tooLarge, LIMITS.maxPdfBytes + 1);
    await input!.uploadFile(tooLarge);
    await prompt.waitForSelector('#pick:not([disabled])');
    await prompt.click('#pick');
    await prompt.waitForFunction(() => document.getElementById('error')!.textContent !== '');
    expect(await prompt.$eval('#error', (el) => el.textContent)).toBe(
      errorMessage('DOCUMENT_TOO_LARGE', 'vi'),
    );
    await input!.uploadFile(path.join(dir, 'to-trinh.pdf'));
    await prompt.waitForSelector('#pick:not([disabled])');
    expect(await prompt.$eval('#file-name', (el) => el.textContent)).toBe('to-trinh.pdf');
    const consent = await consentWindowAfter(session.browser, () => clickClosingWindow(prompt, '#pick'));
    expect(await consent.$eval('#document-name', (el) => el.textContent)).toBe('to-trinh.pdf');
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    expect(await raw(page)).toMatchObject({ Status: 0, FileName: 'to-trinh.pdf' });
    expect(session.demo.uploads.at(-1)).toMatchObject({ name: 'to-trinh.pdf' });
    expectUploadedPdfSigned(session.demo.uploads, session.token.caPem);
    await page.close();
  }, 120_000);

  it('vgca_show_config (the page’s "Show config" button) opens kyso’s options', async () => {
    const page = await openPluginPortal(session.browser, portal());
    await page.click('#_Config');
    const target = await session.browser.waitForTarget((t) => t.url().includes('src/options/options.html'), {
      timeout: 20_000,
    });
    const options = await target.asPage();
    await options.waitForSelector('#plugin-sites-title', { timeout: 20_000 });
    await options.waitForFunction(() => document.querySelector('#plugin-sites-title')?.textContent !== '', {
      timeout: 20_000,
    });
    // The browser's language here is English: the page speaks it only.
    expect(await options.$eval('#plugin-sites-title', (el) => el.textContent)).toBe('Sites’ signing plugins');
    await options.close();
    await page.close();
  }, 60_000);

  it('a site kept on "use the installed plugin" still reaches the real listener on 8987', async () => {
    const tool = await installedPluginListener();
    try {
      // The page tries the plugin on its first call.
      const page = await openKeptOnInstalledPlugin(session, '/vgca-portal.html', (page) =>
        page.evaluate(() => (window as any).vgca_get_version(() => undefined)),
      );
      const answer = await page.evaluate(
        () => new Promise<string>((resolve) => (window as any).vgca_sign_pdf('{"FileName":"x"}', resolve)),
      );
      expect(JSON.parse(answer)).toMatchObject({ Message: 'answered by the installed plugin' });
      expect(tool.calls.at(-1)).toEqual({ path: '/SignPDF', frame: '{"FileName":"x"}' });
      expect(await consentWindowOpen(session.browser, 0)).toBe(false);
      await page.close();
    } finally {
      await tool.close();
    }
  }, 120_000);
});
