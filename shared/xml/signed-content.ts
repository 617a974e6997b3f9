/**
 * The element an XML signature covers (HTKK `HSoThueDTu/HSoKhaiThue`, e-invoice `HDon/DLHDon`),
 * found by the profile's exact path and namespace, and what the consent window shows from it:
 * nothing outside it is ever read for display (a decoy `NNT` or `TToan` elsewhere is not the
 * signed one). Documents that verifiers could read differently are refused before the window:
 * two candidates for the signed element, one ID value on two elements, processing instructions
 * inside it (a DOCTYPE is refused by the parser).
 */
import {
  assertCanonicalizable,
  descendantElements,
  elementChildren,
  firstText,
  idAttributes,
  ownText,
  parseForSigning,
  type Document,
  type Element,
} from './dom.js';
import { XmlSignatureError } from './errors.js';
import { placeSignature, type XmlSignatureProfile } from './profiles.js';

export interface SignedXml {
  document: Document;
  /** The element the signature's reference covers. */
  signed: Element;
}

/** Parses, places the signature as signing would, and refuses what verifiers could read differently. */
export function readSignedXml(xml: string, profile: XmlSignatureProfile): SignedXml {
  const document = parseForSigning(xml);
  const place = placeSignature(document, profile);
  const signed = [...descendantElements(document.documentElement!)].filter(
    (element) => element.localName === place.target.localName,
  );
  // The profile signs the root's child; another element of that name anywhere is a candidate a
  // reader (or a later step) could take for it.
  if (signed.length !== 1) {
    throw new XmlSignatureError(
      'DUPLICATE_SIGNED_NODE',
      `${signed.length} <${place.target.localName}> elements`,
    );
  }
  assertUniqueIds(document);
  assertCanonicalizable(signed[0]!);
  return { document, signed: signed[0]! };
}

function assertUniqueIds(document: Document): void {
  const seen = new Set<string>();
  for (const element of descendantElements(document.documentElement!)) {
    // One value in two ID attributes of one element (id, x:id) still names that element alone.
    for (const value of new Set(idAttributes(element).map((attribute) => attribute.value))) {
      if (seen.has(value)) throw new XmlSignatureError('DUPLICATE_ID', `the id "${value}" is used twice`);
      seen.add(value);
    }
  }
}

/**
 * The one child on each step of `path` from `from`, in `from`'s namespace; undefined when a step
 * is missing, refused when a step is there twice (which one would the person have seen?). Twice
 * counts namespaces too: a receiver reading by local name may take the other namespace's one.
 * A step there once but in another namespace is refused too, not taken for missing: the window
 * would leave the field out while a receiver reading by local name takes it as the field.
 */
export function elementAt(from: Element, path: string[]): Element | undefined {
  let scope: Element | undefined = from;
  for (const name of path) {
    if (!scope) return undefined;
    const parent: Element = scope;
    const named = elementChildren(parent).filter((child) => child.localName === name);
    if (named.length > 1)
      throw new XmlSignatureError('DUPLICATE_SIGNED_NODE', `<${name}> twice in <${parent.localName}>`);
    scope = named[0];
    if (scope && scope.namespaceURI !== from.namespaceURI)
      throw new XmlSignatureError(
        'PROFILE_MISMATCH',
        `<${name}> in <${parent.localName}> is in the namespace ${namespaceName(scope.namespaceURI)}, not ${namespaceName(from.namespaceURI)}: a receiver reading by name could take it for the field`,
      );
  }
  return scope;
}

const namespaceName = (uri: string | null) => (uri ? `"${uri.slice(0, 100)}"` : 'none');

/**
 * Refuses a field's element name found inside `signed` more than once when one of them is off the
 * paths read for fields (`paths`, from `signed`) where a reader searching by name would meet it
 * first or instead: a second `<MST>` nested in an item, or deeper inside `<NBan>`, is the one
 * `getElementsByTagName`, `//MST` or `NBan//MST` may take, while the window shows the other.
 * Counted by local name, whatever the namespace, as elementAt counts. A name two fields share
 * (`NBan/Ten`, `NMua/Ten`) is allowed at each field's path; a name there once, off its path, is no
 * field the window shows, and no reader has another one to pick (the full view lists it by its path).
 *
 * `header`, when given, is the path of the part holding every field (a tax return's `TTinChung`).
 * After that part ends, the document's own data may use the names again: genuine returns carry an
 * `mst` in their body (08-MST's `CTieuTKhaiChinh/mst`) and a supplementary return's appendix its own
 * `PLuc/PL01_KHBS/Header/maTKhai`, read by path by the tax office's viewer. There a reader by name
 * meets the header's element first. Before the header ends (inside it, or ahead of it) none may.
 */
export function assertFieldNamesOnlyAtPaths(signed: Element, paths: string[][], header?: string[]): void {
  const fields = new Map<string, Set<Element | undefined>>();
  for (const path of paths) {
    const name = path.at(-1)!;
    fields.set(name, (fields.get(name) ?? new Set()).add(elementAt(signed, path)));
  }
  const headerElement = header && elementAt(signed, header);
  const inHeader = new Set(headerElement ? descendantElements(headerElement) : []);
  const found = new Map<string, Element[]>();
  let pastHeader = false;
  for (const element of descendantElements(signed)) {
    if (inHeader.has(element)) pastHeader = true;
    else if (pastHeader) continue;
    const name = element.localName ?? '';
    if (fields.has(name)) found.set(name, [...(found.get(name) ?? []), element]);
  }
  for (const [name, elements] of found) {
    const offPath = elements.find((element) => !fields.get(name)!.has(element));
    if (offPath && elements.length > 1)
      throw new XmlSignatureError(
        'DUPLICATE_SIGNED_NODE',
        `<${name}> is there ${elements.length} times, also inside <${offPath.parentNode?.nodeName ?? ''}> off the field's path: a receiver reading it by name could take that one`,
      );
  }
}

/**
 * The text of the one element at `path` (a summary field: a simple value in both formats). One
 * holding elements is refused: its own text (what we would show), its DOM textContent or XPath
 * string (all text inside) and a reader taking its first text node are three different values.
 */
export function textAt(from: Element, path: string[]): string | undefined {
  const element = elementAt(from, path);
  if (element && elementChildren(element).length > 0)
    throw new XmlSignatureError(
      'PROFILE_MISMATCH',
      `<${element.localName}> holds elements: its value could be read more than one way`,
    );
  const text = element ? ownText(element) : '';
  // A comment or CDATA section splitting the value (2145<!---->0000) is signed as the whole text,
  // which we show; DOM firstChild readers and lxml's .text take the first piece (2145).
  if (element && firstText(element) !== text)
    throw new XmlSignatureError(
      'PROFILE_MISMATCH',
      `<${element.localName}> holds its value in pieces (a comment or CDATA section splits it): it could be read more than one way`,
    );
  return text || undefined;
}

export interface XmlContentRow {
  /** From the signed element: `HSoKhaiThue/TTinChung/NNT/mst`, `…/HHDVu[2]/THHDVu`, `…/@Id`. */
  path: string;
  value: string;
}

/**
 * The rows' paths and values together, in characters: what the consent window receives in one
 * message (browsers cap an extension message at 64 MiB of JSON). A real document's rows are a few
 * times its size; paths of deeply nested values grow with the square of the depth (a 4 MB document
 * of 1,000-deep chains makes 500 million path characters), which would exhaust memory instead.
 */
export const MAX_ROW_CHARS = 16 * 1024 * 1024;

/** Collects rows, refusing the document once their paths and values pass MAX_ROW_CHARS. */
export function rowCollector(): { rows: XmlContentRow[]; add: (path: string, value: string) => void } {
  const rows: XmlContentRow[] = [];
  let chars = 0;
  return {
    rows,
    add: (path, value) => {
      chars += path.length + value.length;
      if (chars > MAX_ROW_CHARS)
        throw new XmlSignatureError('INVALID_XML', 'the document holds more values than can be shown');
      rows.push({ path, value });
    },
  };
}

/**
 * Every value inside the signed element, in document order: each attribute (namespace
 * declarations aside) and each element's own text. Repeated siblings are numbered from 1.
 * Comments are not signed (C14N without comments) and are not shown.
 */
export function signedContentRows(signed: Element): XmlContentRow[] {
  const { rows, add } = rowCollector();
  const visit = (element: Element, path: string) => {
    for (let i = 0; i < element.attributes.length; i++) {
      const attribute = element.attributes.item(i)!;
      if (attribute.name === 'xmlns' || attribute.prefix === 'xmlns') continue;
      add(`${path}/@${attribute.name}`, attribute.value);
    }
    const text = ownText(element);
    if (text) add(path, text);
    const children = elementChildren(element);
    const counts = new Map<string, number>();
    for (const child of children) counts.set(child.nodeName, (counts.get(child.nodeName) ?? 0) + 1);
    const seen = new Map<string, number>();
    for (const child of children) {
      const n = (seen.get(child.nodeName) ?? 0) + 1;
      seen.set(child.nodeName, n);
      visit(child, `${path}/${child.nodeName}${counts.get(child.nodeName)! > 1 ? `[${n}]` : ''}`);
    }
  };
  visit(signed, signed.nodeName);
  return rows;
}

/** The rows of the element `profile` signs in `xml` (the window's "open document"). */
export function xmlContentRows(xml: string, profile: XmlSignatureProfile): XmlContentRow[] {
  return signedContentRows(readSignedXml(xml, profile).signed);
}
