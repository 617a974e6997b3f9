/**
 * What a person needs to recognise an XML document before signing it: for a tax return the form,
 * the period and the taxpayer; for an e-invoice its number, date, parties and total. Reading the
 * summary also checks the document fits the profile (and is not signed yet), so a bad document is
 * refused before anyone is asked for a PIN.
 */
import { descendantElements, parseXml, type Element } from './dom.js';
import { placeSignature, type XmlSignatureProfile } from './profiles.js';

export type XmlSummaryField =
  | 'taxForm'
  | 'taxPeriod'
  | 'taxpayerId'
  | 'taxpayerName'
  | 'invoiceNumber'
  | 'invoiceDate'
  | 'sellerName'
  | 'sellerId'
  | 'buyerName'
  | 'buyerId'
  | 'invoiceTotal';

export interface XmlSummaryLine {
  field: XmlSummaryField;
  value: string;
}

/** Shown values are cut here: a summary, not the document. */
const MAX_VALUE_CHARS = 160;

function firstText(root: Element, path: string[]): string | undefined {
  let scope: Element | undefined = root;
  for (const name of path) {
    scope = scope ? [...descendantElements(scope)].find((e) => e !== scope && e.localName === name) : undefined;
  }
  const text = scope?.textContent?.replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, MAX_VALUE_CHARS) : undefined;
}

/** Throws XmlSignatureError (INVALID_XML, PROFILE_MISMATCH, ALREADY_SIGNED) like signing would. */
export function summarizeXml(xml: string, profile: XmlSignatureProfile): XmlSummaryLine[] {
  const document = parseXml(xml);
  placeSignature(document, profile);
  const root = document.documentElement!;
  const fields: Array<[XmlSummaryField, string | undefined]> =
    profile === 'htkk'
      ? [
          ['taxForm', firstText(root, ['TKhaiThue', 'tenTKhai']) ?? firstText(root, ['TKhaiThue', 'maTKhai'])],
          ['taxPeriod', firstText(root, ['KyKKhaiThue', 'kyKKhai'])],
          ['taxpayerId', firstText(root, ['NNT', 'mst'])],
          ['taxpayerName', firstText(root, ['NNT', 'tenNNT'])],
        ]
      : [
          [
            'invoiceNumber',
            joinDefined([firstText(root, ['TTChung', 'KHMSHDon']), firstText(root, ['TTChung', 'KHHDon']), firstText(root, ['TTChung', 'SHDon'])], ' '),
          ],
          ['invoiceDate', firstText(root, ['TTChung', 'NLap'])],
          ['sellerName', firstText(root, ['NDHDon', 'NBan', 'Ten'])],
          ['sellerId', firstText(root, ['NDHDon', 'NBan', 'MST'])],
          ['buyerName', firstText(root, ['NDHDon', 'NMua', 'Ten'])],
          ['buyerId', firstText(root, ['NDHDon', 'NMua', 'MST'])],
          ['invoiceTotal', joinDefined([firstText(root, ['TToan', 'TgTTTBSo']), firstText(root, ['TTChung', 'DVTTe'])], ' ')],
        ];
  return fields.filter((f): f is [XmlSummaryField, string] => f[1] !== undefined).map(([field, value]) => ({ field, value }));
}

function joinDefined(parts: Array<string | undefined>, separator: string): string | undefined {
  const present = parts.filter((p): p is string => p !== undefined);
  return present.length > 0 ? present.join(separator) : undefined;
}
