/**
 * A portal page written for the Viettel-CA SignPlugin, with the plugin's own unmodified sample
 * script (test/fixtures/third_party/plugins/viettel), signs through kyso in Chromium once the user chose "use
 * kyso" for the site: the page's XMLHttpRequests to http://127.0.0.1:14007/<function> are answered
 * by kyso's emulation in the plugin's plain-text answers, every signature through kyso's consent
 * window. Results judged by openssl and pdfsig.
 *
 * The sample script refuses Linux by its user agent ("Not Support"), so the pages here present a
 * Windows browser's user agent, as the portals' users have.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleSignedData, prepareSignedAttributes } from '../../shared/cms/cades.js';
import { embedPdfSignature, preparePdfSignature } from '../../shared/pdf/pades.js';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen } from '../support/browser.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { opensslCmsVerify, opensslVerifyRawSignature } from '../support/openssl.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { nextRawAnswer } from '../support/plugin-portal.js';
import { CHROMIUM_OPTIONS_URL, chooseUseKyso, clickPluginChoice } from '../support/plugin-choice.js';
import { chooseCertificate, signInConsent } from '../support/consent.js';

const PROMPT = 'src/plugins/prompt.html';
const WINDOWS_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** A stand-in for the installed SignPlugin on 127.0.0.1:14007: answers every call with a fixed text, CORS open as the tool's. */
async function installedPluginListener(): Promise<{
  calls: Array<{ path: string; body: string }>;
  close(): Promise<void>;
}> {
  const calls: Array<{ path: string; body: string }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.setHeader('Access-Control-Allow-Origin', '*');
      response.setHeader('Access-Control-Allow-Headers', 'Content-type');
      if (request.method === 'OPTIONS') return void response.end();
      calls.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      response.end('installed-plugin-session');
    });
  });
  // kyso-host may still be letting the port go (it stops listening when no site is left on "use kyso").
  for (let attempt = 0; ; attempt++) {
    const error = await new Promise<Error | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(14007, '127.0.0.1', () => resolve(undefined));
    });
    if (!error) break;
    if (attempt > 50) throw error;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The page's alert() texts, in order, each accepted as a user would. */
function collectDialogs(page: Page): string[] {
  const messages: string[] = [];
  page.on('dialog', (dialog) => {
    messages.push(dialog.message());
    dialog.accept().catch(() => undefined); // the page may close with an alert open
  });
  return messages;
}

async function nextDialog(messages: string[], count: number): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (messages.length < count) {
    if (Date.now() > deadline) throw new Error(`no dialog ${count}; seen: ${JSON.stringify(messages)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return messages[count - 1]!;
}

const stripZeros = (hex: string) => hex.toUpperCase().replace(/^0+/, '');

describe('Viettel-CA SignPlugin pages sign through kyso (Chromium, the unmodified sample script)', () => {
  let session: PortalSession;
  let portal: string;
  /** One portal page for the kyso tests: the plugin's session and shared certificate live in it. */
  let page: Page;
  let dialogs: string[];
  beforeAll(async () => {
    session = await startPortalSession(undefined, {});
    portal = new URL('/viettel-portal.html', session.demo.url).href;
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  const raw = (previous = '') => nextRawAnswer(page, previous);
  const signAfter = async (click: () => Promise<unknown>) => {
    const consent = await consentWindowAfter(session.browser, click);
    const text = await consent.$eval('body', (el) => el.innerText);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    return text;
  };

  it('a site the user has not chosen sees no plugin (the script’s own "check the plugin" alert); kyso offers the site, and after "use kyso" the page reaches kyso', async () => {
    page = await session.browser.newPage();
    await page.setUserAgent(WINDOWS_UA);
    dialogs = collectDialogs(page);
    await page.goto(portal);
    await page.click('#btCheck');
    // Nothing listens on 14007: the request fails as without the plugin, and the script says so.
    expect(await nextDialog(dialogs, 1)).toMatch(/^Vui lòng Kiểm tra:/);
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);

    await chooseUseKyso(session.browser, page, new URL(session.demo.url).origin, 'Viettel-CA SignPlugin');
  }, 120_000);

  it('getSession → getCertificate (after "share my certificate") → getCertSNB, as the script chains them; its SHA-1 signHash is refused in the plugin’s failure shape with kyso’s code and a vi/en message', async () => {
    const prompt = session.browser.waitForTarget((t) => t.url().includes(PROMPT), { timeout: 30_000 });
    await page.click('#btCheck');
    const share = await (await prompt).asPage();
    await share.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    expect(await share.$eval('#origin', (el) => el.textContent)).toBe(new URL(session.demo.url).origin);
    await chooseCertificate(share, '01');
    await clickClosingWindow(share, '#share');
    // The script then asks the serial number and signs its test hash with HashOpt=0 (SHA-1): kyso refuses,
    // the script asks getLastErr and shows it.
    const alert = await nextDialog(dialogs, 2);
    expect(alert).toMatch(/^Lỗi: NOT_SUPPORTED: kyso chưa hỗ trợ .+ \/ kyso does not support /);
    const state = await page.evaluate(() => ({
      session: (window as any).hSession as string,
      certificate: (window as any).cert_rawData as string,
      serial: (window as any).cert_SNB as string,
      signature: (window as any).sign_Signature as string,
    }));
    expect(state.session).toMatch(/^[0-9a-f]{32}$/);
    expect(state.certificate).toBe(session.token.certDer('01').toString('base64'));
    expect(stripZeros(state.serial)).toBe(
      stripZeros(new X509Certificate(session.token.certDer('01')).serialNumber),
    );
    expect(state.signature).toBe('');
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
  }, 120_000);

  /** The consent window shows `text` itself, as the text kind (not "a digest kyso cannot show"). */
  const expectTextShown = async (consent: Page, text: string) => {
    await consent.waitForSelector('#document-kind[data-kind="text"]', { timeout: 20_000 });
    await consent.waitForSelector('#text-content:not([hidden])', { visible: true, timeout: 20_000 });
    expect(await consent.$eval('#text-content', (el) => el.textContent)).toBe(text);
    expect(await consent.$eval('#hash-only', (el) => (el as HTMLElement).hidden)).toBe(true);
  };

  it('signData → Sign (consent showing the text itself) → Verify: the script’s own success alert; the signature is a CMS over the page’s data that openssl verifies', async () => {
    const message = 'Tờ khai lệ phí trước bạ số 12/2026';
    await page.$eval('#message', (el, value) => ((el as HTMLTextAreaElement).value = value), message);
    const consent = await consentWindowAfter(session.browser, () => page.click('#btSignData'));
    // The script sends the message's UTF-8 in base64: the window shows it decoded from those bytes.
    await expectTextShown(consent, message);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    expect(await nextDialog(dialogs, 3)).toBe('Test Plugin ký thành công');
    const signature = await page.evaluate(() => (window as any).sign_Signature as string);
    expect(await page.evaluate(() => (window as any).verify_Signature as string)).toBe('1');
    const verified = opensslCmsVerify({
      cms: Buffer.from(signature, 'base64'),
      content: Buffer.from(message, 'utf8'),
      caFile: session.token.caPem,
    });
    expect(verified.ok, verified.output).toBe(true);
  }, 120_000);

  it('signHash with HashOpt=2: a PDF signed the Viettel way (the portal hashes its signed attributes, the plugin signs the hash, the portal embeds the CMS); pdfsig accepts it', async () => {
    // The portal's server side: prepare the PDF, build the signed attributes for the certificate the page got.
    const certificate = Buffer.from(
      await page.evaluate(() => (window as any).cert_rawData as string),
      'base64',
    );
    const prepared = await preparePdfSignature(await onePagePdf('Quyet dinh so 7/QD'), {
      reason: 'Phê duyệt',
    });
    const cadesOptions = {
      contentDigest: prepared.digest,
      digestAlgorithm: 'SHA-256' as const,
      signerCertificate: certificate,
      signingTime: null,
    };
    const attributes = await prepareSignedAttributes(cadesOptions);
    const hashHex = createHash('sha256').update(attributes.toBeSigned).digest('hex').toUpperCase();
    await page.$eval('#hash', (el, value) => ((el as HTMLInputElement).value = value), hashHex);
    const previous = await page.$eval('#raw', (el) => el.textContent ?? '');
    const consentText = await signAfter(() => page.click('#btSignHash'));
    // The window says what it is: a digest the site sent, whose content kyso cannot show.
    expect(consentText).toMatch(/mã băm/);
    const signature = Buffer.from(await raw(previous), 'base64');
    expect(
      opensslVerifyRawSignature({
        certificatePem: session.token.certPemPath('01'),
        content: attributes.toBeSigned,
        signature,
      }).output,
    ).toContain('Verified OK');
    const signed = embedPdfSignature(
      prepared,
      assembleSignedData(cadesOptions, attributes, 'RSA', signature),
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-viettel-'));
    const result = pdfsig(writePdf(dir, 'signed.pdf', signed), makeNssDb(dir, [session.token.caPem]));
    expect(result.signatures[0]?.valid).toBe(true);
  }, 120_000);

  /** The page posts `fn` with `body` as the portal component does; its answer, or "ERR <getLastErr>". */
  const call = async (fn: string, body: string) => {
    await page.$eval('#raw', (el) => (el.textContent = ''));
    await page.$eval('#fn', (el, value) => ((el as HTMLInputElement).value = value), fn);
    await page.$eval('#body', (el, value) => ((el as HTMLInputElement).value = value), body);
    await page.click('#btCall');
    return raw();
  };

  it('Sign with inData that is not text (binary): the window says a digest is signed and cannot be shown; a detached CMS over exactly those bytes openssl verifies', async () => {
    const data = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x1b, 0x80, 0x42, 0x0a]);
    await page.$eval('#raw', (el) => (el.textContent = ''));
    await page.$eval('#fn', (el) => ((el as HTMLInputElement).value = 'Sign'));
    await page.$eval(
      '#body',
      (el, value) => ((el as HTMLInputElement).value = value),
      `sessionID={session}&inData=${data.toString('base64')}`,
    );
    const consent = await consentWindowAfter(session.browser, () => page.click('#btCall'));
    await consent.waitForSelector('#document-kind[data-kind="cms"]', { timeout: 20_000 });
    expect(await consent.$eval('#hash-only', (el) => (el as HTMLElement).hidden)).toBe(false);
    // Listed by the SHA-256 of exactly the bytes the page sent.
    expect(await consent.$eval('#fingerprint', (el) => el.textContent?.replace(/\s/g, ''))).toBe(
      createHash('sha256').update(data).digest('hex'),
    );
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const verified = opensslCmsVerify({
      cms: Buffer.from(await raw(), 'base64'),
      content: data,
      caFile: session.token.caPem,
    });
    expect(verified.ok, verified.output).toBe(true);
  }, 120_000);

  it('getCertCN, getCertDN, getCertIssuer, getCertValidDate, getCertExpireDate describe the certificate the user shared', async () => {
    const certificate = new X509Certificate(session.token.certDer('01'));
    expect(await call('getCertCN', '')).toBe('Nguyễn Văn Ân');
    expect(await call('getCertDN', '')).toContain('CN=Nguyễn Văn Ân');
    expect(certificate.issuer).toContain(`CN=${await call('getCertIssuer', '')}`);
    expect(new Date(await call('getCertValidDate', '')).getTime()).toBe(
      new Date(certificate.validFrom).getTime(),
    );
    expect(new Date(await call('getCertExpireDate', '')).getTime()).toBe(
      new Date(certificate.validTo).getTime(),
    );
  }, 120_000);

  it('bad input and unknown functions answer "" and then getLastErr with kyso’s code and a vi/en message; a cancelled consent answers USER_CANCELLED; nothing is signed', async () => {
    // fileSign takes local paths the page names: kyso never reads those.
    expect(
      await call('fileSign', 'sessionID={session}&inputFile=E:\\file2.pdf&outputFile=E:\\o.pdf'),
    ).toMatch(/^ERR NOT_SUPPORTED: kyso chưa hỗ trợ .+ \/ kyso does not support /);
    expect(await call('signHash', 'sessionID={session}&HashVal=zz&HashOpt=2')).toMatch(
      /^ERR BAD_REQUEST: Yêu cầu không hợp lệ\. \/ The request is not valid\.$/,
    );
    expect(await call('signHash', 'HashOpt=2&HashVal=' + 'ab'.repeat(32))).toMatch(/^ERR BAD_REQUEST: /);
    expect(await call('Sign', 'sessionID={session}&inData=%%%not base64')).toMatch(/^ERR BAD_REQUEST: /);
    expect(await call('signHash', 'sessionID={session}&HashVal=' + 'ab'.repeat(32) + '&HashOpt=1')).toMatch(
      /^ERR NOT_SUPPORTED: /,
    );
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);

    await page.$eval('#fn', (el) => ((el as HTMLInputElement).value = 'signHash'));
    await page.$eval(
      '#body',
      (el, value) => ((el as HTMLInputElement).value = value),
      'sessionID={session}&HashVal=' + 'cd'.repeat(32) + '&HashOpt=2',
    );
    const previous = await page.$eval('#raw', (el) => el.textContent ?? '');
    const consent = await consentWindowAfter(session.browser, () => page.click('#btCall'));
    await clickClosingWindow(consent, '#cancel');
    expect(await raw(previous)).toMatch(/^ERR USER_CANCELLED: .+huỷ.+ \/ .+cancelled/);
  }, 120_000);

  it('synchronous requests (the unmodified VtPluginSocket copy) reach kyso-host’s listener on 127.0.0.1:14007: initPlugin, getCert after "share my certificate", a SHA-256 signHash after consent (openssl), Sign of a text the window shows (openssl); SHA-1 refused with getLastErr', async () => {
    const origin = new URL(session.demo.url).origin;
    // The page is blocked in send() until kyso answers: the clicks are not awaited.
    await page.$eval('#raw', (el) => (el.textContent = ''));
    void page.click('#btSyncInit');
    const init = await raw();
    expect(init).toMatch(/^SYNC true [0-9a-f]{32}$/);

    const prompt = session.browser.waitForTarget((t) => t.url().includes(PROMPT), { timeout: 30_000 });
    void page.click('#btSyncCert');
    const share = await (await prompt).asPage();
    await share.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    // The window names the page's real origin, as the browser sent it to the listener.
    expect(await share.$eval('#origin', (el) => el.textContent)).toBe(origin);
    await chooseCertificate(share, '01');
    await clickClosingWindow(share, '#share');
    expect(await raw(init)).toBe(`SYNC ${session.token.certDer('01').toString('base64')}`);

    const content = Buffer.from('Hồ sơ một cửa số 3/2026', 'utf8');
    const hashHex = createHash('sha256').update(content).digest('hex').toUpperCase();
    await page.$eval('#hash', (el, value) => ((el as HTMLInputElement).value = value), hashHex);
    await page.$eval('#hashOpt', (el) => ((el as HTMLInputElement).value = '2'));
    const previous = await page.$eval('#raw', (el) => el.textContent ?? '');
    const consent = await consentWindowAfter(session.browser, async () => {
      void page.click('#btSyncSignHash');
    });
    expect(await consent.$eval('body', (el) => el.innerText)).toContain(origin);
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const signed = await raw(previous);
    expect(signed).toMatch(/^SYNC [A-Za-z0-9+/]+=*$/);
    expect(
      opensslVerifyRawSignature({
        certificatePem: session.token.certPemPath('01'),
        content,
        signature: Buffer.from(signed.slice('SYNC '.length), 'base64'),
      }).output,
    ).toContain('Verified OK');

    // Sign over the listener (the background's own signing route): a text is shown as itself there too.
    const text = 'Biên nhận hồ sơ số 4/2026';
    const beforeSign = await page.$eval('#raw', (el) => el.textContent ?? '');
    const textConsent = await consentWindowAfter(session.browser, async () => {
      void page.evaluate((data: string) => {
        const w = window as any;
        const xhr = new XMLHttpRequest();
        xhr.open('POST', 'http://127.0.0.1:14007/Sign', false);
        xhr.setRequestHeader('Content-type', 'application/x-www-form-urlencoded');
        xhr.send(`sessionID=${w.VtPluginSocket.hSession}&inData=${data}`);
        document.getElementById('raw')!.textContent = `SYNC ${xhr.responseText}`;
      }, Buffer.from(text, 'utf8').toString('base64'));
    });
    await expectTextShown(textConsent, text);
    await signInConsent(textConsent, '01', session.token.pin);
    await clickClosingWindow(textConsent, '#sign');
    const textSigned = await raw(beforeSign);
    expect(textSigned).toMatch(/^SYNC [A-Za-z0-9+/]+=*$/);
    const textVerified = opensslCmsVerify({
      cms: Buffer.from(textSigned.slice('SYNC '.length), 'base64'),
      content: Buffer.from(text, 'utf8'),
      caFile: session.token.caPem,
    });
    expect(textVerified.ok, textVerified.output).toBe(true);

    // Bad input: SHA-1 (the script's default) is refused in the plugin's shape, nothing signed.
    await page.$eval('#hashOpt', (el) => ((el as HTMLInputElement).value = '0'));
    await page.$eval('#hash', (el) => ((el as HTMLInputElement).value = 'AB'.repeat(20)));
    await page.$eval('#raw', (el) => (el.textContent = ''));
    void page.click('#btSyncSignHash');
    expect(await raw()).toMatch(/^SYNC ERR NOT_SUPPORTED: kyso chưa hỗ trợ .+ \/ kyso does not support /);
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
  }, 180_000);

  it('the listener answers no other site: a page of an origin not set to "use kyso" gets no CORS answer (its synchronous send() throws as without a plugin); malformed calls get 403/404 and sign nothing', async () => {
    const other = new URL('/viettel-portal.html', session.demo.url.replace('localhost', '127.0.0.1')).href;
    const otherPage = await session.browser.newPage();
    await otherPage.setUserAgent(WINDOWS_UA);
    collectDialogs(otherPage);
    await otherPage.goto(other);
    await otherPage.$eval('#raw', (el) => (el.textContent = ''));
    void otherPage.click('#btSyncInit');
    expect(await nextRawAnswer(otherPage)).toBe('SYNC NetworkError');
    await otherPage.close();

    // What a local program or a forged request sees: nothing for an origin not chosen, nothing without a function.
    const kysoOrigin = new URL(session.demo.url).origin;
    const post = (path: string, origin: string, body = '') =>
      fetch(`http://127.0.0.1:14007${path}`, { method: 'POST', headers: { Origin: origin }, body });
    const stranger = await post('/getSession', 'https://evil.example');
    expect(stranger.status).toBe(403);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post('/get%20Session', kysoOrigin)).status).toBe(404);
    expect((await post('/getSession', kysoOrigin, 'x'.repeat(600 * 1024))).status).toBe(413);
    // An unknown function answers in the plugin's shape: "" (and getLastErr says why).
    const unknown = await post('/fileSign', kysoOrigin, 'inputFile=E:\\a.pdf');
    expect([unknown.status, await unknown.text()]).toEqual([200, '']);
    const preflight = await fetch('http://127.0.0.1:14007/getSession', {
      method: 'OPTIONS',
      headers: { Origin: kysoOrigin, 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(kysoOrigin);
    expect(preflight.headers.get('access-control-allow-private-network')).toBe('true');
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
  }, 120_000);

  it('with no site left on "use kyso" kyso-host lets 127.0.0.1:14007 go; a site kept on "use the installed plugin" reaches the real listener there', async () => {
    const kysoOrigin = new URL(session.demo.url).origin;
    const settings = await session.browser.newPage();
    await settings.goto(CHROMIUM_OPTIONS_URL);
    await clickPluginChoice(settings, kysoOrigin, 'use-installed', 'site');
    await settings.waitForSelector(`li.plugin-site[data-origin="${kysoOrigin}"][data-mode="installed"]`, {
      timeout: 20_000,
    });
    await settings.close();
    const tool = await installedPluginListener();
    try {
      const other = new URL('/viettel-portal.html', session.demo.url.replace('localhost', '127.0.0.1')).href;
      const otherPage = await session.browser.newPage();
      await otherPage.setUserAgent(WINDOWS_UA);
      collectDialogs(otherPage);
      await otherPage.goto(other);
      const origin = new URL(other).origin;
      const options = await session.browser.newPage();
      await options.goto(CHROMIUM_OPTIONS_URL);
      // Offered only after the page tried the plugin (a click in this background tab would wait for it to be shown).
      await otherPage.evaluate(() => (window as any).initPluginDigitalSignatureViettel());
      await options.waitForSelector(`li.plugin-offer[data-origin="${origin}"]`, { timeout: 20_000 });
      await clickPluginChoice(options, origin, 'use-installed');
      await options.waitForSelector(`body[data-plugin-choice="${origin} installed"]`, { timeout: 20_000 });
      await options.close();
      tool.calls.length = 0;
      await otherPage.goto(other);
      await otherPage.bringToFront();
      await otherPage.click('#btCheck');
      await otherPage.waitForFunction(() => (window as any).hSession === 'installed-plugin-session', {
        timeout: 20_000,
      });
      expect(tool.calls[0]).toEqual({
        path: '/getSession',
        body: 'liblist=viettel-ca_v6.dll;viettel-ca_v5.dll;viettel-ca_v4.dll;viettel-ca_v2.dll',
      });
      expect(await consentWindowOpen(session.browser, 0)).toBe(false);
      await otherPage.close();

      // Back on "use kyso" while the installed plugin holds the port: kyso-host leaves it alone and the
      // options page says so; the synchronous copy keeps reaching the installed plugin.
      const again = await session.browser.newPage();
      await again.goto(CHROMIUM_OPTIONS_URL);
      const reloaded = page.waitForNavigation({ timeout: 20_000 });
      await clickPluginChoice(again, kysoOrigin, 'use-kyso', 'site');
      await reloaded;
      await again.waitForSelector('#plugin-viettel-port:not([hidden])', { timeout: 20_000 });
      expect(await again.$eval('#plugin-viettel-port', (el) => (el as HTMLElement).innerText)).toMatch(
        /^Port 127\.0\.0\.1:14007 is held by the installed Viettel-CA plugin/,
      );
      await again.close();
      await page.bringToFront();
      await page.$eval('#raw', (el) => (el.textContent = ''));
      void page.click('#btSyncInit');
      expect(await raw()).toBe('SYNC true installed-plugin-session');
    } finally {
      await tool.close();
    }
  }, 120_000);
});
