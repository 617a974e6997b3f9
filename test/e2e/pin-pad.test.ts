/** A token with a PIN pad (protected authentication path, from our fault-injecting module): no PIN field, a hint instead. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pemCertificates, startDemoServer } from '../../demo/server.js';
import { clickClosingWindow, consentWindowAfter, enableDeveloperMode, launchChromium } from '../support/browser.js';
import { registerHostInProfile } from '../support/host-registration.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { atEachViewport, axeViolations, focused, layout } from '../support/page-checks.js';
import { screenshot } from '../support/screenshots.js';
import { copyTestToken } from '../support/token.js';

describe('PIN pad', () => {
  it('asks for the PIN on the device and signs', async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')]);
    const token = copyTestToken();
    const control = path.join(mkdtempSync(path.join(tmpdir(), 'kyso-pinpad-')), 'faults');
    writeFileSync(control, `protected_auth_path ${token.pin}\n`); // the "keypad" enters the right PIN
    const env = {
      ...token.env,
      KYSO_PKCS11_MODULES: path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so'),
      KYSO_FAULT_TARGET: SOFTHSM_MODULE,
      KYSO_FAULT_CONTROL: control,
    };
    const demo = await startDemoServer({ trustedRoots: pemCertificates(readFileSync(token.caPem, 'utf8')) });
    const session = await launchChromium((profile) => void registerHostInProfile(profile, env));
    try {
      await enableDeveloperMode(session.browser);
      const page = await session.browser.newPage();
      await page.goto(demo.url);
      await page.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 });
      const content = Buffer.from('Biên bản nghiệm thu — ký bằng token có bàn phím\n');
      const consent = await consentWindowAfter(session.browser, () =>
        page.evaluate((text) => {
          (window as any).outcome = (new Function('return import("/sdk/kyso.js")')() as Promise<any>).then(async (sdk) =>
            sdk.signCms({ digest: await sdk.digestOf(new TextEncoder().encode(text)), digestAlgorithm: 'SHA-256', description: 'Biên bản nghiệm thu', lang: 'vi' }),
          );
        }, content.toString()),
      );
      // Every certificate is on the PIN-pad token: no PIN field, even before one is chosen — judged by layout.
      const pinField = () =>
        consent.$eval('#pin', (el) => {
          const box = el.getBoundingClientRect();
          return { laidOut: (el as HTMLElement).offsetParent !== null, width: box.width, height: box.height };
        });
      expect(await pinField()).toEqual({ laidOut: false, width: 0, height: 0 });
      await consent.click('input[name="certificate"][value$="/02"]');
      expect(await consent.$eval('#pin-on-device', (el) => (el as HTMLElement).innerText)).toContain('Nhập mã PIN trên thiết bị');
      expect(await pinField()).toEqual({ laidOut: false, width: 0, height: 0 });
      // Tab never reaches it.
      const reached = new Set<string>();
      for (let i = 0; i < 15; i++) {
        await consent.keyboard.press('Tab');
        reached.add(await focused(consent));
      }
      expect(reached.has('pin')).toBe(false);
      expect(reached.has('sign')).toBe(true);
      expect(await axeViolations(consent)).toEqual([]);
      expect((await layout(consent, [])).bodyFontPx).toBeGreaterThanOrEqual(15);
      await atEachViewport(consent, async (viewport) => {
        const measured = await layout(consent, ['#sign', '#pin-on-device']);
        expect(measured.horizontalScroll, viewport.name).toBe(false);
        expect(measured.inside['#sign'], viewport.name).toBe(true);
      });
      await screenshot(consent, 'consent-pin-pad', { fullPage: false });
      await clickClosingWindow(consent, '#sign');
      const result = await page.evaluate(() => (window as any).outcome);
      expect(opensslCmsVerify({ cms: Buffer.from(result.cms, 'base64'), content, caFile: token.caPem }).ok).toBe(true);
    } finally {
      await session.close();
      await demo.close();
      token.remove();
    }
  });
});
