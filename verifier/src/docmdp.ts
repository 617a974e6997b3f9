/**
 * What a certification allowing form filling and signing (DocMDP P=2), or also annotations (P=3),
 * does not allow after it (ISO 32000-1 §12.8.2.2, Adobe's rule), the revision it signed compared
 * with the document now:
 * - the pages themselves: a page added or removed, a page dictionary changed but for its /Annots, a
 *   page tree node above it changed, or an object a page draws with (its /Contents, its /Resources
 *   and what they name: fonts, images, forms) rewritten;
 * - annotations, at P=2: one added to or removed from a page's /Annots, or one (or an object it
 *   names: its appearance, its pop-up, its action) rewritten; P=3 allows them;
 * - form fields, at both: a field removed, a field added but for a new signature field (and its
 *   widgets: signing is allowed), or a field or its widget changed but for what filling it in
 *   sets (its value, its appearance); a signed signature field not changed at all;
 * - what the catalog runs or opens with the document (/OpenAction, /AA, /Names' scripts and
 *   attached files), and the rest of it but for the form, /Names, validation data and what writers
 *   update on saving (optional content's /OCProperties could hide a certified page's text), at both.
 * P=1 allows nothing of this (pdf.ts: only validation data may follow it).
 */
import { PDFArray, PDFDict, PDFName, PDFRef, PDFStream, type PDFDocument, type PDFObject } from 'pdf-lib';
import type { DocMdpPermissions } from '../../shared/pdf/docmdp.js';
import { serializePdfObject } from '../../shared/pdf/incremental.js';
import { sameExcept, sameObject, sameOrAbsent } from './pdf-objects.js';

/** The two revisions compared, and what was compared already (each object once: a crafted file cannot make the check pages × objects long). */
interface Revisions {
  certified: PDFDocument;
  doc: PDFDocument;
  compared: Set<PDFObject>;
  fields: Set<PDFObject>;
}

/**
 * The first indirect object reachable from `roots` in the certified revision that the document
 * now has rewritten, not following `skip` keys (a page tree node, a page, a parent field: each
 * judged on its own).
 */
function rewritten(
  r: Revisions,
  roots: Array<PDFObject | undefined>,
  skip: readonly string[],
): PDFRef | undefined {
  const pending = [...roots];
  for (let next = pending.pop(); next !== undefined || pending.length; next = pending.pop()) {
    if (next === undefined || r.compared.has(next)) continue;
    r.compared.add(next);
    if (next instanceof PDFRef) {
      const object = r.certified.context.lookup(next);
      if (!sameOrAbsent(object, r.doc.context.lookup(next))) return next;
      pending.push(object);
    } else if (next instanceof PDFDict || next instanceof PDFStream) {
      const dict = next instanceof PDFStream ? next.dict : next;
      for (const [name, value] of dict.entries()) if (!skip.includes(name.decodeText())) pending.push(value);
    } else if (next instanceof PDFArray) pending.push(...next.asArray());
  }
  return undefined;
}

/** The pages, `before` those of the certified revision: the same, each drawn as it was. */
function pagesChanged(r: Revisions, before: PDFRef[]): string | undefined {
  const { certified, doc } = r;
  let after: PDFRef[];
  try {
    after = doc.getPages().map((page) => page.ref);
  } catch {
    return 'the page tree can no longer be read';
  }
  if (before.length !== after.length || before.some((ref, i) => ref !== after[i]))
    return `the pages were changed (${before.length} certified, ${after.length} now)`;
  const treeChecked = new Set<PDFObject>();
  for (const [i, ref] of before.entries()) {
    const page = certified.context.lookup(ref);
    const now = doc.context.lookup(ref);
    if (
      !(page instanceof PDFDict) ||
      !(now instanceof PDFDict) ||
      !sameExcept(page, now, { Annots: () => true })
    )
      return `page ${i + 1} was changed (more than its annotations)`;
    // What a page inherits (/Resources, /MediaBox, /Rotate) is in the page tree nodes above it.
    const drawnWith: Array<PDFObject | undefined> = [];
    for (let parent = page.get(PDFName.of('Parent')); parent instanceof PDFRef && !treeChecked.has(parent);) {
      treeChecked.add(parent); // checked with everything above it; a loop in /Parent ends here too
      const node = certified.context.lookup(parent);
      if (!(node instanceof PDFDict)) break;
      if (!sameObject(node, doc.context.lookup(parent)))
        return `the page tree above page ${i + 1} was changed`;
      drawnWith.push(node.get(PDFName.of('Resources')));
      parent = node.get(PDFName.of('Parent'));
    }
    drawnWith.push(page.get(PDFName.of('Contents')), page.get(PDFName.of('Resources')));
    const object = rewritten(r, drawnWith, ['Parent']);
    if (object) return `an object page ${i + 1} draws with (object ${object.objectNumber}) was rewritten`;
  }
  return undefined;
}

/** An array's items (the array direct or indirect); none when it is something else, as readers show it. */
function items(doc: PDFDocument, value: PDFObject | undefined): PDFObject[] {
  const array = value instanceof PDFRef ? doc.context.lookup(value) : value;
  return array instanceof PDFArray ? array.asArray() : [];
}

/** The same annotation or field: the same reference, or a direct dictionary written the same. */
const sameItem = (a: PDFObject, b: PDFObject) =>
  a === b || (!(a instanceof PDFRef) && !(b instanceof PDFRef) && sameObject(a, b));

/** A list's annotations or fields, to look one up at once (a list of thousands is not compared pairwise). */
function listed(list: PDFObject[]): (item: PDFObject) => boolean {
  const key = (item: PDFObject) =>
    item instanceof PDFRef ? item : Buffer.from(serializePdfObject(item)).toString('latin1');
  const keys = new Set(list.map(key));
  return (item) => keys.has(key(item));
}

const resolve = (doc: PDFDocument, item: PDFObject) =>
  item instanceof PDFRef ? doc.context.lookup(item) : item;

const isWidget = (annotation: PDFObject | undefined) =>
  annotation instanceof PDFDict && annotation.lookup(PDFName.of('Subtype')) === PDFName.of('Widget');

/** A field's entry, inherited from the fields above it (ISO 32000-1 §12.7.3.1: /FT, /V). */
function inherited(field: PDFDict, key: 'FT' | 'V'): PDFObject | undefined {
  let node: PDFObject | undefined = field;
  for (let depth = 0; node instanceof PDFDict && depth < 32; depth++) {
    const value = node.lookup(PDFName.of(key));
    if (value !== undefined) return value;
    node = node.lookup(PDFName.of('Parent'));
  }
  return undefined;
}

/** A field's type, inherited from the fields above it. */
function fieldType(field: PDFDict): string | undefined {
  const type = inherited(field, 'FT');
  return type instanceof PDFName ? type.decodeText() : undefined;
}

/** A field or widget the certified revision did not have, of a signature field: signing is allowed. */
function isNewSignatureField(r: Revisions, item: PDFObject): boolean {
  if (!(item instanceof PDFRef) || r.certified.context.lookup(item) !== undefined) return false;
  const field = r.doc.context.lookup(item);
  return field instanceof PDFDict && fieldType(field) === 'Sig';
}

/** ` "name" (object n)`: how the messages name a field or annotation. */
function describe(item: PDFObject, object: PDFObject | undefined): string {
  const name = object instanceof PDFDict ? object.lookup(PDFName.of('T')) : undefined;
  const title = name && 'decodeText' in name ? ` "${(name as { decodeText(): string }).decodeText()}"` : '';
  return `${title}${item instanceof PDFRef ? ` (object ${item.objectNumber})` : ''}`;
}

/**
 * What filling in a field sets on it and its widgets: its value (/V; a choice's selected /I, rich
 * text /RV) and its appearance (/AP, the state /AS names). An empty signature field is signed with
 * /V and /AP; a signed one cannot change.
 */
const anything = () => true;
const FILLED = { V: anything, I: anything, RV: anything, AP: anything, AS: anything };
const SIGNED = { V: anything, AP: anything, AS: anything };
const NOT_FOLLOWED = ['Kids', 'Parent', 'P', 'V'];

/** The certified fields `roots` and the fields under them, each changed only as filling it in does. */
function fieldsChanged(r: Revisions, roots: PDFObject[]): string | undefined {
  const pending = [...roots];
  for (let item = pending.pop(); item; item = pending.pop()) {
    if (r.fields.has(item)) continue;
    r.fields.add(item);
    const before = resolve(r.certified, item);
    if (!(before instanceof PDFDict)) continue; // not a field to readers then
    const after = item instanceof PDFRef ? r.doc.context.lookup(item) : before;
    if (!(after instanceof PDFDict)) return `the form field${describe(item, before)} was removed`;
    const signature = fieldType(before) === 'Sig';
    // A signed field's widget may be a kid of its own, without the /V it inherits.
    const signed = signature && inherited(before, 'V') !== undefined;
    const free = signed ? {} : signature ? SIGNED : FILLED;
    const kids = items(r.certified, before.get(PDFName.of('Kids')));
    const kidsNow = items(r.doc, after.get(PDFName.of('Kids')));
    const sameKids = kids.length === kidsNow.length && kids.every((kid, i) => sameItem(kid, kidsNow[i]!));
    if (!sameExcept(before, after, { ...free, Kids: () => sameKids }))
      return signed
        ? `the signed signature field${describe(item, before)} was changed`
        : `the form field${describe(item, before)} was changed (more than its value and appearance)`;
    // What its other entries name (an action, a border style) is not rewritten either. Its kids
    // are fields, its parent and page judged on their own; a signature value is its signature's
    // own bytes (and may name the catalog, which a DSS changes).
    const named = before
      .entries()
      .filter(([key]) => !(key.decodeText() in free) && !NOT_FOLLOWED.includes(key.decodeText()))
      .map(([, value]) => value);
    const object = rewritten(r, named, ['Parent', 'P']);
    if (object)
      return `an object the form field${describe(item, before)} names (object ${object.objectNumber}) was rewritten`;
    pending.push(...kids);
  }
  return undefined;
}

/** Each page's annotations: widgets as fields, the others (at P=2) unchanged. */
function annotationsChanged(r: Revisions, pages: PDFRef[], permissions: 2 | 3): string | undefined {
  const sharedLists = new Set<PDFObject>();
  for (const [i, page] of pages.entries()) {
    const annots = (doc: PDFDocument) => {
      const dict = doc.context.lookup(page);
      return dict instanceof PDFDict ? dict.get(PDFName.of('Annots')) : undefined;
    };
    // An indirect /Annots several pages still share is judged once (once per page, a crafted file
    // could make the check pages × annotations long).
    const shared = annots(r.certified);
    if (shared instanceof PDFRef && shared === annots(r.doc)) {
      if (sharedLists.has(shared)) continue;
      sharedLists.add(shared);
    }
    const before = items(r.certified, annots(r.certified));
    const after = items(r.doc, annots(r.doc));
    const inBefore = listed(before);
    const inAfter = listed(after);
    const on = `page ${i + 1}`;
    for (const item of before) {
      if (inAfter(item)) continue;
      const annotation = resolve(r.certified, item);
      if (isWidget(annotation))
        return `a form field's widget${describe(item, annotation)} was removed from ${on}`;
      if (permissions === 2) return `an annotation${describe(item, annotation)} was removed from ${on}`;
    }
    for (const item of after) {
      if (inBefore(item)) continue;
      const annotation = resolve(r.doc, item);
      if (isWidget(annotation)) {
        if (!isNewSignatureField(r, item))
          return `a form field other than a signature${describe(item, annotation)} was added on ${on}`;
      } else if (permissions === 2) return `an annotation${describe(item, annotation)} was added on ${on}`;
    }
    for (const item of before) {
      if (!inAfter(item)) continue;
      if (isWidget(resolve(r.certified, item))) {
        const changed = fieldsChanged(r, [item]);
        if (changed) return `${changed}, on ${on}`;
      } else if (permissions === 2) {
        const object = rewritten(r, [item], ['Parent', 'P']);
        if (object) return `an annotation on ${on} was changed (object ${object.objectNumber})`;
      }
    }
  }
  return undefined;
}

/**
 * The form: its dictionary changed but for the signature flags signers set and what filling in
 * uses (default resources and appearance, /NeedAppearances); a field removed; a field added but a
 * new signature field; a field changed (fieldsChanged).
 */
function formChanged(r: Revisions): string | undefined {
  const formOf = (doc: PDFDocument) => {
    const form = doc.catalog.lookup(PDFName.of('AcroForm'));
    return form instanceof PDFDict ? form : undefined;
  };
  const before = formOf(r.certified);
  const after = formOf(r.doc);
  if (!after) return before ? 'the form (/AcroForm) was removed' : undefined;
  const free = {
    Fields: anything,
    SigFlags: anything,
    DR: anything,
    DA: anything,
    NeedAppearances: anything,
  };
  if (!sameExcept(before ?? r.doc.context.obj({}), after, free))
    return 'the form (/AcroForm) was changed (more than its signature flags and default resources)';
  const fields = items(r.certified, before?.get(PDFName.of('Fields')));
  const fieldsNow = items(r.doc, after.get(PDFName.of('Fields')));
  const [inBefore, inAfter] = [listed(fields), listed(fieldsNow)];
  const removed = fields.find((item) => !inAfter(item));
  if (removed) return `the form field${describe(removed, resolve(r.certified, removed))} was removed`;
  const added = fieldsNow.find((item) => !inBefore(item) && !isNewSignatureField(r, item));
  if (added) return `a form field other than a signature${describe(added, resolve(r.doc, added))} was added`;
  return fieldsChanged(r, fields);
}

/**
 * What the catalog makes a reader run or open with the document: its /OpenAction, its additional
 * actions (/AA), the scripts and attached files of its /Names. Neither signing nor filling in a
 * form changes them, and a script run on opening can show anything over the certified pages.
 */
function catalogActionsChanged(r: Revisions): string | undefined {
  const entries = (doc: PDFDocument): Array<[string, PDFObject | undefined]> => {
    const names = doc.catalog.lookup(PDFName.of('Names'));
    const named = (key: string) => (names instanceof PDFDict ? names.get(PDFName.of(key)) : undefined);
    return [
      ['/OpenAction', doc.catalog.get(PDFName.of('OpenAction'))],
      ['/AA', doc.catalog.get(PDFName.of('AA'))],
      ['/Names /JavaScript', named('JavaScript')],
      ['/Names /EmbeddedFiles', named('EmbeddedFiles')],
    ];
  };
  const now = entries(r.doc);
  for (const [i, [what, before]] of entries(r.certified).entries())
    if (!sameOrAbsent(before, now[i]![1]) || rewritten(r, [before], ['Parent', 'P']))
      return `the catalog's ${what} (what a reader runs or opens with the document) was changed`;
  return undefined;
}

/**
 * Catalog entries a later revision may change: the form and the pages (each judged on its own),
 * /Names (its scripts and attached files judged by catalogActionsChanged), validation data (/DSS),
 * and what writers update on saving without changing what is shown (/Metadata, /Version,
 * /Extensions, and /StructTreeRoot: Acrobat adds a signature field to a tagged document's structure).
 */
const CATALOG_FREE = new Set([
  'AcroForm',
  'Pages',
  'Names',
  'DSS',
  'Metadata',
  'Version',
  'Extensions',
  'StructTreeRoot',
]);

/**
 * The rest of the catalog, and what it names: how the certified pages are shown. Optional content's
 * /OCProperties turns layers of a page off (a certified page's text hidden, with no page object
 * changed); /Perms, outlines (an item can carry an action), page labels are not what filling
 * in a form or signing changes either.
 */
function catalogRestChanged(r: Revisions): string | undefined {
  const [before, after] = [r.certified.catalog, r.doc.catalog];
  const keys = new Set([...before.keys(), ...after.keys()].map((key) => key.decodeText()));
  for (const key of [...keys].filter((k) => !CATALOG_FREE.has(k))) {
    const value = before.get(PDFName.of(key));
    if (!sameOrAbsent(value, after.get(PDFName.of(key))))
      return `the catalog's /${key} was ${value === undefined ? 'added' : 'changed'}`;
    const object = rewritten(r, [value], ['Parent', 'P']);
    if (object) return `an object the catalog's /${key} names (object ${object.objectNumber}) was rewritten`;
  }
  return undefined;
}

/**
 * Why the document now is not what a certification with `permissions` 2 or 3 allows after the
 * revision it signed (`certified`), or undefined.
 */
export function changesNotAllowed(
  certified: PDFDocument,
  doc: PDFDocument,
  permissions: Exclude<DocMdpPermissions, 1>,
): string | undefined {
  let pages: PDFRef[];
  try {
    pages = certified.getPages().map((page) => page.ref);
  } catch {
    return undefined; // the certified revision's page tree pdf-lib cannot walk: nothing to compare with
  }
  // The pages are judged on their own (a page's /Annots may change): what names one, as a link's
  // /Dest does, does not compare it again.
  const r: Revisions = { certified, doc, compared: new Set(pages), fields: new Set() };
  return (
    pagesChanged(r, pages) ??
    annotationsChanged(r, pages, permissions) ??
    formChanged(r) ??
    catalogActionsChanged(r) ??
    catalogRestChanged(r)
  );
}
