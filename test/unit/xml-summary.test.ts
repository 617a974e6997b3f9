/** What the consent window shows of an XML document, and the refusals that come before any PIN. */
import { describe, expect, it } from 'vitest';
import { summarizeXml } from '../../shared/xml/summary.js';
import { xmlContentRows } from '../../shared/xml/signed-content.js';
import { genericXmlRows, prepareGenericXmlSignature } from '../../shared/xml/generic.js';
import { ownText, parseXml } from '../../shared/xml/dom.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { XmlSignatureError } from '../../shared/xml/errors.js';
import { prepareXmlSignature } from '../../shared/xml/xmldsig.js';
import { EINVOICE, HTKK_RETURN, REAL_HTKK, REAL_HTKK_NAMES_AFTER_HEADER } from '../support/fixtures.js';
import { HOSTILE_XML, isExpectedProblem, type XmlProfile } from '../support/hostile-documents.js';

const HTKK = HTKK_RETURN;
const asRecord = (lines: ReturnType<typeof summarizeXml>) =>
  Object.fromEntries(lines.map((l) => [l.field, l.value]));

describe('XML summaries', () => {
  it.each<[string, string, XmlProfile, Record<string, string>]>([
    [
      'a tax return: form, period, taxpayer',
      HTKK,
      'htkk',
      {
        taxForm: 'TỜ KHAI THUẾ GIÁ TRỊ GIA TĂNG (Mẫu số 01/GTGT)',
        taxPeriod: '10/2026',
        taxpayerId: '0101234567',
        taxpayerName: 'CÔNG TY TNHH THƯƠNG MẠI KÝ SỐ VIỆT & CỘNG SỰ',
      },
    ],
    [
      'an e-invoice: number, date, seller, buyer, total',
      EINVOICE,
      'einvoice',
      {
        invoiceNumber: '1 C26TKS 1234',
        invoiceDate: '2026-11-22',
        sellerName: 'CÔNG TY TNHH THƯƠNG MẠI KÝ SỐ VIỆT & CỘNG SỰ',
        sellerId: '0101234567',
        buyerName: 'CÔNG TY CỔ PHẦN GIẢI PHÁP SỐ ĐÀ NẴNG',
        buyerId: '0401122334',
        invoiceTotal: '21450000 VND',
      },
    ],
  ])('%s', (_what, xml, profile, expected) => {
    expect(asRecord(summarizeXml(xml, profile))).toEqual(expected);
  });

  it('only what is there; long values are cut', () => {
    const bare = HTKK.replace(/<kyKKhai>[^<]*<\/kyKKhai>/, '<kyKKhai/>').replace(
      /<tenNNT>[^<]*<\/tenNNT>/,
      `<tenNNT>${'Đ'.repeat(400)}</tenNNT>`,
    );
    const summary = asRecord(summarizeXml(bare, 'htkk'));
    expect(summary.taxPeriod).toBeUndefined();
    expect(summary.taxpayerName).toHaveLength(160);
  });

  it('a cut value says so, and is cut between characters, not inside one', () => {
    const named = (name: string) =>
      asRecord(summarizeXml(HTKK.replace(/<tenNNT>[^<]*<\/tenNNT>/, `<tenNNT>${name}</tenNNT>`), 'htkk'))
        .taxpayerName;
    expect(named(`${'Đ'.repeat(200)}`)).toBe(`${'Đ'.repeat(159)}…`);
    // U+1D400 is two UTF-16 units: a cut by units leaves half of it (a lone surrogate).
    expect(named(`${'A'.repeat(159)}𝐀 CÔNG TY KHÁC`)).toBe(`${'A'.repeat(159)}…`);
    expect(named(`${'A'.repeat(158)}𝐀𝐀 CÔNG TY KHÁC`)).toBe(`${'A'.repeat(158)}𝐀…`);
    // 160 characters (161 UTF-16 units) are shown whole.
    expect(named(`${'A'.repeat(159)}𝐀`)).toBe(`${'A'.repeat(159)}𝐀`);
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
    const signed = EINVOICE.replace(
      '<NBan/>',
      '<NBan><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/></NBan>',
    );
    expect(problem(signed, 'einvoice')).toBe('ALREADY_SIGNED');
    expect(problem('<HDon><DLHDon', 'einvoice')).toBe('INVALID_XML');
    expect(problem('<!DOCTYPE HDon [<!ENTITY x "y">]><HDon/>', 'einvoice')).toBe('DOCTYPE_NOT_ALLOWED');
  });
});

/** The same values a signing verifier digests, whatever decoys sit outside the signed element. */
describe('XML summaries read only inside the signed element, by the exact path', () => {
  const DECOY_TAXPAYER = '<NNT><mst>9999999999</mst><tenNNT>CÔNG TY MẠO DANH</tenNNT></NNT>';
  const DECOY_DECLARATION = `<TKhaiThue><tenTKhai>TỜ KHAI GIẢ</tenTKhai><KyKKhaiThue><kyKKhai>01/1999</kyKKhai></KyKKhaiThue></TKhaiThue>${DECOY_TAXPAYER}`;
  const htkkDecoys: Array<[string, string]> = [
    [
      'before the signed element',
      HTKK.replace(
        '<HSoKhaiThue',
        `<TTinChung><TTinTKhaiThue>${DECOY_DECLARATION}</TTinTKhaiThue></TTinChung><HSoKhaiThue`,
      ),
    ],
    ['in the signature container', HTKK.replace('<CKyDTu/>', `<CKyDTu>${DECOY_DECLARATION}</CKyDTu>`)],
  ];
  it.each(htkkDecoys)('a tax return with a decoy %s shows the signed taxpayer', (_where, xml) => {
    expect(asRecord(summarizeXml(xml, 'htkk'))).toEqual(asRecord(summarizeXml(HTKK, 'htkk')));
  });

  const DECOY_INVOICE =
    '<TTChung><SHDon>9999</SHDon></TTChung><NDHDon><NBan><Ten>NGƯỜI BÁN GIẢ</Ten></NBan><TToan><TgTTTBSo>1</TgTTTBSo></TToan></NDHDon>';
  const invoiceDecoys: Array<[string, string]> = [
    ['before the signed element', EINVOICE.replace('<DLHDon', `<TTKhac>${DECOY_INVOICE}</TTKhac><DLHDon`)],
    ['after it, in the signature list', EINVOICE.replace('<NMua/>', `<NMua>${DECOY_INVOICE}</NMua>`)],
  ];
  it.each(invoiceDecoys)('an e-invoice with a decoy %s shows the signed parties and total', (_where, xml) => {
    expect(asRecord(summarizeXml(xml, 'einvoice'))).toEqual(asRecord(summarizeXml(EINVOICE, 'einvoice')));
  });

  const problemOf = (xml: string, profile: XmlProfile) => {
    try {
      summarizeXml(xml, profile);
      return 'accepted';
    } catch (error) {
      expect(error).toBeInstanceOf(XmlSignatureError);
      expect((error as XmlSignatureError).code).toBe('XML_NOT_ACCEPTED');
      return (error as XmlSignatureError).problem;
    }
  };

  /**
   * Inside the signed element a field's name elsewhere is signed too: a receiver searching by name
   * (getElementsByTagName('MST')[0], //SHDon, NBan//MST) may take it, the window shows the other.
   */
  it.each<[string, string, XmlProfile]>([
    [
      'a tax return: a declaration and taxpayer ahead of the header',
      HTKK.replace('<TTinChung>', `<PLuc>${DECOY_DECLARATION}</PLuc><TTinChung>`),
      'htkk',
    ],
    [
      'a tax return: a taxpayer in another namespace off the path',
      HTKK.replace(
        '<TTinChung>',
        `<TTinChung><x:Khac xmlns:x="urn:decoy"><x:TTinTKhaiThue><x:NNT><x:mst>9999999999</x:mst></x:NNT></x:TTinTKhaiThue></x:Khac>`,
      ),
      'htkk',
    ],
    [
      'a tax return: <mst> again inside the header, before the taxpayer',
      HTKK.replace('<maDVu>', '<mst>9999999999</mst><maDVu>'),
      'htkk',
    ],
    [
      "a tax return: <tenTKhai> again at the header's end",
      HTKK.replace('</TTinChung>', '<tenTKhai>TỜ KHAI GIẢ</tenTKhai></TTinChung>'),
      'htkk',
    ],
    [
      'an e-invoice: an invoice nested one level down',
      EINVOICE.replace('<TTChung>', `<TTChung><TTKhac>${DECOY_INVOICE}</TTKhac>`),
      'einvoice',
    ],
    [
      'an e-invoice: a total in a namespace off the path',
      EINVOICE.replace(
        '<NDHDon>',
        '<NDHDon><d:TTKhac xmlns:d="urn:decoy"><d:TgTTTBSo>1</d:TgTTTBSo></d:TTKhac>',
      ),
      'einvoice',
    ],
    [
      'an e-invoice: a second <MST> deeper inside <NBan>',
      EINVOICE.replace('<SDThoai>024', '<TTKhac><MST>9999999999</MST></TTKhac><SDThoai>024'),
      'einvoice',
    ],
    [
      'an e-invoice: <MST> in an item line',
      EINVOICE.replace('<STT>2</STT>', '<STT>2</STT><MST>9999999999</MST>'),
      'einvoice',
    ],
    [
      'an e-invoice: the seller <Ten> again under the signed element itself',
      EINVOICE.replace('</NDHDon>', '</NDHDon><Ten>NGƯỜI BÁN GIẢ</Ten>'),
      'einvoice',
    ],
  ])('refuses a field name again inside the signed element, off its path: %s', (_what, xml, profile) => {
    expect(problemOf(xml, profile)).toBe('DUPLICATE_SIGNED_NODE');
  });

  it('a name two fields share, each at its own path (the seller and buyer <Ten>, <MST>), is read as usual; a field name there once, off its path, is no field', () => {
    expect(problemOf(EINVOICE, 'einvoice')).toBe('accepted');
    // Once, off its path: not shown as the taxpayer, and the only <mst> a reader by name can find.
    const lone = HTKK.replace('<mst>0101234567</mst>', '').replace('<ct21>', '<mst>0101234567</mst><ct21>');
    expect(problemOf(lone, 'htkk')).toBe('accepted');
    expect(asRecord(summarizeXml(lone, 'htkk')).taxpayerId).toBeUndefined();
    // Other names nested anywhere are no field's.
    expect(
      problemOf(
        EINVOICE.replace('<STT>2</STT>', '<STT>2</STT><TTKhac><MSTKhac>1</MSTKhac></TTKhac>'),
        'einvoice',
      ),
    ).toBe('accepted');
  });

  /**
   * After a return's header (TTinChung) its body and appendices use field names for their own data,
   * read by path by the tax office's viewer; a reader by name meets the header's first.
   */
  it('a real HTKK return is summarized; the names genuine returns repeat after the header are accepted, the same names inside or ahead of it refused', () => {
    const expected = {
      taxForm: 'Bộ báo cáo tài chính (B01a - DNN)(TT133/2016/TT-BTC)',
      taxPeriod: '2024',
      taxpayerId: '0401985971',
      taxpayerName: 'CÔNG TY TNHH MTV DỊCH VỤ VÀ THƯƠNG MẠI TIẾN BÌNH YÊN',
    };
    expect(asRecord(summarizeXml(REAL_HTKK, 'htkk'))).toEqual(expected);
    for (const [what, xml] of Object.entries(REAL_HTKK_NAMES_AFTER_HEADER)) {
      expect(problemOf(xml, 'htkk'), what).toBe('accepted');
      expect(asRecord(summarizeXml(xml, 'htkk')), what).toEqual(expected);
    }
    const mst = '<mst>0100109106</mst>';
    expect(problemOf(REAL_HTKK.replace('</TTinChung>', `${mst}</TTinChung>`), 'htkk')).toBe(
      'DUPLICATE_SIGNED_NODE',
    );
    expect(
      problemOf(
        REAL_HTKK.replace('<TTinChung>', `<CTieuTKhaiChinh>${mst}</CTieuTKhaiChinh><TTinChung>`),
        'htkk',
      ),
    ).toBe('DUPLICATE_SIGNED_NODE');
  });

  /** The field once, on its path, but in another namespace: the window would leave it out, a reader by name takes it. */
  it.each<[string, string, XmlProfile]>([
    [
      'a tax return: <mst> in no namespace (xmlns="")',
      HTKK.replace('<mst>0101234567</mst>', '<mst xmlns="">0101234567</mst>'),
      'htkk',
    ],
    [
      'a tax return: <NNT> in another namespace',
      HTKK.replace(/<NNT>([^]*)<\/NNT>/, '<n:NNT xmlns:n="urn:other">$1</n:NNT>'),
      'htkk',
    ],
    [
      'an e-invoice: the seller <MST> in another namespace',
      EINVOICE.replace('<MST>0101234567</MST>', '<x:MST xmlns:x="urn:other">0101234567</x:MST>'),
      'einvoice',
    ],
    [
      'an e-invoice: the total in another namespace',
      EINVOICE.replace(/<TgTTTBSo>(\d+)<\/TgTTTBSo>/, '<TgTTTBSo xmlns="urn:other">$1</TgTTTBSo>'),
      'einvoice',
    ],
  ])('refuses a summary field in another namespace than the signed element: %s', (_what, xml, profile) => {
    expect(problemOf(xml, profile)).toBe('PROFILE_MISMATCH');
  });

  it.each(HOSTILE_XML)('refuses $what before the window', ({ xml, profile, problem }) => {
    const found = problemOf(xml, profile);
    expect(isExpectedProblem(problem, found), `${problem} expected, got ${found}`).toBe(true);
  });

  // A receiver reading by local name (getElementsByTagName, local-name()) could take the other one.
  it.each<[string, string, XmlProfile]>([
    [
      'a no-namespace <mst> before the signed one',
      HTKK.replace('<mst>0101234567</mst>', '<mst xmlns="">9999999999</mst><mst>0101234567</mst>'),
      'htkk',
    ],
    [
      'a no-namespace <mst> after the signed one',
      HTKK.replace('<mst>0101234567</mst>', '<mst>0101234567</mst><mst xmlns="">9999999999</mst>'),
      'htkk',
    ],
    [
      'a prefixed <TTinTKhaiThue> beside the signed one',
      HTKK.replace(
        '<TTinChung>',
        '<TTinChung><x:TTinTKhaiThue xmlns:x="urn:decoy"><x:NNT><x:mst>9999999999</x:mst></x:NNT></x:TTinTKhaiThue>',
      ),
      'htkk',
    ],
    [
      'a prefixed <TToan> beside the signed one',
      EINVOICE.replace(
        '<NDHDon>',
        '<NDHDon><d:TToan xmlns:d="urn:decoy"><d:TgTTTBSo>1</d:TgTTTBSo></d:TToan>',
      ),
      'einvoice',
    ],
  ])('refuses a summary field whose name is there twice, in another namespace: %s', (_what, xml, profile) => {
    expect(problemOf(xml, profile)).toBe('DUPLICATE_SIGNED_NODE');
  });

  it('the signed id again in a prefixed attribute (an ID to xml-crypto, which resolves by local name) is refused', () => {
    const xml = EINVOICE.replace('<NBan/>', '<NBan xmlns:q="urn:q" q:Id="DLHDon-C26TKS-00001234"/>');
    expect(problemOf(xml, 'einvoice')).toBe('DUPLICATE_ID');
    expect(() => genericXmlRows(xml, 'DLHDon-C26TKS-00001234')).toThrow('elements share the id');
  });

  it('a processing instruction outside the signed element is not signed and not refused', async () => {
    const xml = EINVOICE.replace('<DSCKS>', '<?app note?><DSCKS>');
    expect(problemOf(xml, 'einvoice')).toBe('accepted');
    // Nor by signing, after the PIN.
    const prepared = await prepareXmlSignature(xml, { profile: 'einvoice', keyType: 'RSA' });
    expect(prepared.xml).toContain('<?app note?><DSCKS>');
  });
});

/** Signed characters reach the window's marking (setPageText), which shows them as ⟨U+FEFF⟩ marks. */
describe('XML values keep every signed character but XML whitespace', () => {
  const MST = 'HSoKhaiThue/TTinChung/TTinTKhaiThue/NNT/mst';
  const withMst = (value: string) => HTKK.replace('<mst>0101234567</mst>', `<mst>${value}</mst>`);

  it.each([
    ['U+FEFF and U+2028', '0101234567&#xFEFF;&#x2028;9', '0101234567\uFEFF\u20289'],
    ['U+2029, U+00A0, U+3000', '&#x2029;01&#xA0;01&#x3000;234567', '\u202901\u00A001\u3000234567'],
    ['XML whitespace collapsed and trimmed', '\n\t 0101 \r\n 234567 \t', '0101 234567'],
  ])('%s', (_what, written, shown) => {
    const xml = withMst(written);
    expect(asRecord(summarizeXml(xml, 'htkk')).taxpayerId).toBe(shown);
    expect(xmlContentRows(xml, 'htkk')).toContainEqual({ path: MST, value: shown });
  });

  it('a value of only U+FEFF is shown, not dropped', () => {
    const xml = HTKK.replace(/<tenNNT>[^<]*<\/tenNNT>/, '<tenNNT>&#xFEFF;</tenNNT>');
    expect(asRecord(summarizeXml(xml, 'htkk')).taxpayerName).toBe('\uFEFF');
  });

  it('generic XML rows too', () => {
    expect(genericXmlRows('<a>x&#xFEFF; &#x2028;y</a>')).toEqual([{ path: 'a', value: 'x\uFEFF \u2028y' }]);
  });
});

/** xmldom parses any depth; what reads the tree must not overflow the stack (a RangeError, not ours). */
describe('deep nesting', () => {
  const nested = (levels: number) =>
    HTKK.replace('<tenNNT>', `${'<b>'.repeat(levels)}${'</b>'.repeat(levels)}<tenNNT>`);
  const problemOf = (read: () => unknown) => {
    try {
      read();
      return 'accepted';
    } catch (error) {
      expect(error).toBeInstanceOf(XmlSignatureError);
      expect((error as XmlSignatureError).code).toBe('XML_NOT_ACCEPTED');
      return (error as XmlSignatureError).problem;
    }
  };

  it.each([5_000, 30_000])(
    '%i levels: INVALID_XML from the summary, the rows and signing',
    async (levels) => {
      const xml = nested(levels);
      expect(problemOf(() => summarizeXml(xml, 'htkk'))).toBe('INVALID_XML');
      expect(problemOf(() => xmlContentRows(xml, 'htkk'))).toBe('INVALID_XML');
      expect(problemOf(() => genericXmlRows(xml))).toBe('INVALID_XML');
      await expect(
        prepareXmlSignature(xml, { profile: 'htkk', keyType: 'RSA', digestAlgorithm: 'SHA-256' }),
      ).rejects.toMatchObject({ code: 'XML_NOT_ACCEPTED', problem: 'INVALID_XML' });
    },
  );

  it('nesting within the limit is read and signed as usual', async () => {
    const xml = nested(900);
    expect(asRecord(summarizeXml(xml, 'htkk'))).toEqual(asRecord(summarizeXml(HTKK, 'htkk')));
    await expect(
      prepareXmlSignature(xml, { profile: 'htkk', keyType: 'RSA', digestAlgorithm: 'SHA-256' }),
    ).resolves.toMatchObject({ digestAlgorithm: 'SHA-256' });
  });
});

describe('the signed element as rows (what the window opens)', () => {
  it('every value of an e-invoice, attributes and repeated lines numbered, nothing from outside', () => {
    const rows = xmlContentRows(
      EINVOICE.replace('<DLHDon', `<TTKhac><Ten>NGƯỜI BÁN MẠO DANH</Ten></TTKhac><DLHDon`),
      'einvoice',
    );
    const byPath = new Map(rows.map((r) => [r.path, r.value]));
    expect(byPath.get('DLHDon/@Id')).toBe('DLHDon-C26TKS-00001234');
    expect(byPath.get('DLHDon/NDHDon/NBan/Ten')).toBe('CÔNG TY TNHH THƯƠNG MẠI KÝ SỐ VIỆT & CỘNG SỰ');
    expect(byPath.get('DLHDon/NDHDon/DSHHDVu/HHDVu[2]/THHDVu')).toBe(
      'Dịch vụ chứng thư số doanh nghiệp 12 tháng',
    );
    expect(byPath.get('DLHDon/NDHDon/TToan/TgTTTBSo')).toBe('21450000');
    expect(rows.some((r) => r.value.includes('MẠO DANH'))).toBe(false);
    // Every text value in the signed element is a row: count them independently.
    const signedPart = EINVOICE.slice(EINVOICE.indexOf('<DLHDon'), EINVOICE.indexOf('</DLHDon>'));
    const texts = [...signedPart.matchAll(/>([^<>]*\S[^<>]*)</g)].length;
    expect(rows.filter((r) => !r.path.includes('@'))).toHaveLength(texts);
  });

  it('a tax return: the declaration, its namespace prefix as written, no xmlns rows', () => {
    const rows = xmlContentRows(HTKK, 'htkk');
    expect(rows[0]).toEqual({ path: 'HSoKhaiThue/@id', value: '_NODE_TO_SIGN' });
    expect(rows).toContainEqual({ path: 'HSoKhaiThue/TTinChung/TTinTKhaiThue/NNT/mst', value: '0101234567' });
    expect(rows).toContainEqual({ path: 'HSoKhaiThue/CTieuTKhaiChinh/Header/ct10/@xsi:nil', value: 'true' });
    expect(rows.some((r) => r.path.includes('xmlns'))).toBe(false);
  });
});

/**
 * kyso reads every document as UTF-8. A declaration naming another encoding makes libxml2 (xmlsec1)
 * decode the same bytes into other characters: the window would show "CÔNG TY" where the receiver
 * reads "CÃ\u0094NG TY", and the digest would cover text no other reader sees (xmlsec1 refuses
 * such a signature: verifier-xml-input.test.ts).
 */
describe('an XML declaration naming an encoding other than UTF-8', () => {
  const declaring = (encoding: string) =>
    EINVOICE.replace(
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<?xml version="1.0" encoding="${encoding}"?>`,
    );

  it.each(['ISO-8859-1', 'windows-1258', 'UTF-16', 'US-ASCII'])(
    '%s: refused by the summary, the rows and signing (generic too), before the window',
    async (encoding) => {
      const xml = declaring(encoding);
      const problem = (read: () => unknown) => {
        try {
          read();
          return 'accepted';
        } catch (error) {
          expect(error).toBeInstanceOf(XmlSignatureError);
          return (error as XmlSignatureError).problem;
        }
      };
      expect(problem(() => summarizeXml(xml, 'einvoice'))).toBe('INVALID_XML');
      expect(problem(() => xmlContentRows(xml, 'einvoice'))).toBe('INVALID_XML');
      expect(problem(() => genericXmlRows(xml))).toBe('INVALID_XML');
      await expect(prepareXmlSignature(xml, { profile: 'einvoice', keyType: 'RSA' })).rejects.toMatchObject({
        code: 'XML_NOT_ACCEPTED',
        problem: 'INVALID_XML',
        message: `the XML declares the encoding "${encoding}": only UTF-8 is accepted`,
      });
    },
  );

  it.each(['UTF-8', 'utf-8', 'UTF8'])('%s, or no encoding at all, is read as usual', (encoding) => {
    const expected = asRecord(summarizeXml(EINVOICE, 'einvoice'));
    expect(asRecord(summarizeXml(declaring(encoding), 'einvoice'))).toEqual(expected);
    expect(asRecord(summarizeXml(EINVOICE.replace(' encoding="UTF-8"', ''), 'einvoice'))).toEqual(expected);
  });
});

/**
 * A summary field is a simple value. One holding an element has three readings: its own text (what
 * the window showed), the DOM textContent / XPath string (all the text inside it, what most
 * receivers read) and its first text node alone.
 */
describe('a summary field that holds elements', () => {
  const readings = (xml: string, name: string) => {
    const field = parseXml(xml).getElementsByTagName(name)[0]!;
    return { own: ownText(field), textContent: field.textContent, first: field.firstChild!.nodeValue };
  };

  it.each<[string, string, XmlProfile, string, string, string, string]>([
    [
      'the taxpayer name with a word in a child element',
      HTKK.replace(/<tenNNT>[^<]*<\/tenNNT>/, '<tenNNT>CÔNG TY <b>MẠO DANH </b>A</tenNNT>'),
      'htkk',
      'tenNNT',
      'CÔNG TY A',
      'CÔNG TY MẠO DANH A',
      'CÔNG TY ',
    ],
    [
      'the total split around an empty element',
      EINVOICE.replace('<TgTTTBSo>21450000</TgTTTBSo>', '<TgTTTBSo>214<x/>50000</TgTTTBSo>'),
      'einvoice',
      'TgTTTBSo',
      '21450000',
      '21450000',
      '214',
    ],
  ])('%s: refused before the window', (_what, xml, profile, name, own, textContent, first) => {
    expect(readings(xml, name)).toEqual({ own, textContent, first });
    expect(() => summarizeXml(xml, profile)).toThrow(
      expect.objectContaining({ code: 'XML_NOT_ACCEPTED', problem: 'PROFILE_MISMATCH' }),
    );
    expect(() => summarizeXml(xml, profile)).toThrow(`<${name}> holds elements`);
  });
});

/**
 * A comment or CDATA section splitting a summary value: signed (C14N without comments) and shown as
 * the whole text, read as its first piece by DOM firstChild readers and by lxml's `.text` (the text
 * before the first comment).
 */
describe('a summary field whose value a comment or CDATA section splits', () => {
  const readings = (xml: string, name: string) => {
    const field = parseXml(xml).getElementsByTagName(name)[0]!;
    return { own: ownText(field), first: field.firstChild!.nodeValue };
  };

  it.each<[string, string, XmlProfile, string, string, string]>([
    [
      'the total split by a comment',
      EINVOICE.replace('<TgTTTBSo>21450000</TgTTTBSo>', '<TgTTTBSo>2145<!-- -->0000</TgTTTBSo>'),
      'einvoice',
      'TgTTTBSo',
      '21450000',
      '2145',
    ],
    [
      'the taxpayer id begun in a CDATA section',
      HTKK.replace('<mst>0101234567</mst>', '<mst><![CDATA[0101]]>234567</mst>'),
      'htkk',
      'mst',
      '0101234567',
      '0101',
    ],
  ])('%s: refused before the window', (_what, xml, profile, name, own, first) => {
    expect(readings(xml, name)).toEqual({ own, first });
    expect(() => summarizeXml(xml, profile)).toThrow(
      expect.objectContaining({ code: 'XML_NOT_ACCEPTED', problem: 'PROFILE_MISMATCH' }),
    );
    expect(() => summarizeXml(xml, profile)).toThrow(`<${name}> holds its value in pieces`);
  });

  it('a value in one CDATA section, or followed by a comment, is read as usual', () => {
    const xml = HTKK.replace(/<tenNNT>[^<]*<\/tenNNT>/, '<tenNNT><![CDATA[CÔNG TY A & B]]></tenNNT>').replace(
      '<mst>0101234567</mst>',
      '<mst>0101234567<!-- MST --></mst>',
    );
    expect(summarizeXml(xml, 'htkk')).toEqual(
      expect.arrayContaining([
        { field: 'taxpayerId', value: '0101234567' },
        { field: 'taxpayerName', value: 'CÔNG TY A & B' },
      ]),
    );
  });
});

/**
 * The full view's rows go to the window in one message. Paths of deep values grow with the square of
 * the depth: a 4 MB document of 990-deep chains made 500,000 rows with 500 million path characters
 * (600 MB of memory in the background before anything was sent). Refused, as a real document fits.
 */
describe('the full view of a document whose rows would not fit in memory or a message', () => {
  const chains = (count: number) => `${'<a>x'.repeat(990)}${'</a>'.repeat(990)}`.repeat(count);
  const problemOf = (read: () => unknown) => {
    try {
      read();
      return 'accepted';
    } catch (error) {
      expect(error).toBeInstanceOf(XmlSignatureError);
      return `${(error as XmlSignatureError).problem}: ${(error as Error).message}`;
    }
  };

  it('4 MB of deep chains: refused by the rows, generic and of a tax return', () => {
    const deep = chains(500);
    expect(deep.length).toBeLessThan(LIMITS.maxXmlChars);
    const refused = 'INVALID_XML: the document holds more values than can be shown';
    expect(problemOf(() => genericXmlRows(`<r>${deep}</r>`))).toBe(refused);
    expect(problemOf(() => xmlContentRows(HTKK.replace('<tenNNT>', `${deep}<tenNNT>`), 'htkk'))).toBe(
      refused,
    );
  }, 120_000);

  it('a 4 MB invoice of 9,000 lines is listed whole', () => {
    const line = /<HHDVu>[\s\S]*?<\/HHDVu>/.exec(EINVOICE)![0];
    const lines = Array.from({ length: 9000 }, () => line).join('');
    const big = EINVOICE.replace(/<DSHHDVu>[\s\S]*<\/DSHHDVu>/, `<DSHHDVu>${lines}</DSHHDVu>`);
    expect(big.length).toBeGreaterThan(3_000_000);
    expect(big.length).toBeLessThan(LIMITS.maxXmlChars);
    const rows = xmlContentRows(big, 'einvoice');
    expect(rows.filter((r) => r.path.endsWith('/THHDVu'))).toHaveLength(9000);
    expect(genericXmlRows(big).filter((r) => r.path.endsWith('/THHDVu'))).toHaveLength(9000);
  }, 120_000);
});

/**
 * A character XML 1.0 does not allow (raw or as a character reference): xmldom reads it, so the window
 * opened, and signing then failed after the PIN with xmldom's own words ("The Text node data contains
 * characters outside the XML Char production"). libxml2 refuses such a document outright.
 */
describe('characters XML 1.0 does not allow', () => {
  it.each([
    ['U+001D', '\u001d', '001D'],
    ['a lone surrogate', '\uD800', 'D800'],
    ['U+FFFE', '\uFFFE', 'FFFE'],
    ['&#x1;', '&#x1;', '0001'],
    ['&#x1; in an attribute', 'attribute', '0001'],
  ])(
    '%s in the signed element: INVALID_XML from the summary, the rows and signing',
    async (_what, written, code) => {
      const xml =
        written === 'attribute'
          ? EINVOICE.replace('<SHDon>1234</SHDon>', '<SHDon b="&#x1;">1234</SHDon>')
          : EINVOICE.replace('<SHDon>1234</SHDon>', `<SHDon>12${written}34</SHDon>`);
      expect(xml).not.toBe(EINVOICE);
      const message = `the XML contains a character XML 1.0 does not allow (U+${code})`;
      expect(() => summarizeXml(xml, 'einvoice')).toThrow(message);
      expect(() => xmlContentRows(xml, 'einvoice')).toThrow(message);
      expect(() => genericXmlRows(xml)).toThrow(message);
      await expect(prepareXmlSignature(xml, { profile: 'einvoice', keyType: 'RSA' })).rejects.toMatchObject({
        code: 'XML_NOT_ACCEPTED',
        problem: 'INVALID_XML',
        message,
      });
    },
  );

  it('outside the signed element too (an attribute of the root), as libxml2 refuses the whole document', () => {
    expect(() => summarizeXml(EINVOICE.replace('<HDon>', '<HDon ghiChu="&#x1;">'), 'einvoice')).toThrow(
      'the XML contains a character XML 1.0 does not allow (U+0001)',
    );
  });
});

/**
 * Signing runs after the PIN. A document it refuses (our output would change it; a processing
 * instruction; an xml:* attribute above the signed element) opened the window and failed only once
 * the PIN was typed: the summary and the rows refuse it, with signing's own words, before.
 */
describe('what signing refuses, the window refuses first', () => {
  const refusal = async (read: () => unknown) => {
    try {
      await read();
      return 'accepted';
    } catch (error) {
      expect(error).toBeInstanceOf(XmlSignatureError);
      return `${(error as XmlSignatureError).problem}: ${(error as Error).message}`;
    }
  };
  const WRITTEN_BACK = 'INVALID_XML: the document would change when written back; refusing to sign it';
  // C14N 1.0 copies xml:* attributes from above onto the SignedInfo (xmlsec1); xml-crypto does not.
  const XML_ATTRIBUTE_ABOVE = 'INVALID_XML: xml:* attributes above signed content are not supported';

  it.each<[string, string, XmlProfile, string]>([
    [
      'a tax return with a CR character reference',
      HTKK.replace('<faxNNT/>', '<faxNNT>a&#13;b</faxNNT>'),
      'htkk',
      WRITTEN_BACK,
    ],
    [
      'an invoice with one in a value',
      EINVOICE.replace('<SHDon>1234</SHDon>', '<SHDon>12&#13;34</SHDon>'),
      'einvoice',
      WRITTEN_BACK,
    ],
    [
      'an invoice with an xml:* attribute above its signature slot',
      EINVOICE.replace('<DSCKS>', '<DSCKS xml:space="preserve">'),
      'einvoice',
      XML_ATTRIBUTE_ABOVE,
    ],
    [
      'an invoice whose seller slot has one',
      EINVOICE.replace('<NBan/>', '<NBan xml:lang="vi"/>'),
      'einvoice',
      XML_ATTRIBUTE_ABOVE,
    ],
    [
      'a tax return whose CKyDTu has one',
      HTKK.replace('<CKyDTu/>', '<CKyDTu xml:lang="vi"/>'),
      'htkk',
      XML_ATTRIBUTE_ABOVE,
    ],
  ])('%s: the summary and the rows refuse it as signing does', async (_what, xml, profile, refused) => {
    expect(await refusal(() => prepareXmlSignature(xml, { profile, keyType: 'RSA' }))).toBe(refused);
    expect(await refusal(() => summarizeXml(xml, profile))).toBe(refused);
    expect(await refusal(() => xmlContentRows(xml, profile))).toBe(refused);
  });

  it.each<[string, string, string | undefined]>([
    ['a CR character reference', '<a><b>a&#13;b</b></a>', undefined],
    ['a processing instruction in the root', '<a><?app x?><b>1</b></a>', undefined],
    ['a processing instruction before the root', '<?app x?><a><b>1</b></a>', undefined],
    ['an xml:lang above the element signed by Id', '<a xml:lang="vi"><b Id="x">1</b></a>', 'x'],
    ['an xml:lang on the root the Signature goes into', '<a xml:lang="vi"><b>1</b></a>', undefined],
  ])('generic XML, %s: the rows refuse it as signing does', async (_what, xml, referenceId) => {
    const signing = await refusal(() =>
      prepareGenericXmlSignature(xml, { keyType: 'RSA', ...(referenceId && { referenceId }) }),
    );
    expect(signing).not.toBe('accepted');
    expect(await refusal(() => genericXmlRows(xml, referenceId))).toBe(signing);
  });
});

/**
 * Namespace declarations (and names like them) C14N implementations read differently: xml-crypto
 * leaves out every attribute named xmlns… (`xmlnsTien` is none) and writes `xmlns:xml`, libxml2
 * (xmlsec1) does the opposite and refuses relative namespace URIs. Signed, the digest was not
 * xmlsec1's (it failed the signature) and `xmlnsTien`'s value was shown but not signed.
 */
describe('namespace declarations XML readers disagree on', () => {
  it.each<[string, string, string, XmlProfile]>([
    [
      'an attribute named like a declaration, in a tax return',
      HTKK.replace('<mst>', '<mst xmlnsTien="1000">'),
      'the attribute "xmlnsTien" is named like a namespace declaration: XML readers disagree on it',
      'htkk',
    ],
    [
      'one outside the signed element of an invoice',
      EINVOICE.replace('<HDon>', '<HDon xmlnsTien="1">'),
      'the attribute "xmlnsTien" is named like a namespace declaration: XML readers disagree on it',
      'einvoice',
    ],
    [
      'the xml prefix declared',
      HTKK.replace('<mst>', '<mst xmlns:xml="http://www.w3.org/XML/1998/namespace">'),
      'the attribute "xmlns:xml" declares the xml prefix: XML readers disagree on it',
      'htkk',
    ],
    [
      'a relative namespace URI',
      EINVOICE.replace('<SHDon>1234</SHDon>', '<SHDon xmlns:r="rel/ns">1234</SHDon>'),
      'the attribute "xmlns:r" declares a relative namespace URI: XML readers disagree on it',
      'einvoice',
    ],
  ])(
    '%s: refused by the summary, the rows and signing (generic too)',
    async (_what, xml, message, profile) => {
      expect(() => summarizeXml(xml, profile)).toThrow(message);
      expect(() => xmlContentRows(xml, profile)).toThrow(message);
      expect(() => genericXmlRows(xml)).toThrow(message);
      await expect(prepareXmlSignature(xml, { profile, keyType: 'RSA' })).rejects.toMatchObject({
        code: 'XML_NOT_ACCEPTED',
        problem: 'INVALID_XML',
        message,
      });
      await expect(prepareGenericXmlSignature(xml, { keyType: 'RSA' })).rejects.toThrow(message);
    },
  );

  it('namespace declarations with absolute URIs, and undeclaring the default, are read as usual', () => {
    const declared = HTKK.replace(
      '<mst>',
      '<mst xmlns:x="urn:x" xmlns:h="https://example.vn/ns" xmlns="http://kekhaithue.gdt.gov.vn/TKhaiThue">',
    ).replace('<PLuc/>', '<PLuc><k xmlns=""/></PLuc>');
    expect(asRecord(summarizeXml(declared, 'htkk'))).toEqual(asRecord(summarizeXml(HTKK, 'htkk')));
  });
});
