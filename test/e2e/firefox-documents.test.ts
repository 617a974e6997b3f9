/**
 * The key document refusals in Firefox ESR: a PDF readers would show differently and an XML with a
 * DOCTYPE are refused before any consent window, and the page gets the typed code.
 */
import { describe, expect, it } from 'vitest';
import { hostileXml, REVERTED_PDF_REFUSAL, revertedPdfRequest } from '../support/hostile-documents.js';
import { sdkResult } from '../support/sdk-call.js';
import { startFirefoxSession } from '../support/firefox.js';
import { usePortalTab } from '../support/portal-tab.js';

describe('Firefox ESR: bad documents are refused before the window', () => {
  const portal = usePortalTab(startFirefoxSession);

  it('a reverted-xref PDF: PDF_AMBIGUOUS; an XML with a DOCTYPE: XML_NOT_ACCEPTED; no window either time', async () => {
    expect(await sdkResult(portal.page, 'signPdf', revertedPdfRequest())).toMatchObject(REVERTED_PDF_REFUSAL);
    expect(await portal.session.consentWindowOpen(0)).toBe(false);

    const { xml, profile } = hostileXml('a DOCTYPE');
    expect(await sdkResult(portal.page, 'signXml', { xml, profile, description: 'Tờ khai' })).toMatchObject({
      ok: false,
      code: 'XML_NOT_ACCEPTED',
      details: { document: 0, problem: 'DOCTYPE_NOT_ALLOWED' },
    });
    expect(await portal.session.consentWindowOpen(0)).toBe(false);
  });
});
