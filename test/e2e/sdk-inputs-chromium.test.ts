/**
 * What a portal's own mistakes in the options it passes to the SDK give, in real Chromium with the
 * extension: a KysoError with a code, as docs/sdk.md promises for every failure — never the
 * browser's TypeError or DataCloneError, never a throw at the call, never a request the bridge drops.
 */
import { describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen } from '../support/browser.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';

const digest = Buffer.alloc(32, 7).toString('base64');

/** How one SDK call, given options built in the page by `build`, ended there. */
type Ending =
  | { threw: true; name: string }
  | { rejected: true; name: string; code: unknown; kyso: boolean; message: string }
  | { resolved: true };

describe('the SDK given options it cannot send', () => {
  const session = useSharedSession(startPortalSession);

  it('undefined, a throwing getter, a function, a Proxy, a BigInt: BAD_REQUEST, rejected, nothing asked', async () => {
    const page = await session.openPortal();
    const endings = await page.evaluate(async (digest) => {
      const kyso = await (new Function('return import("/sdk/kyso.js")')() as Promise<any>);
      const base = { digest, digestAlgorithm: 'SHA-256', description: 'Hồ sơ số 123' };
      const calls: Record<string, () => Promise<unknown>> = {
        'signCms(undefined)': () => kyso.signCms(undefined),
        'a getter that throws': () =>
          kyso.signHash({
            ...base,
            get description(): string {
              throw new Error('getter failed');
            },
          }),
        'a function as description': () => kyso.signHash({ ...base, description: () => 'Hồ sơ' }),
        'a Proxy as appearance': () =>
          kyso.signPdf({
            pdf: new Uint8Array([0x25, 0x50, 0x44, 0x46]),
            description: 'Quyết định',
            appearance: new Proxy({ kind: 'stamp', lines: ['Số: 123'] }, {}),
          }),
        'a BigInt in a batch': () =>
          kyso.signMany({
            description: 'Lô',
            documents: [{ kind: 'raw', name: 1n, digest, digestAlgorithm: 'SHA-256' }],
          }),
        // Cloned by postMessage but not JSON: the bridge drops it, and the page heard "not installed".
        'a BigInt in sign-cms': () => kyso.signCms({ ...base, documentName: 1n }),
      };
      const endings: Record<string, unknown> = {};
      for (const [name, call] of Object.entries(calls)) {
        let pending: Promise<unknown>;
        try {
          pending = call();
        } catch (error: any) {
          endings[name] = { threw: true, name: error?.name };
          continue;
        }
        // A call still waiting after 5 s was sent on (a consent window may be waiting for it).
        const waited = new Promise((resolve) => setTimeout(() => resolve({ pending: true }), 5000));
        endings[name] = await Promise.race([
          waited,
          pending.then(
            () => ({ resolved: true }),
            (error: any) => ({
              rejected: true,
              name: error?.name,
              code: error?.code,
              kyso: error instanceof kyso.KysoError,
              message: String(error?.message),
            }),
          ),
        ]);
      }
      return endings;
    }, digest);
    const refused = { rejected: true, name: 'KysoError', code: 'BAD_REQUEST', kyso: true };
    expect(endings).toEqual(
      Object.fromEntries(Object.keys(endings).map((name) => [name, expect.objectContaining(refused)])),
    );
    for (const [name, ending] of Object.entries(endings as Record<string, Ending>))
      expect((ending as { message: string }).message, name).not.toMatch(
        /getter failed|clone|BigInt|undefined/,
      );
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
    await page.close();
  });

  it('a timeoutMs longer than the SDK waits (Infinity, 2^31 ms) waits as long as it can, not 0 ms', async () => {
    const page = await session.openPortal();
    for (const timeoutMs of [Infinity, 2 ** 31]) {
      const consent = await consentWindowAfter(session.browser, () =>
        sdkCall(
          page,
          'signCms',
          { digest, digestAlgorithm: 'SHA-256', description: 'Chờ lâu' },
          { timeoutMs },
        ),
      );
      // The page still waits for the user: the answer it gets is the user's.
      await clickClosingWindow(consent, '#cancel');
      expect(await sdkOutcome(page), String(timeoutMs)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    }
    await page.close();
  });
});
