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
