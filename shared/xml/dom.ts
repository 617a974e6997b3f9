/**
 * Parsing, serializing and canonicalizing with @xmldom/xmldom and xml-crypto's C14N 1.0, in the
 * browser and in Node alike. Everything that is digested is re-parsed from the exact text we
 * output, so the verifier sees what we hashed.
 */
import {
  DOMParser,
  XMLSerializer,
  type Attr,
  type Document,
  type Element,
  type Node,
  type ProcessingInstruction,
} from '@xmldom/xmldom';
// The C14N class alone: xml-crypto's index pulls in node:crypto-based signing we do not use.
import { C14nCanonicalization } from 'xml-crypto/lib/c14n-canonicalization.js';
import { XmlSignatureError } from './errors.js';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;
const DOCUMENT_TYPE_NODE = 10;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
/** Real tax returns and invoices nest about ten levels; C14N's recursion needs room to spare. */
const MAX_NESTING = 1000;

export type { Document, Element, Node };

/**
 * An XML file's bytes as text: UTF-8 (what HTKK and e-invoices use), a leading byte-order mark
 * dropped as XML parsers drop it (Windows tools write one). Bytes that are not UTF-8 are refused
 * rather than replaced, so nothing shown or signed differs from the file.
 */
export function decodeXml(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new XmlSignatureError('INVALID_XML', 'the XML is not UTF-8');
  }
}

/**
 * Parses as an XML 1.0 processor does (libxml2, .NET, Java): xmldom's default line-ending
 * normalization follows XML 1.1 and would turn U+0085 and U+2028 into newlines, changing digests.
 */
export function parseXml(text: string): Document {
  // A byte-order mark is not part of the document (a page may pass one on from a file it read).
  const xml = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let document: Document;
  try {
    document = new DOMParser({
      locator: false,
      normalizeLineEndings: (source) => source.replace(/\r\n?/g, '\n'),
      onError: () => {
        // Warnings too: what xmldom only warns about, other parsers may read differently.
        // (xmldom's own text stays out: it is not for the people who read our errors.)
        throw new XmlSignatureError('INVALID_XML', 'the XML is not well-formed');
      },
    }).parseFromString(xml, 'text/xml');
  } catch (error) {
    if (error instanceof XmlSignatureError) throw error;
    throw new XmlSignatureError('INVALID_XML', 'the XML is not well-formed');
  }
  for (let child = document.firstChild; child; child = child.nextSibling) {
    // A DTD can declare entities and ID attributes that other parsers would honour differently.
    if (child.nodeType === DOCUMENT_TYPE_NODE)
      throw new XmlSignatureError('DOCTYPE_NOT_ALLOWED', 'DOCTYPE is not accepted');
  }
  if (!document.documentElement) throw new XmlSignatureError('INVALID_XML', 'XML has no root element');
  assertDeclaredUtf8(document);
  assertNestingWithinLimit(document.documentElement);
  assertXml10Characters(document);
  assertAgreedNamespaces(document);
  return document;
}

/** A URI with a scheme: C14N 1.0 processors refuse (libxml2) or keep (xml-crypto) relative ones. */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Namespace declarations, and names like them, that C14N implementations read differently: signed,
 * kyso's digest (xml-crypto) was not xmlsec1's (libxml2), so xmlsec1 failed the signature after the
 * PIN; added after signing, one verifier passed what the other failed.
 * - `xmlnsTien`, `xmlns2`: no declaration; xml-crypto leaves every attribute named xmlns… out
 *   (its value was shown, not signed), libxml2 keeps it.
 * - `xmlns:xml="…"`: libxml2 leaves it out, xml-crypto writes it.
 * - a relative namespace URI (`xmlns:r="rel/ns"`): libxml2 refuses to canonicalize it.
 */
function assertAgreedNamespaces(document: Document): void {
  for (const element of descendantElements(document.documentElement!)) {
    for (let i = 0; i < element.attributes.length; i++) {
      const { name, value } = element.attributes.item(i)!;
      if (!name.startsWith('xmlns')) continue;
      const refuse = (why: string) => {
        throw new XmlSignatureError(
          'INVALID_XML',
          `the attribute "${name.slice(0, 40)}" ${why}: XML readers disagree on it`,
        );
      };
      if (name !== 'xmlns' && !name.startsWith('xmlns:')) refuse('is named like a namespace declaration');
      if (name === 'xmlns:xml') refuse('declares the xml prefix');
      if (value !== '' && !ABSOLUTE_URI.test(value)) refuse('declares a relative namespace URI');
    }
  }
}

/** Characters XML 1.0 does not allow (§2.2), written or as a character reference (&#x1;). */
const NOT_XML_1_0 = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * xmldom reads them; libxml2, .NET and Java refuse the document, and xmldom's own serializer
 * refuses to write them back (signing failed after the window with its message, not ours).
 */
function assertXml10Characters(document: Document): void {
  const refuse = (text: string | null) => {
    const found = text === null ? undefined : NOT_XML_1_0.exec(text)?.[0];
    if (found === undefined) return;
    const code = found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new XmlSignatureError(
      'INVALID_XML',
      `the XML contains a character XML 1.0 does not allow (U+${code})`,
    );
  };
  for (const { node } of walk(document)) {
    if (node.nodeType === ELEMENT_NODE) {
      const attributes = (node as Element).attributes;
      for (let i = 0; i < attributes.length; i++) refuse(attributes.item(i)!.value);
    } else if (node.nodeType !== DOCUMENT_TYPE_NODE) refuse(node.nodeValue);
  }
}

/** An XML declaration's encoding name; UTF8 is libxml2's alias of UTF-8. */
const UTF8_NAME = /^utf-?8$/i;

/**
 * Our text is always UTF-8 (decodeXml, and what we write back). A declaration naming another
 * encoding (ISO-8859-1, windows-1258, UTF-16) makes every other reader decode the same bytes into
 * other characters: the window would show, and the digest cover, text that xmlsec1 and the
 * receiver do not see.
 */
function assertDeclaredUtf8(document: Document): void {
  const declaration = document.firstChild;
  if (declaration?.nodeType !== PROCESSING_INSTRUCTION_NODE || declaration.nodeName !== 'xml') return;
  const encoding = /\bencoding\s*=\s*(["'])(.*?)\1/.exec((declaration as ProcessingInstruction).data)?.[2];
  if (encoding !== undefined && !UTF8_NAME.test(encoding))
    throw new XmlSignatureError(
      'INVALID_XML',
      `the XML declares the encoding "${encoding.slice(0, 40)}": only UTF-8 is accepted`,
    );
}

/**
 * Well-formed or nothing (a control character in a certificate name must not make a broken
 * document). xmldom keeps the XML declaration as a processing instruction that its well-formed
 * mode refuses, so that one is written back as it came.
 */
export function serializeXml(document: Document): string {
  const text = serializeNodes(document);
  return hasXml11LineEndOutsideValues(document)
    ? text
    : text.replace(XML_1_1_LINE_ENDS, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

/**
 * U+0085 and U+2028, which XML 1.1 readers (xml-crypto's own parser among them) turn into a line
 * feed and XML 1.0 readers keep: written raw, the digest depends on the reader (kyso's verifier
 * refuses such a document); as character references, every reader keeps them. A character
 * reference means nothing inside a comment, CDATA section or processing instruction, so a document
 * holding one there is written as it came.
 */
const XML_1_1_LINE_ENDS = /[\u0085\u2028]/g;

function hasXml11LineEndOutsideValues(document: Document): boolean {
  for (const { node } of walk(document)) {
    const type = node.nodeType;
    if (
      (type === CDATA_SECTION_NODE || type === PROCESSING_INSTRUCTION_NODE || type === COMMENT_NODE) &&
      /[\u0085\u2028]/.test(node.nodeValue ?? '')
    )
      return true;
  }
  return false;
}

function serializeNodes(document: Document): string {
  const serializer = new XMLSerializer();
  const parts: string[] = [];
  for (let child = document.firstChild; child; child = child.nextSibling) {
    const declaration = child.nodeType === PROCESSING_INSTRUCTION_NODE && child.nodeName === 'xml';
    parts.push(
      declaration
        ? `<?xml ${(child as ProcessingInstruction).data}?>`
        : serializer.serializeToString(child, { requireWellFormed: true }),
    );
  }
  return parts.join('');
}

export function elementChildren(parent: Node): Element[] {
  const children: Element[] = [];
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === ELEMENT_NODE) children.push(child as Element);
  }
  return children;
}

/** The element and every element inside it, in document order. */
export function* descendantElements(root: Element): Generator<Element> {
  for (const node of descendantNodes(root)) {
    if (node.nodeType === ELEMENT_NODE) yield node as Element;
  }
}

/**
 * The element's own text (its text and CDATA children), XML whitespace collapsed: only tab, line
 * feed, carriage return and space. JavaScript's \s also takes U+FEFF, U+2028, U+00A0 and other
 * spaces, which are signed characters the window must show (marked), not erase.
 */
export function ownText(element: Element): string {
  let text = '';
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (isText(child)) text += child.nodeValue ?? '';
  }
  return collapseXmlWhitespace(text);
}

/**
 * The text of the element's first child when that is text or CDATA (else ''), collapsed as
 * ownText: what a reader taking `firstChild`'s value (DOM), or the text before the first comment
 * (lxml's `.text`), reads as the element's value.
 */
export function firstText(element: Element): string {
  const first = element.firstChild;
  return first && isText(first) ? collapseXmlWhitespace(first.nodeValue ?? '') : '';
}

function isText(node: Node): boolean {
  return node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE;
}

function collapseXmlWhitespace(text: string): string {
  return text.replace(/[\t\n\r ]+/g, ' ').replace(/^ | $/g, '');
}

export function childElement(parent: Node, namespace: string | null, localName: string): Element | undefined {
  return elementChildren(parent).find(
    (child) => child.namespaceURI === namespace && child.localName === localName,
  );
}

export function isAncestorOrSelf(ancestor: Node, node: Node): boolean {
  for (let current: Node | null = node; current; current = current.parentNode) {
    if (current === ancestor) return true;
  }
  return false;
}

/** The attributes a `URI="#id"` reference names an element by (xml-crypto, .NET, xmlsec1's usual --id-attr). */
export const ID_ATTRIBUTES = ['Id', 'ID', 'id'];

/**
 * The element's ID attributes (of `names`) by local name: xml-crypto resolves "#id" by
 * `@*[local-name(.)='Id']` and xmlsec1's --id-attr by local name too, so a prefixed `x:id` is
 * one to them.
 */
export function idAttributes(element: Element, names: readonly string[] = ID_ATTRIBUTES): Attr[] {
  const found: Attr[] = [];
  for (let i = 0; i < element.attributes.length; i++) {
    const attribute = element.attributes.item(i)!;
    if (names.includes(attribute.localName ?? attribute.name)) found.push(attribute);
  }
  return found;
}

/**
 * The one element whose ID attribute (`attribute`, or any of Id/ID/id when not given) has this
 * value. Two holders of the same value are refused: a verifier might pick the other one.
 */
export function elementById(document: Document, id: string, attribute?: string): Element {
  const names = attribute ? [attribute] : ID_ATTRIBUTES;
  const matches = [...descendantElements(document.documentElement!)].filter((element) =>
    idAttributes(element, names).some((held) => held.value === id),
  );
  if (matches.length !== 1) {
    throw new XmlSignatureError(
      matches.length === 0 ? 'PROFILE_MISMATCH' : 'DUPLICATE_ID',
      matches.length === 0
        ? `no element has the id "${id}"`
        : `${matches.length} elements share the id "${id}"`,
    );
  }
  return matches[0]!;
}

/**
 * xml-crypto renders PI content as text, and C14N 1.0 copies inherited xml:* attributes onto the
 * apex, which it does not do; refuse both rather than sign what a verifier canonicalizes differently.
 */
export function assertCanonicalizable(element: Element): void {
  for (const node of descendantNodes(element)) {
    if (node.nodeType === PROCESSING_INSTRUCTION_NODE) {
      throw new XmlSignatureError(
        'PROCESSING_INSTRUCTION',
        'processing instructions inside signed content are not supported',
      );
    }
  }
  for (const ancestor of ancestorElements(element)) assertNoXmlAttributes(ancestor);
}

/**
 * A Signature appended to `container` has its SignedInfo (and an e-invoice's SigningTime Object)
 * canonicalized where it sits, below the container: an xml:* attribute on the container or above
 * it would be copied onto them by C14N 1.0 (xmlsec1) but not by xml-crypto, and the signature
 * would fail. Checked where the signature is placed, so it is refused before the window, not
 * after the PIN.
 */
export function assertSignatureCanonicalizable(container: Element): void {
  assertNoXmlAttributes(container);
  for (const ancestor of ancestorElements(container)) assertNoXmlAttributes(ancestor);
}

function assertNoXmlAttributes(element: Element): void {
  const attributes = element.attributes;
  for (let i = 0; i < attributes.length; i++) {
    if (attributes.item(i)!.namespaceURI === XML_NS) {
      throw new XmlSignatureError('INVALID_XML', 'xml:* attributes above signed content are not supported');
    }
  }
}

/** The element's ancestors that are elements, nearest first. */
function* ancestorElements(element: Element): Generator<Element> {
  for (
    let ancestor = element.parentNode;
    ancestor && ancestor.nodeType === ELEMENT_NODE;
    ancestor = ancestor.parentNode
  ) {
    yield ancestor as Element;
  }
}

/** The node and every node inside it, in document order. */
function* descendantNodes(root: Node): Generator<Node> {
  for (const { node } of walk(root)) yield node;
}

/**
 * Every node inside `root` with its depth below it, in document order, by following sibling and
 * parent links rather than recursing: the parser accepts nesting deeper than the call stack.
 */
function* walk(root: Node): Generator<{ node: Node; depth: number }> {
  let depth = 0;
  for (let node: Node | null = root; node;) {
    yield { node, depth };
    if (node.firstChild) {
      node = node.firstChild;
      depth++;
      continue;
    }
    while (node !== root && !node.nextSibling) {
      node = node.parentNode!;
      depth--;
    }
    node = node === root ? null : node.nextSibling;
  }
}

/**
 * xmldom parses any depth, but xml-crypto's C14N recurses once per level and overflows the stack
 * at about 4,000 (a RangeError, not our error): refused here, before anything reads the document.
 */
function assertNestingWithinLimit(root: Element): void {
  for (const { depth } of walk(root)) {
    if (depth > MAX_NESTING)
      throw new XmlSignatureError('INVALID_XML', `the XML nests more than ${MAX_NESTING} levels deep`);
  }
}

/**
 * The namespace declarations in scope at an element from its ancestors, nearest first, that its
 * canonical form must carry (inclusive C14N renders the apex's whole namespace axis). The
 * element's own declarations and its own prefix are left to the canonicalizer.
 */
function inheritedNamespaces(element: Element): { prefix: string; namespaceURI: string }[] {
  const seen = new Set<string>();
  for (let i = 0; i < element.attributes.length; i++) {
    const attribute = element.attributes.item(i)!;
    if (attribute.namespaceURI === XMLNS_NS) seen.add(attribute.prefix ? attribute.localName! : '');
  }
  seen.add(element.prefix ?? '');
  const namespaces: { prefix: string; namespaceURI: string }[] = [];
  for (const ancestor of ancestorElements(element)) {
    const attributes = ancestor.attributes;
    for (let i = 0; i < attributes.length; i++) {
      const attribute = attributes.item(i)!;
      if (attribute.namespaceURI !== XMLNS_NS) continue;
      const prefix = attribute.prefix ? attribute.localName! : '';
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      // xmlns="" undeclares: it hides outer bindings and is itself no namespace node.
      if (attribute.value !== '') namespaces.push({ prefix, namespaceURI: attribute.value });
    }
  }
  return namespaces;
}

/** Inclusive C14N 1.0 without comments of one element as it sits in its document. */
export function canonicalize(element: Element): string {
  assertCanonicalizable(element);
  return c14n(element);
}

/** As canonicalize, with no check that a verifier would canonicalize it alike (see assertCanonicalizable). */
function c14n(element: Element): string {
  const canonicalizer = new C14nCanonicalization();
  return canonicalizer.process(element as unknown as globalThis.Node, {
    ancestorNamespaces: inheritedNamespaces(element),
  });
}

/**
 * Parses a document to be signed (and one to be shown for signing: what signing refuses is refused
 * before the window). We output our own serialization; this refuses documents whose
 * signed meaning it would change (e.g. a &#13; in text, which xmldom writes back as a bare CR that
 * parsers read as LF).
 */
export function parseForSigning(xml: string): Document {
  const original = parseXml(xml);
  // Both sides read alike, processing instructions included: one outside the signed element is
  // no reason to refuse (inside it, the signed element's own canonicalization refuses it).
  if (c14n(parseXml(serializeXml(original)).documentElement!) !== c14n(original.documentElement!)) {
    throw new XmlSignatureError(
      'INVALID_XML',
      'the document would change when written back; refusing to sign it',
    );
  }
  return original;
}

/**
 * The enveloped-signature transform then C14N: the reference's node-set without the Signature
 * that holds the transform. Detaching and restoring it keeps the namespace context intact.
 */
export function canonicalizeWithout(element: Element, signature: Element): string {
  if (!isAncestorOrSelf(element, signature)) return canonicalize(element);
  if (signature === element)
    throw new XmlSignatureError('PROFILE_MISMATCH', 'a reference points at its own Signature');
  const parent = signature.parentNode!;
  const next = signature.nextSibling;
  parent.removeChild(signature);
  try {
    return canonicalize(element);
  } finally {
    parent.insertBefore(signature, next);
  }
}
