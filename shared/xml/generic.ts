/**
 * XMLDSig enveloped over a whole XML document of any kind (one Reference, URI=""), for the signing
 * plugins' generic XML calls (VGCA SignXML with inline Base64Content). Tax returns and e-invoices
 * keep their own places (xmldsig.ts); this reuses that module's algorithms and its
 * completeXmlSignature, which finishes both.
 */
import { hexToBytes, bytesToBase64 } from '../encoding.js';
import type { KeyType } from '../cms/algorithms.js';
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
  parseXml,
  serializeXml,
  type Element,
} from './dom.js';
import { XmlSignatureError } from './errors.js';
import { completeXmlSignature, type PreparedXmlSignature } from './xmldsig.js';

export interface GenericXmlSignatureOptions {
  keyType: KeyType;
  digestAlgorithm?: XmlDigestAlgorithm;
  allowSha1?: boolean;
  signatureId?: string;
}

/** As PreparedXmlSignature, for a document without a Vietnamese profile. */
export interface PreparedGenericXmlSignature extends Omit<PreparedXmlSignature, 'profile'> {
  profile: 'generic';
}

const PROCESSING_INSTRUCTION_NODE = 7;
const MAX_ROWS = 2000;
const MAX_VALUE_CHARS = 500;

function dsig(parent: Element, localName: string, attributes: Record<string, string> = {}): Element {
  const element = parent.ownerDocument!.createElementNS(DSIG_NS, localName);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  parent.appendChild(element);
  return element;
}

function setText(element: Element, text: string): void {
  while (element.firstChild) element.removeChild(element.firstChild);
  element.appendChild(element.ownerDocument!.createTextNode(text));
}

function chooseDigest(options: GenericXmlSignatureOptions): XmlDigestAlgorithm {
  const algorithm = options.digestAlgorithm ?? 'SHA-256';
  if (!(algorithm in DIGEST_METHODS))
    throw new XmlSignatureError('UNSUPPORTED_ALGORITHM', `unknown digest algorithm "${String(algorithm)}"`);
  if (algorithm === 'SHA-1' && (options.allowSha1 !== true || options.keyType !== 'RSA')) {
    throw new XmlSignatureError('SHA1_NOT_ALLOWED', 'SHA-1 needs allowSha1 and an RSA key');
  }
  return algorithm;
}

/** Builds the Signature as the root's last child and returns the SignedInfo digest for the token. */
export async function prepareGenericXmlSignature(
  xml: string,
  options: GenericXmlSignatureOptions,
): Promise<PreparedGenericXmlSignature> {
  const digestAlgorithm = chooseDigest(options);
  const signatureId =
    options.signatureId ??
    `sig-${Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const original = parseXml(xml);
  // URI="" is the whole document: a processing instruction outside the root would be part of it.
  for (let node = original.firstChild; node; node = node.nextSibling) {
    // (xmldom keeps the XML declaration as a node named 'xml': it is not part of the data model)
    if (node.nodeType === PROCESSING_INSTRUCTION_NODE && node.nodeName !== 'xml')
      throw new XmlSignatureError(
        'INVALID_XML',
        'processing instructions outside the root are not supported',
      );
  }
  const root = original.documentElement!;
  if (canonicalize(parseXml(serializeXml(original)).documentElement!) !== canonicalize(root)) {
    throw new XmlSignatureError(
      'INVALID_XML',
      'the document would change when written back; refusing to sign it',
    );
  }
  const signature = original.createElementNS(DSIG_NS, 'Signature');
  signature.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns', DSIG_NS);
  signature.setAttribute('Id', signatureId);
  root.appendChild(signature);
  const signedInfo = dsig(signature, 'SignedInfo');
  dsig(signedInfo, 'CanonicalizationMethod', { Algorithm: C14N_10 });
  dsig(signedInfo, 'SignatureMethod', { Algorithm: SIGNATURE_METHODS[options.keyType][digestAlgorithm] });
  const reference = dsig(signedInfo, 'Reference', { URI: '' });
  const transforms = dsig(reference, 'Transforms');
  dsig(transforms, 'Transform', { Algorithm: ENVELOPED_SIGNATURE });
  dsig(transforms, 'Transform', { Algorithm: C14N_10 });
  dsig(reference, 'DigestMethod', { Algorithm: DIGEST_METHODS[digestAlgorithm] });
  dsig(reference, 'DigestValue');
  dsig(signature, 'SignatureValue');

  // Digest what a verifier will parse: our own output, read back.
  const reread = parseXml(serializeXml(original));
  const placed = elementById(reread, signatureId);
  const canonicalDocument = canonicalizeWithout(reread.documentElement!, placed);
  const digestValue = await xmlDigest(digestAlgorithm, new TextEncoder().encode(canonicalDocument));
  const digestElement = childElement(
    childElement(childElement(placed, DSIG_NS, 'SignedInfo')!, DSIG_NS, 'Reference')!,
    DSIG_NS,
    'DigestValue',
  )!;
  setText(digestElement, bytesToBase64(digestValue));

  const preparedXml = serializeXml(reread);
  const canonicalSignedInfo = new TextEncoder().encode(
    canonicalize(childElement(elementById(parseXml(preparedXml), signatureId), DSIG_NS, 'SignedInfo')!),
  );
  const signedInfoDigest = await xmlDigest(digestAlgorithm, canonicalSignedInfo);
  const prefix = hexToBytes(XML_DIGEST_INFO_PREFIX[digestAlgorithm]);
  return {
    profile: 'generic',
    keyType: options.keyType,
    digestAlgorithm,
    signatureId,
    xml: preparedXml,
    canonicalSignedInfo,
    signedInfoDigest,
    ...(options.keyType === 'RSA' && { digestInfo: new Uint8Array([...prefix, ...signedInfoDigest]) }),
    idAttribute: { element: root.localName!, namespace: root.namespaceURI, attribute: '' },
  };
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

/** Every element's text and attribute values, by path: what the consent window shows of a generic document. */
export function genericXmlRows(xml: string): Array<{ path: string; value: string }> {
  const root = parseXml(xml).documentElement!;
  const rows: Array<{ path: string; value: string }> = [];
  const walk = (element: Element, path: string) => {
    if (rows.length >= MAX_ROWS) return;
    for (let i = 0; i < element.attributes.length; i++) {
      const attribute = element.attributes.item(i)!;
      if (attribute.name.startsWith('xmlns')) continue;
      rows.push({ path: `${path}/@${attribute.name}`, value: attribute.value.slice(0, MAX_VALUE_CHARS) });
    }
    let own = '';
    for (let child = element.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3 || child.nodeType === 4) own += child.nodeValue ?? '';
    }
    own = own.replace(/\s+/g, ' ').trim();
    if (own) rows.push({ path, value: own.slice(0, MAX_VALUE_CHARS) });
    for (let child = element.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 1) walk(child as Element, `${path}/${(child as Element).localName}`);
    }
  };
  walk(root, root.localName!);
  return rows.slice(0, MAX_ROWS);
}
