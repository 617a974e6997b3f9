/** The certificate a SignerInfo's sid names, among those a SignedData carries (RFC 5652 §5.3). */
import type * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesEqual } from '../encoding.js';
import { sha1 } from './digest.js';

const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

/** A certificate's subjectKeyIdentifier extension value (the key identifier's bytes); undefined without one. */
export function subjectKeyIdentifier(certificate: pkijs.Certificate): Uint8Array | undefined {
  const extension = certificate.extensions?.find((e) => e.extnID === SUBJECT_KEY_IDENTIFIER);
  const value = (extension?.parsedValue as asn1js.OctetString | undefined)?.valueBlock?.valueHexView;
  return value instanceof Uint8Array ? new Uint8Array(value) : undefined;
}

/**
 * The first of `certificates` the sid names: by issuer and serial number, or by [0]
 * subjectKeyIdentifier (openssl cms -sign -keyid, .NET's SubjectKeyIdentifier signers): the
 * certificate's own SKI, else the RFC 5280 method 1 hash. A key identifier names a key, not a
 * certificate: the ESS signing-certificate attribute tells which (shared/cms/ess.ts).
 */
export async function certificateForSid(
  certificates: pkijs.Certificate[],
  sid: unknown, // pkijs types it any: IssuerAndSerialNumber or [0] OctetString
): Promise<pkijs.Certificate | undefined> {
  for (const cert of certificates) {
    if (sid instanceof pkijs.IssuerAndSerialNumber) {
      if (cert.issuer.isEqual(sid.issuer) && cert.serialNumber.isEqual(sid.serialNumber)) return cert;
      continue;
    }
    const wanted = (sid as asn1js.OctetString | undefined)?.valueBlock?.valueHexView;
    if (!(wanted instanceof Uint8Array)) return undefined;
    const keyId =
      subjectKeyIdentifier(cert) ??
      (await sha1(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView));
    if (bytesEqual(keyId, new Uint8Array(wanted))) return cert;
  }
  return undefined;
}
