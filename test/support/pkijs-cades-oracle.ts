// Test oracle: the same CAdES-BES structure built with pkijs (the reference the fast DER writer is checked against).
/**
 * CAdES-BES SignedData (RFC 5652 + ETSI EN 319 122-1) built around an external signer: the private
 * key stays on the token, we only hand it the digest of the signed attributes.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toArrayBuffer } from '../../shared/encoding.js';
import { OID, type KeyType } from '../../shared/cms/algorithms.js';
import {
  digestAlgorithmIdentifier,
  signatureAlgorithmIdentifier,
} from '../../shared/cms/algorithm-identifiers.js';
import { digest } from '../../shared/cms/digest.js';
// The oracle takes exactly what the DER writer takes.
import type { CadesOptions, DigestSigner } from '../../shared/cms/cades.js';

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

/** SigningCertificateV2 with one ESSCertIDv2 (SHA-256, the default, so hashAlgorithm is omitted). */
async function signingCertificateV2(certDer: Uint8Array, cert: pkijs.Certificate): Promise<asn1js.Sequence> {
  const certHash = await digest('SHA-256', certDer);
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        // GeneralNames: one directoryName [4] holding the issuer's Name
        value: [
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] }),
        ],
      }),
      cert.serialNumber,
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: toArrayBuffer(certHash) }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

/** DER requires SET OF members in ascending order of their encodings; pkijs does not sort. */
function sortByDer(attributes: pkijs.Attribute[]): pkijs.Attribute[] {
  const encoded = attributes.map((a) => ({ a, der: new Uint8Array(a.toSchema().toBER()) }));
  encoded.sort((x, y) => compareBytes(x.der, y.der));
  return encoded.map((e) => e.a);
}

function compareBytes(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export interface PreparedSignedAttributes {
  signedAttrs: pkijs.SignedAndUnsignedAttributes;
  /** The bytes the signature covers: DER of the attributes with the universal SET tag. */
  toBeSigned: Uint8Array;
  certificate: pkijs.Certificate;
}

export async function prepareSignedAttributes(options: CadesOptions): Promise<PreparedSignedAttributes> {
  const certificate = pkijs.Certificate.fromBER(toArrayBuffer(options.signerCertificate));
  const attributes = [
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: toArrayBuffer(options.contentDigest) })),
    attribute(OID.signingCertificateV2, await signingCertificateV2(options.signerCertificate, certificate)),
  ];
  if (options.signingTime !== null) {
    attributes.push(
      attribute(OID.signingTime, new asn1js.UTCTime({ valueDate: options.signingTime ?? new Date() })),
    );
  }
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sortByDer(attributes) });
  const toBeSigned = new Uint8Array(signedAttrs.toSchema().toBER());
  toBeSigned[0] = 0x31; // [0] IMPLICIT in SignerInfo, but signed as a universal SET (RFC 5652 §5.4)
  return { signedAttrs, toBeSigned, certificate };
}

/** Raw ECDSA r‖s (PKCS#11) → DER Ecdsa-Sig-Value (CMS). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  return new Uint8Array(pkijs.createCMSECDSASignature(toArrayBuffer(raw)));
}

export async function signCades(options: CadesOptions, signer: DigestSigner): Promise<Uint8Array> {
  const prepared = await prepareSignedAttributes(options);
  const toSign = await digest(options.digestAlgorithm, prepared.toBeSigned);
  const rawSignature = await signer.signDigest(toSign, options.digestAlgorithm, prepared.toBeSigned);
  const signatureValue = signer.keyType === 'EC' ? ecdsaRawToDer(rawSignature) : rawSignature;
  return assembleSignedData(options, prepared, signer.keyType, signatureValue);
}

export function assembleSignedData(
  options: CadesOptions,
  prepared: PreparedSignedAttributes,
  keyType: KeyType,
  signatureValue: Uint8Array,
): Uint8Array {
  const { certificate, signedAttrs } = prepared;
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({
      issuer: certificate.issuer,
      serialNumber: certificate.serialNumber,
    }),
    digestAlgorithm: digestAlgorithmIdentifier(options.digestAlgorithm),
    signedAttrs,
    signatureAlgorithm: signatureAlgorithmIdentifier(keyType, options.digestAlgorithm),
    signature: new asn1js.OctetString({ valueHex: toArrayBuffer(signatureValue) }),
  });
  const encapContentInfo = new pkijs.EncapsulatedContentInfo({ eContentType: OID.data });
  if (options.content) {
    encapContentInfo.eContent = new asn1js.OctetString({ valueHex: toArrayBuffer(options.content) });
  }
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [digestAlgorithmIdentifier(options.digestAlgorithm)],
    encapContentInfo,
    certificates: [
      certificate,
      ...(options.chain ?? []).map((der) => pkijs.Certificate.fromBER(toArrayBuffer(der))),
    ],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID.signedData,
    content: signedData.toSchema(true),
  });
  return new Uint8Array(contentInfo.toSchema().toBER());
}
