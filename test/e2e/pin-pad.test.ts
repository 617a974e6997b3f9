/** A token with a PIN pad (protected authentication path, from our fault-injecting module): no PIN field, a hint instead. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { startPortalSession } from '../support/portal-session.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

describe('PIN pad', () => {
  it('asks for the PIN on the device and signs', async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')]);
    const control = path.join(mkdtempSync(path.join(tmpdir(), 'kyso-pinpad-')), 'faults');
    const session = await startPortalSession((token) => {
      writeFileSync(control, `protected_auth_path ${token.pin}\n`); // the "keypad" enters the right PIN
      return {
        ...token.env,
        KYSO_PKCS11_MODULES: path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so'),
        KYSO_FAULT_TARGET: SOFTHSM_MODULE,
        KYSO_FAULT_CONTROL: control,
      };
    });
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
