/**
 * The key document refusals in Firefox ESR: a PDF readers would show differently and an XML with a
 * DOCTYPE are refused before any consent window, and the page gets the typed code.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differentialPdfs } from '../support/pdf-builder.js';
import { startFirefoxSession, type FirefoxSession } from '../support/firefox.js';

const HTKK = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8');

function sdk(page: Page, method: string, options: unknown): Promise<any> {
  return page.evaluate(
    async (method, options) => {
      const kyso = await (new Function('return import("/sdk/kyso.js")')() as Promise<any>);
      return kyso[method](options).then(
        () => ({ ok: true }),
        (error: any) => ({ ok: false, code: error.code, details: error.details }),
      );
    },
    method,
    options,
  );
}

describe('Firefox ESR: bad documents are refused before the window', () => {
  let session: FirefoxSession;
  let page: Page;

  beforeAll(async () => {
    session = await startFirefoxSession();
    page = await session.openPortal();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('a reverted-xref PDF: PDF_AMBIGUOUS; an XML with a DOCTYPE: XML_NOT_ACCEPTED; no window either time', async () => {
    const revert = differentialPdfs().find((p) => p.name === 'revert-xref')!;
    const pdf = await sdk(page, 'signPdf', {
      pdf: Buffer.from(revert.bytes).toString('base64'),
      name: 'giay-nhan-no.pdf',
      description: 'Giấy nhận nợ',
    });
    expect(pdf).toMatchObject({
      ok: false,
      code: 'PDF_AMBIGUOUS',
      details: { document: 0, problem: 'object-outside-xref' },
    });
    expect(await session.consentWindowOpen(0)).toBe(false);

    const xml = await sdk(page, 'signXml', {
      xml: HTKK.replace('<HSoThueDTu', '<!DOCTYPE HSoThueDTu>\n<HSoThueDTu'),
      profile: 'htkk',
      description: 'Tờ khai',
    });
    expect(xml).toMatchObject({
      ok: false,
      code: 'XML_NOT_ACCEPTED',
      details: { document: 0, problem: 'DOCTYPE_NOT_ALLOWED' },
    });
    expect(await session.consentWindowOpen(0)).toBe(false);
  });
});
