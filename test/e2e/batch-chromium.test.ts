/** signMany in real Chromium: 40 documents, one consent window, one PIN (after a wrong one), progress to the page. */
import { X509Certificate, constants, createHash, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyCms } from '../../shared/cms/verify.js';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen } from '../support/browser.js';
import { signInConsent, signWithWrongPin } from '../support/consent.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';
import { sdkCall, sdkOutcome, sdkProgress } from '../support/sdk-call.js';

const documents = Array.from(
  { length: 40 },
  (_, i) => `Hoá đơn GTGT số ${String(i + 1).padStart(7, '0')} — Công ty TNHH Ký Số Việt\n`,
);
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');

describe('batch signing in Chromium', () => {
  const session = useSharedSession(startPortalSession);

  it('signs 40 documents with one consent and one PIN, reporting progress', async () => {
    const { token } = session;
    const page = await session.openPortal();
    const docs = documents.map((text, i) => ({
      digest: sha256(text),
      digestAlgorithm: 'SHA-256',
      name: `hoa-don-${i + 1}.xml`,
      ...(i % 8 === 7 && { kind: 'raw' }),
    }));
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(
        page,
        'signMany',
        { documents: docs, description: '40 hoá đơn tháng 11/2026' },
        { progress: true },
      ),
    );
    expect(await consent.$eval('#document-count', (el) => el.getAttribute('data-count'))).toBe('40');
    expect(await consent.$eval('#description', (el) => el.textContent)).toBe('40 hoá đơn tháng 11/2026');
    await signWithWrongPin(consent, '02', '000000');
    await signInConsent(consent, '02', token.pin);
    await clickClosingWindow(consent, '#sign');

    const result = await sdkOutcome(page);
    const progress = await sdkProgress(page);
    expect(await consentWindowOpen(session.browser)).toBe(false);

    expect(progress.at(-1)).toEqual([40, 40]);
    expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b));
    expect(result.results).toHaveLength(40);
    const publicKey = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
    for (const [i, item] of result.results.entries()) {
      expect(item.ok, JSON.stringify(item)).toBe(true);
      const content = Buffer.from(documents[i]!);
      if (i % 8 === 7) {
        expect(
          verify(
            'sha256',
            content,
            { key: publicKey, dsaEncoding: 'ieee-p1363' },
            Buffer.from(item.signature, 'base64'),
          ),
        ).toBe(true);
        continue;
      }
      const cms = Buffer.from(item.cms, 'base64');
      expect((await verifyCms({ cms, content })).problems).toEqual([]);
      if (i < 3) expect(opensslCmsVerify({ cms, content, caFile: token.caPem }).ok).toBe(true);
    }
    const tampered = Buffer.from(documents[0]!.replace('0000001', '0000002'));
    expect(
      opensslCmsVerify({
        cms: Buffer.from(result.results[0].cms, 'base64'),
        content: tampered,
        caFile: token.caPem,
      }).ok,
    ).toBe(false);
    await page.close();
  });

  it('signHash returns a bare RSA-PSS signature after consent', async () => {
    const { token } = session;
    const page = await session.openPortal();
    const data = 'Chuỗi JSON do cổng tự đóng gói {"hoSo":123}';
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signHash', {
        digest: sha256(data),
        digestAlgorithm: 'SHA-256',
        description: 'Ký chuỗi dữ liệu',
        rsaScheme: 'PSS',
      }),
    );
    await signInConsent(consent, '01', token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(page);
    expect(result.signatureAlgorithm).toBe('RSASSA-PSS');
    const key = new X509Certificate(Buffer.from(result.certificate, 'base64')).publicKey;
    const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    expect(verify('sha256', Buffer.from(data), options, Buffer.from(result.signature, 'base64'))).toBe(true);
    expect(verify('sha256', Buffer.from(data + ' '), options, Buffer.from(result.signature, 'base64'))).toBe(
      false,
    );
    await page.close();
  });
});
