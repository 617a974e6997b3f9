/**
 * A signature field's lock (ISO 32000-1 §12.7.4.5, Table 233): which fields its signature locks.
 * Signing sets them read-only (Ff bit 1) in the same update, as the standard asks, and names them in
 * the signature's FieldMDP reference (pades.ts), so that readers both stop filling them in and
 * notice a later change. Pure: reads the model, changes nothing.
 *
 * /Lock All covers every field, the other empty signature fields too: Table 233 says "All fields in
 * the document", FieldMDP (§12.8.2.4) then counts a value given to any of them as a change, and
 * Adobe's forms lock them so (LiveCycle Designer's "Lock fields after signing" lists "other
 * signature fields" among what it locks; a form for several signers excludes their fields). After
 * such a signature nobody signs them: findSignatureField refuses a read-only field (field-locked).
 */
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFString, type PDFRef } from 'pdf-lib';
import { KysoError } from '../protocol/errors.js';
import { certificationOf, type DocMdpPermissions } from './docmdp.js';
import type { PdfModel } from './model.js';
import {
  READ_ONLY,
  formFields,
  inheritedField,
  type FormField,
  type SignatureField,
} from './signature-field.js';

export type LockAction = 'All' | 'Include' | 'Exclude';

export interface FieldLock {
  action: LockAction;
  /** Fully qualified field names (Include, Exclude). */
  names: string[];
}

/**
 * The lock as kyso can honour it, or undefined: no Action it knows, or Fields that are not text
 * strings. What it cannot read it neither locks nor references, rather than lock something else.
 */
export function readLock(lock: PDFDict): FieldLock | undefined {
  const action = lock.lookup(PDFName.of('Action'));
  const name = action instanceof PDFName ? action.decodeText() : undefined;
  if (name !== 'All' && name !== 'Include' && name !== 'Exclude') return undefined;
  if (name === 'All') return { action: name, names: [] };
  const listed = lock.lookup(PDFName.of('Fields'));
  const items = listed instanceof PDFArray ? listed.asArray().map((item) => lock.context.lookup(item)) : [];
  if (items.length === 0 || !items.every((n) => n instanceof PDFString || n instanceof PDFHexString))
    return undefined;
  return { action: name, names: items.map((item) => item.decodeText()) };
}

/** A name the lock lists names this field, or a field above it (its descendants are locked with it). */
const listedIn = (names: string[], field: string) =>
  names.some((name) => field === name || field.startsWith(`${name}.`));

/** Whether the lock covers the field of this fully qualified name (the signing and the verifier's reading). */
export const lockCovers = (lock: FieldLock, field: string): boolean =>
  lock.action === 'All' ||
  (lock.action === 'Include' ? listedIn(lock.names, field) : !listedIn(lock.names, field));

export interface ReadOnlyChange {
  ref: PDFRef;
  field: PDFDict;
  /** The field's flags with ReadOnly set: its inherited ones kept, now its own. */
  flags: number;
}

/**
 * The form's fields `target`'s lock covers, as its signature's FieldMDP reference names them: what
 * stays as signed (and read-only) once it is signed. The field being signed is not among them (a
 * signed field takes no other value). None when the lock is one kyso cannot read (readLock).
 * The consent window's warnings and the signing revision both read the lock here.
 */
export function lockedFields(model: PdfModel, target: SignatureField): FormField[] {
  const lock = target.lock && readLock(target.lock);
  if (!lock) return [];
  return formFields(model).filter(({ name, dict }) => dict !== target.field && lockCovers(lock, name));
}

/**
 * The fields `target`'s lock covers that are not read-only yet, with the flags they get. A field
 * stored directly in its parent (no object of its own) is not rewritten; its lock still holds
 * through FieldMDP.
 */
export function fieldsToMakeReadOnly(model: PdfModel, target: SignatureField): ReadOnlyChange[] {
  const changes: ReadOnlyChange[] = [];
  for (const { ref, dict } of lockedFields(model, target)) {
    if (!ref) continue;
    const own = inheritedField(model, dict, 'Ff');
    const flags = own instanceof PDFNumber && Number.isInteger(own.asNumber()) ? own.asNumber() : 0;
    if ((flags & READ_ONLY) === 0) changes.push({ ref, field: dict, flags: flags | READ_ONLY });
  }
  return changes;
}

/**
 * The lock's PDF 2.0 /P (ISO 32000-2 §12.7.5.5, Table 236): the changes its signature allows after
 * it, 1 to 3 as DocMDP's; undefined when absent (no effect). A value kyso cannot read is taken as
 * 1, the strictest, rather than allow what the form's author may have forbidden.
 */
export function lockPermissions(lock: PDFDict): DocMdpPermissions | undefined {
  const p = lock.lookup(PDFName.of('P'));
  if (p === undefined) return undefined;
  const value = p instanceof PDFNumber ? p.asNumber() : NaN;
  return value === 2 || value === 3 ? value : 1;
}

/**
 * A lock's /P is honoured when the document's changes after this signature are already limited to
 * it or less: by its certification (a /P granting more than that is ignored, Table 236), or by this
 * signature certifying (`certify`, DocMDP: only a document's first signature can). kyso makes no
 * other MDP restriction (a DocMDP reference belongs to the certification alone, §12.8.2.2), so
 * otherwise the field is refused — BAD_REQUEST, before any window or PIN, naming the permissions
 * the page can certify with — rather than signed with a restriction the signature does not carry.
 */
export function assertLockPermissions(
  model: PdfModel,
  target: SignatureField,
  certify: DocMdpPermissions | undefined,
): void {
  const permissions = target.lock && lockPermissions(target.lock);
  if (permissions === undefined) return;
  const inEffect = certify ?? certificationOf(model.document)?.permissions;
  if (inEffect !== undefined && inEffect <= permissions) return;
  throw new KysoError(
    'BAD_REQUEST',
    `the signature field ${JSON.stringify(target.name)} locks the document to DocMDP permissions ${permissions}: sign it certifying with them (certify: ${permissions})`.slice(
      0,
      500,
    ),
    { field: 'field', problem: 'field-lock-permissions', permissions },
  );
}
