/** A token with a PIN pad (protected authentication path, from our fault-injecting module): no PIN field, a hint instead. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { pinPadHostEnv } from '../support/pin-pad.js';
import { startPortalSession } from '../support/portal-session.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

describe('PIN pad', () => {
  it('asks for the PIN on the device and signs', async () => {
    const session = await startPortalSession(pinPadHostEnv());
    try {
      const page = await session.openPortal();
      const content = Buffer.from('Biên bản nghiệm thu — ký bằng token có bàn phím\n');
      const digest = createHash('sha256').update(content).digest('base64');
      const consent = await consentWindowAfter(session.browser, () =>
        sdkCall(page, 'signCms', { digest, digestAlgorithm: 'SHA-256', description: 'Biên bản nghiệm thu', lang: 'vi' }),
      );
      await consent.click('input[name="certificate"][value$="/02"]');
      expect(await consent.$eval('#pin-on-device', (el) => (el as HTMLElement).hidden)).toBe(false);
      expect(await consent.$eval('#pin-on-device', (el) => el.textContent)).toContain('Nhập mã PIN trên thiết bị');
      expect(await consent.$eval('#pin-row', (el) => (el as HTMLElement).hidden)).toBe(true);
      await clickClosingWindow(consent, '#sign');
      const result = await sdkOutcome(page);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      expect(opensslCmsVerify({ cms: Buffer.from(result.cms, 'base64'), content, caFile: session.token.caPem }).ok).toBe(true);
    } finally {
      await session.close();
    }
  });
});
