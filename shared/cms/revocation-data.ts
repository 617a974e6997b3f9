/**
 * Revocation evidence (RFC 6960 OCSP responses, RFC 5280 CRLs): fetching it for a certificate, and
 * reading what a response says once its signature is checked. The same evidence is judged whether
 * it was fetched now or embedded in a signature years ago (PAdES DSS, CAdES revocationValues):
 * only the time it must hold at differs. Isomorphic: WebCrypto and fetch.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesToHex, toArrayBuffer } from '../encoding.js';
import { issuedBy, signatureAlgorithmProblem } from '../certificate/signature.js';
import { readBer } from './content-info.js';
import { pssSignatureProblem } from './rsa-pss.js';

export const OCSP_NONCE_OID = '1.3.6.1.5.5.7.48.1.2';
const BASIC_OCSP_RESPONSE_OID = '1.3.6.1.5.5.7.48.1.1';
const GENERAL_NAME_URI = 6;
const OCSP_METHOD = '1.3.6.1.5.5.7.48.1';
/** Real answers are a few KiB (CRLs of big CAs: a few MiB). */
const MAX_BYTES = 8 << 20;

export interface FetchOptions {
  /** One answer's time (default 10 s). */
  timeoutMs?: number;
  /**
   * The caller's time for all of them: once aborted, what is in flight stops and nothing more is
   * asked. Its reason, a RevocationError, says why in `missing`.
   */
  deadline?: AbortSignal;
  fetch?: typeof globalThis.fetch;
}

export interface RevocationEvidence {
  status: 'good' | 'revoked' | 'unknown';
  source: 'ocsp' | 'crl';
  revokedAt?: Date;
  /** When the issuer (or its responder) said so. */
  thisUpdate: Date;
  nextUpdate?: Date;
  /**
   * OCSP: the certificate whose key signed the answer, DER: a delegated responder's, or the issuer's
   * own (the answer's certificates may come in any order, and need not include the signer's).
   */
  responder?: Uint8Array;
}

/** The OCSP responders named in the Authority Information Access extension. */
export function ocspUrls(certificate: pkijs.Certificate): string[] {
  const extension = certificate.extensions?.find((e) => e.extnID === '1.3.6.1.5.5.7.1.1');
  const access = extension?.parsedValue as pkijs.InfoAccess | undefined;
  return (access?.accessDescriptions ?? [])
    .filter((d) => d.accessMethod === OCSP_METHOD && d.accessLocation.type === GENERAL_NAME_URI)
    .map((d) => String(d.accessLocation.value));
}

/** Where the issuer's certificate can be fetched (Authority Information Access, caIssuers). */
export function caIssuersUrls(certificate: pkijs.Certificate): string[] {
  const extension = certificate.extensions?.find((e) => e.extnID === '1.3.6.1.5.5.7.1.1');
  const access = extension?.parsedValue as pkijs.InfoAccess | undefined;
  return (access?.accessDescriptions ?? [])
    .filter((d) => d.accessMethod === '1.3.6.1.5.5.7.48.2' && d.accessLocation.type === GENERAL_NAME_URI)
    .map((d) => String(d.accessLocation.value));
}

/** The CRLs named in the CRL Distribution Points extension. */
export function crlUrls(certificate: pkijs.Certificate): string[] {
  const extension = certificate.extensions?.find((e) => e.extnID === '2.5.29.31');
  const points =
    (extension?.parsedValue as pkijs.CRLDistributionPoints | undefined)?.distributionPoints ?? [];
  return points
    .flatMap((p) => (Array.isArray(p.distributionPoint) ? p.distributionPoint : []))
    .filter((n) => n.type === GENERAL_NAME_URI)
    .map((n) => String(n.value));
}

/**
 * Why a revocation source could not answer, in kyso's words: only these messages reach reports
 * and `missing` (fetch's, pkijs's and asn1js's stay out; see revocationFailure).
 */
export class RevocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RevocationError';
  }
}

/** The sentence for a failed OCSP or CRL source: ours as written, anything else as what it means. */
export function revocationFailure(error: unknown): string {
  return error instanceof RevocationError ? error.message : 'its answer could not be read';
}

export async function fetchBytes(
  url: string,
  init: RequestInit,
  options: FetchOptions = {},
): Promise<Uint8Array> {
  if (!/^https?:\/\//i.test(url)) throw new RevocationError(`not an http(s) URL: ${url}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { deadline } = options;
  const pastDeadline = () =>
    deadline!.reason instanceof RevocationError
      ? deadline!.reason
      : new RevocationError('not asked: no time left');
  if (deadline?.aborted) throw pastDeadline();
  // fetch's own failures ("fetch failed", "Failed to parse URL …") name none of this: ours do.
  const noAnswer = (error: unknown) =>
    new RevocationError(
      (error as Error)?.name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : 'no answer (the server cannot be reached, or it closed the connection)',
    );
  let bytes: Uint8Array;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = deadline ? AbortSignal.any([timeout, deadline]) : timeout;
    const response = await (options.fetch ?? fetch)(url, { ...init, signal });
    if (!response.ok) throw new RevocationError(`HTTP ${response.status} from ${url}`);
    bytes = await bodyWithin(response, MAX_BYTES, url);
  } catch (error) {
    if (deadline?.aborted) throw pastDeadline();
    throw error instanceof RevocationError ? error : noAnswer(error);
  }
  return bytes;
}

/**
 * The body, read only up to `max` bytes: a CRL server that sends without end (or claims gigabytes)
 * is cut there, not held in memory until the timeout.
 */
async function bodyWithin(response: Response, max: number, url: string): Promise<Uint8Array> {
  const tooLarge = () => new RevocationError(`answer from ${url} too large (over ${max >> 20} MiB)`);
  if (Number(response.headers.get('content-length')) > max) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** Asks `url` about `certificate`; returns the whole OCSPResponse DER (what a PDF DSS stores) after checking the nonce. */
export async function fetchOcspResponse(
  certificate: pkijs.Certificate,
  issuer: pkijs.Certificate,
  url: string,
  options: FetchOptions = {},
): Promise<Uint8Array> {
  const request = new pkijs.OCSPRequest();
  await request
    .createForCertificate(certificate, { hashAlgorithm: 'SHA-1', issuerCertificate: issuer })
    .catch(() => {
      throw new RevocationError('no OCSP request can be made for this certificate');
    });
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(16));
  request.tbsRequest.requestExtensions = [
    new pkijs.Extension({
      extnID: OCSP_NONCE_OID,
      extnValue: new asn1js.OctetString({ valueHex: nonce }).toBER(),
    }),
  ];
  const body = new Uint8Array(request.toSchema(true).toBER());
  const answer = await fetchBytes(
    url,
    { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body },
    options,
  );
  const basic = basicOcspResponse(answer);
  const echoed = basic.tbsResponseData.responseExtensions?.find((e) => e.extnID === OCSP_NONCE_OID);
  if (echoed) {
    const value = asn1js.fromBER(echoed.extnValue.valueBlock.valueHexView.slice().buffer).result;
    const echoedNonce = value instanceof asn1js.OctetString ? value.valueBlock.valueHexView : undefined;
    if (!echoedNonce || bytesToHex(new Uint8Array(echoedNonce)) !== bytesToHex(nonce))
      throw new RevocationError('OCSP nonce does not match (a replayed answer)');
  }
  return answer;
}

/** An OCSPResponse (as fetched, as in a DSS) or a bare BasicOCSPResponse (as in CAdES revocationValues). */
export function basicOcspResponse(der: Uint8Array): pkijs.BasicOCSPResponse {
  try {
    const response = pkijs.OCSPResponse.fromBER(toArrayBuffer(der));
    if (response.responseStatus.valueBlock.valueDec !== 0 || !response.responseBytes)
      throw new RevocationError(
        `the OCSP responder refused to answer (status ${response.responseStatus.valueBlock.valueDec})`,
      );
    if (response.responseBytes.responseType !== BASIC_OCSP_RESPONSE_OID)
      throw new RevocationError('not a basic OCSP response');
    return pkijs.BasicOCSPResponse.fromBER(
      response.responseBytes.response.valueBlock.valueHexView.slice().buffer,
    );
  } catch (error) {
    try {
      return pkijs.BasicOCSPResponse.fromBER(toArrayBuffer(der));
    } catch {
      // pkijs's parse errors ("Error during parsing of ASN.1 data…") are not for reports.
      throw error instanceof RevocationError ? error : new RevocationError('not an OCSP response');
    }
  }
}

/** The BasicOCSPResponse inside an OCSPResponse, DER (CAdES revocationValues carry these). */
export const basicOcspResponseDer = (der: Uint8Array) =>
  new Uint8Array(basicOcspResponse(der).toSchema().toBER());

const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
/** Responder certificates an answer may carry that are tried: a CA's responder sends one. */
const MAX_RESPONDER_CANDIDATES = 8;

/**
 * Who signed an OCSP answer about a certificate of `issuer` (RFC 6960 §4.2.2.2): the issuer, or a
 * responder certificate the issuer issued directly for OCSP signing, valid when the answer was
 * produced. Checked here rather than by pkijs's verify, which builds a chain through whatever
 * certificates the answer carries: two of them issuing each other kept it searching without end.
 */
async function ocspSigner(
  basic: pkijs.BasicOCSPResponse,
  issuer: pkijs.Certificate,
): Promise<pkijs.Certificate | undefined> {
  const signedBy = (certificate: pkijs.Certificate) =>
    pkijs
      .getCrypto(true)
      .verifyWithPublicKey(
        toArrayBuffer(basic.tbsResponseData.tbsView),
        basic.signature,
        certificate.subjectPublicKeyInfo,
        basic.signatureAlgorithm,
      )
      .catch(() => false);
  if (await signedBy(issuer)) return issuer;
  const producedAt = basic.tbsResponseData.producedAt;
  for (const responder of (basic.certs ?? []).slice(0, MAX_RESPONDER_CANDIDATES)) {
    const usage = responder.extensions?.find((e) => e.extnID === '2.5.29.37')?.parsedValue as
      pkijs.ExtKeyUsage | undefined;
    if (
      responder.issuer.isEqual(issuer.subject) &&
      usage?.keyPurposes.includes(OCSP_SIGNING) &&
      responder.notBefore.value <= producedAt &&
      producedAt <= responder.notAfter.value &&
      (await issuedBy(responder, issuer)) &&
      (await signedBy(responder))
    )
      return responder;
  }
  return undefined;
}

/**
 * What an OCSP response says about `certificate`, once it is known to be signed by `issuer` or a
 * responder the issuer delegated to. Throws when the response is about another certificate or is
 * not signed by the issuer.
 */
export async function readOcspEvidence(
  der: Uint8Array,
  certificate: pkijs.Certificate,
  issuer: pkijs.Certificate,
): Promise<RevocationEvidence> {
  const basic = basicOcspResponse(der);
  const unverifiable = pssSignatureProblem(basic.signatureAlgorithm);
  if (unverifiable) throw new RevocationError(`the OCSP answer cannot be checked: ${unverifiable}`);
  const signer = await ocspSigner(basic, issuer);
  if (!signer) throw new RevocationError('OCSP answer not signed by the issuer or its responder');
  const status = await basic.getCertificateStatus(certificate, issuer).catch(() => {
    throw new RevocationError('the OCSP answer cannot be read');
  });
  if (!status.isForCertificate) throw new RevocationError('OCSP answer is about another certificate');
  const serial = bytesToHex(new Uint8Array(certificate.serialNumber.valueBlock.valueHexView));
  const single =
    basic.tbsResponseData.responses.find(
      (r) => bytesToHex(new Uint8Array(r.certID.serialNumber.valueBlock.valueHexView)) === serial,
    ) ?? basic.tbsResponseData.responses[0]!;
  const evidence: RevocationEvidence = {
    status: status.status === 0 ? 'good' : status.status === 1 ? 'revoked' : 'unknown',
    source: 'ocsp',
    thisUpdate: single.thisUpdate,
    ...(single.nextUpdate && { nextUpdate: single.nextUpdate }),
    responder: new Uint8Array(signer.toSchema().toBER()),
  };
  if (evidence.status === 'revoked') {
    const revokedInfo = single.certStatus as asn1js.Constructed;
    const time = (revokedInfo.valueBlock.value[0] as asn1js.GeneralizedTime | undefined)?.toDate();
    if (time) evidence.revokedAt = time;
  }
  return evidence;
}

const CRL_EXTENSION = {
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  authorityKeyIdentifier: '2.5.29.35',
} as const;

const BASIC_CONSTRAINTS_OID = '2.5.29.19';

const isCaCertificate = (certificate: pkijs.Certificate): boolean =>
  (
    certificate.extensions?.find((e) => e.extnID === BASIC_CONSTRAINTS_OID)?.parsedValue as
      pkijs.BasicConstraints | undefined
  )?.cA === true;

/**
 * Why a CRL cannot say `certificate` is good (RFC 5280 §5.2, §6.3.3): a delta CRL lists only what
 * changed since its base; a CRL scoped to CA certificates leaves out a signer's, one scoped to
 * end-entity certificates leaves out a CA's (the CAs between signer and root are checked too), and
 * one of attribute certificates, some reasons or another issuer's certificates leaves out either;
 * an unknown critical extension may change its meaning. Undefined for a CRL that covers it.
 */
function crlScopeProblem(
  crl: pkijs.CertificateRevocationList,
  certificate: pkijs.Certificate,
): string | undefined {
  const extensions = crl.crlExtensions?.extensions ?? [];
  if (extensions.some((e) => e.extnID === CRL_EXTENSION.deltaCrlIndicator))
    return 'a delta CRL, which lists only what changed since its base CRL';
  const idp = extensions.find((e) => e.extnID === CRL_EXTENSION.issuingDistributionPoint)?.parsedValue as
    pkijs.IssuingDistributionPoint | undefined;
  const ca = isCaCertificate(certificate);
  if (
    idp &&
    ((idp.onlyContainsCACerts && !ca) ||
      (idp.onlyContainsUserCerts && ca) ||
      idp.onlyContainsAttributeCerts ||
      idp.onlySomeReasons !== undefined ||
      idp.indirectCRL)
  )
    return `a partial CRL (its issuing distribution point leaves out ${ca ? 'CA' : 'end-entity'} certificates, some reasons or the issuer's own)`;
  const known: string[] = Object.values(CRL_EXTENSION);
  if (extensions.some((e) => e.critical && !known.includes(e.extnID)))
    return 'a CRL with a critical extension kyso does not know';
  return undefined;
}

/** What a CRL says about `certificate`; throws when the CRL is not the issuer's. */
export async function readCrlEvidence(
  der: Uint8Array,
  certificate: pkijs.Certificate,
  issuer: pkijs.Certificate,
): Promise<RevocationEvidence> {
  let crl: pkijs.CertificateRevocationList;
  try {
    const parsed = readBer(der);
    if (parsed.offset === -1) throw new Error('not BER');
    crl = new pkijs.CertificateRevocationList({ schema: parsed.result });
  } catch {
    throw new RevocationError('not a CRL');
  }
  if (!crl.issuer.isEqual(issuer.subject)) throw new RevocationError('CRL of another issuer');
  const scope = crlScopeProblem(crl, certificate);
  if (scope) throw new RevocationError(scope);
  const unverifiable = signatureAlgorithmProblem(crl);
  if (unverifiable) throw new RevocationError(`the CRL cannot be checked: ${unverifiable}`);
  if (!(await crl.verify({ issuerCertificate: issuer }).catch(() => false)))
    throw new RevocationError('CRL not signed by the issuer');
  const serial = bytesToHex(new Uint8Array(certificate.serialNumber.valueBlock.valueHexView));
  const entry = crl.revokedCertificates?.find(
    (r) => bytesToHex(new Uint8Array(r.userCertificate.valueBlock.valueHexView)) === serial,
  );
  return {
    status: entry ? 'revoked' : 'good',
    source: 'crl',
    thisUpdate: crl.thisUpdate.value,
    ...(crl.nextUpdate && { nextUpdate: crl.nextUpdate.value }),
    ...(entry && { revokedAt: entry.revocationDate.value }),
  };
}

/** A certificate's subject as `missing` names it: its values, in order. */
export const subjectText = (certificate: pkijs.Certificate): string =>
  certificate.subject.typesAndValues.map((t) => String(t.value.valueBlock.value)).join(', ');

export interface CollectedRevocation {
  /** OCSPResponse DER, as fetched. */
  ocsps: Uint8Array[];
  crls: Uint8Array[];
  /** Certificates for which neither OCSP nor CRL answered, with why. */
  missing: string[];
}

/**
 * Fetches revocation evidence for each certificate of a chain (leaf first; roots need none): OCSP
 * when the certificate names a responder and it answers, else its CRL. For B-LT / CAdES-LT.
 */
export async function collectRevocation(
  pairs: Array<{ certificate: pkijs.Certificate; issuer: pkijs.Certificate }>,
  options: FetchOptions = {},
): Promise<CollectedRevocation> {
  const collected: CollectedRevocation = { ocsps: [], crls: [], missing: [] };
  for (const { certificate, issuer } of pairs) {
    const why: string[] = [];
    let found = false;
    for (const url of ocspUrls(certificate)) {
      try {
        const der = await fetchOcspResponse(certificate, issuer, url, options);
        await readOcspEvidence(der, certificate, issuer);
        collected.ocsps.push(der);
        found = true;
        break;
      } catch (error) {
        why.push(`OCSP ${url}: ${revocationFailure(error)}`);
      }
    }
    for (const url of found ? [] : crlUrls(certificate)) {
      try {
        const der = await fetchBytes(url, {}, options);
        await readCrlEvidence(der, certificate, issuer);
        if (!collected.crls.some((c) => bytesToHex(c) === bytesToHex(der))) collected.crls.push(der);
        found = true;
        break;
      } catch (error) {
        why.push(`CRL ${url}: ${revocationFailure(error)}`);
      }
    }
    if (!found)
      collected.missing.push(
        `${subjectText(certificate)}: ${why.join('; ') || 'names no OCSP responder or CRL'}`,
      );
  }
  return collected;
}
