/**
 * Bad documents in real Chromium: ambiguous XML (DOCTYPE, entities, processing instructions,
 * duplicate signed elements) and PDFs (a reverted xref) are refused before any consent window
 * opens, and the page gets the typed code; documents over the size limits get DOCUMENT_TOO_LARGE
 * with the limit in MiB, from the SDK and from the bridge (never EXTENSION_NOT_INSTALLED).
 */
import type { Page, Target } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  hostileXml,
  isExpectedProblem,
  REVERTED_PDF_REFUSAL,
  revertedPdfRequest,
} from '../support/hostile-documents.js';
import { startPortalSession } from '../support/portal-session.js';
import { sdkResult } from '../support/sdk-call.js';
import { usePortalTab } from '../support/portal-tab.js';

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
