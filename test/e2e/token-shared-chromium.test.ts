/**
 * Two programs, one token: while another kyso process (here a host started by the test, as a
 * second browser or the CLI would start one) holds the token for a batch, the consent window says
 * the token is in use by another program and waits; once the token is free the user signs.
 */
import { createHash } from 'node:crypto';
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { clickClosingWindow, waitArmed } from '../support/browser.js';
import { signInConsent } from '../support/consent.js';
import { HostProcess } from '../support/host-process.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

/**
 * The window shows, on screen (laid out, inside the window, not covered), that the token is in use
 * by another program.
 */
async function seesTokenInUse(consent: Page): Promise<void> {
  await consent.waitForFunction(
    () => {
      const status = document.querySelector<HTMLElement>('#status');
      if (!status?.innerText.includes('The token is in use by another program — waiting…')) return false;
      const box = status.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || box.bottom > innerHeight || box.right > innerWidth)
        return false;
      const atCentre = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return atCentre !== null && status.contains(atCentre);
    },
    { timeout: 30_000, polling: 100 },
  );
}

describe('one token shared with another kyso process (Chromium)', () => {
  const session = useSharedSession(startPortalSession);

  it('the window says the token is in use by another program (while listing, and after Sign), waits, then signs once it is free', async () => {
    const holder = new HostProcess(session.token.env);
    try {
      const opened = await holder.request('hello', {
        protocolVersion: PROTOCOL_VERSION,
        extensionVersion: KYSO_VERSION,
      });
      expect(opened.ok).toBe(true);
      const listed = await holder.request('list-certificates', {});
      if (!listed.ok) throw new Error(JSON.stringify(listed.error));
      const certificateId = (listed.result as { certificates: CertificateEntry[] }).certificates.find((c) =>
        c.id.endsWith('/02'),
      )!.id;
      /** The other program takes the token: a batch begun (logged in) and held until it ends it. */
      const holdToken = async () => {
        const begun = await holder.request('begin-batch', {
          certificateId,
          pin: session.token.pin,
          origin: 'https://dichvucong.gov.vn',
          total: 1,
        });
        if (!begun.ok) throw new Error(JSON.stringify(begun.error));
        return (begun.result as { batchId: string }).batchId;
      };
      const batchId = await holdToken();

      const page = await session.openPortal();
      const content = Buffer.from('Tờ khai lệ phí trước bạ — ký khi token đang bận\n');
      const digest = createHash('sha256').update(content).digest('base64');
      await sdkCall(page, 'signCms', {
        digest,
        digestAlgorithm: 'SHA-256',
        description: 'Tờ khai lệ phí trước bạ',
      });
      const target = await session.browser.waitForTarget(
        (t) =>
          t.url().startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`) && t.url().includes('consent'),
        { timeout: 20_000 },
      );
      const consent = await target.asPage();
      // Even listing the certificates waits for the token: what a person sees meanwhile.
      await seesTokenInUse(consent);
      expect(await consent.$eval('body', (el) => el.dataset.state)).toBe('loading');

      expect(await holder.request('end-batch', { batchId })).toMatchObject({ ok: true });
      await waitArmed(consent);
      if (await consent.$('body[data-state="permission"]')) {
        await consent.click('#allow-site');
        await consent.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
        await waitArmed(consent);
      }
      // The other program takes the token again before the user clicks Sign: the signature waits
      // for it, saying so, and goes ahead once the token is free.
      const againId = await holdToken();
      await signInConsent(consent, '02', session.token.pin);
      // what the window says now is not the listing's wait any more
      expect(await consent.$eval('#status', (el) => (el as HTMLElement).innerText)).not.toContain(
        'in use by another program',
      );
      await clickClosingWindow(consent, '#sign');
      await seesTokenInUse(consent);
      expect(await consent.$eval('body', (el) => el.dataset.state)).toBe('signing');
      expect(await holder.request('end-batch', { batchId: againId })).toMatchObject({
        ok: true,
      });
      const result = await sdkOutcome(page);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      expect(
        opensslCmsVerify({
          cms: Buffer.from(result.cms as string, 'base64'),
          content,
          caFile: session.token.caPem,
        }).ok,
      ).toBe(true);
    } finally {
      await holder.close();
    }
  });
});
