/**
 * PAdES B-LT / B-LTA for documents signed in the browser: the extension holds the PDF and appends
 * the DSS and the document time-stamp; the host, which has the network (as for CAdES-T), fetches
 * what goes in them. Every URL comes from a certificate of the CMS this host made (AIA: caIssuers,
 * OCSP; CRL DP), http(s) only, each answer at most 8 MiB and 10 s, all of them within
 * LIMITS.validationDataTimeoutMs (the extension waits a little longer); the whole answer stays within
 * a native-messaging frame (LIMITS.maxValidationDataBase64Chars): what would not fit is left out
 * and named in `missing`.
 */
import * as pkijs from 'pkijs';
import { issuedBy } from '../../shared/certificate/signature.js';
import { parseSignedData } from '../../shared/cms/long-term.js';
import {
  caIssuersUrls,
  fetchBytes,
  RevocationError,
  type FetchOptions,
} from '../../shared/cms/revocation-data.js';
import { refuseOversizedToken, requestTimestampForImprint } from '../../shared/cms/timestamp.js';
import { gatherValidationData } from '../../shared/cms/validation-data.js';
import { base64ToBytes, bytesToBase64, toArrayBuffer } from '../../shared/encoding.js';
import { KysoError } from '../../shared/protocol/errors.js';
import type { HostParams, HostResult } from '../../shared/protocol/host.js';
import { LIMITS } from '../../shared/protocol/limits.js';

/** A signer's CA chain is a few certificates; a loop or a long chain stops here. */
const MAX_FETCHED_ISSUERS = 4;

const isSelfIssued = (c: pkijs.Certificate) => c.subject.isEqual(c.issuer);

/** The certificates a CMS this host made carries; BAD_REQUEST for what is no CMS SignedData. */
function carriedCertificates(cms: Uint8Array): pkijs.Certificate[] {
  const parsed = parseSignedData(cms);
  if (!parsed) throw new KysoError('BAD_REQUEST', 'not a CMS SignedData');
  return (parsed.signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
}

/**
 * The issuers the CMS does not carry (a token holds the signer's certificate, rarely its CA's),
 * fetched from each certificate's caIssuers URL: for the extension's B-LT (validation-data) and
 * for `kyso sign --level B-LT`.
 */
export async function fetchMissingIssuers(
  cms: Uint8Array,
  options: FetchOptions = {},
): Promise<Uint8Array[]> {
  const carried = carriedCertificates(cms);
  const pool = [...carried];
  const fetched: Uint8Array[] = [];
  const queue = [...carried];
  while (queue.length > 0 && fetched.length < MAX_FETCHED_ISSUERS) {
    const certificate = queue.shift()!;
    if (isSelfIssued(certificate) || pool.some((c) => c.subject.isEqual(certificate.issuer))) continue;
    for (const url of caIssuersUrls(certificate)) {
      try {
        const der = await fetchBytes(url, {}, options);
        const issuer = pkijs.Certificate.fromBER(toArrayBuffer(der));
        if (!(await issuedBy(certificate, issuer))) continue;
        pool.push(issuer);
        queue.push(issuer);
        fetched.push(der);
        break;
      } catch {
        // Another URL may answer; without the issuer the certificate ends up in `missing`.
      }
    }
  }
  return fetched;
}

/** Keeps the answer within one frame: OCSP responses first (small), then CRLs while they fit. */
export function withinFrame(data: {
  certificates: Uint8Array[];
  ocsps: Uint8Array[];
  crls: Uint8Array[];
  missing: string[];
}) {
  const missing = [...data.missing];
  let budget = LIMITS.maxValidationDataBase64Chars;
  const take = (items: Uint8Array[], what: string) => {
    const kept: string[] = [];
    for (const item of items.slice(0, LIMITS.maxValidationDataItems)) {
      const encoded = bytesToBase64(item);
      if (encoded.length > budget) {
        missing.push(`${what} of ${item.length} bytes: too large to pass to the browser`);
        continue;
      }
      budget -= encoded.length;
      kept.push(encoded);
    }
    return kept;
  };
  const certificates = take(
    data.certificates.filter((c) => bytesToBase64(c).length <= LIMITS.maxCertificateBase64Chars),
    'certificate',
  );
  const ocsps = take(data.ocsps, 'OCSP response');
  const crls = take(data.crls, 'CRL');
  return {
    certificates,
    ocsps,
    crls,
    missing: missing.slice(0, LIMITS.maxValidationDataItems * 2).map((m) => m.slice(0, 1000)),
  };
}

export interface ValidationDataOptions extends FetchOptions {
  /** The time for all of it (LIMITS.validationDataTimeoutMs; tests shorten it with KYSO_VALIDATION_DATA_MS). */
  totalMs?: number | undefined;
}

export async function validationData(
  params: HostParams<'validation-data'>,
  options: ValidationDataOptions = {},
): Promise<HostResult<'validation-data'>> {
  const cms = base64ToBytes(params.cms);
  // Hanging responders would otherwise outlast the extension's wait, and the signed PDF be lost.
  const totalMs = options.totalMs ?? LIMITS.validationDataTimeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new RevocationError(`not fetched within the ${totalMs / 1000} s for all validation data`),
      ),
    totalMs,
  );
  const fetchOptions = { ...options, deadline: controller.signal };
  try {
    const issuers = await fetchMissingIssuers(cms, fetchOptions);
    return withinFrame(await gatherValidationData([cms], { ...fetchOptions, certificates: issuers }));
  } finally {
    clearTimeout(timer);
  }
}

export async function documentTimestamp(
  params: HostParams<'document-timestamp'>,
  options: FetchOptions = {},
): Promise<HostResult<'document-timestamp'>> {
  const token = await requestTimestampForImprint(params.tsaUrl, base64ToBytes(params.digest), {
    ...(options.timeoutMs && { timeoutMs: options.timeoutMs }),
  });
  // Larger than the browser may be passed (and than the placeholder it goes in, sized from the
  // same limit): the TSA's failure, not kyso's INTERNAL.
  refuseOversizedToken(token);
  return { token: bytesToBase64(token) };
}
