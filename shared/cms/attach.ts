/**
 * Turns a detached SignedData into an attached one. The signature covers the signed attributes
 * (whose messageDigest is the content's digest), not eContent itself, so the content can be
 * inserted afterwards: documents are signed by digest and still shipped as one .p7m when wanted.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toArrayBuffer } from '../encoding.js';
import { OID } from './algorithms.js';

export function attachContent(cms: Uint8Array, content: Uint8Array): Uint8Array {
  const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(cms));
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  signedData.encapContentInfo.eContent = new asn1js.OctetString({ valueHex: toArrayBuffer(content) });
  const updated = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return new Uint8Array(updated.toSchema().toBER());
}
