/**
 * A portal page written for the VNPT-CA Plugin, with the plugin's own unmodified vnpt-plugin.js
 * (test/fixtures/third_party/plugins/vnpt), signs through kyso in Chromium once the site is set to "use kyso":
 * its WebSocket to wss://localhost:4433/plugin is answered by kyso's emulation, in the plugin's
 * `{code, data, error}` answers, every signature through kyso's consent window.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Target } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { startPortalSession } from '../support/portal-session.js';
import { storeUseKyso } from '../support/plugin-choice.js';
import { useSharedSession } from '../support/shared-session.js';
import { nextRawAnswer, openPluginPortal, setFieldValue } from '../support/plugin-portal.js';
import { itAnswersTheVnptPage } from '../support/vnpt-portal.js';
import { scrollIntoViewPainted, signInConsent } from '../support/consent.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { opensslCmsVerify, opensslVerifyRawSignature } from '../support/openssl.js';
import { xmlsecVerify } from '../support/xmlsec.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { summarizeCertificate } from '../../shared/certificate/profile.js';

describe('VNPT-CA Plugin pages sign through kyso (Chromium, unmodified vnpt-plugin.js)', () => {
  const session = useSharedSession(async () => {
    const started = await startPortalSession();
    await storeUseKyso(started);
    return started;
  });
  const portal = () => new URL('/vnpt-portal.html', session.demo.url).href;

  itAnswersTheVnptPage(
    () => ({ session, url: portal() }),
    () => ({
      consentAfter: (click) => consentWindowAfter(session.browser, click),
      async promptAfter(click) {
        await click();
        const isPrompt = (t: Target) => t.url().includes('src/plugins/prompt.html');
        return (await session.browser.waitForTarget(isPrompt, { timeout: 20_000 })).asPage();
      },
      async signIn(consent) {
        await signInConsent(consent, '01', session.token.pin);
        await clickClosingWindow(consent, '#sign');
      },
      clickClosing: clickClosingWindow,
    }),
    120_000,
  );

  it('signOffice (the library’s own function) answers the plugin’s failure shape with OFFICE_NOT_SUPPORTED and a vi/en message; no window opens', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const docx = Buffer.from('PK\u0003\u0004 a .docx package').toString('base64');
    // As VNPT's sample page calls it for .docx/.xlsx/.pptx, answered to the page's own callback (the
    // library's promise only settles for callbackDefault).
    await page.evaluate(
      (data) => void (window as any).vnpt_plugin.signOffice(data, (window as any).signPdfCallback),
      docx,
    );
    const answer = JSON.parse(await nextRawAnswer(page));
    expect(answer).toMatchObject({ code: 5, data: '', kysoCode: 'OFFICE_NOT_SUPPORTED' });
    expect(answer.error).toBe(
      'kyso chưa ký được tệp Office (Word, Excel, PowerPoint, OpenDocument). Hãy lưu tệp thành PDF rồi ký tệp PDF. / ' +
        'kyso cannot sign Office files (Word, Excel, PowerPoint, OpenDocument) yet. Save the file as PDF and sign the PDF.',
    );
    expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toMatch(
      /^5: kyso chưa ký được tệp Office/,
    );
    expect(session.browser.targets().some((t) => t.url().includes('src/consent/'))).toBe(false);
    await page.close();
  }, 120_000);
  it('signPdf with a PdfSigner page the PDF does not have answers VNPT’s own code 7 (“trang đặt chữ ký không tồn tại”), before any window', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const pdf = Buffer.from(await onePagePdf('Quyet dinh so 12')).toString('base64');
    const image = Buffer.from(blueSignaturePng()).toString('base64');
    // The library's own PdfSigner, as VNPT's sample sets it, on page 3 of a one-page PDF.
    await page.evaluate(
      (data, png) => {
        const w = window as any;
        const signer = new w.PdfSigner();
        Object.assign(signer, {
          page: 3,
          llx: 400,
          lly: 80,
          urx: 560,
          ury: 160,
          SigType: 2,
          ImageBase64: png,
        });
        w.vnpt_plugin.signPdf(data, w.signPdfCallback, signer);
      },
      pdf,
      image,
    );
    const answer = JSON.parse(await nextRawAnswer(page));
    // VNPT's sample page (showMessage) reads 7 as "Ký pdf: trang đặt chữ ký không tồn tại".
    expect(answer).toMatchObject({ code: 7, data: '', kysoCode: 'BAD_REQUEST' });
    expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toMatch(/^7: /);
    expect(session.browser.targets().some((t) => t.url().includes('src/consent/'))).toBe(false);
    await page.close();
  }, 120_000);
  it('setLicenseKey answers {code: 1}: the success VNPT’s own portals test for (code === 1) before they go on', async () => {
    const page = await openPluginPortal(session.browser, portal());
    // As VNPT iOffice's token login (index id 5380203323) and a VNPT signing portal (index id
    // 33611206382) call the unmodified library: its promises, then `JSON.parse(data).code === 1`,
    // else "Cài đặt License không thành công" and they stop.
    const outcome = await page.evaluate(async () => {
      const plugin = (window as any).vnpt_plugin;
      const checked = await plugin.checkPlugin();
      if (checked !== '1') return `checkPlugin answered ${checked}`;
      const licence = await plugin.setLicenseKey('PD94bWwgdmVyc2lvbj0iMS4wIj8+');
      // A third (index id 26447464539) reads the text itself: data.split(":")[1][0] !== '1' → refused.
      const byText = licence.split(':').length > 1 && licence.split(':')[1][0] !== '1';
      return JSON.parse(licence).code === 1 && !byText ? 'licensed' : `licence refused: ${licence}`;
    });
    expect(outcome).toBe('licensed');
    await page.close();
  }, 120_000);
  it('the libraries’ setters: setLanguage("en") makes kyso’s window English; SetShowCertListDialog(false) and 1.0.3.4’s SetGetCertFromUsbToken(false) / SetGetCertByPkcs11 (as a VNPT signing portal calls them) are accepted ({code: 1}); the window still lists the certificates', async () => {
    const page = await openPluginPortal(session.browser, portal());
    await page.addScriptTag({ url: '/js/vnpt-plugin-1.0.3.4.js' });
    // No callback: the libraries answer their promise (callbackDefault). VNPT's signing portal (index
    // id 34028680483) calls `vnpt_plugin.SetGetCertFromUsbToken(false)` right after its licence.
    const answers = await page.evaluate(async () => {
      const w = window as any;
      return [
        await w.vnpt_plugin.setLanguage('en'),
        await w.vnpt_plugin.SetShowCertListDialog(false),
        await w.vnptPlugin.SetGetCertFromUsbToken(false),
        await w.vnptPlugin.SetGetCertByPkcs11(true),
      ].map((answer: string) => JSON.parse(answer));
    });
    for (const answer of answers) expect(answer).toEqual({ code: 1, data: '', error: '' });
    const pdf = Buffer.from(await onePagePdf('Quyet dinh so 12')).toString('base64');
    const consent = await consentWindowAfter(session.browser, () =>
      page.evaluate((data) => {
        const w = window as any;
        w.vnpt_plugin.signPdf(data, w.signPdfCallback);
      }, pdf),
    );
    await consent.waitForSelector('input[name="certificate"]', { timeout: 20_000 });
    expect(await consent.$eval('html', (el) => el.lang)).toBe('en');
    expect(await consent.$$eval('input[name="certificate"]', (inputs) => inputs.length)).toBeGreaterThan(0);
    await clickClosingWindow(consent, '#cancel');
    expect(JSON.parse(await nextRawAnswer(page))).toMatchObject({ code: 11, kysoCode: 'USER_CANCELLED' });
    await page.close();
  }, 120_000);
  it('signArrDataAdvanced with type "cmsdetached", as VNPT iOffice’s token login calls it: the window shows the challenge text itself; only the certificate of the serial it names can sign; a detached CMS openssl verifies, and the signer’s serial', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const certificate = session.token.certDer('01');
    const serial = summarizeCertificate(new Uint8Array(certificate)).serialNumberHex;
    // VNPT iOffice's login (index id 5380203323): one item {data, type: "cmsdetached"}, the serial
    // getCertInfo gave, no callback (the library's promise), then JSON.parse(JSON.parse(dataArr))
    // read for .serial and .data, which it posts to its server.
    const consent = await consentWindowAfter(session.browser, () =>
      page.evaluate((certificateSerial) => {
        const w = window as any;
        w.vnpt_plugin
          .signArrDataAdvanced(
            [JSON.stringify({ data: 'MTIzNDU2Nzg5MA==', type: 'cmsdetached' })],
            certificateSerial,
            true,
            null,
            true,
          )
          .then((dataArr: string) => {
            const item = JSON.parse(JSON.parse(dataArr));
            document.getElementById('raw')!.textContent = JSON.stringify({
              serial: item.serial,
              data: item.data,
              code: item.code,
            });
          });
      }, serial),
    );
    // The challenge is readable text: the window shows it, decoded from the bytes signed.
    await consent.waitForSelector('#document-kind[data-kind="text"]', { timeout: 20_000 });
    await consent.waitForSelector('#text-content:not([hidden])', { visible: true, timeout: 20_000 });
    expect(await consent.$eval('#text-content', (el) => el.textContent)).toBe('1234567890');
    expect(await consent.$eval('#hash-only', (el) => (el as HTMLElement).hidden)).toBe(true);
    // The serial the page names is the only certificate the window lets the user choose.
    await consent.waitForSelector('input[name="certificate"][value$="/01"]', { timeout: 20_000 });
    expect(await consent.$eval('input[name="certificate"][value$="/02"]', (el) => el.disabled)).toBe(true);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const answer = JSON.parse(await nextRawAnswer(page));
    expect(answer).toMatchObject({ code: 0, serial });
    const verified = opensslCmsVerify({
      cms: Buffer.from(answer.data, 'base64'),
      content: Buffer.from('1234567890'),
      caFile: session.token.caPem,
    });
    expect(verified.ok, verified.output).toBe(true);
    await page.close();
  }, 120_000);
  it('a text file through the sample page’s own sign() (signArrDataAdvanced, type "txt"): the window shows the text itself; signed after consent, the text and its signature in one CMS openssl verifies', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const text = 'Biên bản họp ngày 02/12/2026\n';
    // VNPT's sample page: the file's extension as type, its content in base64, sigOptions null.
    await setFieldValue(page, '#fileType', 'txt');
    await setFieldValue(page, '#fileContent', Buffer.from(text).toString('base64'));
    const consent = await consentWindowAfter(session.browser, () => page.click('#btSign'));
    // The window shows the text itself, decoded from the bytes signed, under the item's name.
    await consent.waitForSelector('#document-kind[data-kind="text"]', { timeout: 20_000 });
    expect(await consent.$eval('#document-name', (el) => el.textContent)).toBe('tai-lieu-1.txt');
    await consent.waitForSelector('#text-content:not([hidden])', { visible: true, timeout: 20_000 });
    // One block per signed line (each clips what it draws): the ending newline is an empty last line.
    expect(
      await consent.$$eval('#text-content .signed-line', (lines) => lines.map((line) => line.textContent)),
    ).toEqual(text.split('\n'));
    expect(await consent.$eval('#hash-only', (el) => (el as HTMLElement).hidden)).toBe(true);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const item = JSON.parse(JSON.parse(await nextRawAnswer(page))[0]);
    expect(item).toMatchObject({ code: 0, error: '' });
    expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toBe(
      'Ký dữ liệu thành công.',
    );
    const verified = opensslCmsVerify({ cms: Buffer.from(item.data, 'base64'), caFile: session.token.caPem });
    expect(verified.ok, verified.output).toBe(true);
    expect(verified.signedContent?.toString('utf8')).toBe(text);
    await page.close();
  }, 120_000);
  it('signHash through vnpt-plugin.js 1.0.3.4 (its own function, loaded by a script tag): the window says a digest the site sent is signed and cannot be shown; a bare signature openssl verifies', async () => {
    const page = await openPluginPortal(session.browser, portal());
    await page.addScriptTag({ url: '/js/vnpt-plugin-1.0.3.4.js' });
    const content = Buffer.from('Tờ trình số 45/TTr-UBND');
    const digest = createHash('sha256').update(content).digest('base64');
    const consent = await consentWindowAfter(session.browser, () =>
      page.evaluate((d) => {
        const w = window as any;
        // The library answers window[callback.name](result): a named global function, as portals write them.
        w.signHashCallback = function signHashCallback(result: string) {
          document.getElementById('raw')!.textContent = result;
        };
        w.vnptPlugin.signHash(d, w.signHashCallback);
      }, digest),
    );
    await consent.waitForSelector('#document-kind[data-kind="raw"]', { timeout: 20_000 });
    expect(await consent.$eval('body', (el) => el.innerText)).toMatch(/mã băm/);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const answer = JSON.parse(await nextRawAnswer(page));
    expect(answer).toMatchObject({ code: 0, error: '' });
    const verify = opensslVerifyRawSignature({
      certificatePem: session.token.certPemPath('01'),
      content,
      signature: Buffer.from(answer.data, 'base64'),
    });
    expect(verify.output).toContain('Verified OK');
    await page.close();
  }, 120_000);
  it('signXML and signCms through vnpt-plugin.js 1.0.3.4 (its own functions, loaded by a script tag): a tax return xmlsec1 verifies, data in one CMS openssl verifies', async () => {
    const page = await openPluginPortal(session.browser, portal());
    await page.addScriptTag({ url: '/js/vnpt-plugin-1.0.3.4.js' });
    // The library answers window[callback.name](result): a named global function, as portals write
    // them; the answer of signXML and signCms is `{code, data, error}` (VNPT's sample logonCallback).
    await page.evaluate(() => {
      (window as any).signed103Callback = function signed103Callback(result: string) {
        document.getElementById('raw')!.textContent = result;
      };
    });
    const xml = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url));
    const xmlConsent = await consentWindowAfter(session.browser, () =>
      page.evaluate((data) => {
        const w = window as any;
        w.vnptPlugin.signXML(data, w.signed103Callback);
      }, xml.toString('base64')),
    );
    await signInConsent(xmlConsent, '01', session.token.pin);
    await clickClosingWindow(xmlConsent, '#sign');
    const xmlAnswer = await nextRawAnswer(page);
    const signedXml = JSON.parse(xmlAnswer);
    expect(signedXml).toMatchObject({ code: 0, error: '' });
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vnpt-103-'));
    const run = xmlsecVerify(dir, Buffer.from(signedXml.data, 'base64'), session.token.caPem, 'to-khai.xml');
    expect(run.ok, run.output).toBe(true);

    // VNPT's sample page signs a random account id this way at logon (signLogon: base64 of the text).
    const logon = 'K7Q2M9XZ4B1R8T0P';
    const cmsConsent = await consentWindowAfter(session.browser, () =>
      page.evaluate((data) => {
        const w = window as any;
        w.vnptPlugin.signCms(data, w.signed103Callback);
      }, Buffer.from(logon).toString('base64')),
    );
    await signInConsent(cmsConsent, '01', session.token.pin);
    await clickClosingWindow(cmsConsent, '#sign');
    const cms = JSON.parse(await nextRawAnswer(page, xmlAnswer));
    expect(cms).toMatchObject({ code: 0, error: '' });
    const verified = opensslCmsVerify({ cms: Buffer.from(cms.data, 'base64'), caFile: session.token.caPem });
    expect(verified.ok, verified.output).toBe(true);
    expect(verified.signedContent?.toString('utf8')).toBe(logon);
    await page.close();
  }, 120_000);
  it('signArrData through vnpt-plugin.js 1.0.3.4 (one type and one signer for every item): two PDFs in one window, only the certificate of the serial it names; each answered {code: 0, data} and pdfsig accepts both', async () => {
    const page = await openPluginPortal(session.browser, portal());
    await page.addScriptTag({ url: '/js/vnpt-plugin-1.0.3.4.js' });
    const serial = summarizeCertificate(new Uint8Array(session.token.certDer('01'))).serialNumberHex;
    const pdfs = [await onePagePdf('Quyet dinh so 7'), await onePagePdf('Quyet dinh so 8')].map((pdf) =>
      Buffer.from(pdf).toString('base64'),
    );
    // The library's own signature: signArrData(arrData, type, sigOption, serial, clearPINCache,
    // funcCallback); it sends [JSON of arrData, type, serial, clearPIN].
    const consent = await consentWindowAfter(session.browser, () =>
      page.evaluate(
        (data, certificateSerial) => {
          const w = window as any;
          w.signArrDataCallback = function signArrDataCallback(result: string) {
            document.getElementById('raw')!.textContent = result;
          };
          w.vnptPlugin.signArrData(data, 'pdf', null, certificateSerial, true, w.signArrDataCallback);
        },
        pdfs,
        serial,
      ),
    );
    expect(await consent.$eval('#document-count', (el) => el.getAttribute('data-count'))).toBe('2');
    await consent.waitForSelector('input[name="certificate"][value$="/01"]', { timeout: 20_000 });
    expect(await consent.$eval('input[name="certificate"][value$="/02"]', (el) => el.disabled)).toBe(true);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const items = (JSON.parse(await nextRawAnswer(page)) as string[]).map((item) => JSON.parse(item));
    expect(items).toHaveLength(2);
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-vnpt-arr-'));
    const nss = makeNssDb(dir, [session.token.caPem]);
    items.forEach((item, i) => {
      expect(item).toMatchObject({ code: 0, error: '', serial });
      const report = pdfsig(writePdf(dir, `signed-${i}.pdf`, Buffer.from(item.data, 'base64')), nss);
      expect(report.signatures[0]?.valid && report.signatures[0]?.trusted, report.output).toBe(true);
    });
    await page.close();
  }, 120_000);
  it('getCertInfo answers the certificate without a "code" field: VNPT’s portals read any code as a failure', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const serial = summarizeCertificate(new Uint8Array(session.token.certDer('01'))).serialNumberHex;
    const isPrompt = (t: Target) => t.url().includes('src/plugins/prompt.html');
    const promptTarget = session.browser.waitForTarget(isPrompt, { timeout: 20_000 });
    await page.evaluate(() => {
      const w = window as any;
      // VNPT's signing portal (index id 34028680483), GetCertInfoCallBack: `if
      // (jsOb.hasOwnProperty('code')) { showMessage(jsOb.error, "error"); return; }`, else it signs
      // with jsOb.serial. (VNPT's sample chooseFileCallback reads a code the same way.)
      w.GetCertInfoCallBack = function GetCertInfoCallBack(data: string) {
        const jsOb = JSON.parse(data);
        document.getElementById('raw')!.textContent = Object.prototype.hasOwnProperty.call(jsOb, 'code')
          ? `error shown: "${jsOb.error}"`
          : `signs with ${jsOb.serial}`;
      };
      w.vnpt_plugin.getCertInfo(w.GetCertInfoCallBack);
    });
    const prompt = await (await promptTarget).asPage();
    await prompt.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    const certificate01 = 'input[name="certificate"][value$="/01"]';
    await scrollIntoViewPainted(prompt, certificate01);
    await prompt.click(certificate01);
    await clickClosingWindow(prompt, '#share');
    expect(await nextRawAnswer(page)).toBe(`signs with ${serial}`);
    await page.close();
  }, 120_000);
});
