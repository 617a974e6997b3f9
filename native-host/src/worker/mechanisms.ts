/**
 * Which PKCS#11 mechanisms can make the signature asked for, best first — pure: no token, no
 * session, only the key type, what the token lists and the bytes to sign.
 */
import pkcs11js from 'pkcs11js';
import { DIGEST_INFO_PREFIX, SHA1_DIGEST_INFO_PREFIX } from '../../../shared/cms/digest-info.js';
import { DIGEST_ALGORITHMS, type DigestAlgorithm, type RsaScheme } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type { TokenDigestAlgorithm } from './messages.js';

export type KeyKind = 'RSA' | 'EC' | 'other';

export interface MechanismAttempt {
  name: string;
  mechanism: pkcs11js.Mechanism;
  /** What C_Sign gets: a DigestInfo, a digest, or (hash-on-token mechanisms) the signed bytes. */
  input: Buffer;
}

/**
 * A way to sign, chosen once for many items of one kind (a group): what C_Sign gets is made per
 * item from `input` — the bare digest, `prefix` ‖ digest (a DigestInfo), or the signed bytes.
 */
interface PlannedMechanism {
  name: string;
  mechanism: pkcs11js.Mechanism;
  input: 'digest' | 'digest-info' | 'data';
  prefix?: Buffer;
}

/** What the choice depends on: everything but the bytes of one item. */
export interface MechanismPlanRequest {
  keyKind: KeyKind;
  /** CKM_* the slot lists; undefined when the driver cannot list them (then every way is tried). */
  listed: readonly number[] | undefined;
  digestAlgorithm: TokenDigestAlgorithm;
  digestLength: number;
  /** Every item carries the signed bytes (hash-on-token mechanisms become possible). */
  hasData: boolean;
  rsaScheme?: RsaScheme | undefined;
}

const HASH: Record<
  DigestAlgorithm,
  { hash: number; mgf: number; rsa: number; rsaName: string; pss: number; pssName: string }
> = {
  'SHA-256': {
    hash: pkcs11js.CKM_SHA256,
    mgf: pkcs11js.CKG_MGF1_SHA256,
    rsa: pkcs11js.CKM_SHA256_RSA_PKCS,
    rsaName: 'CKM_SHA256_RSA_PKCS',
    pss: pkcs11js.CKM_SHA256_RSA_PKCS_PSS,
    pssName: 'CKM_SHA256_RSA_PKCS_PSS',
  },
  'SHA-384': {
    hash: pkcs11js.CKM_SHA384,
    mgf: pkcs11js.CKG_MGF1_SHA384,
    rsa: pkcs11js.CKM_SHA384_RSA_PKCS,
    rsaName: 'CKM_SHA384_RSA_PKCS',
    pss: pkcs11js.CKM_SHA384_RSA_PKCS_PSS,
    pssName: 'CKM_SHA384_RSA_PKCS_PSS',
  },
  'SHA-512': {
    hash: pkcs11js.CKM_SHA512,
    mgf: pkcs11js.CKG_MGF1_SHA512,
    rsa: pkcs11js.CKM_SHA512_RSA_PKCS,
    rsaName: 'CKM_SHA512_RSA_PKCS',
    pss: pkcs11js.CKM_SHA512_RSA_PKCS_PSS,
    pssName: 'CKM_SHA512_RSA_PKCS_PSS',
  },
};

/** RSASSA-PSS as CMS describes it: MGF1 with the same hash, salt as long as the hash. */
function pss(mechanism: number, algorithm: DigestAlgorithm): pkcs11js.Mechanism {
  const h = HASH[algorithm];
  return {
    mechanism,
    parameter: {
      type: pkcs11js.CK_PARAMS_RSA_PSS,
      hashAlg: h.hash,
      mgf: h.mgf,
      saltLen: DIGEST_ALGORITHMS[algorithm],
    },
  } as pkcs11js.Mechanism;
}

/**
 * The ways this key can sign, best first. RSA prefers CKM_RSA_PKCS over DigestInfo (it takes a
 * digest, so the document never has to reach the token); tokens without it get the signed bytes
 * hashed on the token (CKM_SHAxxx_RSA_PKCS) when the caller has them. EC uses CKM_ECDSA (raw r‖s).
 * Mechanisms the token does not list are skipped; one it lists but then rejects falls through.
 */
function planMechanisms(request: MechanismPlanRequest): PlannedMechanism[] {
  const { keyKind, digestAlgorithm: algorithm, hasData } = request;
  const rsaScheme = request.rsaScheme ?? 'PKCS1-v1_5';
  const listed = (m: number) => request.listed === undefined || request.listed.includes(m);
  const plan: PlannedMechanism[] = [];
  if (algorithm === 'SHA-1') {
    // rsa-sha1 XML only: PKCS#1 v1.5 over the SHA-1 DigestInfo, nothing else.
    if (keyKind !== 'RSA' || rsaScheme !== 'PKCS1-v1_5' || request.digestLength !== 20) {
      throw new KysoError('BAD_REQUEST', 'SHA-1 is only signed as RSA PKCS#1 v1.5');
    }
    if (listed(pkcs11js.CKM_RSA_PKCS)) {
      plan.push({
        name: 'CKM_RSA_PKCS',
        mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS },
        input: 'digest-info',
        prefix: Buffer.from(SHA1_DIGEST_INFO_PREFIX, 'hex'),
      });
    }
  } else if (keyKind === 'RSA' && rsaScheme === 'PSS') {
    if (listed(pkcs11js.CKM_RSA_PKCS_PSS)) {
      plan.push({
        name: 'CKM_RSA_PKCS_PSS',
        mechanism: pss(pkcs11js.CKM_RSA_PKCS_PSS, algorithm),
        input: 'digest',
      });
    }
    const h = HASH[algorithm];
    if (hasData && listed(h.pss))
      plan.push({ name: h.pssName, mechanism: pss(h.pss, algorithm), input: 'data' });
  } else if (keyKind === 'RSA') {
    if (listed(pkcs11js.CKM_RSA_PKCS)) {
      plan.push({
        name: 'CKM_RSA_PKCS',
        mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS },
        input: 'digest-info',
        prefix: Buffer.from(DIGEST_INFO_PREFIX[algorithm], 'hex'),
      });
    }
    const h = HASH[algorithm];
    if (hasData && listed(h.rsa))
      plan.push({ name: h.rsaName, mechanism: { mechanism: h.rsa }, input: 'data' });
  } else if (keyKind === 'EC') {
    if (listed(pkcs11js.CKM_ECDSA))
      plan.push({ name: 'CKM_ECDSA', mechanism: { mechanism: pkcs11js.CKM_ECDSA }, input: 'digest' });
  } else {
    throw new KysoError('CERTIFICATE_NOT_USABLE', 'Unsupported key type.');
  }
  if (plan.length === 0) {
    throw new KysoError('CERTIFICATE_NOT_USABLE', 'The token offers no mechanism kyso can sign with.', {
      reason: 'no usable mechanism',
    });
  }
  return plan;
}

/** A planned mechanism with the one input buffer every item of its group is signed from. */
export interface GroupAttempt extends MechanismAttempt {
  kind: PlannedMechanism['input'];
}

/**
 * The C_Sign attempts for a group of items of one kind, best first (planMechanisms): a DigestInfo's
 * prefix is written once, and `setItemInput` puts each item's digest behind it.
 */
export function groupAttempts(request: MechanismPlanRequest): GroupAttempt[] {
  return planMechanisms(request).map((planned) => ({
    name: planned.name,
    mechanism: planned.mechanism,
    kind: planned.input,
    input:
      planned.input === 'digest-info'
        ? Buffer.concat([planned.prefix!, Buffer.alloc(request.digestLength)])
        : Buffer.alloc(0),
  }));
}

/** Points each attempt at one item: its digest, its signed bytes, or its digest behind the DigestInfo prefix. */
export function setItemInput(
  attempts: readonly GroupAttempt[],
  digest: Buffer,
  data: Buffer | undefined,
): void {
  for (const attempt of attempts) {
    if (attempt.kind === 'digest') attempt.input = digest;
    else if (attempt.kind === 'data') attempt.input = data!;
    else digest.copy(attempt.input, attempt.input.length - digest.length);
  }
}

/** CKK_* → what kyso can do with it. */
export function keyKindOf(ckk: number | undefined): KeyKind {
  if (ckk === pkcs11js.CKK_RSA) return 'RSA';
  if (ckk === pkcs11js.CKK_EC) return 'EC';
  return 'other';
}
