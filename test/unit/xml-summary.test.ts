/** What the consent window shows of an XML document, and the refusals that come before any PIN. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarizeXml } from '../../shared/xml/summary.js';
import { XmlSignatureError } from '../../shared/xml/errors.js';

const HTKK = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8');
const EINVOICE = readFileSync(new URL('../fixtures/xml/einvoice-gtgt.xml', import.meta.url), 'utf8');
const asRecord = (lines: ReturnType<typeof summarizeXml>) => Object.fromEntries(lines.map((l) => [l.field, l.value]));

describe('XML summaries', () => {
  it('a tax return: form, period, taxpayer', () => {
    expect(asRecord(summarizeXml(HTKK, 'htkk'))).toEqual({
      taxForm: 'TỜ KHAI THUẾ GIÁ TRỊ GIA TĂNG (Mẫu số 01/GTGT)',
      taxPeriod: '10/2026',
      taxpayerId: '0101234567',
      taxpayerName: 'CÔNG TY TNHH THƯƠNG MẠI KÝ SỐ VIỆT & CỘNG SỰ',
    });
  });

  it('an e-invoice: number, date, seller, buyer, total', () => {
    expect(asRecord(summarizeXml(EINVOICE, 'einvoice'))).toEqual({
      invoiceNumber: '1 C26TKS 1234',
      invoiceDate: '2026-11-22',
      sellerName: 'CÔNG TY TNHH THƯƠNG MẠI KÝ SỐ VIỆT & CỘNG SỰ',
      sellerId: '0101234567',
      buyerName: 'CÔNG TY CỔ PHẦN GIẢI PHÁP SỐ ĐÀ NẴNG',
      buyerId: '0401122334',
      invoiceTotal: '21450000 VND',
    });
  });

  it('only what is there; long values are cut', () => {
    const bare = HTKK.replace(/<kyKKhai>[^<]*<\/kyKKhai>/, '<kyKKhai/>').replace(/<tenNNT>[^<]*<\/tenNNT>/, `<tenNNT>${'Đ'.repeat(400)}</tenNNT>`);
    const summary = asRecord(summarizeXml(bare, 'htkk'));
    expect(summary.taxPeriod).toBeUndefined();
    expect(summary.taxpayerName).toHaveLength(160);
  });

  it('refuses what signing would refuse: wrong profile, already signed, not XML, a DOCTYPE', () => {
    const problem = (xml: string, profile: 'htkk' | 'einvoice') => {
      try {
        summarizeXml(xml, profile);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(XmlSignatureError);
        return (error as XmlSignatureError).problem;
      }
    };
    expect(problem(EINVOICE, 'htkk')).toBe('PROFILE_MISMATCH');
    expect(problem(HTKK, 'einvoice')).toBe('PROFILE_MISMATCH');
    const signed = EINVOICE.replace('<NBan/>', '<NBan><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/></NBan>');
    expect(problem(signed, 'einvoice')).toBe('ALREADY_SIGNED');
    expect(problem('<HDon><DLHDon', 'einvoice')).toBe('INVALID_XML');
    expect(problem('<!DOCTYPE HDon [<!ENTITY x "y">]><HDon/>', 'einvoice')).toBe('INVALID_XML');
  });
});
