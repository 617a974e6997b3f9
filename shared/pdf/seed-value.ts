/**
 * A signature field's seed value dictionary (/SV, ISO 32000-1 §12.7.4.5, Table 234; ISO 32000-2
 * Table 237): what the form's author requires of the signature that goes into it. kyso signs one way
 * (Adobe.PPKLite, ETSI.CAdES.detached, SHA-256, no revocation data in the CMS), so a requirement is
 * honoured by refusing, before the window, a field whose required constraint that signature would
 * break, naming it — never by signing what the form forbids.
 *
 * Honoured (refused when broken): Filter, SubFilter, DigestMethod, Reasons (against the reason given),
 * AddRevInfo, V above 2 (a seed value dictionary newer than the standard kyso reads), MDP (against
 * `certify`), TimeStamp's Ff (against `timestamp`: kyso time-stamps with its own TSA, not the URL),
 * LockDocument (PDF 2.0, Ff 128: /true met by certifying with /P 1, /false broken by it, as pyHanko
 * reads it). Cert constrains the certificate, which is chosen later: certificate-seed.ts reads it,
 * and the window, prepare and `kyso sign` match each certificate against it. LegalAttestation needs
 * nothing (kyso makes no attestation, which any list allows). Constraints not required (their Ff bit
 * clear) are hints and are not checked. The verifier reads a signed field's seed value with the same
 * rules (seedValueMisses), for signatures made by tools that sign what the form forbids.
 */
import { PDFArray, PDFBool, PDFDict, PDFHexString, PDFName, PDFNumber, PDFString } from 'pdf-lib';
import { KysoError } from '../protocol/errors.js';
import type { DocMdpPermissions } from './docmdp.js';
import type { SignatureField } from './signature-field.js';

/** What the signature kyso is about to make will be. */
export interface SignatureMade {
  reason?: string;
  certify?: DocMdpPermissions;
  /** The CMS gets a signature time-stamp (B-T and above). */
  timestamp?: boolean;
}

/** What options of this shape (pades.ts's, the page's, the CLI's) make. */
export function signatureMade(options: {
  reason?: string;
  certify?: DocMdpPermissions;
  timestamped?: boolean;
}): SignatureMade {
  return {
    ...(options.reason && { reason: options.reason }),
    ...(options.certify && { certify: options.certify }),
    ...(options.timestamped && { timestamp: true }),
  };
}

/** The /SV /Ff bits that make an entry required (Table 234). */
const REQUIRED = {
  Filter: 1,
  SubFilter: 2,
  V: 4,
  Reasons: 8,
  AddRevInfo: 32,
  DigestMethod: 64,
  LockDocument: 128, // PDF 2.0
} as const;

export type SeedConstraint = keyof typeof REQUIRED | 'MDP' | 'TimeStamp' | 'Cert';

/** The highest seed value dictionary version kyso reads (PDF 2.0's). */
const KNOWN_VERSION = 2;

const flagsOf = (dict: PDFDict) => {
  const ff = dict.lookup(PDFName.of('Ff'));
  return ff instanceof PDFNumber && Number.isInteger(ff.asNumber()) ? ff.asNumber() : 0;
};

function namesIn(dict: PDFDict, key: string): string[] {
  const value = dict.lookup(PDFName.of(key));
  const items =
    value instanceof PDFArray ? value.asArray().map((item) => dict.context.lookup(item)) : [value];
  return items.flatMap((item) => (item instanceof PDFName ? [item.decodeText()] : []));
}

function textsIn(dict: PDFDict, key: string): string[] {
  const value = dict.lookup(PDFName.of(key));
  const items = value instanceof PDFArray ? value.asArray().map((item) => dict.context.lookup(item)) : [];
  return items.flatMap((item) =>
    item instanceof PDFString || item instanceof PDFHexString ? [item.decodeText().normalize('NFC')] : [],
  );
}

/**
 * What a signature is, as the seed value's signature constraints judge it: kyso's own (KYSO_SIGNATURE
 * and what it was asked to make), or one read back from a signed file (the verifier's).
 */
export interface SignatureFacts extends SignatureMade {
  /**
   * The permissions its signed field's /Lock asks for (its /P), read by the verifier: with the
   * signature's own certification, how locked the document is once it is signed.
   */
  fieldLockPermissions?: number;
  filter: string;
  subFilter: string;
  /** As /DigestMethod names it: SHA1, SHA256, SHA384, SHA512, RIPEMD160. */
  digestMethod: string;
  /** The CMS carries revocation data as a signed attribute (adbe-revocationInfoArchival). */
  revocationInfo: boolean;
}

/** The signature kyso makes, whatever it is asked. */
const KYSO_SIGNATURE = {
  filter: 'Adobe.PPKLite',
  subFilter: 'ETSI.CAdES.detached',
  digestMethod: 'SHA256',
  revocationInfo: false,
} as const;

/**
 * The required constraints of a seed value dictionary that a signature with these facts breaks, in
 * Table 234's order. Filter, SubFilter, DigestMethod, Reasons, AddRevInfo, MDP and TimeStamp are
 * properties of the signature; Cert is matched where the certificate is known (certificate-seed.ts).
 */
export function seedValueMisses(sv: PDFDict, facts: SignatureFacts): SeedConstraint[] {
  const flags = flagsOf(sv);
  const required = (key: keyof typeof REQUIRED) => (flags & REQUIRED[key]) !== 0 && sv.has(PDFName.of(key));
  const misses: SeedConstraint[] = [];
  if (required('Filter') && !namesIn(sv, 'Filter').includes(facts.filter)) misses.push('Filter');
  if (required('SubFilter') && !namesIn(sv, 'SubFilter').includes(facts.subFilter)) misses.push('SubFilter');
  if (required('DigestMethod') && !namesIn(sv, 'DigestMethod').includes(facts.digestMethod))
    misses.push('DigestMethod');
  if (required('Reasons')) {
    // A lone "." (or no reason listed) asks for no reason at all.
    const reasons = textsIn(sv, 'Reasons').filter((reason) => reason !== '.');
    const reason = facts.reason?.normalize('NFC');
    if (reasons.length === 0 ? reason !== undefined : reason === undefined || !reasons.includes(reason))
      misses.push('Reasons');
  }
  if (required('AddRevInfo') && sv.lookup(PDFName.of('AddRevInfo')) === PDFBool.True && !facts.revocationInfo)
    misses.push('AddRevInfo');
  const mdp = sv.lookup(PDFName.of('MDP'));
  const p = mdp instanceof PDFDict ? mdp.lookup(PDFName.of('P')) : undefined;
  // P 0 asks for an approval signature, 1 to 3 for a certification with those permissions.
  if (p instanceof PDFNumber && p.asNumber() !== (facts.certify ?? 0)) misses.push('MDP');
  const timestamp = sv.lookup(PDFName.of('TimeStamp'));
  if (timestamp instanceof PDFDict && (flagsOf(timestamp) & 1) !== 0 && !facts.timestamp)
    misses.push('TimeStamp');
  if (required('LockDocument')) {
    // /true: no change allowed once signed (a certification, or the field's /Lock, with /P 1);
    // /false: some allowed; /auto: the signer's choice.
    const locked = (facts.certify ?? facts.fieldLockPermissions) === 1;
    const asked = lockDocument(sv);
    if ((asked === 'true' && !locked) || (asked === 'false' && locked)) misses.push('LockDocument');
  }
  return misses;
}

/** /LockDocument: a name in PDF 2.0 (/true, /false, /auto); a boolean in some writers. */
function lockDocument(sv: PDFDict): 'true' | 'false' | 'auto' | undefined {
  const value = sv.lookup(PDFName.of('LockDocument'));
  const name =
    value instanceof PDFName ? value.decodeText() : value instanceof PDFBool ? String(value.asBoolean()) : '';
  return name === 'true' || name === 'false' || name === 'auto' ? name : undefined;
}

/** The first required constraint of the field's seed value the signature `made` would break, if any. */
export function brokenSeedValue(field: SignatureField, made: SignatureMade): SeedConstraint | undefined {
  const sv = field.field.lookup(PDFName.of('SV'));
  if (!(sv instanceof PDFDict)) return undefined;
  const broken = seedValueMisses(sv, { ...KYSO_SIGNATURE, ...made })[0];
  if (broken) return broken;
  // What the signing software must be able to do, not what the signature is.
  if ((flagsOf(sv) & REQUIRED.V) !== 0 && sv.has(PDFName.of('V'))) {
    const version = sv.lookup(PDFName.of('V'));
    if (!(version instanceof PDFNumber) || version.asNumber() > KNOWN_VERSION) return 'V';
  }
  return undefined;
}

/** BAD_REQUEST naming the field and the constraint, before any window or PIN. */
export function assertSeedValue(field: SignatureField, made: SignatureMade): void {
  const constraint = brokenSeedValue(field, made);
  if (constraint)
    throw new KysoError(
      'BAD_REQUEST',
      `the signature field ${JSON.stringify(field.name)} requires a signature kyso does not make (seed value ${constraint})`.slice(
        0,
        500,
      ),
      { field: 'field', problem: 'field-seed-value', constraint },
    );
}
