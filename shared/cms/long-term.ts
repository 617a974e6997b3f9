/**
 * CAdES long-term validation data (ETSI EN 319 122-1 B-LT; RFC 5126 §6.3.3-6.3.4): the
 * certificate-values and revocation-values unsigned attributes carry the chain and the OCSP
 * responses / CRLs, so a detached CMS can be validated after the CA's services are gone.
 * Only unsigned attributes are added: the signed bytes never change.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from './algorithms.js';
import { contextConstructed, sequence } from './der.js';
import { basicOcspResponseDer } from './revocation-data.js';
import { appendUnsignedAttribute } from './timestamp.js';
import { readContentInfo } from './content-info.js';

export const LONG_TERM_OID = {
  certValues: '1.2.840.113549.1.9.16.2.23',
  revocationValues: '1.2.840.113549.1.9.16.2.24',
  /** RFC 5940: an OCSPResponse among SignedData.crls (OtherRevocationInfoFormat). */
  ocspResponseInfo: '1.3.6.1.5.5.7.16.2',
} as const;

export interface LongTermValues {
  certificates: Uint8Array[];
  /** OCSPResponse or BasicOCSPResponse DER. */
  ocsps: Uint8Array[];
  crls: Uint8Array[];
}

/** Adds certificate-values and revocation-values to the first SignerInfo (after its time-stamp: CAdES-T → LT). */
export function addLongTermValues(cms: Uint8Array, values: LongTermValues, signerIndex = 0): Uint8Array {
  let out = appendUnsignedAttribute(
    cms,
    LONG_TERM_OID.certValues,
    [sequence(...values.certificates)],
    signerIndex,
  );
  // RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList OPTIONAL, ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL } (explicit tags)
  const revocation = sequence(
    ...(values.crls.length ? [contextConstructed(0, sequence(...values.crls))] : []),
    ...(values.ocsps.length
      ? [contextConstructed(1, sequence(...values.ocsps.map(basicOcspResponseDer)))]
      : []),
  );
  out = appendUnsignedAttribute(out, LONG_TERM_OID.revocationValues, [revocation], signerIndex);
  return out;
}

const elementBytes = (block: asn1js.AsnType) => new Uint8Array(block.toBER());

/**
 * Every certificate, OCSP response and CRL a SignerInfo and its SignedData carry for validation:
 * CAdES certificate-values / revocation-values, SignedData.certificates and SignedData.crls.
 */
export function readLongTermValues(
  signedData: pkijs.SignedData,
  signerInfo: pkijs.SignerInfo,
): LongTermValues {
  const values: LongTermValues = { certificates: [], ocsps: [], crls: [] };
  for (const attribute of signerInfo.unsignedAttrs?.attributes ?? []) {
    const value: unknown = attribute.values[0];
    if (!(value instanceof asn1js.Sequence)) continue;
    if (attribute.type === LONG_TERM_OID.certValues)
      values.certificates.push(...value.valueBlock.value.map(elementBytes));
    if (attribute.type === LONG_TERM_OID.revocationValues) {
      for (const tagged of value.valueBlock.value) {
        // Unsigned: anyone can put anything here; what is not [0]/[1] SEQUENCE OF is skipped.
        if (!(tagged instanceof asn1js.Constructed)) continue;
        const inner = tagged.valueBlock.value[0];
        if (!(inner instanceof asn1js.Sequence)) continue;
        const list = inner.valueBlock.value.map(elementBytes);
        if (tagged.idBlock.tagNumber === 0) values.crls.push(...list);
        if (tagged.idBlock.tagNumber === 1) values.ocsps.push(...list);
      }
    }
  }
  for (const crl of signedData.crls ?? []) {
    if (crl instanceof pkijs.CertificateRevocationList)
      values.crls.push(new Uint8Array((crl.toSchema() as asn1js.Sequence).toBER()));
    else if (
      crl instanceof pkijs.OtherRevocationInfoFormat &&
      crl.otherRevInfoFormat === LONG_TERM_OID.ocspResponseInfo
    )
      values.ocsps.push(elementBytes(crl.otherRevInfo as asn1js.AsnType));
  }
  return values;
}

/** The SignedData and its first (or `signer`th) SignerInfo of a CMS, or undefined when it is not one. */
export function parseSignedData(
  cms: Uint8Array,
  signer = 0,
): { signedData: pkijs.SignedData; signerInfo: pkijs.SignerInfo } | undefined {
  try {
    const contentInfo = readContentInfo(cms);
    if (contentInfo.contentType !== OID.signedData) return undefined;
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    const signerInfo = signedData.signerInfos[signer];
    return signerInfo ? { signedData, signerInfo } : undefined;
  } catch {
    return undefined;
  }
}
