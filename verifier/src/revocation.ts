/**
 * Whether a certificate was revoked. Evidence embedded in the signature (PAdES DSS, CAdES
 * revocation values) is used first: a revocation in any of it, else the latest answer fresh for the
 * time the signature is proven to exist (its time-stamp); otherwise the CA is asked now: OCSP first
 * (nonce checked), then the CRL. Every answer must be signed by the issuer (or its delegated OCSP responder).
 */
import type * as pkijs from 'pkijs';
import {
  crlUrls,
  fetchBytes,
  fetchOcspResponse,
  ocspUrls,
  readCrlEvidence,
  readOcspEvidence,
  RevocationError,
  revocationFailure,
  type RevocationEvidence,
} from '../../shared/cms/revocation-data.js';

/** `require`: no answer → INDETERMINATE/TRY_LATER; `prefer` (the default): no answer → a warning; `off`: not checked. */
export type RevocationPolicy = 'require' | 'prefer' | 'off';

export interface RevocationOptions {
  policy?: RevocationPolicy;
  /** Replaces the URLs in the certificate (a portal's own OCSP proxy). */
  ocspUrl?: string;
  /** CRLs already at hand (DER); fetched from the distribution points otherwise. */
  crls?: Uint8Array[];
  /** Never ask the CA: only embedded and given evidence counts (archives, air-gapped servers). */
  offline?: boolean;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  /** @deprecated use VerifyOptions.validationTime */
  now?: Date;
}

export interface RevocationResult {
  status: 'good' | 'revoked' | 'unknown' | 'unchecked';
  source: 'ocsp' | 'crl' | null;
  /** Where the evidence came from: embedded in the signature or document, or fetched now. */
  origin?: 'embedded' | 'online' | 'given';
  revokedAt?: Date;
  /** When the evidence was issued, and until when it is current. */
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** Why a source could not answer (unreachable, bad signature, stale). */
  notes: string[];
}

export interface EmbeddedEvidence {
  ocsps: Uint8Array[];
  crls: Uint8Array[];
}

const SKEW_MS = 5 * 60_000;

/** Embedded evidence must speak for the proven signing time: issued after it, or current at it. */
function freshFor(evidence: RevocationEvidence, at: Date): boolean {
  if (evidence.thisUpdate.getTime() >= at.getTime() - SKEW_MS) return true;
  return (
    evidence.nextUpdate !== undefined &&
    evidence.thisUpdate <= at &&
    evidence.nextUpdate.getTime() >= at.getTime()
  );
}

/** Fetched now: must be current at the validation time. */
function current(evidence: RevocationEvidence, now: Date): boolean {
  return !evidence.nextUpdate || evidence.nextUpdate.getTime() >= now.getTime() - SKEW_MS;
}

/** The revocation among `answers` dated earliest: what decides whether a signature came first. */
function earliestRevocation(answers: RevocationEvidence[]): RevocationEvidence | undefined {
  const revoked = answers.filter((evidence) => evidence.status === 'revoked');
  const at = (evidence: RevocationEvidence) => (evidence.revokedAt ?? evidence.thisUpdate).getTime();
  return revoked.sort((a, b) => at(a) - at(b))[0];
}

const latestIssued = (answers: RevocationEvidence[]): RevocationEvidence =>
  answers.reduce((latest, evidence) => (evidence.thisUpdate > latest.thisUpdate ? evidence : latest));

const result = (
  evidence: RevocationEvidence,
  origin: RevocationResult['origin'],
  notes: string[],
): RevocationResult => ({
  status: evidence.status,
  source: evidence.source,
  origin,
  ...(evidence.revokedAt && { revokedAt: evidence.revokedAt }),
  thisUpdate: evidence.thisUpdate,
  ...(evidence.nextUpdate && { nextUpdate: evidence.nextUpdate }),
  notes,
});

export async function checkRevocation(
  certificate: pkijs.Certificate,
  issuer: pkijs.Certificate,
  options: RevocationOptions = {},
  context: {
    embedded?: EmbeddedEvidence;
    provenTime?: Date;
    validationTime?: Date;
    /**
     * The certificate chains to no trusted root: its OCSP and CRL addresses are whoever made it's
     * to choose (an internal service, a metadata endpoint), so they are not asked.
     */
    untrusted?: boolean;
  } = {},
): Promise<RevocationResult> {
  if ((options.policy ?? 'prefer') === 'off') return { status: 'unchecked', source: null, notes: [] };
  const notes: string[] = [];
  const now = context.validationTime ?? options.now ?? new Date();

  // Every stored answer is read before one is taken (EN 319 102-1 §5.6.2.3, RFC 5280 §6.3): a
  // revocation the CA signed stands whenever it was said, and whatever answered "good" before it;
  // otherwise the latest answer issued that speaks for the proven time.
  if (context.embedded) {
    const answers: RevocationEvidence[] = [];
    const reads = [
      ...context.embedded.ocsps.map((der) => () => readOcspEvidence(der, certificate, issuer)),
      ...context.embedded.crls.map((der) => () => readCrlEvidence(der, certificate, issuer)),
    ];
    for (const read of reads) {
      const evidence = await read().catch(() => undefined); // evidence about other certificates
      if (evidence && evidence.status !== 'unknown') answers.push(evidence);
    }
    const revoked = earliestRevocation(answers);
    if (revoked) return result(revoked, 'embedded', notes);
    const { provenTime } = context;
    if (provenTime) {
      const fresh = answers.filter((evidence) => freshFor(evidence, provenTime));
      if (fresh.length) return result(latestIssued(fresh), 'embedded', notes);
      for (const evidence of answers)
        notes.push(
          `embedded ${evidence.source.toUpperCase()} of ${evidence.thisUpdate.toISOString()} is not fresh for ${provenTime.toISOString()}`,
        );
    }
  }

  for (const der of options.crls ?? []) {
    try {
      const evidence = await readCrlEvidence(der, certificate, issuer);
      if (current(evidence, now)) return result(evidence, 'given', notes);
      notes.push('given CRL is out of date');
    } catch (error) {
      notes.push(`given CRL: ${revocationFailure(error)}`);
    }
  }
  if (options.offline) {
    notes.push('offline: the CA was not asked');
    return { status: 'unknown', source: null, notes };
  }
  if (context.untrusted) {
    notes.push(
      "not asked: the certificate chains to no trusted root, so its OCSP and CRL addresses are not the CA's",
    );
    return { status: 'unknown', source: null, notes };
  }

  for (const url of options.ocspUrl ? [options.ocspUrl] : ocspUrls(certificate)) {
    try {
      const evidence = await readOcspEvidence(
        await fetchOcspResponse(certificate, issuer, url, options),
        certificate,
        issuer,
      );
      if (!current(evidence, now)) throw new RevocationError('OCSP answer is stale');
      if (evidence.status === 'unknown')
        throw new RevocationError('the responder does not know the certificate');
      return result(evidence, 'online', notes);
    } catch (error) {
      notes.push(`OCSP ${url}: ${revocationFailure(error)}`);
    }
  }
  for (const url of crlUrls(certificate)) {
    try {
      const evidence = await readCrlEvidence(await fetchBytes(url, {}, options), certificate, issuer);
      if (!current(evidence, now)) throw new RevocationError('CRL is out of date');
      return result(evidence, 'online', notes);
    } catch (error) {
      notes.push(`CRL ${url}: ${revocationFailure(error)}`);
    }
  }
  return {
    status: 'unknown',
    source: null,
    notes: notes.length ? notes : ['the certificate names no OCSP responder or CRL'],
  };
}
