import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

/** An XML document from test/fixtures/xml. */
export const xmlFixture = (name: string) =>
  readFileSync(path.join(REPO_ROOT, 'test/fixtures/xml', name), 'utf8');
/** An HTKK 01/GTGT tax return. */
export const HTKK_RETURN = xmlFixture('htkk-01gtgt.xml');
/** A Circular 78 e-invoice. */
export const EINVOICE = xmlFixture('einvoice-gtgt.xml');

/**
 * A real HTKK 5.3.4 return, signed by its taxpayer: a financial statement (B01a-DNN) with its
 * appendices, unmodified (source in test/fixtures/xml/README.md).
 */
export const REAL_HTKK_SIGNED = xmlFixture('htkk-bctc-real-signed.xml');
/** The same return with its signature taken off, as it is before signing. */
export const REAL_HTKK = REAL_HTKK_SIGNED.replace(/<ds:Signature [^]*<\/ds:Signature>/, '');

/**
 * Field names a genuine return repeats after its header, at paths the tax office's own viewer reads
 * (its stylesheets, test/fixtures/xml/README.md): 08-MST's `CTieuTKhaiChinh/mst`, and a
 * supplementary return's `PLuc/PL01_KHBS/Header/maTKhai` and `tenTKhai`, added to the real return.
 */
export const REAL_HTKK_NAMES_AFTER_HEADER = {
  'an mst in the body (08-MST)': REAL_HTKK.replace(
    '<CTieuTKhaiChinh>',
    '<CTieuTKhaiChinh><mst>0100109106</mst>',
  ),
  "a supplementary return's appendix header (PL01_KHBS)": REAL_HTKK.replace(
    '<PLuc>',
    '<PLuc><PL01_KHBS><Header><maTKhai>683</maTKhai><tenTKhai>Bộ báo cáo tài chính (B01a - DNN)(TT133/2016/TT-BTC)</tenTKhai></Header></PL01_KHBS>',
  ),
};

/**
 * Real e-invoices as their issuers' software signed them, unmodified (sources in
 * test/fixtures/xml/README.md), from the providers' and the tax office's test environments:
 * - `tct202`: the tax office's message 202 (TDiep) carrying an invoice it gave a code: the seller's
 *   signature (TS24, SAFE-CA, rsa-sha256) and the tax office's over DLHDon, its SigningTime and MCCQT;
 * - `vnpt`: a VNPT invoice signed with VNPT's test certificate (rsa-sha1), its SigningTime in no namespace;
 * - `vninvoice`: a VNInvoice invoice signed by its seller's test certificate (rsa-sha1).
 */
export const REAL_EINVOICES_SIGNED = {
  tct202: xmlFixture('einvoice-tct-202-test-signed.xml'),
  vnpt: xmlFixture('einvoice-vnpt-test-signed.xml'),
  vninvoice: xmlFixture('einvoice-vninvoice-test-signed.xml'),
};

/** The invoice the tax office's message carries (its HDon, as the seller's provider passes it on to the buyer). */
export const REAL_EINVOICE_CODED = REAL_EINVOICES_SIGNED.tct202.slice(
  REAL_EINVOICES_SIGNED.tct202.indexOf('<HDon'),
  REAL_EINVOICES_SIGNED.tct202.indexOf('</HDon>') + '</HDon>'.length,
);

/**
 * The real invoices as their sellers hold them before signing: every Signature taken off (each
 * holder left empty), and the tax office's code (MCCQT), given after the seller signs.
 */
export const REAL_EINVOICES_UNSIGNED = Object.fromEntries(
  Object.entries({ ...REAL_EINVOICES_SIGNED, tct202: REAL_EINVOICE_CODED }).map(([name, xml]) => [
    name,
    xml.replace(/<Signature [^]*?<\/Signature>/g, '').replace(/<MCCQT [^]*?<\/MCCQT>/, ''),
  ]),
);
