/**
 * RFC 3161 time-stamping and CAdES-T: a TSA's token over the hash of the signature value, carried
 * as the unsigned attribute signatureTimeStampToken, proves the signature existed at that time
 * (so it stays verifiable after the signer's certificate expires or is revoked).
 * Isomorphic: WebCrypto and fetch, no Node APIs.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesEqual, concatBytes, toArrayBuffer } from '../encoding.js';
import { KysoError } from '../protocol/errors.js';
import { LIMITS } from '../protocol/limits.js';
import { DIGEST_ALGORITHMS, type DigestAlgorithm } from '../protocol/common.js';
import { OID } from './algorithms.js';
import { digestAlgorithmIdentifier } from './algorithm-identifiers.js';
import { contextConstructed, oid, sequence, setOf, tlv } from './der.js';
import { digest } from './digest.js';
import { originalBytes } from './original-bytes.js';
import { parseTimeStampToken, verifyTimeStampToken, type ParsedTimeStampToken } from './verify-timestamp.js';

export interface TimestampRequestOptions {
  /** Hash sent to the TSA; SHA-256 unless the TSA wants another. */
  hashAlgorithm?: DigestAlgorithm;
  /** Whole exchange, connect to last byte. Default 30 s. */
  timeoutMs?: number;
  /** A TSA policy OID to ask for. */
  policy?: string;
  /** Extra request headers (some TSAs want HTTP Basic authentication). */
  headers?: Record<string, string>;
  /** Replaces globalThis.fetch (tests, proxies, an extension's privileged fetch). */
  fetch?: typeof globalThis.fetch;
}

export interface SignatureTimestampOptions extends TimestampRequestOptions {
  /** Which SignerInfo to time-stamp; the first by default. */
  signerIndex?: number;
}

/** Real tokens are a few KiB; anything this large is not a time-stamp response. */
const MAX_RESPONSE_BYTES = 1 << 20;
const NONCE_BYTES = 16;

/** The `reason` values carried in KysoError details by this module. */
export type TimestampFailure =
  | 'tsa-timeout'
  | 'tsa-unreachable'
  | 'tsa-http-error'
  | 'tsa-bad-response'
  | 'tsa-rejected'
  | 'tsa-nonce-mismatch'
  | 'tsa-imprint-mismatch'
  | 'tsa-bad-token'
  | 'tsa-token-too-large'
  | 'cms-malformed';

function fail(
  reason: TimestampFailure,
  message: string,
  details: Record<string, string | number | boolean | null> = {},
): never {
  throw new KysoError(reason === 'cms-malformed' ? 'BAD_REQUEST' : 'TIMESTAMP_FAILED', message, {
    reason,
    ...details,
  });
}

/**
 * The largest token kyso places: what the host may pass the browser (LIMITS.maxCmsBase64Chars as
 * base64), and so the room a PDF reserves for a document time-stamp.
 */
export const MAX_TIMESTAMP_TOKEN_BYTES = (LIMITS.maxCmsBase64Chars / 4) * 3;

/**
 * A token larger than the room its caller has for it (a long chain, large extensions): the TSA's
 * failure in kyso's words, before it is placed (where it would be kyso's INTERNAL).
 */
export function refuseOversizedToken(token: Uint8Array, roomBytes = MAX_TIMESTAMP_TOKEN_BYTES): void {
  if (token.length > roomBytes)
    fail('tsa-token-too-large', `the time-stamp token is too large (${token.length} bytes)`, {
      tokenBytes: token.length,
    });
}

/** A positive INTEGER, minimally encoded: no leading zero octets and no sign octet needed. */
function randomNonce(): Uint8Array {
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  nonce[0] = (nonce[0]! & 0x7f) | 0x01;
  return nonce;
}

/** Unsigned big-endian bytes → the content octets of a DER INTEGER. */
function integerContent(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const trimmed = unsigned.subarray(start);
  return trimmed[0]! & 0x80 ? concatBytes([new Uint8Array([0]), trimmed]) : trimmed;
}

/**
 * DER TimeStampReq for a precomputed imprint, with certReq true (the token then carries the TSA
 * certificate, so it verifies on its own) and a nonce (random unless given, big-endian unsigned).
 */
export function buildTimeStampRequest(
  messageImprint: Uint8Array,
  hashAlgorithm: DigestAlgorithm,
  nonce: Uint8Array = randomNonce(),
  policy?: string,
): Uint8Array {
  if (messageImprint.length !== DIGEST_ALGORITHMS[hashAlgorithm]) {
    throw new KysoError('BAD_REQUEST', `messageImprint is not a ${hashAlgorithm} hash`, {
      reason: 'imprint-length',
    });
  }
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: digestAlgorithmIdentifier(hashAlgorithm),
      hashedMessage: new asn1js.OctetString({ valueHex: toArrayBuffer(messageImprint) }),
    }),
    nonce: new asn1js.Integer({ valueHex: toArrayBuffer(integerContent(nonce)) }),
    certReq: true,
    ...(policy ? { reqPolicy: policy } : {}),
  });
  return new Uint8Array(request.toSchema().toBER());
}

async function postQuery(
  tsaUrl: string,
  query: Uint8Array,
  options: TimestampRequestOptions,
): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? LIMITS.timestampServerTimeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const doFetch = options.fetch ?? globalThis.fetch;
  try {
    let response: Response;
    try {
      response = await doFetch(tsaUrl, {
        method: 'POST',
        headers: {
          ...options.headers,
          'Content-Type': 'application/timestamp-query',
          Accept: 'application/timestamp-reply',
        },
        body: query as Uint8Array<ArrayBuffer>,
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) throw timeoutError(timeoutMs);
      // fetch's own words ("fetch failed", "Failed to fetch") name nothing and are not ours to pass
      // on; the cause names the network error (ECONNREFUSED, ENOTFOUND…).
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      fail('tsa-unreachable', 'The time-stamp server could not be reached', {
        cause: typeof cause === 'string' ? cause : null,
      });
    }
    if (!response.ok) {
      fail('tsa-http-error', `The time-stamp server answered HTTP ${response.status}`, {
        httpStatus: response.status,
      });
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_RESPONSE_BYTES) fail('tsa-bad-response', 'The time-stamp response is too large');
    let body: Uint8Array;
    try {
      body = new Uint8Array(await response.arrayBuffer());
    } catch {
      if (controller.signal.aborted) throw timeoutError(timeoutMs);
      fail('tsa-unreachable', 'The time-stamp response was cut off');
    }
    if (body.length > MAX_RESPONSE_BYTES) fail('tsa-bad-response', 'The time-stamp response is too large');
    return body;
  } finally {
    clearTimeout(timer);
  }
}

function timeoutError(timeoutMs: number): KysoError {
  return new KysoError('TIMEOUT', `The time-stamp server did not answer within ${timeoutMs} ms`, {
    reason: 'tsa-timeout',
    timeoutMs,
  });
}

const PKI_STATUS_NAMES = [
  'granted',
  'grantedWithMods',
  'rejection',
  'waiting',
  'revocationWarning',
  'revocationNotification',
];
/** PKIFailureInfo bit numbers (RFC 3161 §2.4.2). */
const FAILURE_INFO_NAMES: Record<number, string> = {
  0: 'badAlg',
  2: 'badRequest',
  5: 'badDataFormat',
  14: 'timeNotAvailable',
  15: 'unacceptedPolicy',
  16: 'unacceptedExtension',
  17: 'addInfoNotAvailable',
  25: 'systemFailure',
};

function failureInfoText(bits: asn1js.BitString | undefined): string | null {
  if (!bits) return null;
  const bytes = bits.valueBlock.valueHexView;
  const names: string[] = [];
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) names.push(FAILURE_INFO_NAMES[bit] ?? `bit${bit}`);
  }
  return names.join(',') || null;
}

/** Parses a TimeStampResp and returns its token, after checking the status. */
function tokenFromResponse(body: Uint8Array): Uint8Array {
  let response: pkijs.TimeStampResp;
  try {
    response = pkijs.TimeStampResp.fromBER(toArrayBuffer(body));
  } catch {
    fail('tsa-bad-response', 'The time-stamp server did not send a time-stamp response');
  }
  const status = response.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    const statusText = (response.status.statusStrings ?? []).map((s) => s.valueBlock.value).join('; ');
    fail(
      'tsa-rejected',
      `The time-stamp server refused: ${PKI_STATUS_NAMES[status] ?? status}${statusText ? ` (${statusText})` : ''}`,
      {
        pkiStatus: status,
        statusText: statusText || null,
        failInfo: failureInfoText(response.status.failInfo),
      },
    );
  }
  if (!response.timeStampToken) fail('tsa-bad-response', 'The time-stamp response has no token');
  return new Uint8Array(response.timeStampToken.toSchema().toBER());
}

/**
 * Asks a TSA to time-stamp `imprintData` (hashed here, SHA-256 unless told) and returns the
 * TimeStampToken (ContentInfo DER) after checking the status, nonce, imprint and the token's own
 * signature (trust in the TSA is the verifier's decision, see verifyTimeStampToken).
 */
export async function requestTimestamp(
  tsaUrl: string,
  imprintData: Uint8Array,
  options: TimestampRequestOptions = {},
): Promise<Uint8Array> {
  return requestTimestampForImprint(
    tsaUrl,
    await digest(options.hashAlgorithm ?? 'SHA-256', imprintData),
    options,
  );
}

/** As requestTimestamp, for data already hashed with `options.hashAlgorithm` (SHA-256 unless said): the host, given a digest. */
export async function requestTimestampForImprint(
  tsaUrl: string,
  imprint: Uint8Array,
  options: TimestampRequestOptions = {},
): Promise<Uint8Array> {
  const hashAlgorithm = options.hashAlgorithm ?? 'SHA-256';
  const nonce = randomNonce();
  const body = await postQuery(
    tsaUrl,
    buildTimeStampRequest(imprint, hashAlgorithm, nonce, options.policy),
    options,
  );
  const token = tokenFromResponse(body);

  let parsed: ParsedTimeStampToken;
  try {
    parsed = parseTimeStampToken(token);
  } catch (error) {
    fail('tsa-bad-token', `The time-stamp token is malformed: ${(error as Error).message}`);
  }
  // A missing or different nonce means a replayed or misrouted answer.
  if (!parsed.nonce || !bytesEqual(integerContent(parsed.nonce), integerContent(nonce))) {
    fail('tsa-nonce-mismatch', 'The time-stamp response does not answer this request (nonce differs)');
  }
  if (parsed.imprintAlgorithm !== hashAlgorithm || !bytesEqual(parsed.imprint, imprint)) {
    fail('tsa-imprint-mismatch', 'The time-stamp token covers other data than requested');
  }
  const check = await verifyTimeStampToken(token, { imprint, algorithm: hashAlgorithm });
  if (!check.valid)
    fail('tsa-bad-token', `The time-stamp token does not verify: ${check.problems.join('; ')}`);
  return token;
}

interface SignerInfoLocation {
  contentTypeOid: Uint8Array;
  /** SignedData's children, as bytes; the last one is the signerInfos SET. */
  signedDataFields: Uint8Array[];
  /** Each SignerInfo's children, as bytes. */
  signerInfos: asn1js.Sequence[];
}

/**
 * Takes the CMS apart down to the SignerInfos, keeping every other element's bytes as they are:
 * only the unsigned attributes change, so nothing signed is ever re-encoded.
 */
function locateSignerInfos(cms: Uint8Array): SignerInfoLocation {
  const parsed = asn1js.fromBER(toArrayBuffer(cms));
  const contentInfo = parsed.result;
  if (parsed.offset === -1 || !(contentInfo instanceof asn1js.Sequence))
    fail('cms-malformed', 'Not a CMS structure');
  const [contentType, wrapped] = contentInfo.valueBlock.value;
  if (
    !(contentType instanceof asn1js.ObjectIdentifier) ||
    contentType.valueBlock.toString() !== OID.signedData
  ) {
    fail('cms-malformed', 'Not a CMS SignedData');
  }
  const signedData = (wrapped as asn1js.Constructed | undefined)?.valueBlock.value[0];
  if (!(signedData instanceof asn1js.Sequence)) fail('cms-malformed', 'Not a CMS SignedData');
  const fields = signedData.valueBlock.value;
  const signerInfoSet = fields[fields.length - 1];
  if (!(signerInfoSet instanceof asn1js.Set)) fail('cms-malformed', 'SignedData has no SignerInfos');
  const signerInfos = signerInfoSet.valueBlock.value.filter(
    (s): s is asn1js.Sequence => s instanceof asn1js.Sequence,
  );
  return {
    contentTypeOid: originalBytes(contentType),
    signedDataFields: fields.map(originalBytes),
    signerInfos,
  };
}

function signatureField(signerInfo: asn1js.Sequence): asn1js.OctetString {
  // The only universal OCTET STRING directly inside a SignerInfo is the signature (sid and signedAttrs are tagged).
  const field = signerInfo.valueBlock.value.find(
    (f) => f.idBlock.tagClass === 1 && f.idBlock.tagNumber === 4,
  );
  if (!field) fail('cms-malformed', 'SignerInfo has no signature value');
  return field as asn1js.OctetString;
}

/** The signature value octets of one SignerInfo: what a CAdES-T time-stamp covers. */
export function signatureValue(cms: Uint8Array, signerIndex = 0): Uint8Array {
  const signerInfo = locateSignerInfos(cms).signerInfos[signerIndex];
  if (!signerInfo) fail('cms-malformed', `CMS has no signer #${signerIndex}`);
  const signature = signatureField(signerInfo);
  return new Uint8Array(signature.getValue());
}

const isUnsignedAttrs = (f: asn1js.AsnType) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 1;

/**
 * Adds a TimeStampToken (obtained elsewhere) to a SignerInfo as signatureTimeStampToken and
 * returns the new CMS DER. Does not check the token: verifySignatureTimestamp does that.
 */
export function attachSignatureTimestamp(cms: Uint8Array, token: Uint8Array, signerIndex = 0): Uint8Array {
  if (asn1js.fromBER(toArrayBuffer(token)).offset !== token.length) {
    throw new KysoError('BAD_REQUEST', 'The time-stamp token is not DER', { reason: 'tsa-bad-token' });
  }
  return appendUnsignedAttribute(cms, OID.signatureTimeStampToken, [token], signerIndex);
}

/**
 * Adds one unsigned attribute (values given as DER) to a SignerInfo and returns the new CMS DER;
 * every other element keeps its bytes. CAdES-T and CAdES-LT (certificate and revocation values) use it.
 */
export function appendUnsignedAttribute(
  cms: Uint8Array,
  type: string,
  values: Uint8Array[],
  signerIndex = 0,
): Uint8Array {
  const located = locateSignerInfos(cms);
  const signerInfo = located.signerInfos[signerIndex];
  if (!signerInfo) fail('cms-malformed', `CMS has no signer #${signerIndex}`);
  signatureField(signerInfo);

  const fields = signerInfo.valueBlock.value;
  const existing = fields.find(isUnsignedAttrs) as asn1js.Constructed | undefined;
  const attributes = existing ? existing.valueBlock.value.map(originalBytes) : [];
  attributes.push(sequence(oid(type), tlv(0x31, ...values)));
  const unsignedAttrs = setOf(0xa1, attributes); // [1] IMPLICIT SET OF Attribute
  const rebuilt = sequence(...fields.filter((f) => !isUnsignedAttrs(f)).map(originalBytes), unsignedAttrs);

  // Keep the signers' order: callers address them by index.
  const signerInfoSet = tlv(
    0x31,
    ...located.signerInfos.map((s, i) => (i === signerIndex ? rebuilt : originalBytes(s))),
  );
  const signedData = sequence(...located.signedDataFields.slice(0, -1), signerInfoSet);
  return sequence(located.contentTypeOid, contextConstructed(0, signedData));
}

/** CAdES-T: time-stamps the signature value of a CMS SignedData's signer and returns the new CMS DER. */
export async function addSignatureTimestamp(
  cms: Uint8Array,
  tsaUrl: string,
  options: SignatureTimestampOptions = {},
): Promise<Uint8Array> {
  const signerIndex = options.signerIndex ?? 0;
  const token = await requestTimestamp(tsaUrl, signatureValue(cms, signerIndex), options);
  return attachSignatureTimestamp(cms, token, signerIndex);
}
