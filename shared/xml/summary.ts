/**
 * What a person needs to recognise an XML document before signing it: for a tax return the form,
 * the period, the taxpayer and the tax agent filing for it, if any; for an e-invoice its number,
 * date, parties and total. Reading the summary also checks the document fits the profile (and is
 * not signed yet), so a bad document is refused before anyone is asked for a PIN.
 */
import type { Element } from './dom.js';
import type { XmlSignatureProfile } from './profiles.js';
import { assertFieldNamesOnlyAtPaths, readSignedXml, textAt } from './signed-content.js';

export type XmlSummaryField =
  | 'taxForm'
  | 'taxPeriod'
  | 'taxpayerId'
  | 'taxpayerName'
  | 'taxAgentId'
  | 'taxAgentName'
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
/** A tax agent filing for the taxpayer (Circular 80/2021: DLyThue; empty elements when none). */
const TAX_AGENT = ['TTinChung', 'TTinTKhaiThue', 'DLyThue'];

/**
 * The part of a tax return holding every field; its body and appendices come after it and may use
 * a field's name for their own data (see assertFieldNamesOnlyAtPaths). An e-invoice has no such
 * part: its names are refused off their paths anywhere in DLHDon.
 */
const HEADER: Record<'htkk' | 'einvoice', string[] | undefined> = {
  htkk: ['TTinChung'],
  einvoice: undefined,
};

/** Each field's paths, joined by a space when it has several (tried in order with `first`). */
type FieldPaths = { field: XmlSummaryField; paths: string[][]; first?: true };

const FIELDS: Record<'htkk' | 'einvoice', FieldPaths[]> = {
  htkk: [
    {
      field: 'taxForm',
      paths: [
        [...TAX_DECLARATION, 'tenTKhai'],
        [...TAX_DECLARATION, 'maTKhai'],
      ],
      first: true,
    },
    { field: 'taxPeriod', paths: [[...TAX_DECLARATION, 'KyKKhaiThue', 'kyKKhai']] },
    { field: 'taxpayerId', paths: [[...TAXPAYER, 'mst']] },
    { field: 'taxpayerName', paths: [[...TAXPAYER, 'tenNNT']] },
    { field: 'taxAgentId', paths: [[...TAX_AGENT, 'mstDLyThue']] },
    { field: 'taxAgentName', paths: [[...TAX_AGENT, 'tenDLyThue']] },
  ],
  einvoice: [
    {
      field: 'invoiceNumber',
      paths: [
        ['TTChung', 'KHMSHDon'],
        ['TTChung', 'KHHDon'],
        ['TTChung', 'SHDon'],
      ],
    },
    { field: 'invoiceDate', paths: [['TTChung', 'NLap']] },
    { field: 'sellerName', paths: [['NDHDon', 'NBan', 'Ten']] },
    { field: 'sellerId', paths: [['NDHDon', 'NBan', 'MST']] },
    { field: 'buyerName', paths: [['NDHDon', 'NMua', 'Ten']] },
    { field: 'buyerId', paths: [['NDHDon', 'NMua', 'MST']] },
    {
      field: 'invoiceTotal',
      paths: [
        ['NDHDon', 'TToan', 'TgTTTBSo'],
        ['TTChung', 'DVTTe'],
      ],
    },
  ],
};

/**
 * Throws XmlSignatureError (XML_NOT_ACCEPTED: INVALID_XML, PROFILE_MISMATCH, ALREADY_SIGNED,
 * DOCTYPE_NOT_ALLOWED, DUPLICATE_ID, DUPLICATE_SIGNED_NODE, PROCESSING_INSTRUCTION) like signing
 * would, before any window: also for a field in another namespace than the signed element's
 * (PROFILE_MISMATCH) and a field's name again inside the signed element off its path
 * (DUPLICATE_SIGNED_NODE), which a receiver could read as the field while the window shows another;
 * in a tax return, only up to the end of TTinChung (its body and appendices reuse names like mst).
 */
export function summarizeXml(xml: string, profile: XmlSignatureProfile): XmlSummaryLine[] {
  return summarizeSignedElement(readSignedXml(xml, profile).signed, profile);
}

/**
 * The summary of a signed element found otherwise (the verifier's HSoKhaiThue or DLHDon, in a
 * document already signed): the same fields and the same refusals of the fields themselves.
 */
export function summarizeSignedElement(signed: Element, profile: XmlSignatureProfile): XmlSummaryLine[] {
  const kind = profile === 'htkk' ? 'htkk' : 'einvoice';
  const fields = FIELDS[kind];
  assertFieldNamesOnlyAtPaths(
    signed,
    fields.flatMap(({ paths }) => paths),
    HEADER[kind],
  );
  return fields.flatMap(({ field, paths, first }) => {
    const values = paths
      .map((path) => textAt(signed, path))
      .filter((value): value is string => value !== undefined);
    const value = first ? values[0] : values.length > 0 ? values.join(' ') : undefined;
    return value === undefined ? [] : [{ field, value: shortened(value) }];
  });
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
