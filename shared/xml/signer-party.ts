/**
 * Whose certificate a tax return or an e-invoice expects: the taxpayer's (or its tax agent's) for a
 * return, the seller's for an invoice, the buyer's for a buyer's signature. The tax authority expects
 * a certificate carrying that party's tax code (the one registered for it), and an accountant with
 * several companies' tokens plugged in picks the wrong one easily. The consent window
 * marks such a certificate before the PIN, and chooses the one that carries the code when only one does.
 *
 * The codes are read from the summary, i.e. from the bytes that are signed (summary.ts). Since 2025 an
 * individual's tax code is the number on their citizen ID card, so a certificate's CCCD counts too
 * (and a 12-digit CMND, the same number).
 */
import type { IdentityKind } from '../certificate/profile.js';

/** The summary fields naming the party that signs, by profile (any one of them may sign). */
const SIGNER_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['htkk', ['taxpayerId', 'taxAgentId']],
  ['einvoice', ['sellerId']],
  ['einvoice-buyer', ['buyerId']],
]);

/**
 * The identity numbers in a certificate that can be a tax code. A 12-digit CMND (the ID cards issued
 * from 2012) is already the personal identification number its holder's CCCD kept; a 9-digit one is not.
 */
const TAX_CODE_KINDS: IdentityKind[] = ['MST', 'CCCD', 'CMND'];
const PERSONAL_ID = /^\d{12}$/;

/** A tax code as Circular 86/2024 writes one: 10 digits, a dependent unit's -NNN, or a 12-digit personal ID. */
const TAX_CODE = /^(\d{10})(-\d{3})?$|^\d{12}$/;

const normalized = (code: string) => code.replace(/\s/g, '');

/**
 * The tax codes of the party that signs `document` (an XML document's profile and summary), each
 * once; none for other documents, or when its fields hold no tax code (nothing to compare with).
 */
export function signerTaxCodes(document: {
  profile?: string;
  summary?: readonly { field: string; value: string }[];
}): string[] {
  const fields = SIGNER_FIELDS.get(document.profile ?? '') ?? [];
  const codes = (document.summary ?? [])
    .filter(({ field }) => fields.includes(field))
    .map(({ value }) => normalized(value))
    .filter((code) => TAX_CODE.test(code));
  return [...new Set(codes)];
}

/**
 * Whether a certificate with these identity numbers carries one of `codes`. A dependent unit's code
 * (0312345678-001) and its head office's (0312345678) count as the same taxpayer's: which of them
 * a unit may sign with is the tax authority's rule, and this check is there to catch another company.
 */
export function carriesTaxCode(
  identities: Partial<Record<IdentityKind, string[]>>,
  codes: readonly string[],
): boolean {
  const base = (code: string) => TAX_CODE.exec(code)?.[1] ?? code;
  const held = TAX_CODE_KINDS.flatMap((kind) =>
    (identities[kind] ?? []).map(normalized).filter((id) => kind !== 'CMND' || PERSONAL_ID.test(id)),
  );
  return codes.some((code) => held.some((id) => id === code || base(id) === base(code)));
}

/**
 * The codes of the documents' signing parties (one list per document, as `signerTaxCodes` reads them)
 * whose list the certificate carries none of, each once: what the consent window marks a certificate
 * with, and what `kyso sign` warns of.
 */
export function taxCodesNotCarried(
  identities: Partial<Record<IdentityKind, string[]>>,
  codeLists: readonly (readonly string[])[],
): string[] {
  return [...new Set(codeLists.filter((codes) => !carriesTaxCode(identities, codes)).flat())];
}

/**
 * The certificate to take without asking, among those that can sign: the only one, else the only one
 * that carries every document's signing party's code. None when neither singles one out: the consent
 * window then checks no radio, and `kyso sign` asks for `--cert`.
 */
export function certificateToTake<T>(
  usable: readonly T[],
  identitiesOf: (certificate: T) => Partial<Record<IdentityKind, string[]>>,
  codeLists: readonly (readonly string[])[],
): T | undefined {
  if (usable.length === 1) return usable[0];
  if (codeLists.length === 0) return undefined;
  const carrying = usable.filter((c) => taxCodesNotCarried(identitiesOf(c), codeLists).length === 0);
  return carrying.length === 1 ? carrying[0] : undefined;
}
