/**
 * Turns a detached SignedData into an attached one. The signature covers the signed attributes
 * (whose messageDigest is the content's digest), not eContent itself, so the content can be
 * inserted afterwards: documents are signed by digest and still shipped as one .p7m when wanted.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toArrayBuffer } from '../encoding.js';
import { OID } from './algorithms.js';
import { readContentInfo } from './content-info.js';

/** encapContentInfo's place in SignedData (after version and digestAlgorithms). */
const ENCAP_CONTENT_INFO = 2;

export function attachContent(cms: Uint8Array, content: Uint8Array): Uint8Array {
  const contentInfo = readContentInfo(cms);
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  const eContent = new asn1js.OctetString({ valueHex: toArrayBuffer(content) });
  signedData.encapContentInfo.eContent = eContent;
  const schema = signedData.toSchema(true) as asn1js.Sequence;
  // pkijs leaves out an empty eContent (it equals its default), which would make the signature
  // detached: an empty document's content is written here, as [0] { OCTET STRING (empty) }.
  const encapContentInfo = schema.valueBlock.value[ENCAP_CONTENT_INFO] as asn1js.Sequence;
  if (encapContentInfo.valueBlock.value.length === 1)
    encapContentInfo.valueBlock.value.push(
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [eContent] }),
    );
  const updated = new pkijs.ContentInfo({ contentType: OID.signedData, content: schema });
  return new Uint8Array(updated.toSchema().toBER());
}
