/** signMany in real Chromium: 40 documents, one consent window, one PIN (after a wrong one), progress to the page. */
import { X509Certificate, constants, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pemCertificates, startDemoServer } from '../../demo/server.js';
import { verifyCms } from '../../shared/cms/verify.js';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen, enableDeveloperMode, launchChromium } from '../support/browser.js';
import { registerHostInProfile } from '../support/host-registration.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { copyTestToken } from '../support/token.js';

const documents = Array.from({ length: 40 }, (_, i) => `Hoá đơn GTGT số ${String(i + 1).padStart(7, '0')} — Công ty TNHH Ký Số Việt\n`);

describe('batch signing in Chromium', () => {
  it('signs 40 documents with one consent and one PIN, reporting progress', async () => {
    const token = copyTestToken();
    const demo = await startDemoServer({ trustedRoots: pemCertificates(readFileSync(token.caPem, 'utf8')) });
    const session = await launchChromium((profile) => void registerHostInProfile(profile, token.env));
    try {
      await enableDeveloperMode(session.browser);
      const page = await session.browser.newPage();
      await page.goto(demo.url);
      await page.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 });
      const consent = await consentWindowAfter(session.browser, () =>
        page.evaluate((texts) => {
          const w = window as any;
          w.progress = [];
          w.batch = (new Function('return import("/sdk/kyso.js")')() as Promise<any>).then(async (sdk) => {
            const docs = await Promise.all(
              texts.map(async (text: string, i: number) => ({
                digest: await sdk.digestOf(new TextEncoder().encode(text)),
                digestAlgorithm: 'SHA-256',
                name: `hoa-don-${i + 1}.xml`,
                ...(i % 8 === 7 && { kind: 'raw' }),
              })),
            );
            return sdk.signMany({ documents: docs, description: '40 hoá đơn tháng 11/2026' }, { onProgress: (d: number, t: number) => w.progress.push([d, t]) });
          });
        }, documents),
      );
      expect(await consent.$eval('#document-count', (el) => el.getAttribute('data-count'))).toBe('40');
      expect(await consent.$eval('#description', (el) => el.textContent)).toBe('40 hoá đơn tháng 11/2026');
      await consent.click('input[name="certificate"][value$="/02"]');
      await consent.type('#pin', '000000');
      await consent.click('#sign');
      await consent.waitForSelector('#error[data-code="PIN_INCORRECT"]', { visible: true, timeout: 20_000 });
      await consent.type('#pin', token.pin);
      await clickClosingWindow(consent, '#sign');

      const result = await page.evaluate(() => (window as any).batch);
      const progress: Array<[number, number]> = await page.evaluate(() => (window as any).progress);
      expect(await consentWindowOpen(session.browser)).toBe(false);

      expect(progress.at(-1)).toEqual([40, 40]);
      expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b));
      expect(result.results).toHaveLength(40);
      const publicKey = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
      for (const [i, item] of result.results.entries()) {
        expect(item.ok, JSON.stringify(item)).toBe(true);
        const content = Buffer.from(documents[i]!);
        if (i % 8 === 7) {
          expect(verify('sha256', content, { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(item.signature, 'base64'))).toBe(true);
          continue;
        }
        const cms = Buffer.from(item.cms, 'base64');
        expect((await verifyCms({ cms, content })).problems).toEqual([]);
        if (i < 3) expect(opensslCmsVerify({ cms, content, caFile: token.caPem }).ok).toBe(true);
      }
      const tampered = Buffer.from(documents[0]!.replace('0000001', '0000002'));
      expect(opensslCmsVerify({ cms: Buffer.from(result.results[0].cms, 'base64'), content: tampered, caFile: token.caPem }).ok).toBe(false);
    } finally {
      await session.close();
      await demo.close();
      token.remove();
    }
  });

  it('signHash returns a bare RSA-PSS signature after consent', async () => {
    const token = copyTestToken();
    const demo = await startDemoServer({ trustedRoots: [] });
    const session = await launchChromium((profile) => void registerHostInProfile(profile, token.env));
    try {
      await enableDeveloperMode(session.browser);
      const page = await session.browser.newPage();
      await page.goto(demo.url);
      await page.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 });
      const data = 'Chuỗi JSON do cổng tự đóng gói {"hoSo":123}';
      const consent = await consentWindowAfter(session.browser, () =>
        page.evaluate((text) => {
          (window as any).raw = (new Function('return import("/sdk/kyso.js")')() as Promise<any>).then(async (sdk) =>
            sdk.signHash({ digest: await sdk.digestOf(new TextEncoder().encode(text)), digestAlgorithm: 'SHA-256', description: 'Ký chuỗi dữ liệu', rsaScheme: 'PSS' }),
          );
        }, data),
      );
      await consent.click('input[name="certificate"][value$="/01"]');
      await consent.type('#pin', token.pin);
      await clickClosingWindow(consent, '#sign');
      const result = await page.evaluate(() => (window as any).raw);
      expect(result.signatureAlgorithm).toBe('RSASSA-PSS');
      const key = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
      const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
      expect(verify('sha256', Buffer.from(data), options, Buffer.from(result.signature, 'base64'))).toBe(true);
      expect(verify('sha256', Buffer.from(data + ' '), options, Buffer.from(result.signature, 'base64'))).toBe(false);
    } finally {
      await session.close();
      await demo.close();
      token.remove();
    }
  });
});
