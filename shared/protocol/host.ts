/**
 * Extension ⇄ native host messages. Every frame is `{ id, command, params }` one way and
 * `{ id, ok, result | error }` the other; each command has one params and one result schema.
 */
import { z } from 'zod';
import {
  CertificateBase64Schema,
  CertificateEntrySchema,
  DigestFields,
  OriginSchema,
  PinSchema,
  RsaSchemeSchema,
  SkippedCertificatesSchema,
  TsaUrlSchema,
  WireErrorSchema,
  answerSchema,
  base64Length,
  digestLengthIssue,
  digestLengthMatches,
} from './common.js';
import { LIMITS } from './limits.js';
import { SHA1_DIGEST_INFO_PREFIX } from '../cms/digest-info.js';
import { base64ToBytes, bytesToHex } from '../encoding.js';

const VersionString = z
  .string()
  .regex(/^\d+\.\d+\.\d+(-[\w.]+)?$/)
  .max(40);

const CertificateId = z.string().min(1).max(200);
/** null: the token has a protected authentication path (PIN pad / vendor dialog). */
const PinOrDevice = PinSchema.nullable();

const SHA1_DIGEST_INFO_BYTES = SHA1_DIGEST_INFO_PREFIX.length / 2 + 20;

/**
 * Exactly a SHA-1 DigestInfo: the fixed prefix and 20 bytes. Old XML receivers still demand
 * rsa-sha1; accepting only this shape keeps the host from ever becoming a raw RSA signer.
 */
const Sha1DigestInfoSchema = z
  .base64()
  .length(base64Length(SHA1_DIGEST_INFO_BYTES))
  .refine((value) => {
    const hex = bytesToHex(base64ToBytes(value));
    return hex.length === SHA1_DIGEST_INFO_BYTES * 2 && hex.startsWith(SHA1_DIGEST_INFO_PREFIX);
  }, 'not a SHA-1 DigestInfo');

/**
 * One thing to sign in a batch: a CMS around a document digest (CAdES, or PAdES without
 * signingTime), optionally time-stamped; a bare signature of a digest; or an RSA PKCS#1 v1.5
 * signature of a SHA-1 DigestInfo (rsa-sha1 XML, only when the portal asked for it).
 */
export const SignItemSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('cms'),
      ...DigestFields,
      /** false for PAdES, whose signing time is the signature dictionary's /M. */
      signingTime: z.boolean(),
      /** CAdES-T: a time-stamp on the signature value from the batch's TSA. */
      timestamp: z.boolean().optional(),
      rsaScheme: RsaSchemeSchema.optional(),
    })
    .refine(digestLengthMatches, digestLengthIssue),
  z
    .strictObject({ kind: z.literal('raw'), ...DigestFields, rsaScheme: RsaSchemeSchema.optional() })
    .refine(digestLengthMatches, digestLengthIssue),
  z.strictObject({ kind: z.literal('sha1-digest-info'), digestInfo: Sha1DigestInfoSchema }),
]);
export type SignItem = z.infer<typeof SignItemSchema>;

export const SignItemResultSchema = z.union([
  z.strictObject({ ok: z.literal(true), cms: z.base64().max(LIMITS.maxCmsBase64Chars) }),
  z.strictObject({ ok: z.literal(true), signature: z.base64().max(2048) }),
  z.strictObject({ ok: z.literal(false), error: WireErrorSchema }),
]);
export type SignItemResult = z.infer<typeof SignItemResultSchema>;

/** How a raw signature is encoded: RSA PKCS#1 v1.5, or ECDSA as r‖s (IEEE P1363, what WebCrypto takes). */
/** sign-cms's answer, the same from the host to the extension and from the extension to the page. */
export const SignCmsResultSchema = z.strictObject({
  cms: z.base64().max(LIMITS.maxCmsBase64Chars),
  certificate: CertificateBase64Schema,
});

export const RawSignatureAlgorithmSchema = z.enum(['RSASSA-PKCS1-v1_5', 'RSASSA-PSS', 'ECDSA-P1363']);

/**
 * A PKCS#11 library the user adds in the options: an absolute path to a shared library. Loading
 * it runs its code as the user, so only the extension's own options page sends this, never a page.
 */
export const ModulePathSchema = z
  .string()
  .max(LIMITS.maxModulePathChars)
  .regex(/^(\/|[A-Za-z]:\\)[^\0]*\.(so(\.\d+)*|dylib|dll)$/i, 'an absolute path to a .so, .dylib or .dll');

export const ModuleReportSchema = z.strictObject({
  /** KYSO_PKCS11_MODULES is set: it alone decides, the configured list waits. */
  environmentOverride: z.boolean(),
  configured: z.array(z.string().max(LIMITS.maxModulePathChars)).max(LIMITS.maxConfiguredModules),
  modules: z
    .array(
      z.strictObject({
        path: z.string().max(LIMITS.maxModulePathChars),
        source: z.enum(['environment', 'configured', 'known']),
        present: z.boolean(),
        loaded: z.boolean(),
        error: z.string().max(500).optional(),
      }),
    )
    .max(256),
});
export type ModuleReport = z.infer<typeof ModuleReportSchema>;

/** http(s)://host[:port] with a host other than this computer's: a website's origin. */
const WEBSITE_ORIGIN = /^(https:\/\/|http:\/\/(?!(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$))/;

/**
 * A local program's origin as its WebSocket handshake states it (e.g. app://ke-toan). Never a
 * website's: a page of a listed website could use the socket, and kyso's window would tell the
 * user a program on this computer asks, not that website. Websites ask through the extension.
 */
export const AppOriginSchema = OriginSchema.refine((origin) => !WEBSITE_ORIGIN.test(origin), {
  message: 'a website’s origin: websites ask through the extension, not the local WebSocket',
});

/** One part of a WebSocket answer, in bytes of its JSON: base64, with the frame's envelope, well under maxFrameToHostBytes. */
export const WEBSOCKET_ANSWER_PART_BYTES = 36 * 1024;

/** What a WebSocket client may ask: digests only (documents stay with the program; frames stay small). */
export const WEBSOCKET_REQUEST_TYPES = ['status', 'sign-cms', 'sign-raw', 'sign-many'] as const;
export type WebSocketRequestType = (typeof WEBSOCKET_REQUEST_TYPES)[number];

/** Host → extension, unasked: a WebSocket client's request, for the extension to run with consent like a page's. */
export const WebSocketRequestEventSchema = z.strictObject({
  event: z.literal('websocket-request'),
  requestId: z.string().min(1).max(64),
  origin: AppOriginSchema,
  type: z.enum(WEBSOCKET_REQUEST_TYPES),
  params: z.unknown(),
});
export type WebSocketRequestEvent = z.infer<typeof WebSocketRequestEventSchema>;

/**
 * Host → extension, unasked: the WebSocket client of a request still waiting for its answer went
 * away (the program closed or crashed): the request ends unsigned, as a page's does when it leaves.
 */
export const WebSocketGoneEventSchema = z.strictObject({
  event: z.literal('websocket-gone'),
  requestId: z.string().min(1).max(64),
});
export type WebSocketGoneEvent = z.infer<typeof WebSocketGoneEventSchema>;

/**
 * The Viettel-CA SignPlugin's form body, as the loopback listener passes it on (host → extension
 * messages are capped at 1 MiB by browsers).
 */
export const MAX_VIETTEL_BODY_CHARS = 512 * 1024;

/** The bytes a string takes in a frame: JSON-escaped (a control character is six), UTF-8. */
const jsonBytes = (text: string) => new TextEncoder().encode(JSON.stringify(text)).length;

/**
 * Host → extension, unasked: a page's synchronous request to the Viettel-CA SignPlugin's address
 * (127.0.0.1:14007), with the Origin header the browser sent; the extension answers it with the
 * plugin's plain text (viettel-answer).
 */
export const ViettelRequestEventSchema = z.strictObject({
  event: z.literal('viettel-request'),
  requestId: z.string().min(1).max(64),
  origin: OriginSchema,
  function: z.string().max(64),
  body: z.string().max(MAX_VIETTEL_BODY_CHARS),
});
export type ViettelRequestEvent = z.infer<typeof ViettelRequestEventSchema>;

export const HostEventSchema = z.discriminatedUnion('event', [
  WebSocketRequestEventSchema,
  ViettelRequestEventSchema,
  WebSocketGoneEventSchema,
]);
export type HostEvent = z.infer<typeof HostEventSchema>;

export const WebSocketServeSchema = z.strictObject({
  port: z.number().int().min(1024).max(65535),
  allowedOrigins: z.array(AppOriginSchema).min(1).max(LIMITS.maxWebSocketOrigins),
});
export type WebSocketServe = z.infer<typeof WebSocketServeSchema>;

/** What sign-cms and sign-raw both take: one digest, signed with one certificate after consent. */
const OneDigestSigningFields = {
  certificateId: CertificateId,
  pin: PinOrDevice,
  ...DigestFields,
  origin: OriginSchema,
  rsaScheme: RsaSchemeSchema.optional(),
};

export const hostCommands = {
  hello: {
    params: z.strictObject({ protocolVersion: z.number().int().min(0), extensionVersion: VersionString }),
    result: z.strictObject({ protocolVersion: z.number().int().min(0), hostVersion: VersionString }),
  },
  'list-certificates': {
    params: z.strictObject({}),
    result: z.strictObject({
      certificates: z.array(CertificateEntrySchema).max(LIMITS.maxCertificates),
      skipped: z.array(SkippedCertificatesSchema).max(LIMITS.maxSkippedTokens),
    }),
  },
  'sign-cms': {
    params: z
      .strictObject({
        ...OneDigestSigningFields,
        /** CAdES-T: time-stamp the signature here. */
        tsaUrl: TsaUrlSchema.optional(),
      })
      .refine(digestLengthMatches, digestLengthIssue),
    result: SignCmsResultSchema,
  },
  /** A bare signature over a digest, for portals that build their own container. */
  'sign-raw': {
    params: z.strictObject(OneDigestSigningFields).refine(digestLengthMatches, digestLengthIssue),
    result: z.strictObject({
      signature: z.base64().max(2048),
      signatureAlgorithm: RawSignatureAlgorithmSchema,
      certificate: CertificateBase64Schema,
    }),
  },
  /** Logs in once for a consented batch; the token stays logged in until end-batch or idle timeout. */
  'begin-batch': {
    params: z.strictObject({
      certificateId: CertificateId,
      pin: PinOrDevice,
      origin: OriginSchema,
      total: z.number().int().min(1).max(LIMITS.maxBatchDocuments),
      /** Where items with `timestamp` get their time-stamps. */
      tsaUrl: TsaUrlSchema.optional(),
    }),
    result: z.strictObject({
      batchId: z.string().max(64),
      certificate: CertificateBase64Schema,
      /** The CA certificates its token holds above it, nearest first: a form may accept the signer by one of them. */
      issuers: z.array(CertificateBase64Schema).max(LIMITS.maxSignerIssuers),
    }),
  },
  'sign-batch': {
    params: z.strictObject({
      batchId: z.string().max(64),
      items: z.array(SignItemSchema).min(1).max(LIMITS.maxBatchItemsPerCall),
    }),
    result: z.strictObject({ results: z.array(SignItemResultSchema).max(LIMITS.maxBatchItemsPerCall) }),
  },
  'end-batch': {
    params: z.strictObject({ batchId: z.string().max(64) }),
    result: z.strictObject({ signed: z.number().int().min(0) }),
  },
  /** Local WebSocket mode: serve 127.0.0.1:port for the allowed origins, or stop (null). Off unless the user turns it on. */
  websocket: {
    params: z.strictObject({ serve: WebSocketServeSchema.nullable() }),
    result: z.strictObject({ listening: z.boolean(), port: z.number().int().nullable() }),
  },
  /**
   * The extension's answer to a websocket-request event, relayed to the client: whole, or — a
   * batch's, larger than one frame to the host — its UTF-8 JSON in base64 parts, in order, the last
   * marked. `delivered`: the request still waited (for a part: the part was kept).
   */
  'websocket-answer': {
    params: z.union([
      z.strictObject({
        requestId: z.string().min(1).max(64),
        answer: answerSchema(z.unknown()),
      }),
      z.strictObject({
        requestId: z.string().min(1).max(64),
        part: z.base64().min(4).max(base64Length(WEBSOCKET_ANSWER_PART_BYTES)),
        last: z.boolean(),
      }),
    ]),
    result: z.strictObject({ delivered: z.boolean() }),
  },
  /**
   * The Viettel-CA SignPlugin's loopback address (127.0.0.1:14007) for the sites the user set to
   * "use kyso"; no origins: stop. `portTaken`: another program (the installed plugin) holds the port.
   */
  'viettel-listener': {
    params: z.strictObject({ origins: z.array(OriginSchema).max(LIMITS.maxWebSocketOrigins) }),
    result: z.strictObject({ listening: z.boolean(), portTaken: z.boolean() }),
  },
  /** The extension's plain-text answer to a viettel-request event: one frame, whatever its characters. */
  'viettel-answer': {
    params: z.strictObject({
      requestId: z.string().min(1).max(64),
      text: z
        .string()
        .max(LIMITS.maxViettelAnswerBytes)
        .refine((text) => jsonBytes(text) <= LIMITS.maxViettelAnswerBytes, {
          message: `larger than ${LIMITS.maxViettelAnswerBytes} bytes in a frame`,
        }),
    }),
    result: z.strictObject({ delivered: z.boolean() }),
  },
  /** Which PKCS#11 modules the host finds and loads (the options page shows it). */
  modules: {
    params: z.strictObject({}),
    result: ModuleReportSchema,
  },
  /** Replaces the user's extra module paths (config file) and reloads the modules. */
  'set-modules': {
    params: z.strictObject({ configured: z.array(ModulePathSchema).max(LIMITS.maxConfiguredModules) }),
    result: ModuleReportSchema,
  },
  /**
   * PAdES B-LT of a document signed in the browser: for a CMS this host made, the chain and an OCSP
   * response or CRL per certificate, fetched here (URLs only from the certificates' AIA/CDP, http(s)).
   */
  'validation-data': {
    params: z.strictObject({ cms: z.base64().min(1).max(LIMITS.maxCmsBase64Chars) }),
    result: z.strictObject({
      certificates: z.array(CertificateBase64Schema).max(LIMITS.maxValidationDataItems),
      ocsps: z.array(z.base64().max(LIMITS.maxValidationDataBase64Chars)).max(LIMITS.maxValidationDataItems),
      crls: z.array(z.base64().max(LIMITS.maxValidationDataBase64Chars)).max(LIMITS.maxValidationDataItems),
      /** Certificates without evidence, and why (no URL, nothing answered, too large). */
      missing: z.array(z.string().max(1000)).max(LIMITS.maxValidationDataItems * 2),
    }),
  },
  /** PAdES B-LTA: an RFC 3161 time-stamp token over a SHA-256 digest, from the TSA in the extension's settings. */
  'document-timestamp': {
    params: z.strictObject({ digest: z.base64().length(base64Length(32)), tsaUrl: TsaUrlSchema }),
    result: z.strictObject({ token: z.base64().max(LIMITS.maxCmsBase64Chars) }),
  },
} as const;

export type HostCommand = keyof typeof hostCommands;
export type HostParams<C extends HostCommand> = z.infer<(typeof hostCommands)[C]['params']>;
export type HostResult<C extends HostCommand> = z.infer<(typeof hostCommands)[C]['result']>;

const RequestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The envelope; `params` is then checked against the command's own schema. */
export const HostRequestEnvelopeSchema = z.strictObject({
  id: RequestId,
  command: z.enum(Object.keys(hostCommands) as [HostCommand, ...HostCommand[]]),
  params: z.unknown(),
});

export const HostResponseSchema = z.discriminatedUnion('ok', [
  z.strictObject({ id: RequestId, ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ id: RequestId.nullable(), ok: z.literal(false), error: WireErrorSchema }),
]);
export type HostResponse = z.infer<typeof HostResponseSchema>;

export type HostRequest = {
  [C in HostCommand]: { id: number; command: C; params: HostParams<C> };
}[HostCommand];

/**
 * Host → client, unasked, about a request still running: it waits for its token, because another
 * request of this host or another program (a second browser, the CLI) is signing with it. The
 * consent window says so ("the token is in use by another program — waiting…"); the answer to the
 * request follows as usual (signed, or BUSY with details.retryAfterMs once the wait is over).
 */
export const HostStatusEventSchema = z.strictObject({
  event: z.literal('request-status'),
  /** The `id` of the request this is about (the answer to it carries the same id). */
  requestId: RequestId,
  status: z.literal('waiting-for-token'),
  reason: z.enum(['other-request', 'other-program']),
});
export type HostStatusEvent = z.infer<typeof HostStatusEventSchema>;
