/**
 * Bad documents in real Chromium: ambiguous XML (DOCTYPE, entities, processing instructions,
 * duplicate signed elements) and PDFs (a reverted xref) are refused before any consent window
 * opens, and the page gets the typed code; documents over the size limits get DOCUMENT_TOO_LARGE
 * with the limit in MiB, from the SDK and from the bridge (never EXTENSION_NOT_INSTALLED).
 */
import type { Page, Target } from 'puppeteer-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hostileXml,
  isExpectedProblem,
  REVERTED_PDF_REFUSAL,
  revertedPdfRequest,
} from '../support/hostile-documents.js';
import { startPortalSession } from '../support/portal-session.js';
import { sdkCall, sdkOutcome, sdkResult } from '../support/sdk-call.js';
import { usePortalTab } from '../support/portal-tab.js';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { errorMessage } from '../../shared/protocol/errors.js';

/** Posts a raw request past the SDK (as any page can) and returns the bridge's answer. */
function rawSignMany(page: Page, id: string, buildParams: string): Promise<any> {
  return page.evaluate(
    (id, buildParams) =>
      new Promise<any>((resolve) => {
        const params = new Function(`return (${buildParams})`)();
        window.addEventListener('message', (e) => {
          if (e.data?.channel === 'kyso' && e.data.kind === 'response' && e.data.id === id) resolve(e.data);
        });
        window.postMessage(
          { channel: 'kyso', kind: 'request', id, protocolVersion: 1, type: 'sign-many', params },
          location.origin,
        );
        setTimeout(() => resolve({ timedOut: true }), 30_000);
      }),
    id,
    buildParams,
  );
}

describe('bad documents are refused before the window (Chromium)', () => {
  const portal = usePortalTab(startPortalSession);
  const consentTargets: Target[] = [];

  beforeAll(() => {
    portal.session.browser.on('targetcreated', (target: Target) => {
      if (target.url().includes('/consent')) consentTargets.push(target);
    });
  });

  const xmlCases = [
    'a DOCTYPE',
    'an entity declaration',
    'a processing instruction inside the signed element',
    'a second signed-element candidate',
    'a summary field in another namespace',
    "a summary field's name again deeper inside",
  ].map(hostileXml);
  for (const { what, xml, profile, problem } of xmlCases) {
    it(`XML with ${what}: XML_NOT_ACCEPTED, no window`, async () => {
      const before = consentTargets.length;
      const result = await sdkResult(portal.page, 'signXml', {
        xml,
        profile,
        description: `Tờ khai: ${what}`,
      });
      expect(result).toMatchObject({ ok: false, code: 'XML_NOT_ACCEPTED', details: { document: 0 } });
      expect(isExpectedProblem(problem, result.details?.problem), String(result.details?.problem)).toBe(true);
      expect(result.message).not.toMatch(/xmldom|\[xmldom/i);
      expect(consentTargets.length).toBe(before);
    });
  }

  it('a PDF whose last xref reverts page 1: PDF_AMBIGUOUS, no window', async () => {
    const before = consentTargets.length;
    expect(await sdkResult(portal.page, 'signPdf', revertedPdfRequest())).toMatchObject(REVERTED_PDF_REFUSAL);
    expect(consentTargets.length).toBe(before);
  });

  describe('encrypted and damaged PDFs from other producers', () => {
    const CORPUS = new URL('../fixtures/pdf-corpus/', import.meta.url);
    let dir: string;
    /** A corpus file encrypted by qpdf with these passwords (user, owner), as base64. */
    const encrypted = (user: string, owner: string) => {
      const output = path.join(dir, `enc-${user || 'none'}.pdf`);
      execFileSync('qpdf', [
        '--encrypt',
        user,
        owner,
        '256',
        '--modify=none',
        '--',
        new URL('r-zoo-zoo-quickref.pdf', CORPUS).pathname,
        output,
      ]);
      return readFileSync(output).toString('base64');
    };
    beforeAll(() => void (dir = mkdtempSync(path.join(tmpdir(), 'kyso-enc-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a user password: PDF_ENCRYPTED; a damaged file: PDF_DAMAGED; no window, no library words', async () => {
      const before = consentTargets.length;
      const locked = await sdkResult(portal.page, 'signPdf', {
        pdf: encrypted('mat-khau', 'chu-so-huu'),
        name: 'khoa.pdf',
        description: 'Tệp có mật khẩu',
      });
      expect(locked).toMatchObject({
        ok: false,
        code: 'PDF_ENCRYPTED',
        details: { document: 0, problem: 'encrypted' },
      });
      expect(locked.message).not.toMatch(/ignoreEncryption|PDFDocument/);
      const damaged = await sdkResult(portal.page, 'signPdf', {
        pdf: readFileSync(new URL('pdf-parse-03-invalid.pdf', CORPUS)).toString('base64'),
        name: 'hong.pdf',
        description: 'Tệp hỏng',
      });
      expect(damaged).toMatchObject({ ok: false, code: 'PDF_DAMAGED', details: { document: 0 } });
      expect(damaged.message).not.toMatch(/Expected instance|PDFDict|undefined/);
      // What a portal shows its user: the SDK's own translation of the code.
      const translated = await portal.page.evaluate(async () => {
        const kyso = await (new Function('return import("/sdk/kyso.js")')() as Promise<any>);
        return [kyso.errorMessage('PDF_ENCRYPTED', 'vi'), kyso.errorMessage('PDF_DAMAGED', 'en')];
      });
      expect(translated).toEqual([errorMessage('PDF_ENCRYPTED', 'vi'), errorMessage('PDF_DAMAGED', 'en')]);
      expect(consentTargets.length).toBe(before);
    });

    it('an owner password only (opens without one): the window opens on its 11 pages; "next" clicked quickly draws each', async () => {
      const consent = await consentWindowAfter(portal.session.browser, () =>
        sdkCall(portal.page, 'signPdf', {
          pdf: encrypted('', 'chu-so-huu'),
          name: 'han-che-sua.pdf',
          description: 'Tệp hạn chế sửa',
        }),
      );
      expect(await consent.$eval('#page-count', (el) => (el as HTMLElement).innerText)).toBe(
        'The document has 11 pages. Look at each page before signing.',
      );
      await consent.waitForSelector('#preview[data-page="1"][data-rendered="true"]', { timeout: 20_000 });
      // "Next" clicked three times quickly: pages 2 and 3 are still being drawn when the next click
      // comes, and page 4 is drawn, not "could not show this page".
      await consent.$eval('#page-next', (next) => {
        for (let i = 0; i < 3; i++) (next as HTMLButtonElement).click();
      });
      await consent.waitForSelector(
        '#preview[data-page="4"]:is([data-rendered="true"], [data-rendered="false"])',
        {
          timeout: 20_000,
        },
      );
      expect(await consent.$eval('#preview', (el) => (el as HTMLElement).dataset.rendered)).toBe('true');
      expect(await consent.$eval('#page-problem', (el) => (el as HTMLElement).hidden)).toBe(true);
      await clickClosingWindow(consent, '#cancel');
      expect(await sdkOutcome(portal.page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    });
  });

  it('a PDF over 16 MiB: DOCUMENT_TOO_LARGE from the SDK before posting, and from the bridge when posted raw', async () => {
    const before = consentTargets.length;
    // 22 Mi base64 characters: ~16.5 MiB of PDF, under the bridge's request limit.
    const big = await portal.page.evaluate(async () => {
      const kyso = await (new Function('return import("/sdk/kyso.js")')() as Promise<any>);
      return kyso
        .signPdf({ pdf: 'JVBE' + 'A'.repeat(22 * 1024 * 1024 - 4), name: 'lon.pdf', description: 'lớn' })
        .then(
          () => ({ ok: true }),
          (error: any) => ({ ok: false, code: error.code, details: error.details }),
        );
    });
    expect(big).toEqual({ ok: false, code: 'DOCUMENT_TOO_LARGE', details: { document: 0, limitMiB: 16 } });

    const raw = await rawSignMany(
      portal.page,
      'big-raw',
      `{ description: 'lớn', documents: [{ kind: 'pdf', name: 'lon.pdf', pdf: 'JVBE' + 'A'.repeat(22 * 1024 * 1024 - 4) }] }`,
    );
    expect(raw).toMatchObject({
      ok: false,
      error: { code: 'DOCUMENT_TOO_LARGE', details: { document: 0, limitMiB: 16 } },
    });

    // Two PDFs of 12 MiB each fit one by one but not as one request (24 MiB through the bridge).
    const pair = await rawSignMany(
      portal.page,
      'pair-raw',
      `{ description: 'hai', documents: [0, 1].map((i) => ({ kind: 'pdf', name: 'p' + i + '.pdf', pdf: 'JVBE' + 'A'.repeat(16 * 1024 * 1024 - 4) })) }`,
    );
    expect(pair).toMatchObject({
      ok: false,
      error: { code: 'DOCUMENT_TOO_LARGE', details: { limitMiB: 24 } },
    });
    expect(consentTargets.length).toBe(before);
  }, 120_000);
});
