/**
 * XMLDSig: every Signature of an HTKK tax return or an e-invoice (or what xmlsec1 signs), through
 * xml-crypto, with the certificate in KeyInfo. xml-crypto knows RSA only; the ECDSA methods of
 * RFC 6931 (raw r||s signature values) are added here, as kyso and xmlsec1 make them.
 */
import { createPublicKey, verify as cryptoVerify, type KeyLike } from 'node:crypto';
import type { Document as XmlDocument, Element as XmlElement, Node as XmlNode } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { Reference, SignatureAlgorithm } from 'xml-crypto';
import { summarizeCertificate } from '../../shared/certificate/profile.js';
import { parseXml } from '../../shared/xml/dom.js';
import { isReferenceableId, type XmlSignatureProfile } from '../../shared/xml/profiles.js';
import { carriesTaxCode, signerTaxCodes } from '../../shared/xml/signer-party.js';
import { summarizeSignedElement } from '../../shared/xml/summary.js';
import { addProblem, assertVerifyOptions, finish, judge, type Draft, type VerifyOptions } from './judge.js';
import { InputError } from './cms.js';
import { keyCertificateCandidates, type KeyInfoIdentifiers } from './key-info.js';
import {
  overall,
  type Problem,
  type SignatureReport,
  type SigningParty,
  type VerificationReport,
} from './report.js';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const DSIG11_NS = 'http://www.w3.org/2009/xmldsig11#';
const ECDSA = {
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1': 'sha1',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512': 'sha512',
} as const;

function ecdsaAlgorithm(uri: keyof typeof ECDSA, hash: string): new () => SignatureAlgorithm {
  return class implements SignatureAlgorithm {
    getSignature(): never {
      throw new Error('verification only');
    }
    verifySignature(material: string, key: KeyLike, signatureValue: string): boolean {
      return cryptoVerify(
        hash,
        Buffer.from(material, 'utf8'),
        { key: createPublicKey(key), dsaEncoding: 'ieee-p1363' },
        Buffer.from(signatureValue, 'base64'),
      );
    }
    getAlgorithmName() {
      return uri as never;
    }
  };
}

/**
 * `Algorithm` verifying with each of `keys` in turn, the first that verifies recorded in `outcome`:
 * KeyInfo may carry certificates besides the signer's, and the key that verifies names the signer's.
 * xml-crypto canonicalizes SignedInfo and digests the references once, however many keys are tried.
 * When none verifies, the first key's own answer (false, or its error) is xml-crypto's.
 */
function tryingEachKey(
  Algorithm: new () => SignatureAlgorithm,
  keys: readonly string[],
  outcome: { verifiedBy?: number },
): new () => SignatureAlgorithm {
  return class implements SignatureAlgorithm {
    readonly #algorithm = new Algorithm();
    getSignature(): never {
      throw new Error('verification only');
    }
    verifySignature(material: string, _key: KeyLike, signatureValue: string): boolean {
      const verifies = (key: string) => {
        try {
          return this.#algorithm.verifySignature(material, key, signatureValue);
        } catch {
          return false; // a key of another type than the method's
        }
      };
      const at = keys.findIndex(verifies);
      if (at < 0) return this.#algorithm.verifySignature(material, keys[0]!, signatureValue);
      outcome.verifiedBy = at;
      return true;
    }
    getAlgorithmName() {
      return this.#algorithm.getAlgorithmName();
    }
  };
}

/**
 * Characters xml-crypto's own parser (xmldom 0.8) turns into a newline before canonicalizing, as
 * XML 1.1 says; an XML 1.0 processor (xmlsec1, .NET, Java, kyso's signer) keeps them. A digest over
 * either reading is not the other's: such a document could verify here and nowhere else.
 */
const XML_1_1_LINE_ENDS = /[\u0085\u2028]/;

/**
 * Characters XML 1.0 does not allow (§2.2): libxml2, .NET and Java refuse the document; xmldom
 * reads it. Checked here so what passes here parses everywhere.
 */
const NOT_XML_1_0 = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Strict base64 (whitespace aside): Node's decoder skips what is not, so junk would verify. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function parse(xml: string) {
  const invalid = NOT_XML_1_0.exec(xml)?.[0];
  if (invalid !== undefined)
    throw new InputError(
      `not an acceptable XML document: it contains a character XML 1.0 does not allow (U+${invalid.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`,
      'UNKNOWN_FORMAT',
    );
  if (XML_1_1_LINE_ENDS.test(xml))
    throw new InputError(
      'the XML contains U+0085 or U+2028, which XML 1.0 readers keep and XML 1.1 readers take for a line end: its digests depend on the reader',
      'UNKNOWN_FORMAT',
    );
  try {
    return parseXml(xml);
  } catch (error) {
    throw new InputError(`not an acceptable XML document: ${(error as Error).message}`, 'UNKNOWN_FORMAT');
  }
}

const DOES_NOT_VERIFY =
  'the signature does not verify over this document: a signed part changed, or its value is wrong';
const UNRESOLVABLE_ID =
  'a signed reference names an id that is no XML name (a space or a quote in it): other verifiers cannot resolve it';

/** A refusal in kyso's words with its problem, thrown inside the check and reported as it is. */
class Refusal extends Error {
  constructor(
    readonly problem: Problem,
    sentence: string,
  ) {
    super(sentence);
  }
}

/**
 * Why checkSignature answered false: a reference that did not validate (it checks the signature
 * value only once every reference has, and throws when that fails). A changed signed part is
 * HASH_FAILURE in EN 319 102-1, not a broken signature value, and the report names which part.
 */
function referenceRefusal(references: readonly Reference[], index: XmlIndex): Refusal {
  const failed = references.find((reference) => reference.validationError);
  if (!failed) return new Refusal('SIGNATURE_INVALID', DOES_NOT_VERIFY);
  const what = failed.uri ? `the signed element ${failed.uri}` : 'the signed document';
  return new Refusal(
    'DIGEST_MISMATCH',
    index.referenced(failed.uri)
      ? `${what} changed after signing: its digest is not the one signed`
      : `${what} is not in the document`,
  );
}

/**
 * The problem and kyso's sentence for why xml-crypto refused a signature: its own messages name
 * its internals ("could not find CanonicalizationMethod/@Algorithm element") and stay out of reports.
 */
function whyNotVerified(error: unknown): [Problem, string] {
  if (error instanceof Refusal) return [error.problem, error.message];
  const message = error instanceof Error ? error.message : '';
  if (/signature value .* is incorrect/i.test(message))
    return ['SIGNATURE_INVALID', "the signature value does not verify with the certificate's key"];
  // Also "…multiple elements with the same value for the ID…" and "a uri with quotes inside it".
  if (/digest|reference|multiple elements|uri with quotes/i.test(message))
    return [
      'DIGEST_MISMATCH',
      'a signed reference cannot be checked: its element is missing or its ID repeated, or its digest or transform is unknown',
    ];
  return [
    'SIGNATURE_INVALID',
    'the signature cannot be checked: its SignedInfo, canonicalization or signature method is missing or unknown',
  ];
}

const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const ID_ATTRIBUTES = ['Id', 'ID', 'id']; // the ones xml-crypto resolves a "#id" reference by

const isWithin = (node: XmlNode, ancestor: XmlNode) => {
  for (let at: XmlNode | null = node; at; at = at.parentNode) if (at === ancestor) return true;
  return false;
};

/** A document's elements, listed once for all its signatures' checks, and what a reference names among them. */
interface XmlIndex {
  elements: readonly XmlElement[];
  /**
   * The element a reference names as xml-crypto resolved it: the root for URI="", else the one element
   * with an ID attribute of this value, matched by local name (`@*[local-name(.)='Id']`) as it does.
   */
  referenced: (uri?: string) => XmlElement | undefined;
}

function indexXml(document: XmlDocument): XmlIndex {
  const elements = Array.from(document.getElementsByTagName('*'));
  return {
    elements,
    referenced: (uri = '') => {
      if (uri === '') return document.documentElement ?? undefined;
      const id = uri.slice(1);
      return elements.find((element) =>
        Array.from(element.attributes).some(
          (attribute) => ID_ATTRIBUTES.includes(attribute.localName ?? '') && attribute.value === id,
        ),
      );
    },
  };
}

/**
 * Where the formats' readers take a signed data element from: beside the element that holds its
 * Signature (HSoThueDTu > HSoKhaiThue + CKyDTu; HDon > DLHDon + DSCKS, and the code the tax office
 * gives an invoice, HDon > MCCQT, which its signature in DSCKS/CQT covers). A message may carry
 * several invoices, each HDon with its own DLHDon, MCCQT and DSCKS.
 */
const SIGNED_DATA_BESIDE: ReadonlyMap<string, string> = new Map([
  ['HSoKhaiThue', 'CKyDTu'],
  ['DLHDon', 'DSCKS'],
  ['MCCQT', 'DSCKS'],
]);

/**
 * Signature wrapping: a "#id" reference covers its element wherever it sits, so the signed
 * HSoKhaiThue or DLHDon can be moved (under a wrapper, into the Signature) and an unsigned one put
 * where receivers read it, and the signature still verifies. The signed one must be the one element
 * of its name where the format's readers take it: beside the Signature's holder (see above), or,
 * for a Signature outside such a holder, in the whole document. (A reference to the Signature's own
 * ds:Object is not to a data element.) Other XML: no known place a reader takes it from, not judged.
 */
function wrappedElementName(
  { elements, referenced }: XmlIndex,
  signature: XmlNode,
  references: ReadonlyArray<{ uri?: string }>,
): string | undefined {
  for (const reference of references) {
    if (!reference.uri) continue; // the whole document: nothing outside it to read instead
    const target = referenced(reference.uri);
    if (!target || target.namespaceURI === DSIG_NS) continue;
    const name = target.localName ?? '';
    const holderName = SIGNED_DATA_BESIDE.get(name);
    if (!holderName) continue;
    let holder: XmlNode | null = signature.parentNode;
    while (holder && (holder as XmlElement).localName !== holderName) holder = holder.parentNode;
    const scope = holder?.parentNode;
    const inScope = scope ? elements.filter((element) => isWithin(element, scope)) : elements;
    const named = inScope.filter((element) => element.localName === name);
    if (named.length !== 1 || (scope && target.parentNode !== scope)) return name;
  }
  return undefined;
}

/**
 * Where a Signature's holder puts it: whose signature it is, the profile that reads its data, that
 * data's element. A Map: the holder's name is the uploader's ("constructor" is no place).
 */
const PARTY_PLACES: ReadonlyMap<
  string,
  { role: SigningParty; profile?: XmlSignatureProfile; data: string; holderParent?: string }
> = new Map([
  ['CKyDTu', { role: 'taxpayer', profile: 'htkk', data: 'HSoKhaiThue' }],
  ['NBan', { role: 'seller', profile: 'einvoice', data: 'DLHDon', holderParent: 'DSCKS' }],
  ['NMua', { role: 'buyer', profile: 'einvoice-buyer', data: 'DLHDon', holderParent: 'DSCKS' }],
  // The tax authority's, over the invoice and the code it gives it (the tax office's message 202).
  ['CQT', { role: 'tax-authority', data: 'DLHDon', holderParent: 'DSCKS' }],
] as const);

type Party = { role: SigningParty; taxCodes: string[]; invoiceCode?: string };

/**
 * The party a Signature in a tax return's CKyDTu or an invoice's DSCKS/NBan or NMua signs for, and
 * the tax codes the data beside it names for that party (signer-party.ts: the summary's fields, read
 * as the consent window reads them) — only when a reference covers that data, and undefined when
 * its fields cannot be read one way (the summary's refusals) or name no tax code. In DSCKS/CQT: the
 * tax authority, over the invoice, with the code beside it when a reference covers that too.
 */
function signingParty(
  { referenced }: XmlIndex,
  signature: XmlNode,
  references: ReadonlyArray<{ uri?: string }>,
): Party | undefined {
  const holder = signature.parentNode as XmlElement | null;
  const place = PARTY_PLACES.get(holder?.localName ?? '');
  if (!holder || !place) return undefined;
  const scope = place.holderParent ? holder.parentNode : holder;
  if (place.holderParent && (scope as XmlElement | null)?.localName !== place.holderParent) return undefined;
  const data = Array.from(scope?.parentNode?.childNodes ?? []).find(
    (node): node is XmlElement => (node as XmlElement).localName === place.data,
  );
  if (!data) return undefined;
  const covers = (element: XmlElement) =>
    references.some((reference) => {
      const target = referenced(reference.uri);
      return target !== undefined && isWithin(element, target);
    });
  if (!covers(data)) return undefined;
  if (!place.profile) {
    // The tax authority's place: no tax code is named for it, the code it gives is what it signs.
    // wrappedElementName refuses a second MCCQT the signature covers; the first is the one readers take.
    const code = Array.from(data.parentNode?.childNodes ?? []).find(
      (node): node is XmlElement => (node as XmlElement).localName === 'MCCQT',
    );
    const invoiceCode = code && covers(code) ? code.textContent?.trim() : undefined;
    return { role: place.role, taxCodes: [], ...(invoiceCode && { invoiceCode }) };
  }
  try {
    const summary = summarizeSignedElement(data, place.profile);
    const taxCodes = signerTaxCodes({ profile: place.profile, summary });
    return taxCodes.length > 0 ? { role: place.role, taxCodes } : undefined;
  } catch {
    return undefined; // a field that reads more than one way names no one
  }
}

/**
 * A tax return's Signature (in CKyDTu) that covers only part of the declaration beside it (a
 * reference to TTinChung, say): receivers read the whole HSoKhaiThue, whose amounts anyone could
 * then change. It must cover the declaration: the whole document, the declaration or an element
 * holding it. (E-invoices' signatures are not judged so: which elements the buyer's cover is not
 * known from public sources; the tax office's covers the invoice and its code, signingParty.)
 */
function uncoveredDeclaration(
  { referenced }: XmlIndex,
  signature: XmlNode,
  references: ReadonlyArray<{ uri?: string }>,
): boolean {
  let holder: XmlNode | null = signature.parentNode;
  while (holder && (holder as XmlElement).localName !== 'CKyDTu') holder = holder.parentNode;
  const declaration = Array.from(holder?.parentNode?.childNodes ?? []).find(
    (node) => (node as XmlElement).localName === 'HSoKhaiThue',
  );
  if (!declaration) return false; // no tax return here (or wrapping, judged apart)
  return !references.some((reference) => {
    if (!reference.uri) return true;
    const target = referenced(reference.uri);
    return target !== undefined && isWithin(declaration, target);
  });
}

/** XMLDSig algorithm URIs ending in a broken hash (rsa-sha1, ecdsa-sha1, sha1, md5, …), judged as legacy by judge.ts. */
const LEGACY_XML_ALGORITHM = /#(?:[a-z]+-)?(?:sha1|md5)$/;

/** The signature method and reference digests of a signature that use a legacy hash, by their URI's name. */
function legacyXmlAlgorithms(
  signatureAlgorithm: string | undefined,
  references: ReadonlyArray<{ digestAlgorithm?: string }>,
): string[] {
  const uris = [signatureAlgorithm, ...references.map((r) => r.digestAlgorithm)];
  const legacy = uris.filter((uri): uri is string => !!uri && LEGACY_XML_ALGORITHM.test(uri));
  return [...new Set(legacy.map((uri) => uri.replace(/^.*#/, '')))];
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * A "#id" reference whose element sits under an xml:lang, xml:space or xml:base: C14N 1.0 carries
 * those into the element's canonical form (libxml2, xmlsec1: the digest covers them), xml-crypto
 * does not. One added above the signed element after signing changed what it means (its language,
 * its whitespace, its base URI) and xml-crypto still passed it; kyso's signer refuses to sign there.
 */
function inheritsXmlAttributes(
  { referenced }: XmlIndex,
  references: ReadonlyArray<{ uri?: string }>,
): boolean {
  return references.some((reference) => {
    const target = reference.uri ? referenced(reference.uri) : undefined;
    for (let at = target?.parentNode; at && at.nodeType === 1; at = at.parentNode)
      if (Array.from((at as XmlElement).attributes).some((attribute) => attribute.namespaceURI === XML_NS))
        return true;
    return false;
  });
}

/**
 * The Signature's SigningTime elements that its references cover: inside a referenced element,
 * and not inside this Signature when that reference's enveloped-signature transform removes it
 * (from a referenced element that holds the Signature, as xml-crypto and .NET apply it). Any
 * other (a second ds:Object, KeyInfo) is anyone's to write. XMLDSig's namespace or none: VNPT's
 * invoices write `<SignatureProperties xmlns="">` (test/fixtures/xml/README.md).
 */
function signingTimesCovered(
  { referenced }: XmlIndex,
  signature: XmlElement,
  references: ReadonlyArray<{ uri?: string; transforms: readonly string[] }>,
): XmlElement[] {
  const covered = references.flatMap((reference) => {
    const target = referenced(reference.uri);
    if (!target) return [];
    const removesSignature =
      reference.transforms.includes(ENVELOPED_SIGNATURE) && isWithin(signature, target);
    return [{ target, removesSignature }];
  });
  return Array.from(signature.getElementsByTagName('*')).filter(
    (time) =>
      time.localName === 'SigningTime' &&
      (time.namespaceURI === DSIG_NS || !time.namespaceURI) &&
      covered.some(
        ({ target, removesSignature }) =>
          isWithin(time, target) && !(removesSignature && isWithin(time, signature)),
      ),
  );
}

/**
 * References whose enveloped-signature transform applies to an element inside their own
 * Signature (Viettel's invoices: `#TimeStamp`, the ds:Object holding SigningTime). XMLDSig §6.6.4
 * removes the whole Signature, leaving nothing, and xmlsec1 refuses such a signature; its signers
 * (.NET's SignedXml) and xml-crypto remove a Signature only from an element that holds it, and
 * digest this one whole. Its digest binds exactly that element, so it is checked as signed, with a
 * warning that a verifier reading the transform to the letter refuses it.
 */
function envelopedInsideOwnSignature(
  { referenced }: XmlIndex,
  signature: XmlElement,
  references: ReadonlyArray<{ uri?: string; transforms: readonly string[] }>,
): string[] {
  return references
    .filter((reference) => {
      const target = reference.uri ? referenced(reference.uri) : undefined;
      return (
        reference.transforms.includes(ENVELOPED_SIGNATURE) &&
        target !== undefined &&
        target !== signature &&
        isWithin(target, signature)
      );
    })
    .map((reference) => reference.uri!);
}

/** The X509Data identifiers in a Signature's KeyInfo (XMLDSig 1.0 and 1.1), which name the certificate of its key. */
function keyInfoIdentifiers(signature: Element): KeyInfoIdentifiers {
  const texts = (name: string, within: Element | Document = signature) =>
    Array.from(within.getElementsByTagNameNS(DSIG_NS, name), (e) => e.textContent ?? '');
  return {
    skis: texts('X509SKI').map((text) => text.replace(/\s/g, '')),
    issuerSerials: Array.from(signature.getElementsByTagNameNS(DSIG_NS, 'X509IssuerSerial'), (pair) => ({
      issuer: texts('X509IssuerName', pair)[0] ?? '',
      serial: texts('X509SerialNumber', pair)[0] ?? '',
    })),
    subjectNames: texts('X509SubjectName'),
    digests: Array.from(signature.getElementsByTagNameNS(DSIG11_NS, 'X509Digest'), (digest) => ({
      algorithm: digest.getAttribute('Algorithm') ?? '',
      value: (digest.textContent ?? '').replace(/\s/g, ''),
    })),
  };
}

/** Every XMLDSig Signature in the document (HTKK: in CKyDTu; e-invoices: under DSCKS). DOCTYPEs are refused. */
export async function verifyXmlSignature(xml: string, options: VerifyOptions): Promise<VerificationReport> {
  assertVerifyOptions(options);
  const validationTime = options.validationTime ?? new Date();
  const document = parse(xml);
  const nodes = Array.from(document.getElementsByTagNameNS(DSIG_NS, 'Signature'));
  const index = indexXml(document);
  const signatures: SignatureReport[] = [];
  for (const node of nodes) {
    const report: Draft = { kind: 'signature', format: 'XMLDSig', level: 'B-B', problems: [], details: [] };
    const element = node as unknown as Element;
    const texts = Array.from(element.getElementsByTagNameNS(DSIG_NS, 'X509Certificate')).map(
      (c) => c.textContent?.replace(/\s/g, '') ?? '',
    );
    if (!texts[0]) {
      addProblem(report, 'MALFORMED', 'no X509Certificate in KeyInfo');
      signatures.push(finish(report));
      continue;
    }
    const certificates = texts.map((text) => new Uint8Array(Buffer.from(text, 'base64')));
    const candidates = keyCertificateCandidates(certificates, keyInfoIdentifiers(element));
    const pems = candidates.map(
      (at) =>
        `-----BEGIN CERTIFICATE-----\n${texts[at]!.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`,
    );
    const signed = new SignedXml({ publicCert: pems[0], getCertFromKeyInfo: () => null });
    for (const [uri, hash] of Object.entries(ECDSA))
      signed.SignatureAlgorithms[uri as never] = ecdsaAlgorithm(uri as keyof typeof ECDSA, hash);
    const keyOutcome: { verifiedBy?: number } = {};
    for (const [uri, Algorithm] of Object.entries(signed.SignatureAlgorithms))
      signed.SignatureAlgorithms[uri as never] = tryingEachKey(Algorithm, pems, keyOutcome);
    const signatureValue = Array.from(element.getElementsByTagNameNS(DSIG_NS, 'SignatureValue'))[0];
    if (!BASE64.test(signatureValue?.textContent?.replace(/\s/g, '') ?? '')) {
      addProblem(report, 'MALFORMED', 'the SignatureValue is not base64');
      signatures.push(finish(report));
      continue;
    }
    let signedTimes: XmlElement[] = [];
    let legacyAlgorithms: string[] = [];
    let party: ReturnType<typeof signingParty>;
    try {
      signed.loadSignature(node as unknown as Node);
      if (!signed.checkSignature(xml)) throw referenceRefusal(signed.getReferences(), index);
      const references = signed.getReferences();
      // xml-crypto matches "#a b" by string; xmlsec1 (xpointer(id('a b'))) and others cannot resolve it.
      const unnamed = references.find((r) => r.uri?.startsWith('#') && !isReferenceableId(r.uri.slice(1)));
      if (unnamed) throw new Refusal('DIGEST_MISMATCH', UNRESOLVABLE_ID);
      signedTimes = signingTimesCovered(index, node, references);
      party = signingParty(index, node, references);
      legacyAlgorithms = legacyXmlAlgorithms(signed.signatureAlgorithm, references);
      report.details.push(`signed: ${references.map((r) => r.uri || '(whole document)').join(', ')}`);
      for (const uri of envelopedInsideOwnSignature(index, node, references))
        report.details.push(
          `warning: the signed element ${uri} lies inside its own Signature, under an enveloped-signature transform: checked whole, as its signer digested it (.NET's reading); xmlsec1 reads it as empty and refuses the signature`,
        );
      // URI="" (enveloped) signs the whole document; "#id" only that element: the rest is not covered.
      report.coverage = {
        coveredBytes: signed.getSignedReferences().reduce((sum, c) => sum + Buffer.byteLength(c), 0),
        fileBytes: Buffer.byteLength(xml),
        wholeDocument: references.some((r) => !r.uri),
        bytesAfter: 0,
        after: 'none',
        references: references.map((r) => r.uri),
      };
      if (inheritsXmlAttributes(index, references))
        addProblem(
          report,
          'DIGEST_MISMATCH',
          'an xml:lang, xml:space or xml:base above the signed element belongs to its canonical form (C14N 1.0) but not to this digest: added after signing, or signed by a canonicalizer xmlsec1 disagrees with',
        );
      if (uncoveredDeclaration(index, node, references))
        addProblem(
          report,
          'DOCUMENT_MODIFIED_AFTER_SIGNING',
          'the signature covers only part of the tax return (HSoKhaiThue): receivers read all of it, and the rest can be changed without breaking the signature',
        );
      const wrapped = wrappedElementName(index, node, references);
      if (wrapped)
        addProblem(
          report,
          'DOCUMENT_MODIFIED_AFTER_SIGNING',
          `the signed <${wrapped}> is not the only one where readers take it, or not there: a reader may take another, unsigned one (signature wrapping)`,
        );
    } catch (error) {
      addProblem(report, ...whyNotVerified(error));
    }
    const time = signedTimes[0]?.textContent?.trim();
    if (time) {
      // e-invoices write Vietnam local time, often without an offset.
      const parsed = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(time) ? time : `${time}+07:00`);
      if (!Number.isNaN(parsed.getTime()))
        Object.assign(report, { signingTime: parsed, timeSource: 'signed-attribute' });
    }
    // The certificate whose key verified; when none did, the likeliest, for the report to name.
    const signerAt = candidates[keyOutcome.verifiedBy ?? 0]!;
    const certificate = certificates[signerAt]!;
    // The others are the signer's CAs (or nothing of its: judge finds its path among them).
    const carried = certificates.filter((_, i) => i !== signerAt);
    let judged: SignatureReport;
    try {
      judged = await judge(
        report,
        certificate,
        carried,
        { ...options, validationTime },
        undefined,
        legacyAlgorithms,
      );
    } catch {
      addProblem(report, 'MALFORMED', 'the KeyInfo certificate cannot be read');
      signatures.push(finish(report));
      continue;
    }
    if (party?.role === 'tax-authority') {
      judged.party = party;
      if (!party.invoiceCode)
        judged.details.push(
          "warning: the tax authority's signature (DSCKS/CQT) covers no invoice code (MCCQT): a code the invoice shows is not signed by it",
        );
    } else if (party && judged.signer) {
      const { identities } = summarizeCertificate(judged.signer.certificate);
      const signerCarries = carriesTaxCode(identities, party.taxCodes);
      judged.party = { ...party, signerCarries };
      if (!signerCarries)
        judged.details.push(
          `warning: the signer's certificate carries none of the tax codes the document names for its ${party.role} (${party.taxCodes.join(', ')}): a tax authority may refuse it`,
        );
    }
    signatures.push(judged);
  }
  return overall(signatures, validationTime);
}
