import { z } from 'zod';
import { isErrorCode, type WireError } from './errors.js';
import { LIMITS } from './limits.js';

/** Digest algorithms by their WebCrypto names, with the digest size each produces. */
export const DIGEST_ALGORITHMS = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;
export const DigestAlgorithmSchema = z.enum(['SHA-256', 'SHA-384', 'SHA-512']);

export const LanguageSchema = z.enum(['vi', 'en']);

/** RSA signature scheme: PKCS#1 v1.5 (what Vietnamese verifiers expect) unless PSS is asked for. */
export const RsaSchemeSchema = z.enum(['PKCS1-v1_5', 'PSS']);
export type RsaScheme = z.infer<typeof RsaSchemeSchema>;

export const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);

export const CertificateBase64Schema = z.base64().min(1).max(LIMITS.maxCertificateBase64Chars);

/** A base64 digest whose length matches its algorithm. */
export const DigestFields = {
  digest: z.base64().max(base64Length(64)),
  digestAlgorithm: DigestAlgorithmSchema,
};

export function digestLengthMatches(value: { digest: string; digestAlgorithm: DigestAlgorithm }) {
  return value.digest.length === base64Length(DIGEST_ALGORITHMS[value.digestAlgorithm]);
}
export const digestLengthIssue = {
  message: 'digest length does not match digestAlgorithm',
  path: ['digest'],
};

const ErrorDetailsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/**
 * An error as it crosses a boundary. Read tolerantly: the two sides may be of different kyso
 * versions (a portal's SDK, the extension, the host are updated apart), and a code added by the
 * newer side must not make the older one drop the whole answer — the caller would then wait for
 * its timeout (15 minutes for a signature). A well-formed code this build does not know is read
 * as INTERNAL, the code itself kept in `details.unknownCode`; anything else is still refused.
 */
export const WireErrorSchema = z
  .strictObject({
    code: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/),
    message: z.string().max(1000),
    details: ErrorDetailsSchema.optional(),
  })
  .transform((error): WireError =>
    isErrorCode(error.code)
      ? { ...error, code: error.code }
      : { code: 'INTERNAL', message: error.message, details: { ...error.details, unknownCode: error.code } },
  );

/** The one shape of an answer that either carries a result or a wire error (background → content script, extension → WebSocket client). */
export const answerSchema = <R extends z.ZodType>(result: R) =>
  z.union([
    z.strictObject({ ok: z.literal(true), result }),
    z.strictObject({ ok: z.literal(false), error: WireErrorSchema }),
  ]);
export type Answer<R = unknown> =
  { ok: true; result: R } | { ok: false; error: z.infer<typeof WireErrorSchema> };

/**
 * A certificate's serial number in hex, as the signing plugins' pages name the certificate that
 * must sign (BKAV's CertificateSerialNumber, VNPT's serial): only that certificate may.
 */
export const CertificateSerialSchema = z.string().regex(/^[0-9A-Fa-f]{1,64}$/);

/** The token a certificate lives on, and the PIN state it reports. */
export const TokenInfoSchema = z.strictObject({
  label: z.string().max(64),
  manufacturer: z.string().max(64),
  model: z.string().max(32),
  serial: z.string().max(32),
  /** PIN entered on the device (PIN pad, vendor dialog), not typed in our window. */
  protectedAuthPath: z.boolean(),
  pinCountLow: z.boolean(),
  pinFinalTry: z.boolean(),
  pinLocked: z.boolean(),
});
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

export const CertificateEntrySchema = z.strictObject({
  /** Opaque handle the host gives; valid while the token stays inserted. */
  id: z.string().min(1).max(200),
  certificate: CertificateBase64Schema,
  keyType: z.enum(['RSA', 'EC']),
  token: TokenInfoSchema,
});
export type CertificateEntry = z.infer<typeof CertificateEntrySchema>;

/**
 * Certificate objects on one token that a listing left out (unreadable, no key id, a key kyso cannot
 * sign with): counted, so that the window can say why a certificate the user expects is missing.
 * The reasons are not sent: `kyso-host doctor` gives them.
 */
export const SkippedCertificatesSchema = z.strictObject({
  tokenLabel: z.string().max(64),
  count: z.number().int().min(1).max(LIMITS.maxSkippedCount),
});
export type SkippedCertificates = z.infer<typeof SkippedCertificatesSchema>;

export const PinSchema = z.string().min(LIMITS.minPinChars).max(LIMITS.maxPinChars);

/**
 * Who asks, as scheme://host[:port] and nothing more: a page's origin as the browser reports it
 * (https, or http://localhost in developer mode: the extension enforces which), or a local
 * program's as its WebSocket handshake states it (e.g. app://ke-toan).
 */
export const OriginSchema = z
  .string()
  .max(255)
  .regex(/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/);

/**
 * An RFC 3161 time-stamping service. It comes from the user's or the administrator's settings,
 * never from a page: the host contacts it, and a page must not make the computer call anywhere.
 */
export const TsaUrlSchema = z
  .url({ protocol: /^https?$/, hostname: z.regexes.hostname })
  .max(LIMITS.maxUrlChars);
