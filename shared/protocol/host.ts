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
  WireErrorSchema,
  digestLengthIssue,
  digestLengthMatches,
} from './common.js';
import { LIMITS } from './limits.js';

const VersionString = z.string().regex(/^\d+\.\d+\.\d+(-[\w.]+)?$/).max(40);

export const hostCommands = {
  hello: {
    params: z.strictObject({ protocolVersion: z.number().int().min(0), extensionVersion: VersionString }),
    result: z.strictObject({ protocolVersion: z.number().int().min(0), hostVersion: VersionString }),
  },
  'list-certificates': {
    params: z.strictObject({}),
    result: z.strictObject({ certificates: z.array(CertificateEntrySchema).max(LIMITS.maxCertificates) }),
  },
  'sign-cms': {
    params: z
      .strictObject({
        certificateId: z.string().min(1).max(200),
        /** null: the token has a protected authentication path (PIN pad / vendor dialog). */
        pin: PinSchema.nullable(),
        ...DigestFields,
        origin: OriginSchema,
      })
      .refine(digestLengthMatches, digestLengthIssue),
    result: z.strictObject({ cms: z.base64().max(64 * 1024), certificate: CertificateBase64Schema }),
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

export type HostRequest = { [C in HostCommand]: { id: number; command: C; params: HostParams<C> } }[HostCommand];
