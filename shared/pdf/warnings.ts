/**
 * What a PDF can still do or change once signed, found in the model (the objects readers resolve):
 * the consent window warns before the PIN. Navigation (GoTo, URI links, Named) is not warned
 * about: it cannot change what the document says.
 */
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFStream,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import { lockedFields } from './field-lock.js';
import type { PdfModel } from './model.js';
import { popplerRotation, previewRotation } from './page-rotation.js';
import type { SignatureField } from './signature-field.js';
import { sectionStart } from './xref.js';

export type PdfWarningCode =
  | 'pdf-javascript'
  | 'pdf-launch'
  | 'pdf-actions'
  | 'pdf-embedded-files'
  | 'pdf-form-fields'
  /** Form fields the signature being made locks (its field's /Lock, field-lock.ts): read-only and kept as signed. */
  | 'pdf-form-fields-locked'
  | 'pdf-annotations'
  | 'pdf-incremental-updates'
  | 'pdf-existing-signatures'
  | 'pdf-empty-signature-fields'
  /** Optional content (layers) the window's pdf.js hides by default: other readers can show or print it. */
  | 'pdf-hidden-layers'
  /** Annotations the window's pdf.js does not draw (NoView) that print (Print): signed unseen, on paper. */
  | 'pdf-print-only'
  /** Pages readers turn differently (a /Rotate of 90.0: pdf.js turns the page, poppler does not; page-rotation.ts). */
  | 'pdf-rotation-differs'
  /** Not found in the document: the visible signature the page asks for covers much of its page (appearance-plan.ts). */
  | 'pdf-appearance-large';

/** The same shape as the consent window's DocumentWarning; `names` are the document's own words. */
export interface PdfWarning {
  code: PdfWarningCode;
  count?: number;
  names?: string[];
}

/** Names shown per warning, and characters per name: a warning, not a listing. */
const MAX_NAMES = 20;
const MAX_NAME_CHARS = 120;
/** Actions that only move the view. */
const NAVIGATION = new Set(['GoTo', 'URI', 'Named', 'Thread']);
/** Annotations that are links, form widgets or their pop-ups: covered by other warnings or harmless. */
const NOT_MARKUP = new Set(['Link', 'Widget', 'Popup']);

class Findings {
  private readonly found = new Map<PdfWarningCode, { count: number; names: string[] }>();

  add(code: PdfWarningCode, name?: string): void {
    const entry = this.found.get(code) ?? { count: 0, names: [] };
    entry.count++;
    if (name && entry.names.length < MAX_NAMES && !entry.names.includes(name))
      entry.names.push(name.slice(0, MAX_NAME_CHARS));
    this.found.set(code, entry);
  }

  list(): PdfWarning[] {
    const order: PdfWarningCode[] = [
      'pdf-javascript',
      'pdf-launch',
      'pdf-actions',
      'pdf-embedded-files',
      'pdf-hidden-layers',
      'pdf-print-only',
      'pdf-rotation-differs',
      'pdf-existing-signatures',
      'pdf-empty-signature-fields',
      'pdf-form-fields',
      'pdf-form-fields-locked',
      'pdf-annotations',
      'pdf-incremental-updates',
    ];
    return order
      .filter((code) => this.found.has(code))
      .map((code) => {
        const { count, names } = this.found.get(code)!;
        return { code, count, ...(names.length > 0 && { names }) };
      });
  }
}

function text(object: PDFObject | undefined): string | undefined {
  if (object instanceof PDFString || object instanceof PDFHexString) {
    // Controls are the document's own bytes; the window shows them, visibly, not as layout.
    const decoded = [...object.decodeText()]
      .map((c) => (c.charCodeAt(0) < 0x20 || c === '\u007f' ? ' ' : c))
      .join('');
    return decoded.trim() || undefined;
  }
  return undefined;
}

/**
 * `signingInto`: the empty signature field this signature goes into (signature-field.ts); it is not
 * an empty field left after signing, so it is not counted as one. The fields its lock covers are
 * not editable after signing either: they are told apart (pdf-form-fields-locked), as signing locks them.
 */
export function pdfWarnings(model: PdfModel, signingInto?: SignatureField): PdfWarning[] {
  const { context } = model;
  const locked = new Set<PDFDict>(signingInto ? lockedFields(model, signingInto).map((f) => f.dict) : []);
  const findings = new Findings();
  const seen = new Set<PDFObject>();
  const lookup = (object: PDFObject | undefined): PDFObject | undefined =>
    object instanceof PDFRef ? context.lookup(object) : object;

  const action = (raw: PDFObject | undefined): void => {
    const object = lookup(raw);
    if (object instanceof PDFArray) return object.asArray().forEach(action);
    if (!(object instanceof PDFDict) || seen.has(object)) return;
    seen.add(object);
    const kind = lookup(object.get(PDFName.of('S')));
    const name = kind instanceof PDFName ? kind.decodeText() : undefined;
    if (name === 'JavaScript') findings.add('pdf-javascript');
    else if (name === 'Launch')
      findings.add(
        'pdf-launch',
        text(lookup(object.get(PDFName.of('F')))) ?? fileSpecName(lookup(object.get(PDFName.of('F')))),
      );
    else if (name && !NAVIGATION.has(name)) findings.add('pdf-actions', name);
    action(object.get(PDFName.of('Next')));
  };
  const additionalActions = (raw: PDFObject | undefined): void => {
    const aa = lookup(raw);
    if (aa instanceof PDFDict) for (const value of aa.values()) action(value);
  };
  const fileSpecName = (spec: PDFObject | undefined): string | undefined => {
    if (!(spec instanceof PDFDict)) return text(spec);
    return text(lookup(spec.get(PDFName.of('UF')))) ?? text(lookup(spec.get(PDFName.of('F'))));
  };

  const catalog = model.document.catalog;
  action(catalog.get(PDFName.of('OpenAction')));
  additionalActions(catalog.get(PDFName.of('AA')));

  const names = lookup(catalog.get(PDFName.of('Names')));
  if (names instanceof PDFDict) {
    nameTree(lookup, names.get(PDFName.of('JavaScript')), (_, value) => {
      // Each entry is a JavaScript action; one that is not a dictionary still names a script.
      if (lookup(value) instanceof PDFDict) action(value);
      else findings.add('pdf-javascript');
    });
    nameTree(lookup, names.get(PDFName.of('EmbeddedFiles')), (key, value) =>
      findings.add('pdf-embedded-files', fileSpecName(lookup(value)) ?? key),
    );
  }

  for (const page of model.document.getPages()) {
    // The window shows the page turned as pdf.js turns it; a reader that turns it otherwise shows the same content turned another way.
    if (previewRotation(page) !== popplerRotation(page)) findings.add('pdf-rotation-differs');
    additionalActions(page.node.get(PDFName.of('AA')));
    const annots = lookup(page.node.get(PDFName.of('Annots')));
    if (!(annots instanceof PDFArray)) continue;
    for (const raw of annots.asArray()) {
      const annot = lookup(raw);
      if (!(annot instanceof PDFDict)) continue;
      action(annot.get(PDFName.of('A')));
      additionalActions(annot.get(PDFName.of('AA')));
      const subtype = lookup(annot.get(PDFName.of('Subtype')));
      const kind = subtype instanceof PDFName ? subtype.decodeText() : '';
      if (printsUnseen(lookup(annot.get(PDFName.of('F'))))) findings.add('pdf-print-only', kind || undefined);
      if (kind === 'FileAttachment')
        findings.add('pdf-embedded-files', fileSpecName(lookup(annot.get(PDFName.of('FS')))));
      else if (!NOT_MARKUP.has(kind)) findings.add('pdf-annotations', kind || undefined);
    }
  }

  hiddenLayers(
    lookup,
    catalog.get(PDFName.of('OCProperties')),
    memberships(context.enumerateIndirectObjects().map(([, object]) => object)),
    (name) => findings.add('pdf-hidden-layers', name),
  );

  const acroForm = lookup(catalog.get(PDFName.of('AcroForm')));
  if (acroForm instanceof PDFDict) {
    const visitField = (
      raw: PDFObject | undefined,
      inheritedType: string | undefined,
      parentName: string | undefined,
      depth: number,
    ) => {
      const field = lookup(raw);
      if (!(field instanceof PDFDict) || seen.has(field) || depth > 32) return;
      seen.add(field);
      const type = lookup(field.get(PDFName.of('FT')));
      const fieldType = type instanceof PDFName ? type.decodeText() : inheritedType;
      const partial = text(lookup(field.get(PDFName.of('T'))));
      const name = partial ? (parentName ? `${parentName}.${partial}` : partial) : parentName;
      additionalActions(field.get(PDFName.of('AA')));
      const kids = lookup(field.get(PDFName.of('Kids')));
      const childFields =
        kids instanceof PDFArray
          ? kids.asArray().filter((kid) => {
              const k = lookup(kid);
              return k instanceof PDFDict && k.has(PDFName.of('T'));
            })
          : [];
      if (childFields.length > 0) {
        for (const kid of childFields) visitField(kid, fieldType, name, depth + 1);
        return;
      }
      if (!fieldType || (fieldType === 'Sig' && field === signingInto?.field)) return;
      // A signed field keeps its value either way; an empty one locked can no longer be signed.
      if (fieldType === 'Sig' && field.has(PDFName.of('V'))) findings.add('pdf-existing-signatures', name);
      else if (locked.has(field)) findings.add('pdf-form-fields-locked', name);
      else findings.add(fieldType === 'Sig' ? 'pdf-empty-signature-fields' : 'pdf-form-fields', name);
    };
    const fields = lookup(acroForm.get(PDFName.of('Fields')));
    if (fields instanceof PDFArray)
      for (const field of fields.asArray()) visitField(field, undefined, undefined, 0);
  }

  for (let i = 0; i < incrementalUpdates(model); i++) findings.add('pdf-incremental-updates');
  return findings.list();
}

/**
 * Sections added after the file was written. A linearized file's writer wrote two (the first-page
 * one, then the main one), both before its /L; only sections from /L on are updates. That needs
 * the linearization dictionary to be the file's first object: one an update adds elsewhere hides
 * nothing.
 */
function incrementalUpdates(model: PdfModel): number {
  const { bytes, chain } = model;
  const all = chain.sections.length - 1;
  const linearization = chain.linearization;
  if (linearization?.firstPageXref === undefined) return all;
  const updates = chain.sections.findIndex((section) => section.offset < linearization.length);
  if (updates < 0) return all;
  const written = chain.sections.slice(updates);
  const firstPage = written[0];
  const asWritten =
    firstPage !== undefined &&
    written.length <= 2 &&
    written.every((section) => section.end <= linearization.length) &&
    sectionStart(bytes, firstPage.offset) === sectionStart(bytes, linearization.firstPageXref);
  return asWritten ? updates : all;
}

/** Annotation flags (ISO 32000-1 §12.5.3): Invisible, Hidden, Print, NoView. */
const INVISIBLE = 1;
const HIDDEN = 2;
const PRINT = 4;
const NO_VIEW = 32;

/**
 * An annotation pdf.js leaves off the screen (NoView) but prints (Print, neither Hidden nor
 * Invisible), as its Annotation.viewable and printable decide.
 */
function printsUnseen(flags: PDFObject | undefined): boolean {
  if (!(flags instanceof PDFNumber)) return false;
  const f = flags.asNumber();
  return (f & NO_VIEW) !== 0 && (f & PRINT) !== 0 && (f & (HIDDEN | INVISIBLE)) === 0;
}

/**
 * The optional content groups pdf.js (the window) does not draw, as it decides for the screen: the
 * default configuration's /BaseState, then /ON, then /OFF, and a group's own /Usage /View
 * /ViewState OFF. Content in them is signed unseen, while other readers list the layers to switch
 * on, and a /ViewState OFF group can still print.
 */
function hiddenLayers(
  lookup: (object: PDFObject | undefined) => PDFObject | undefined,
  raw: PDFObject | undefined,
  membershipDicts: PDFDict[],
  found: (name: string | undefined) => void,
): void {
  const properties = lookup(raw);
  if (!(properties instanceof PDFDict)) return;
  const groups = lookup(properties.get(PDFName.of('OCGs')));
  if (!(groups instanceof PDFArray)) return;
  const config = lookup(properties.get(PDFName.of('D')));
  const listed = (key: string) => {
    const list = config instanceof PDFDict ? lookup(config.get(PDFName.of(key))) : undefined;
    return new Set(list instanceof PDFArray ? list.asArray() : []);
  };
  const on = listed('ON');
  const off = listed('OFF');
  const base = config instanceof PDFDict ? lookup(config.get(PDFName.of('BaseState'))) : undefined;
  const visibility = new Map<PDFObject, boolean>();
  const nameOf = (ref: PDFObject) => {
    const group = lookup(ref);
    return group instanceof PDFDict ? text(lookup(group.get(PDFName.of('Name')))) : undefined;
  };
  for (const ref of groups.asArray()) {
    if (visibility.has(ref)) continue;
    const group = lookup(ref);
    if (!(group instanceof PDFDict)) continue;
    let visible = base !== PDFName.of('OFF');
    if (on.has(ref)) visible = true;
    if (off.has(ref)) visible = false;
    const usage = lookup(group.get(PDFName.of('Usage')));
    const view = usage instanceof PDFDict ? lookup(usage.get(PDFName.of('View'))) : undefined;
    if (view instanceof PDFDict && lookup(view.get(PDFName.of('ViewState'))) === PDFName.of('OFF'))
      visible = false;
    visibility.set(ref, visible);
    if (!visible) found(nameOf(ref));
  }
  // Membership dictionaries can hide content whose groups are all shown (/P /AllOff, /VE [/Not …]).
  for (const membership of membershipDicts) {
    if (membershipVisible(lookup, membership, visibility)) continue;
    const members = lookup(membership.get(PDFName.of('OCGs')));
    const names = (
      members instanceof PDFArray ? members.asArray() : members ? [membership.get(PDFName.of('OCGs'))!] : []
    )
      .map(nameOf)
      .filter((name): name is string => name !== undefined);
    found(names.length > 0 ? names.join(', ') : undefined);
  }
}

/** Optional content membership dictionaries (/Type /OCMD) among `objects` and the dictionaries and arrays in them. */
function memberships(objects: PDFObject[]): PDFDict[] {
  const found = new Set<PDFDict>();
  const visit = (object: PDFObject, depth: number): void => {
    if (depth > 16) return;
    if (object instanceof PDFStream) return visit(object.dict, depth + 1);
    if (object instanceof PDFArray) return object.asArray().forEach((item) => visit(item, depth + 1));
    if (!(object instanceof PDFDict)) return;
    if (object.get(PDFName.of('Type')) === PDFName.of('OCMD')) found.add(object);
    for (const value of object.values()) visit(value, depth + 1);
  };
  for (const object of objects) visit(object, 0);
  return [...found];
}

/**
 * Whether pdf.js draws content a membership dictionary governs (its OptionalContentConfig.isVisible):
 * a /VE expression if any, else the /P policy over /OCGs (AnyOn by default); a group it does not
 * know counts as shown.
 */
function membershipVisible(
  lookup: (object: PDFObject | undefined) => PDFObject | undefined,
  membership: PDFDict,
  visibility: Map<PDFObject, boolean>,
): boolean {
  const expression = (array: PDFArray, depth: number): boolean => {
    const items = array.asArray();
    if (items.length < 2 || depth > 10) return true;
    const operator = lookup(items[0]);
    for (const item of items.slice(1)) {
      const value = lookup(item);
      let state: boolean;
      if (value instanceof PDFArray) state = expression(value, depth + 1);
      else if (visibility.has(item)) state = visibility.get(item)!;
      else return true;
      if (operator === PDFName.of('And')) {
        if (!state) return false;
      } else if (operator === PDFName.of('Or')) {
        if (state) return true;
      } else if (operator === PDFName.of('Not')) return !state;
      else return true;
    }
    return operator === PDFName.of('And');
  };
  const ve = lookup(membership.get(PDFName.of('VE')));
  if (ve instanceof PDFArray) return expression(ve, 0);
  const raw = membership.get(PDFName.of('OCGs'));
  const listed = lookup(raw);
  const ids = listed instanceof PDFArray ? listed.asArray() : raw ? [raw] : [];
  const policy = lookup(membership.get(PDFName.of('P')));
  // pdf.js walks the groups in order: the first that decides (or is unknown: shown) ends it.
  const [decidingState, result] =
    policy === PDFName.of('AllOn')
      ? [false, false]
      : policy === PDFName.of('AnyOff')
        ? [false, true]
        : policy === PDFName.of('AllOff')
          ? [true, false]
          : [true, true];
  for (const id of ids) {
    if (!visibility.has(id)) return true;
    if (visibility.get(id) === decidingState) return result;
  }
  return !result;
}

/** Walks a name tree (Names/Kids), depth-bounded, calling `visit` with each key and value. */
function nameTree(
  lookup: (object: PDFObject | undefined) => PDFObject | undefined,
  root: PDFObject | undefined,
  visit: (key: string | undefined, value: PDFObject | undefined) => void,
  depth = 0,
): void {
  const node = lookup(root);
  if (!(node instanceof PDFDict) || depth > 32) return;
  const names = lookup(node.get(PDFName.of('Names')));
  if (names instanceof PDFArray) {
    for (let i = 0; i + 1 < names.size(); i += 2) visit(text(lookup(names.get(i))), names.get(i + 1));
  }
  const kids = lookup(node.get(PDFName.of('Kids')));
  if (kids instanceof PDFArray) for (const kid of kids.asArray()) nameTree(lookup, kid, visit, depth + 1);
}
