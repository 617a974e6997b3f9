/**
 * What a person needs to recognise an XML document before signing it: for a tax return the form,
 * the period and the taxpayer; for an e-invoice its number, date, parties and total. Reading the
 * summary also checks the document fits the profile (and is not signed yet), so a bad document is
 * refused before anyone is asked for a PIN.
 */
import type { XmlSignatureProfile } from './profiles.js';
import { readSignedXml, textAt } from './signed-content.js';

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

/** Shown values are cut here (marked): a summary, not the document. */
const MAX_VALUE_CHARS = 160;

/** Each field's exact path from the signed element (HSoKhaiThue, DLHDon), in its namespace. */
const TAX_DECLARATION = ['TTinChung', 'TTinTKhaiThue', 'TKhaiThue'];
const TAXPAYER = ['TTinChung', 'TTinTKhaiThue', 'NNT'];

/**
 * Throws XmlSignatureError (XML_NOT_ACCEPTED: INVALID_XML, PROFILE_MISMATCH, ALREADY_SIGNED,
 * DOCTYPE_NOT_ALLOWED, DUPLICATE_ID, DUPLICATE_SIGNED_NODE, PROCESSING_INSTRUCTION) like signing
 * would, before any window.
 */
export function summarizeXml(xml: string, profile: XmlSignatureProfile): XmlSummaryLine[] {
  const { signed } = readSignedXml(xml, profile);
  const at = (...path: string[]) => {
    const value = textAt(signed, path);
    return value === undefined ? undefined : shortened(value);
  };
  const fields: Array<[XmlSummaryField, string | undefined]> =
    profile === 'htkk'
      ? [
          ['taxForm', at(...TAX_DECLARATION, 'tenTKhai') ?? at(...TAX_DECLARATION, 'maTKhai')],
          ['taxPeriod', at(...TAX_DECLARATION, 'KyKKhaiThue', 'kyKKhai')],
          ['taxpayerId', at(...TAXPAYER, 'mst')],
          ['taxpayerName', at(...TAXPAYER, 'tenNNT')],
        ]
      : [
          [
            'invoiceNumber',
            joinDefined([at('TTChung', 'KHMSHDon'), at('TTChung', 'KHHDon'), at('TTChung', 'SHDon')], ' '),
          ],
          ['invoiceDate', at('TTChung', 'NLap')],
          ['sellerName', at('NDHDon', 'NBan', 'Ten')],
          ['sellerId', at('NDHDon', 'NBan', 'MST')],
          ['buyerName', at('NDHDon', 'NMua', 'Ten')],
          ['buyerId', at('NDHDon', 'NMua', 'MST')],
          ['invoiceTotal', joinDefined([at('NDHDon', 'TToan', 'TgTTTBSo'), at('TTChung', 'DVTTe')], ' ')],
        ];
  return fields
    .filter((f): f is [XmlSummaryField, string] => f[1] !== undefined)
    .map(([field, value]) => ({ field, value }));
}

/**
 * At most MAX_VALUE_CHARS characters, ending in "…" when cut, so a cut value is not taken for the
 * whole one (the full view has it whole). Cut between code points: half an emoji is no character.
 */
function shortened(value: string): string {
  const characters = Array.from(value);
  return characters.length <= MAX_VALUE_CHARS
    ? value
    : `${characters.slice(0, MAX_VALUE_CHARS - 1).join('')}…`;
}

function joinDefined(parts: Array<string | undefined>, separator: string): string | undefined {
  const present = parts.filter((p): p is string => p !== undefined);
  return present.length > 0 ? present.join(separator) : undefined;
}
