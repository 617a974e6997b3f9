/**
 * An empty signature field a PDF already carries (a portal's or an agency's form: `/FT /Sig`, no
 * `/V`, a widget on a page), found by its fully qualified name (ISO 32000-1 §12.7.3.2: the partial
 * names /T from the top, joined by periods), for a signature to go into it as Acrobat and the
 * Vietnamese plugins sign into it. Pure: reads the model's objects, changes nothing.
 */
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  PDFRef,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import { KysoError } from '../protocol/errors.js';
import {
  FIELD_TEXT_LINES,
  type ImageSignatureAppearance,
  type PdfRect,
  type PdfSignatureAppearance,
  type TextStampAppearance,
} from './appearance.js';
import { rectangleBox } from './page-box.js';
import type { PdfModel } from './model.js';

export interface SignatureField {
  /** The fully qualified name, as the document spells it. */
  name: string;
  /** The terminal field: gets the signature dictionary as its /V. */
  fieldRef: PDFRef;
  field: PDFDict;
  /** Its one widget (the field itself when they are merged): where the appearance goes. */
  widgetRef: PDFRef;
  widget: PDFDict;
  /** 0-based: the page whose /Annots holds the widget (what readers draw it on). */
  pageIndex: number;
  /** The widget's /Rect, corners ordered; none for an invisible field (a zero /Rect), which takes no appearance. */
  rect?: PdfRect;
  /** The field's signature field lock dictionary (§12.7.4.5, Table 233), if any. */
  lock?: PDFDict;
}

/** Why a named field cannot take the signature; stable, for callers and tests to branch on. */
export type SignatureFieldProblem =
  | 'field-not-found'
  | 'field-not-signature'
  | 'field-signed'
  /**
   * Read-only (Ff bit 1, Table 221: its value may not be changed): typically locked by a signature
   * already made (/Lock All, field-lock.ts), whose FieldMDP a signature here would break.
   */
  | 'field-locked'
  /** No widget, several widgets, or a widget on no page: there is no one place to sign. */
  | 'field-no-place';

/** Field flag ReadOnly (Table 221). */
export const READ_ONLY = 1;

/** Nesting readers follow; deeper is no form a person fills in. */
const MAX_DEPTH = 32;

/** The page's mistake (or the document's): before any window or PIN, naming the field. */
function refused(problem: SignatureFieldProblem, name: string, message: string): KysoError {
  return new KysoError('BAD_REQUEST', `${message}: ${JSON.stringify(name)}`.slice(0, 500), {
    field: 'field',
    problem,
  });
}

function partialName(object: PDFObject | undefined): string | undefined {
  return object instanceof PDFString || object instanceof PDFHexString ? object.decodeText() : undefined;
}

/** A field attribute looked up the /Parent chain (FT, V and Ff are inheritable, Table 220). */
export function inheritedField(
  model: Pick<PdfModel, 'context'>,
  field: PDFDict,
  key: 'FT' | 'V' | 'Ff',
): PDFObject | undefined {
  const seen = new Set<PDFDict>();
  for (let node: PDFDict | undefined = field; node && !seen.has(node);) {
    seen.add(node);
    const value = node.get(PDFName.of(key));
    if (value !== undefined) return model.context.lookup(value);
    const parent: PDFObject | undefined = model.context.lookup(node.get(PDFName.of('Parent')));
    node = parent instanceof PDFDict ? parent : undefined;
  }
  return undefined;
}

export interface FormField {
  /** The fully qualified name. */
  name: string;
  /** None for a field stored directly in its parent's /Kids or the form's /Fields. */
  ref?: PDFRef;
  dict: PDFDict;
}

/** Every named terminal field of the form, walking /Fields and /Kids as readers do, in their order. */
export function formFields(model: Pick<PdfModel, 'document' | 'context'>): FormField[] {
  const { context } = model;
  const acroForm = context.lookup(model.document.catalog.get(PDFName.of('AcroForm')));
  if (!(acroForm instanceof PDFDict)) return [];
  const seen = new Set<PDFDict>();
  const found: FormField[] = [];
  const visit = (raw: PDFObject, parentName: string | undefined, depth: number): void => {
    const dict = context.lookup(raw);
    if (!(dict instanceof PDFDict) || seen.has(dict) || depth > MAX_DEPTH) return;
    seen.add(dict);
    const partial = partialName(context.lookup(dict.get(PDFName.of('T'))));
    const full = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const kids = context.lookup(dict.get(PDFName.of('Kids')));
    // Kids with a /T are fields; those without are this field's widgets.
    const childFields =
      kids instanceof PDFArray
        ? kids.asArray().filter((kid) => {
            const k = context.lookup(kid);
            return k instanceof PDFDict && k.has(PDFName.of('T'));
          })
        : [];
    if (childFields.length === 0) {
      if (full !== undefined) found.push({ name: full, ...(raw instanceof PDFRef && { ref: raw }), dict });
      return;
    }
    for (const kid of childFields) visit(kid, full, depth + 1);
  };
  const fields = context.lookup(acroForm.get(PDFName.of('Fields')));
  for (const item of fields instanceof PDFArray ? fields.asArray() : []) visit(item, undefined, 0);
  return found;
}

/** The terminal field of that fully qualified name (the first, as readers find it). */
function terminalField(model: PdfModel, name: string): { ref: PDFRef; dict: PDFDict } | undefined {
  const field = formFields(model).find((f) => f.name === name && f.ref);
  return field && { ref: field.ref!, dict: field.dict };
}

/** The field's widgets: itself when merged, else its kids (which have no /T). */
function widgetsOf(model: PdfModel, field: PDFDict, fieldRef: PDFRef): { ref: PDFRef; dict: PDFDict }[] {
  if (field.get(PDFName.of('Subtype')) === PDFName.of('Widget')) return [{ ref: fieldRef, dict: field }];
  const kids = model.context.lookup(field.get(PDFName.of('Kids')));
  return (kids instanceof PDFArray ? kids.asArray() : []).flatMap((kid) => {
    const dict = model.context.lookup(kid);
    return kid instanceof PDFRef && dict instanceof PDFDict ? [{ ref: kid, dict }] : [];
  });
}

function pageHolding(model: PdfModel, widgetRef: PDFRef): number {
  return model.document.getPages().findIndex((page) => {
    const annots = model.context.lookup(page.node.get(PDFName.of('Annots')));
    return annots instanceof PDFArray && annots.asArray().some((item) => item === widgetRef);
  });
}

/**
 * The empty signature field named `name` (its fully qualified name), with its one widget, page and
 * box. Throws BAD_REQUEST (details.problem) when there is none, it is no signature field, it is
 * already signed or read-only, or it has no one place on a page.
 */
export function findSignatureField(model: PdfModel, name: string): SignatureField {
  const found = terminalField(model, name);
  if (!found) throw refused('field-not-found', name, 'the PDF has no form field named');
  const { ref: fieldRef, dict: field } = found;
  if (inheritedField(model, field, 'FT') !== PDFName.of('Sig'))
    throw refused('field-not-signature', name, 'not a signature field');
  const value = inheritedField(model, field, 'V');
  if (value !== undefined && value !== PDFNull)
    throw refused('field-signed', name, 'the signature field is already signed');
  const flags = inheritedField(model, field, 'Ff');
  if (flags instanceof PDFNumber && (flags.asNumber() & READ_ONLY) !== 0)
    throw refused('field-locked', name, 'the signature field is read-only (locked)');
  const widgets = widgetsOf(model, field, fieldRef);
  const only = widgets.length === 1 ? widgets[0]! : undefined;
  const pageIndex = only ? pageHolding(model, only.ref) : -1;
  if (!only || pageIndex < 0)
    throw refused('field-no-place', name, 'the signature field has no one widget on a page');
  const rect = rectangleBox(model.context, only.dict.get(PDFName.of('Rect')));
  const lock = model.context.lookup(field.get(PDFName.of('Lock')));
  return {
    name,
    fieldRef,
    field,
    widgetRef: only.ref,
    widget: only.dict,
    pageIndex,
    ...(rect !== 'invalid' && { rect }),
    ...(lock instanceof PDFDict && { lock }),
  };
}

/** An appearance for a field: an image needs no box of its own. */
export type FieldAppearance =
  TextStampAppearance | (Omit<ImageSignatureAppearance, 'rect'> & { rect?: PdfRect });

/**
 * The appearance as it goes into the field. An image fills the widget's box on its page (the
 * page's own rect and pageIndex are not used). Without one, the box shows who signed and when
 * (FIELD_TEXT_LINES, drawn as a stamp fitted to the box): a form's signature box left as the form
 * drew it would not say it is signed. A page's text stamp has its own place (the top right of its
 * page, Decree 30) and is refused with a field. An invisible field takes none.
 */
export function appearanceInField(
  appearance: FieldAppearance | undefined,
  field: SignatureField,
  font?: Uint8Array,
): PdfSignatureAppearance | undefined {
  if (appearance?.kind === 'stamp' && !appearance.box)
    throw new KysoError('BAD_REQUEST', 'a text stamp cannot go into a signature field', {
      field: 'appearance',
      problem: 'field-stamp',
    });
  if (!field.rect) {
    if (!appearance) return undefined;
    throw refused('field-no-place', field.name, 'the signature field is invisible');
  }
  const place = { pageIndex: field.pageIndex };
  if (appearance?.kind === 'stamp') return { ...appearance, ...place, box: field.rect };
  if (appearance) return { ...appearance, ...place, rect: field.rect };
  return { kind: 'stamp', lines: FIELD_TEXT_LINES, ...(font && { font }), ...place, box: field.rect };
}
