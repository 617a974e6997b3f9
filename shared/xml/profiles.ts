/**
 * Where each Vietnamese XML format wants its signature and what it signs.
 * - htkk: tax returns from HTKK/eTax, `HSoThueDTu > HSoKhaiThue[id]` signed into `HSoThueDTu > CKyDTu`.
 * - einvoice: Decree 123/2020, Circular 78/2021 invoices, `HDon > DLHDon[Id]` signed by the seller
 *   into `HDon > DSCKS > NBan`, with the signing time in a second, signed Object.
 * - einvoice-buyer: the same invoice data co-signed by the buyer (optional in Circular 78, agreed
 *   between the parties), into `HDon > DSCKS > NMua`, beside the seller's signature.
 */
import { DSIG_NS } from './algorithms.js';
import {
  assertSignatureCanonicalizable,
  childElement,
  descendantElements,
  elementChildren,
  idAttributes,
  isAncestorOrSelf,
  type Document,
  type Element,
} from './dom.js';
import { XmlSignatureError } from './errors.js';

export type XmlSignatureProfile = 'htkk' | 'einvoice' | 'einvoice-buyer';

/** Circular 78's signature slots in `HDon > DSCKS`, in their order: seller, buyer, tax authority, others. */
const INVOICE_SIGNATURE_SLOTS = ['NBan', 'NMua', 'CQT', 'CCKSKhac'];

export const HTKK_NS = 'http://kekhaithue.gdt.gov.vn/TKhaiThue';
/** The id HTKK gives the signed declaration. */
export const HTKK_NODE_TO_SIGN = '_NODE_TO_SIGN';

export interface SignaturePlace {
  /** The element the Signature is appended to. */
  container: Element;
  /** The signed content: its ID value, and the ID attribute's name verifiers must be told about. */
  target: { id: string; attribute: string; localName: string };
  /** e-invoices: the signing time goes into a signed Object. */
  signingTimeObject: boolean;
}

function rootNamed(document: Document, localName: string, profile: XmlSignatureProfile): Element {
  const root = document.documentElement!;
  if (root.localName !== localName) {
    throw new XmlSignatureError(
      'PROFILE_MISMATCH',
      `${profile}: the root element is <${root.localName}>, not <${localName}>`,
    );
  }
  return root;
}

function requireChild(parent: Element, localName: string, profile: XmlSignatureProfile): Element {
  const child = childElement(parent, parent.namespaceURI, localName);
  if (!child)
    throw new XmlSignatureError(
      'PROFILE_MISMATCH',
      `${profile}: <${parent.localName}> has no <${localName}>`,
    );
  return child;
}

/** The child element, created at the end of parent in parent's namespace when missing. */
function ensureChild(parent: Element, localName: string): Element {
  const existing = childElement(parent, parent.namespaceURI, localName);
  if (existing) return existing;
  const created = parent.ownerDocument!.createElementNS(parent.namespaceURI, localName);
  parent.appendChild(created);
  return created;
}

/** DSCKS's slot for one party, created in Circular 78's order among the slots already there. */
function invoiceSignatureSlot(signatures: Element, slot: string): Element {
  const existing = childElement(signatures, signatures.namespaceURI, slot);
  if (existing) return existing;
  const later = INVOICE_SIGNATURE_SLOTS.slice(INVOICE_SIGNATURE_SLOTS.indexOf(slot) + 1);
  const before = elementChildren(signatures).find(
    (child) => child.namespaceURI === signatures.namespaceURI && later.includes(child.localName ?? ''),
  );
  const created = signatures.ownerDocument!.createElementNS(signatures.namespaceURI, slot);
  signatures.insertBefore(created, before ?? null);
  return created;
}

function assertNotSigned(container: Element, profile: XmlSignatureProfile): void {
  if (childElement(container, DSIG_NS, 'Signature')) {
    throw new XmlSignatureError(
      'ALREADY_SIGNED',
      `${profile}: <${container.localName}> already holds a Signature`,
    );
  }
}

/** The element a same-document Reference URI names: "" and "#xpointer(/)" the root, "#id" its holder. */
function referencedElement(document: Document, uri: string): Element | undefined {
  const root = document.documentElement!;
  if (uri === '' || uri === '#xpointer(/)') return root;
  const id =
    /^#xpointer\(id\((['"])(.*)\1\)\)$/.exec(uri)?.[2] ?? (uri.startsWith('#') ? uri.slice(1) : undefined);
  if (id === undefined) return undefined;
  return [...descendantElements(root)].find((element) =>
    idAttributes(element).some((attribute) => attribute.value === id),
  );
}

/**
 * An enveloped-signature transform removes only its own Signature: a new Signature inside what an
 * existing one covers (a whole-document URI="" signature, say) changes those bytes and breaks it.
 * Refused rather than sign a document whose earlier signature would no longer verify.
 */
export function assertNoSignatureCovers(document: Document, container: Element): void {
  for (const signature of descendantElements(document.documentElement!)) {
    if (signature.namespaceURI !== DSIG_NS || signature.localName !== 'Signature') continue;
    const signedInfo = childElement(signature, DSIG_NS, 'SignedInfo');
    for (const reference of signedInfo ? elementChildren(signedInfo) : []) {
      if (reference.namespaceURI !== DSIG_NS || reference.localName !== 'Reference') continue;
      const target = referencedElement(document, reference.getAttribute('URI') ?? '');
      if (target && isAncestorOrSelf(target, container))
        throw new XmlSignatureError(
          'ALREADY_SIGNED',
          `a signature in the document covers <${container.localName}>: another signature there would break it`,
        );
    }
  }
}

/**
 * Name characters of XML (letters, digits, combining marks, _ . - · and :), any first: an ID a
 * reference `URI="#id"` can name. xmlsec1 resolves it as `xpointer(id('…'))`, which fails on a
 * space or a quote; other readers split or unescape it at %, # or whitespace.
 */
const REFERENCEABLE_ID = /^[\p{L}\p{Nd}\p{Mn}\p{Mc}_.:\-\u00B7]+$/u;

export function isReferenceableId(id: string): boolean {
  return REFERENCEABLE_ID.test(id);
}

/** Refuses an ID value that a `URI="#…"` reference cannot name the same way for every verifier. */
export function assertReferenceableId(id: string): void {
  if (!isReferenceableId(id))
    throw new XmlSignatureError(
      'PROFILE_MISMATCH',
      `the id "${id.slice(0, 80)}" is not an XML name: a reference to it would not resolve everywhere`,
    );
}

/** Finds (and makes, where the format allows) the signature's place; changes the document. */
export function placeSignature(document: Document, profile: XmlSignatureProfile): SignaturePlace {
  if (profile === 'htkk') {
    const root = rootNamed(document, 'HSoThueDTu', profile);
    const declaration = requireChild(root, 'HSoKhaiThue', profile);
    if (!declaration.hasAttribute('id')) declaration.setAttribute('id', HTKK_NODE_TO_SIGN);
    assertReferenceableId(declaration.getAttribute('id')!);
    const container = ensureChild(root, 'CKyDTu');
    assertNotSigned(container, profile);
    assertNoSignatureCovers(document, container);
    assertSignatureCanonicalizable(container);
    return {
      container,
      target: { id: declaration.getAttribute('id')!, attribute: 'id', localName: 'HSoKhaiThue' },
      signingTimeObject: false,
    };
  }
  if (profile === 'einvoice' || profile === 'einvoice-buyer') {
    const root = rootNamed(document, 'HDon', profile);
    const invoiceData = requireChild(root, 'DLHDon', profile);
    const id = invoiceData.getAttribute('Id');
    // Invoice software numbers DLHDon itself; inventing an Id here would hide a broken invoice.
    if (!id) throw new XmlSignatureError('PROFILE_MISMATCH', 'einvoice: <DLHDon> has no Id attribute');
    assertReferenceableId(id);
    const slot = profile === 'einvoice' ? 'NBan' : 'NMua';
    const container = invoiceSignatureSlot(ensureChild(root, 'DSCKS'), slot);
    assertNotSigned(container, profile);
    assertNoSignatureCovers(document, container);
    assertSignatureCanonicalizable(container);
    return { container, target: { id, attribute: 'Id', localName: 'DLHDon' }, signingTimeObject: true };
  }
  throw new XmlSignatureError('PROFILE_MISMATCH', `unknown XML signature profile "${String(profile)}"`);
}
