/**
 * Bad documents in real Chromium: ambiguous XML (DOCTYPE, entities, processing instructions,
 * duplicate signed elements) and PDFs (a reverted xref) are refused before any consent window
 * opens, and the page gets the typed code; documents over the size limits get DOCUMENT_TOO_LARGE
 * with the limit in MiB, from the SDK and from the bridge (never EXTENSION_NOT_INSTALLED).
 */
import { readFileSync } from 'node:fs';
import type { Page, Target } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differentialPdfs } from '../support/pdf-builder.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';

const HTKK = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8');
const EINVOICE = readFileSync(new URL('../fixtures/xml/einvoice-gtgt.xml', import.meta.url), 'utf8');

/** Calls the SDK in the page and waits for its outcome (errors as code, details). */
function sdk(page: Page, method: string, options: unknown): Promise<any> {
  return page.evaluate(
    async (method, options) => {
      const kyso = await (new Function('return import("/sdk/kyso.js")')() as Promise<any>);
      return kyso[method](options).then(
        () => ({ ok: true }),
        (error: any) => ({ ok: false, code: error.code, message: error.message, details: error.details }),
      );
    },
    method,
    options,
  );
}

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
  let session: PortalSession;
  let page: Page;
  const consentTargets: Target[] = [];

  beforeAll(async () => {
    session = await startPortalSession();
    session.browser.on('targetcreated', (target: Target) => {
      if (target.url().includes('/consent')) consentTargets.push(target);
    });
    page = await session.openPortal();
  });
  afterAll(async () => {
    await session?.close();
  });

  const xmlCases: Array<[string, string, 'htkk' | 'einvoice', string]> = [
    [
      'a DOCTYPE',
      HTKK.replace('<HSoThueDTu', '<!DOCTYPE HSoThueDTu>\n<HSoThueDTu'),
      'htkk',
      'DOCTYPE_NOT_ALLOWED',
    ],
    [
      'an entity',
      EINVOICE.replace('<HDon>', '<!DOCTYPE HDon [<!ENTITY ten "NGƯỜI BÁN GIẢ">]>\n<HDon>').replace(
        '<Ten>CÔNG TY TNHH',
        '<Ten>&ten;',
      ),
      'einvoice',
      '',
    ],
    [
      'a processing instruction in the signed element',
      EINVOICE.replace('<TToan>', '<TToan><?render total="1"?>'),
      'einvoice',
      'PROCESSING_INSTRUCTION',
    ],
    [
      'two signed-element candidates',
      EINVOICE.replace('<DSCKS>', '<DLHDon Id="x"><TTChung/></DLHDon><DSCKS>'),
      'einvoice',
      'DUPLICATE_SIGNED_NODE',
    ],
  ];
  for (const [what, xml, profile, problem] of xmlCases) {
    it(`XML with ${what}: XML_NOT_ACCEPTED, no window`, async () => {
      const before = consentTargets.length;
      const result = await sdk(page, 'signXml', { xml, profile, description: `Tờ khai: ${what}` });
      expect(result).toMatchObject({ ok: false, code: 'XML_NOT_ACCEPTED', details: { document: 0 } });
      if (problem) expect(result.details.problem).toBe(problem);
      else expect(['DOCTYPE_NOT_ALLOWED', 'INVALID_XML']).toContain(result.details.problem);
      expect(result.message).not.toMatch(/xmldom|\[xmldom/i);
      expect(consentTargets.length).toBe(before);
    });
  }

  it('a PDF whose last xref reverts page 1: PDF_AMBIGUOUS, no window', async () => {
    const before = consentTargets.length;
    const revert = differentialPdfs().find((p) => p.name === 'revert-xref')!;
    const result = await sdk(page, 'signPdf', {
      pdf: Buffer.from(revert.bytes).toString('base64'),
      name: 'giay-nhan-no.pdf',
      description: 'Giấy nhận nợ',
    });
    expect(result).toMatchObject({
      ok: false,
      code: 'PDF_AMBIGUOUS',
      details: { document: 0, problem: 'object-outside-xref' },
    });
    expect(consentTargets.length).toBe(before);
  });

  it('a PDF over 16 MiB: DOCUMENT_TOO_LARGE from the SDK before posting, and from the bridge when posted raw', async () => {
    const before = consentTargets.length;
    // 22 Mi base64 characters: ~16.5 MiB of PDF, under the bridge's request limit.
    const big = await page.evaluate(async () => {
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
      page,
      'big-raw',
      `{ description: 'lớn', documents: [{ kind: 'pdf', name: 'lon.pdf', pdf: 'JVBE' + 'A'.repeat(22 * 1024 * 1024 - 4) }] }`,
    );
    expect(raw).toMatchObject({
      ok: false,
      error: { code: 'DOCUMENT_TOO_LARGE', details: { document: 0, limitMiB: 16 } },
    });

    // Two PDFs of 12 MiB each fit one by one but not as one request (24 MiB through the bridge).
    const pair = await rawSignMany(
      page,
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
