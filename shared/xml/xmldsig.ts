/**
 * XMLDSig enveloped signatures for Vietnamese tax returns and e-invoices, in two steps so the
 * document stays where it is prepared and only the SignedInfo digest travels to the token:
 *   prepareXmlSignature → token signs signedInfoDigest → completeXmlSignature.
 */
import { bytesEqual, bytesToBase64, hexToBytes } from '../encoding.js';
import type { KeyType } from '../cms/algorithms.js';
import type { DigestSigner } from '../cms/cades.js';
import { summarizeCertificate } from '../certificate/profile.js';
import {
  C14N_10,
  DIGEST_METHODS,
  DSIG_NS,
  ENVELOPED_SIGNATURE,
  SIGNATURE_METHODS,
  XML_DIGEST_INFO_PREFIX,
  xmlDigest,
  type XmlDigestAlgorithm,
} from './algorithms.js';
import {
  canonicalize,
  canonicalizeWithout,
  childElement,
  elementById,
  parseForSigning,
  parseXml,
  serializeXml,
  type Document,
  type Element,
} from './dom.js';
import { XmlSignatureError } from './errors.js';
import { placeSignature, type XmlSignatureProfile } from './profiles.js';
import { subjectNameRfc4514 } from './subject-name.js';

export interface XmlSignatureOptions {
  profile: XmlSignatureProfile;
  keyType: KeyType;
  /** SHA-256 unless given. 'SHA-1' (rsa-sha1) also needs `allowSha1: true`. */
  digestAlgorithm?: XmlDigestAlgorithm;
  /** SHA-1 is broken for signatures; only for receivers that still demand it, and only on request. */
  allowSha1?: boolean;
  /** e-invoices: the SigningTime written into the signed Object; now unless given. */
  signingTime?: Date;
  /**
   * e-invoices: write SigningTime with "+07:00". Off by default: invoices in the wild carry
   * Vietnam local time with no offset, and the software that reads them parses that shape.
   */
  signingTimeWithOffset?: boolean;
  /** The Signature's Id (an XML NCName); generated unless given. */
  signatureId?: string;
}

export interface PreparedXmlSignature {
  profile: XmlSignatureProfile;
  keyType: KeyType;
  digestAlgorithm: XmlDigestAlgorithm;
  signatureId: string;
  /** The document with its Signature in place and an empty SignatureValue. */
  xml: string;
  /** Canonical (C14N 1.0) SignedInfo as UTF-8: what is signed. */
  canonicalSignedInfo: Uint8Array;
  /** digestAlgorithm(canonicalSignedInfo): what the token signs. */
  signedInfoDigest: Uint8Array;
  /** RSA: DigestInfo(signedInfoDigest), the input of a raw CKM_RSA_PKCS signature. */
  digestInfo?: Uint8Array;
  /** The ID attribute verifiers must be told about (xmlsec1 `--id-attr:<attribute> <namespace>:<element>`). */
  idAttribute: { element: string; namespace: string | null; attribute: string };
}

/** A signer that can also sign a DigestInfo as given (CKM_RSA_PKCS): what rsa-sha1 needs. */
export interface DigestInfoSigner extends DigestSigner {
  signDigestInfo(digestInfo: Uint8Array): Promise<Uint8Array>;
}

export interface SignXmlOptions extends Omit<XmlSignatureOptions, 'keyType'> {
  /** The signer's certificate (DER), written into KeyInfo. */
  certificate: Uint8Array;
}

const NCNAME = /^[A-Za-z_][\w.-]*$/;
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
/** Raw r‖s length by curve: a DER-encoded ECDSA value has another length and is caught. */
const EC_SIGNATURE_BYTES: Record<string, number> = { 'P-256': 64, 'P-384': 96, 'P-521': 132 };

/** Vietnam local time (UTC+7 all year) as xs:dateTime, to the second. */
export function formatSigningTime(date: Date, withOffset = false): string {
  const local = new Date(date.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 19);
  return withOffset ? `${local}+07:00` : local;
}

function chooseDigestAlgorithm(options: XmlSignatureOptions): XmlDigestAlgorithm {
  const algorithm = options.digestAlgorithm ?? 'SHA-256';
  if (!(algorithm in DIGEST_METHODS)) {
    throw new XmlSignatureError('UNSUPPORTED_ALGORITHM', `unknown digest algorithm "${String(algorithm)}"`);
  }
  if (options.keyType !== 'RSA' && options.keyType !== 'EC') {
    throw new XmlSignatureError('UNSUPPORTED_ALGORITHM', `unknown key type "${String(options.keyType)}"`);
  }
  if (algorithm === 'SHA-1') {
    if (options.allowSha1 !== true) {
      throw new XmlSignatureError('SHA1_NOT_ALLOWED', 'SHA-1 signatures need allowSha1: true');
    }
    // rsa-sha1 is what old tax notices use; nobody asks for ecdsa-sha1.
    if (options.keyType !== 'RSA')
      throw new XmlSignatureError('SHA1_NOT_ALLOWED', 'SHA-1 is only offered for RSA keys');
  }
  return algorithm;
}

export function randomId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return `sig-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Appends a child in the dsig namespace, with text if given. */
export function dsig(
  parent: Element,
  localName: string,
  attributes: Record<string, string> = {},
  text?: string,
): Element {
  const element = parent.ownerDocument!.createElementNS(DSIG_NS, localName);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.appendChild(parent.ownerDocument!.createTextNode(text));
  parent.appendChild(element);
  return element;
}

/** A Reference with its Transforms and an empty DigestValue, filled in once the digest is known. */
export function appendReference(
  signedInfo: Element,
  uri: string,
  transforms: string[],
  digestAlgorithm: XmlDigestAlgorithm,
) {
  const reference = dsig(signedInfo, 'Reference', { URI: uri });
  const transformsElement = dsig(reference, 'Transforms');
  for (const algorithm of transforms) dsig(transformsElement, 'Transform', { Algorithm: algorithm });
  dsig(reference, 'DigestMethod', { Algorithm: DIGEST_METHODS[digestAlgorithm] });
  dsig(reference, 'DigestValue');
}

/** A Signature as `container`'s last child, with the start of its SignedInfo: the References follow. */
export function appendSignature(
  container: Element,
  signatureId: string,
  keyType: KeyType,
  digestAlgorithm: XmlDigestAlgorithm,
): { signature: Element; signedInfo: Element } {
  const signature = container.ownerDocument!.createElementNS(DSIG_NS, 'Signature');
  signature.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns', DSIG_NS);
  signature.setAttribute('Id', signatureId);
  container.appendChild(signature);
  const signedInfo = dsig(signature, 'SignedInfo');
  dsig(signedInfo, 'CanonicalizationMethod', { Algorithm: C14N_10 });
  dsig(signedInfo, 'SignatureMethod', { Algorithm: SIGNATURE_METHODS[keyType][digestAlgorithm] });
  return { signature, signedInfo };
}

export function findSignature(document: Document, signatureId: string): Element {
  const signature = elementById(document, signatureId);
  if (signature.namespaceURI !== DSIG_NS || signature.localName !== 'Signature') {
    throw new XmlSignatureError('PROFILE_MISMATCH', `"${signatureId}" is not a Signature`);
  }
  return signature;
}

export function requireDsigChild(parent: Element, localName: string): Element {
  const child = childElement(parent, DSIG_NS, localName);
  if (!child) throw new XmlSignatureError('PROFILE_MISMATCH', `<${parent.localName}> has no <${localName}>`);
  return child;
}

export function setText(element: Element, text: string): void {
  while (element.firstChild) element.removeChild(element.firstChild);
  element.appendChild(element.ownerDocument!.createTextNode(text));
}

/**
 * Builds the Signature (SignedInfo with its References and DigestValues, empty SignatureValue)
 * where the profile puts it, and returns the SignedInfo digest for the token to sign.
 */
export async function prepareXmlSignature(
  xml: string,
  options: XmlSignatureOptions,
): Promise<PreparedXmlSignature> {
  const digestAlgorithm = chooseDigestAlgorithm(options);
  const signatureId = options.signatureId ?? randomId();
  if (!NCNAME.test(signatureId))
    throw new XmlSignatureError('PROFILE_MISMATCH', 'signatureId must be an XML NCName');

  const original = parseForSigning(xml);

  const place = placeSignature(original, options.profile);
  const signingTimeId = `SigningTime-${signatureId}`;
  const { signature, signedInfo } = appendSignature(
    place.container,
    signatureId,
    options.keyType,
    digestAlgorithm,
  );
  appendReference(signedInfo, `#${place.target.id}`, [ENVELOPED_SIGNATURE, C14N_10], digestAlgorithm);
  if (place.signingTimeObject) {
    // No enveloped-signature transform here: the Object is inside the Signature, and that
    // transform would remove all of it.
    appendReference(signedInfo, `#${signingTimeId}`, [C14N_10], digestAlgorithm);
  }
  dsig(signature, 'SignatureValue');
  if (place.signingTimeObject) {
    const object = dsig(signature, 'Object', { Id: signingTimeId });
    const property = dsig(dsig(object, 'SignatureProperties'), 'SignatureProperty', {
      Target: `#${signatureId}`,
    });
    dsig(
      property,
      'SigningTime',
      {},
      formatSigningTime(options.signingTime ?? new Date(), options.signingTimeWithOffset),
    );
  }

  // Digest what a verifier will parse: our own output, read back.
  const withReferences = parseXml(serializeXml(original));
  const placedSignature = findSignature(withReferences, signatureId);
  const references = [...elementsNamed(requireDsigChild(placedSignature, 'SignedInfo'), 'Reference')];
  for (const reference of references) {
    const id = reference.getAttribute('URI')!.slice(1);
    const target = elementById(withReferences, id);
    const canonical = canonicalizeWithout(target, placedSignature);
    const digestValue = await xmlDigest(digestAlgorithm, new TextEncoder().encode(canonical));
    setText(requireDsigChild(reference, 'DigestValue'), bytesToBase64(digestValue));
  }
  const target = elementById(withReferences, place.target.id);
  if (target.localName !== place.target.localName) {
    throw new XmlSignatureError(
      'PROFILE_MISMATCH',
      `the id "${place.target.id}" names <${target.localName}>`,
    );
  }

  return preparedSignature({
    profile: options.profile,
    keyType: options.keyType,
    digestAlgorithm,
    signatureId,
    xml: serializeXml(withReferences),
    idAttribute: {
      element: place.target.localName,
      namespace: target.namespaceURI,
      attribute: place.target.attribute,
    },
  });
}

function* elementsNamed(parent: Element, localName: string): Generator<Element> {
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    const element = child as Element;
    if (child.nodeType === 1 && element.namespaceURI === DSIG_NS && element.localName === localName)
      yield element;
  }
}

type WhatTheTokenSigns = 'canonicalSignedInfo' | 'signedInfoDigest' | 'digestInfo';

/**
 * A prepared document (Signature in place, SignatureValue empty) completed with what the token signs:
 * its canonical SignedInfo, that digest and (RSA) the DigestInfo over it.
 */
export async function preparedSignature<
  P extends Omit<PreparedXmlSignature, WhatTheTokenSigns | 'profile'> & { profile: string },
>(prepared: P): Promise<P & Pick<PreparedXmlSignature, WhatTheTokenSigns>> {
  const canonicalSignedInfo = signedInfoOf(parseXml(prepared.xml), prepared.signatureId);
  const signedInfoDigest = await xmlDigest(prepared.digestAlgorithm, canonicalSignedInfo);
  return {
    ...prepared,
    canonicalSignedInfo,
    signedInfoDigest,
    ...(prepared.keyType === 'RSA'
      ? { digestInfo: digestInfoOf(prepared.digestAlgorithm, signedInfoDigest) }
      : {}),
  };
}

/** SignedInfo, canonical: the bytes whose digest the token signs. */
export function signedInfoOf(document: Document, signatureId: string): Uint8Array {
  const signedInfo = requireDsigChild(findSignature(document, signatureId), 'SignedInfo');
  return new TextEncoder().encode(canonicalize(signedInfo));
}

/** The DER DigestInfo an RSA PKCS#1 v1.5 token mechanism without hashing signs. */
export function digestInfoOf(algorithm: XmlDigestAlgorithm, digest: Uint8Array): Uint8Array {
  const prefix = hexToBytes(XML_DIGEST_INFO_PREFIX[algorithm]);
  const digestInfo = new Uint8Array(prefix.length + digest.length);
  digestInfo.set(prefix);
  digestInfo.set(digest, prefix.length);
  return digestInfo;
}

/** Checks the value fits the certificate's key: a DER ECDSA value or a wrong key shows here, not at the verifier. */
function assertSignatureFits(signatureValue: Uint8Array, certificate: Uint8Array, keyType: KeyType): void {
  const summary = summarizeCertificate(certificate);
  if (summary.keyType !== keyType) {
    throw new XmlSignatureError(
      'SIGNATURE_MISMATCH',
      `the certificate holds a ${summary.keyType} key, not ${keyType}`,
    );
  }
  const expected = keyType === 'RSA' ? Number(summary.keyDetail) / 8 : EC_SIGNATURE_BYTES[summary.keyDetail];
  if (expected !== undefined && signatureValue.length !== expected) {
    throw new XmlSignatureError(
      'SIGNATURE_MISMATCH',
      keyType === 'EC'
        ? `an ECDSA ${summary.keyDetail} signature value is r‖s, ${expected} bytes, not ${signatureValue.length} (DER?)`
        : `an RSA-${summary.keyDetail} signature value is ${expected} bytes, not ${signatureValue.length}`,
    );
  }
}

/**
 * Writes the token's signature value (RSA: PKCS#1 v1.5; EC: raw r‖s, as XMLDSig wants it, not DER)
 * and the certificate (X509SubjectName, X509Certificate) into the prepared document.
 */
export function completeXmlSignature(
  prepared: PreparedXmlSignature,
  signatureValue: Uint8Array,
  certificate: Uint8Array,
  keyType: KeyType,
): string {
  if (keyType !== prepared.keyType) {
    throw new XmlSignatureError(
      'SIGNATURE_MISMATCH',
      `prepared for ${prepared.keyType}, completed with ${keyType}`,
    );
  }
  assertSignatureFits(signatureValue, certificate, keyType);
  const document = parseXml(prepared.xml);
  // The SignedInfo must still be the one whose digest was signed.
  if (!bytesEqual(signedInfoOf(document, prepared.signatureId), prepared.canonicalSignedInfo)) {
    throw new XmlSignatureError(
      'SIGNATURE_MISMATCH',
      'the prepared document no longer matches its SignedInfo',
    );
  }
  const signature = findSignature(document, prepared.signatureId);
  setText(requireDsigChild(signature, 'SignatureValue'), bytesToBase64(signatureValue));

  const keyInfo = document.createElementNS(DSIG_NS, 'KeyInfo');
  const x509Data = dsig(keyInfo, 'X509Data');
  dsig(x509Data, 'X509SubjectName', {}, subjectNameRfc4514(certificate));
  dsig(x509Data, 'X509Certificate', {}, bytesToBase64(certificate));
  // Schema order: SignedInfo, SignatureValue, KeyInfo, Object*.
  signature.insertBefore(keyInfo, childElement(signature, DSIG_NS, 'Object') ?? null);
  return serializeXml(document);
}

/** prepare → sign the SignedInfo digest → complete, with a signer at hand (tests, CLI, host). */
export async function signXml(
  xml: string,
  options: SignXmlOptions,
  signer: DigestSigner | DigestInfoSigner,
): Promise<string> {
  if (signer.keyType === 'RSA' && signer.rsaScheme === 'PSS') {
    throw new XmlSignatureError('UNSUPPORTED_ALGORITHM', 'XMLDSig rsa-sha* is PKCS#1 v1.5, not PSS');
  }
  const prepared = await prepareXmlSignature(xml, { ...options, keyType: signer.keyType });
  let signatureValue: Uint8Array;
  if (prepared.digestAlgorithm === 'SHA-1') {
    // DigestSigner speaks SHA-2 only; SHA-1 goes through a raw PKCS#1 signature of our DigestInfo.
    if (!('signDigestInfo' in signer)) {
      throw new XmlSignatureError('SHA1_NOT_ALLOWED', 'this signer cannot sign a SHA-1 DigestInfo');
    }
    signatureValue = await signer.signDigestInfo(prepared.digestInfo!);
  } else {
    signatureValue = await signer.signDigest(
      prepared.signedInfoDigest,
      prepared.digestAlgorithm,
      prepared.canonicalSignedInfo,
    );
  }
  return completeXmlSignature(prepared, signatureValue, options.certificate, signer.keyType);
}
