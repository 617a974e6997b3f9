/**
 * ESS signing-certificate attributes: signingCertificate (RFC 2634, SHA-1) and signingCertificateV2
 * (RFC 5035). Signed, they bind the signature to one certificate: the SignerInfo's sid and the
 * certificate set are not signed, so without this check a signature moves to any certificate of
 * the same key (a renewal, a second role certified for the same token key).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesEqual } from '../encoding.js';
import type { DigestAlgorithm } from '../protocol/common.js';
import { OID, digestAlgorithmFromOid } from './algorithms.js';
import { digest, sha1 } from './digest.js';

export const SIGNING_CERTIFICATE_V1 = '1.2.840.113549.1.9.16.2.12';

export type EssVersion = 'v1' | 'v2';
export type EssMismatch = 'unknown-hash' | 'other-certificate' | 'other-serial' | 'malformed';

/** Whether one attribute's first ESSCertID(v2) names `certDer` (its hash and, when given, its serial). */
async function mismatchOf(
  attribute: pkijs.Attribute,
  version: EssVersion,
  certDer: Uint8Array,
  cert: pkijs.Certificate,
): Promise<EssMismatch | undefined> {
  try {
    const signingCertificate = attribute.values[0] as asn1js.Sequence;
    const first = (signingCertificate.valueBlock.value[0] as asn1js.Sequence).valueBlock
      .value[0] as asn1js.Sequence;
    const parts = first.valueBlock.value;
    let index = 0;
    let hash: Uint8Array;
    if (version === 'v2') {
      let algorithm: DigestAlgorithm | undefined = 'SHA-256';
      if (parts[0] instanceof asn1js.Sequence) {
        algorithm = digestAlgorithmFromOid(new pkijs.AlgorithmIdentifier({ schema: parts[0] }).algorithmId);
        index = 1;
      }
      if (!algorithm) return 'unknown-hash';
      hash = await digest(algorithm, certDer);
    } else hash = await sha1(certDer);
    const certHash = parts[index];
    if (!(certHash instanceof asn1js.OctetString)) return 'malformed';
    if (!bytesEqual(new Uint8Array(certHash.valueBlock.valueHexView), hash)) return 'other-certificate';
    const issuerSerial = parts[index + 1] as asn1js.Sequence | undefined;
    const serial = issuerSerial?.valueBlock.value[1] as asn1js.Integer | undefined;
    if (serial && !serial.isEqual(cert.serialNumber)) return 'other-serial';
    return undefined;
  } catch {
    return 'malformed'; // signed by whoever signed: its value may be any ASN.1 at all
  }
}

/**
 * The ESS signing-certificate attributes among `attributes` (v1, v2 or both), and for each whether
 * it names `certDer`; an empty list when there is none.
 */
export async function essSigningCertificateChecks(
  attributes: pkijs.Attribute[],
  certDer: Uint8Array,
  cert: pkijs.Certificate,
): Promise<{ version: EssVersion; mismatch?: EssMismatch }[]> {
  const checks: { version: EssVersion; mismatch?: EssMismatch }[] = [];
  for (const [version, type] of [
    ['v2', OID.signingCertificateV2],
    ['v1', SIGNING_CERTIFICATE_V1],
  ] as const) {
    const attribute = attributes.find((a) => a.type === type);
    if (!attribute) continue;
    const mismatch = await mismatchOf(attribute, version, certDer, cert);
    checks.push({ version, ...(mismatch && { mismatch }) });
  }
  return checks;
}
