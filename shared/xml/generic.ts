/**
 * XMLDSig enveloped over a whole XML document of any kind (one Reference, URI=""), for the signing
 * plugins' generic XML calls (VGCA SignXML with inline Base64Content). Tax returns and e-invoices
 * keep their own places (xmldsig.ts); this reuses that module's algorithms and its
 * completeXmlSignature, which finishes both.
 */
import { bytesToBase64 } from '../encoding.js';
import type { KeyType } from '../cms/algorithms.js';
import {
  C14N_10,
  DIGEST_METHODS,
  ENVELOPED_SIGNATURE,
  xmlDigest,
  type XmlDigestAlgorithm,
} from './algorithms.js';
import {
  assertCanonicalizable,
  assertSignatureCanonicalizable,
  canonicalizeWithout,
  elementById,
  idAttributes,
  ownText,
  parseForSigning,
  parseXml,
  serializeXml,
  type Document,
  type Element,
} from './dom.js';
import { XmlSignatureError } from './errors.js';
import { assertNoSignatureCovers, assertReferenceableId } from './profiles.js';
import { rowCollector } from './signed-content.js';
import {
  appendReference,
  appendSignature,
  completeXmlSignature,
  dsig,
  findSignature,
  randomId,
  requireDsigChild,
  setText,
  preparedSignature,
  type PreparedXmlSignature,
} from './xmldsig.js';

export interface GenericXmlSignatureOptions {
  keyType: KeyType;
  digestAlgorithm?: XmlDigestAlgorithm;
  allowSha1?: boolean;
  signatureId?: string;
  /**
   * Sign only the element with this Id (its Id, ID or id attribute): one Reference `URI="#id"`,
   * the Signature as the root's last child. Outside that element (a detached signature, the
   * page may move it) it is C14N only; when the element is the root, the enveloped-signature
   * transform leaves the Signature out as well.
   */
  referenceId?: string;
}

/** As PreparedXmlSignature, for a document without a Vietnamese profile. */
export interface PreparedGenericXmlSignature extends Omit<PreparedXmlSignature, 'profile'> {
  profile: 'generic';
}

const PROCESSING_INSTRUCTION_NODE = 7;

function chooseDigest(options: GenericXmlSignatureOptions): XmlDigestAlgorithm {
  const algorithm = options.digestAlgorithm ?? 'SHA-256';
  if (!(algorithm in DIGEST_METHODS))
    throw new XmlSignatureError('UNSUPPORTED_ALGORITHM', `unknown digest algorithm "${String(algorithm)}"`);
  if (algorithm === 'SHA-1' && (options.allowSha1 !== true || options.keyType !== 'RSA')) {
    throw new XmlSignatureError('SHA1_NOT_ALLOWED', 'SHA-1 needs allowSha1 and an RSA key');
  }
  return algorithm;
}

/**
 * Parses a generic document and finds what is signed (the root, or the element `referenceId`
 * names), refusing what signing would refuse: the consent window's rows and signing read it alike,
 * so nothing is refused only after the PIN.
 */
function readGenericXml(xml: string, referenceId?: string): { document: Document; signed: Element } {
  const document = parseForSigning(xml);
  // URI="" is the whole document: a processing instruction outside the root would be part of it.
  for (let node = document.firstChild; node; node = node.nextSibling) {
    // (xmldom keeps the XML declaration as a node named 'xml': it is not part of the data model)
    if (node.nodeType === PROCESSING_INSTRUCTION_NODE && node.nodeName !== 'xml')
      throw new XmlSignatureError(
        'INVALID_XML',
        'processing instructions outside the root are not supported',
      );
  }
  const root = document.documentElement!;
  // The Signature goes into the root.
  assertNoSignatureCovers(document, root);
  assertSignatureCanonicalizable(root);
  if (referenceId !== undefined) assertReferenceableId(referenceId);
  // Refuses an Id no element or two elements hold (a verifier might take the other one).
  const signed = referenceId === undefined ? root : elementById(document, referenceId);
  assertCanonicalizable(signed);
  return { document, signed };
}

/** Builds the Signature as the root's last child and returns the SignedInfo digest for the token. */
export async function prepareGenericXmlSignature(
  xml: string,
  options: GenericXmlSignatureOptions,
): Promise<PreparedGenericXmlSignature> {
  const digestAlgorithm = chooseDigest(options);
  const { referenceId } = options;
  const { document: original, signed: target } = readGenericXml(xml, referenceId);
  const root = original.documentElement!;
  const signatureId = options.signatureId ?? randomId();
  const { signature, signedInfo } = appendSignature(root, signatureId, options.keyType, digestAlgorithm);
  appendReference(
    signedInfo,
    referenceId === undefined ? '' : `#${referenceId}`,
    target === root ? [ENVELOPED_SIGNATURE, C14N_10] : [C14N_10],
    digestAlgorithm,
  );
  dsig(signature, 'SignatureValue');

  // Digest what a verifier will parse: our own output, read back.
  const reread = parseXml(serializeXml(original));
  const placed = findSignature(reread, signatureId);
  const signedElement =
    referenceId === undefined ? reread.documentElement! : elementById(reread, referenceId);
  const canonicalDocument = canonicalizeWithout(signedElement, placed);
  const digestValue = await xmlDigest(digestAlgorithm, new TextEncoder().encode(canonicalDocument));
  const reference = requireDsigChild(requireDsigChild(placed, 'SignedInfo'), 'Reference');
  setText(requireDsigChild(reference, 'DigestValue'), bytesToBase64(digestValue));

  return preparedSignature({
    profile: 'generic' as const,
    keyType: options.keyType,
    digestAlgorithm,
    signatureId,
    xml: serializeXml(reread),
    idAttribute: {
      element: target.localName!,
      namespace: target.namespaceURI,
      attribute: referenceId === undefined ? '' : idAttributeName(target, referenceId),
    },
  });
}

function idAttributeName(element: Element, id: string): string {
  return idAttributes(element).find((attribute) => attribute.value === id)!.localName!;
}

/** completeXmlSignature reads nothing profile-specific: the same completion (value checks, KeyInfo). */
export function completeGenericXmlSignature(
  prepared: PreparedGenericXmlSignature,
  signatureValue: Uint8Array,
  certificate: Uint8Array,
  keyType: KeyType,
): string {
  return completeXmlSignature(
    prepared as unknown as PreparedXmlSignature,
    signatureValue,
    certificate,
    keyType,
  );
}

/**
 * Every element's text and attribute values, by path: what the consent window shows of a generic
 * document — of the element with `referenceId` only, when only that is signed. All of them, whole,
 * as xmlContentRows lists a tax return's: the window says how many values are signed and pages
 * through them, so a value left out or cut there would be signed unseen.
 */
export function genericXmlRows(xml: string, referenceId?: string): Array<{ path: string; value: string }> {
  return genericXmlContent(xml, referenceId).rows;
}

/**
 * The rows, and whether only an element below the root is signed (`referenceId` naming a child):
 * then the rest of the document is not, and the window must not say the whole document is.
 */
export function genericXmlContent(
  xml: string,
  referenceId?: string,
): { rows: Array<{ path: string; value: string }>; elementOnly: boolean } {
  const { document, signed: root } = readGenericXml(xml, referenceId);
  const { rows, add } = rowCollector();
  const walk = (element: Element, path: string) => {
    for (let i = 0; i < element.attributes.length; i++) {
      const attribute = element.attributes.item(i)!;
      if (attribute.name.startsWith('xmlns')) continue;
      add(`${path}/@${attribute.name}`, attribute.value);
    }
    const own = ownText(element);
    if (own) add(path, own);
    for (let child = element.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 1) walk(child as Element, `${path}/${(child as Element).localName}`);
    }
  };
  walk(root, root.localName!);
  return { rows, elementOnly: root !== document.documentElement };
}
