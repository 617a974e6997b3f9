/**
 * Documents kyso must refuse before any consent window, with the refusal each gets: one list for the
 * unit tests of the XML summary and for the browser tests that send the same documents through the SDK.
 */
import { EINVOICE, HTKK_RETURN } from './fixtures.js';
import { differentialPdfs } from './pdf-builder.js';

export type XmlProfile = 'htkk' | 'einvoice';

export interface HostileXml {
  what: string;
  xml: string;
  profile: XmlProfile;
  /** The XML_NOT_ACCEPTED problem (see `isExpectedProblem`). */
  problem: string;
}

const entityDeclared = EINVOICE.replace(
  '<HDon>',
  '<!DOCTYPE HDon [<!ENTITY seller "NGƯỜI BÁN GIẢ">]>\n<HDon>',
).replace('<Ten>CÔNG TY TNHH', '<Ten>&seller;');

export const HOSTILE_XML: HostileXml[] = [
  {
    what: 'a second signed-element candidate',
    profile: 'einvoice',
    problem: 'DUPLICATE_SIGNED_NODE',
    xml: EINVOICE.replace('<DSCKS>', '<DLHDon Id="x"><TTChung/></DLHDon><DSCKS>'),
  },
  {
    what: 'a candidate nested elsewhere',
    profile: 'htkk',
    problem: 'DUPLICATE_SIGNED_NODE',
    xml: HTKK_RETURN.replace('<CKyDTu/>', '<CKyDTu><HSoKhaiThue/></CKyDTu>'),
  },
  {
    what: 'one id on two elements',
    profile: 'einvoice',
    problem: 'DUPLICATE_ID',
    xml: EINVOICE.replace('<NBan/>', '<NBan Id="DLHDon-C26TKS-00001234"/>'),
  },
  {
    what: 'a summary field twice on its path',
    profile: 'einvoice',
    problem: 'DUPLICATE_SIGNED_NODE',
    xml: EINVOICE.replace('<TToan>', '<TToan><TgTTTBSo>1</TgTTTBSo>'),
  },
  {
    what: 'a summary field in another namespace',
    profile: 'einvoice',
    problem: 'PROFILE_MISMATCH',
    xml: EINVOICE.replace('<MST>0101234567</MST>', '<x:MST xmlns:x="urn:other">0101234567</x:MST>'),
  },
  {
    what: "a summary field's name again deeper inside",
    profile: 'einvoice',
    problem: 'DUPLICATE_SIGNED_NODE',
    xml: EINVOICE.replace('<STT>2</STT>', '<STT>2</STT><MST>9999999999</MST>'),
  },
  {
    what: 'a DOCTYPE',
    profile: 'htkk',
    problem: 'DOCTYPE_NOT_ALLOWED',
    xml: HTKK_RETURN.replace('<HSoThueDTu', '<!DOCTYPE HSoThueDTu>\n<HSoThueDTu'),
  },
  { what: 'an entity declaration', profile: 'einvoice', problem: 'INVALID_XML', xml: entityDeclared },
  {
    what: 'an undeclared entity',
    profile: 'einvoice',
    problem: 'INVALID_XML',
    xml: EINVOICE.replace('<Ten>CÔNG TY TNHH', '<Ten>&seller;'),
  },
  {
    what: 'a processing instruction inside the signed element',
    profile: 'einvoice',
    problem: 'PROCESSING_INSTRUCTION',
    xml: EINVOICE.replace('<TToan>', '<TToan><?render total="1"?>'),
  },
];

/** One case of HOSTILE_XML by its description. */
export function hostileXml(what: string): HostileXml {
  const found = HOSTILE_XML.find((c) => c.what === what);
  if (!found) throw new Error(`no hostile XML case "${what}"`);
  return found;
}

/** A DOCTYPE with entities may already fail as not well-formed in xmldom; either is a refusal. */
export function isExpectedProblem(expected: string, found: unknown): boolean {
  return expected === 'INVALID_XML'
    ? found === 'INVALID_XML' || found === 'DOCTYPE_NOT_ALLOWED'
    : found === expected;
}

/** signPdf options for the PDF whose last xref reverts page 1 (readers show the draft), and its refusal. */
export function revertedPdfRequest(): { pdf: string; name: string; description: string } {
  const revert = differentialPdfs().find((p) => p.name === 'revert-xref')!;
  return {
    pdf: Buffer.from(revert.bytes).toString('base64'),
    name: 'giay-nhan-no.pdf',
    description: 'Giấy nhận nợ',
  };
}

export const REVERTED_PDF_REFUSAL = {
  ok: false,
  code: 'PDF_AMBIGUOUS',
  details: { document: 0, problem: 'object-outside-xref' },
};
