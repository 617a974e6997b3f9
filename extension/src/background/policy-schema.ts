/**
 * The settings an agency may set by managed policy (Chrome policy / Firefox enterprise policy), and
 * the user's same settings, as schemas. The build writes the manifest's `managed-schema.json` from
 * ManagedPolicySchema (see extension/managed-schema.ts), so the policy an administrator reads about
 * and the one the extension accepts are one. No browser API here: the build imports it in Node.
 */
import { z } from 'zod';
import { TsaUrlSchema } from '../../../shared/protocol/common.js';
import { WebSocketServeSchema } from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';

/**
 * How long the consent window waits for the user. People who need more time can take it (WCAG
 * 2.2.1 Timing Adjustable); an agency can set it by policy. Out-of-range values fall back to the default.
 */
export const ConsentTimeoutSecondsSchema = z
  .number()
  .int()
  .min(LIMITS.minUserInteractionTimeoutMs / 1000)
  .max(LIMITS.maxUserInteractionTimeoutMs / 1000);

/**
 * The local WebSocket mode for desktop programs: off unless the user (or policy) turns it on and
 * names the programs' origins. Each of their requests still opens kyso's consent window.
 */
export const WebSocketSettingSchema = WebSocketServeSchema.extend({ enabled: z.boolean() });

const Origins = z.array(z.string());

/** Every key is optional; a key whose value does not fit its schema is ignored (the user's setting applies). */
export const ManagedPolicySchema = z.object({
  allowedOrigins: Origins.meta({
    title: 'Sites allowed to request signatures without asking',
    description: 'Origins such as https://dichvucong.gov.vn',
  }).optional(),
  blockedOrigins: Origins.meta({ title: 'Sites never allowed to request signatures' }).optional(),
  consentTimeoutSeconds: ConsentTimeoutSecondsSchema.meta({
    title: `How long the signing window waits for the user, in seconds (${LIMITS.minUserInteractionTimeoutMs / 1000}-${LIMITS.maxUserInteractionTimeoutMs / 1000}; default ${LIMITS.userInteractionTimeoutMs / 1000})`,
  }).optional(),
  websocket: WebSocketSettingSchema.meta({
    title:
      "Local WebSocket mode for desktop programs (127.0.0.1); every request still needs the user's consent",
  }).optional(),
  tsaUrl: TsaUrlSchema.meta({
    title: 'Time-stamping server (RFC 3161) for PAdES B-T and CAdES-T',
    description: 'An http:// or https:// URL; users cannot change it when set',
  }).optional(),
});
