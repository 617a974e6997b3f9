import { createHash } from 'node:crypto';
import type { Page } from 'puppeteer-core';
import { expect } from 'vitest';
import { consentState } from './consent.js';
import { opensslCmsVerify } from './openssl.js';

/** The SDK's functions a test calls in a page. */
export type SdkMethod =
  | 'status'
  | 'detect'
  | 'signCms'
  | 'signHash'
  | 'signPdf'
  | 'signXml'
  | 'signText'
  | 'signMany'
  | 'pluginRequest';

/**
 * How an SDK call ended, as the page saw it: `ok: true` with the result's fields (bytes as base64:
 * a signed PDF, and each PDF of a batch; a batch's failed documents as `{ ok: false, code }`), or
 * `ok: false` with the KysoError's code, message and details.
 */
export type SdkOutcome = {
  ok: boolean;
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
  [field: string]: any;
};

/**
 * Starts an SDK call in the page and returns once it is under way (a consent window may be
 * opening); `sdkOutcome` waits for its end. The SDK is loaded as a portal without a bundler loads
 * it, `import('/sdk/kyso.js')` (built with new Function so the test runner does not rewrite this
 * browser-side import). With `progress`, the batch's onProgress calls are kept for `sdkProgress`;
 * `timeoutMs` is the SDK's own RequestOptions.timeoutMs (how long the page waits).
 */
export function sdkCall(
  page: Page,
  method: SdkMethod,
  options?: unknown,
  { progress = false, timeoutMs }: { progress?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  return page.evaluate(
    (method, options, progress, timeoutMs) => {
      const w = window as any;
      const toB64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
      w.kysoProgress = [];
      const requestOptions = {
        ...(progress && { onProgress: (done: number, total: number) => w.kysoProgress.push([done, total]) }),
        ...(timeoutMs !== undefined && { timeoutMs }),
      };
      w.kysoOutcome = (new Function('return import("/sdk/kyso.js")')() as Promise<any>)
        .then((kyso) => kyso[method](options, requestOptions))
        .then(
          (result: any) => ({
            ok: true,
            ...result,
            ...(result?.pdf && { pdf: toB64(result.pdf) }),
            ...(result?.results && {
              results: result.results.map((r: any) =>
                r.pdf ? { ...r, pdf: toB64(r.pdf) } : r.ok ? r : { ok: false, code: r.error.code },
              ),
            }),
          }),
          (error: any) => ({ ok: false, code: error.code, message: error.message, details: error.details }),
        );
    },
    method,
    options,
    progress,
    timeoutMs,
  );
}

/**
 * The outcome of the page's last sdkCall, once it has ended. A call that has not ended after
 * `timeoutMs` fails the test with what every open consent window shows, and those windows are
 * cancelled: one request left waiting would otherwise hold the queue for the tests after it.
 */
export async function sdkOutcome(page: Page, timeoutMs = 50_000): Promise<SdkOutcome> {
  const ended = page.evaluate(() => (window as any).kysoOutcome as Promise<SdkOutcome>);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<'waited'>((resolve) => (timer = setTimeout(() => resolve('waited'), timeoutMs)));
  try {
    const first = await Promise.race([ended, waited]);
    if (first !== 'waited') return first;
  } finally {
    clearTimeout(timer);
  }
  ended.catch(() => undefined);
  const windows = await openConsentWindows(page);
  const shown = await Promise.all(windows.map((w) => consentState(w)));
  await Promise.all(
    windows.map((w) =>
      w.$eval('#cancel', (el) => setTimeout(() => (el as HTMLElement).click(), 0)).catch(() => undefined),
    ),
  );
  throw new Error(
    `the SDK call had not ended after ${timeoutMs} ms; consent windows open: ${shown.length ? shown.join(' | ') : 'none'}`,
  );
}

async function openConsentWindows(page: Page): Promise<Page[]> {
  const targets = page
    .browser()
    .targets()
    .filter((t) => /^(chrome|moz)-extension:\/\/[^/]+\/src\/consent\//.test(t.url()));
  const pages = await Promise.all(targets.map((t) => t.asPage().catch(() => undefined)));
  return pages.filter((p): p is Page => p !== undefined);
}

/** The [done, total] pairs the last sdkCall's onProgress received, in order. */
export function sdkProgress(page: Page): Promise<Array<[number, number]>> {
  return page.evaluate(() => (window as any).kysoProgress);
}

/** sdkCall, then its outcome: for a call that ends without anyone answering a window. */
export async function sdkResult(page: Page, method: SdkMethod, options?: unknown): Promise<SdkOutcome> {
  await sdkCall(page, method, options);
  return sdkOutcome(page);
}

/** A signCms outcome that succeeded, with a CMS that `openssl cms -verify` accepts over `content` (trusting `caFile`). */
export function expectCmsVerified(result: SdkOutcome, content: string | Uint8Array, caFile: string): void {
  expect(result.ok, JSON.stringify(result)).toBe(true);
  const cms = Buffer.from(result.cms, 'base64');
  expect(opensslCmsVerify({ cms, content: Buffer.from(content), caFile }).ok).toBe(true);
}

/** Asks the page's SDK for a CAdES of `text` (its SHA-256), with `text` as the consent window's description. */
export function askToSignText(page: Page, text: string): Promise<void> {
  return sdkCall(page, 'signCms', {
    digest: createHash('sha256').update(text).digest('base64'),
    digestAlgorithm: 'SHA-256',
    description: text,
  });
}
