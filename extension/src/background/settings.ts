/**
 * The user's settings, and what an agency's managed policy sets over them. The time-stamping
 * service (TSA) is a setting, never a page's choice: the host contacts it for every B-T / CAdES-T
 * signature, and a page must not make the user's computer call a server of its choosing.
 */
import { readLocal, removeLocal, writeLocal } from './local-store.js';
import { z } from 'zod';
import { TsaUrlSchema } from '../../../shared/protocol/common.js';
import type { WebSocketServe } from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { managedPolicy } from './managed-policy.js';
import { ConsentTimeoutSecondsSchema, WebSocketSettingSchema } from './policy-schema.js';

export interface TsaSetting {
  url?: string;
  /** Set by policy: the options page shows it and cannot change it. */
  managed: boolean;
}

/** A setting: the policy's value when it is valid (the user cannot override it), else the user's when valid. */
async function setting<T>(
  key: string,
  schema: z.ZodType<T>,
): Promise<{ value: T; managed: boolean } | undefined> {
  const fromPolicy = schema.safeParse((await managedPolicy())[key]);
  if (fromPolicy.success) return { value: fromPolicy.data, managed: true };
  const fromUser = schema.safeParse(await readLocal(key));
  return fromUser.success ? { value: fromUser.data, managed: false } : undefined;
}

export async function tsaSetting(): Promise<TsaSetting> {
  const found = await setting('tsaUrl', TsaUrlSchema);
  return found ? { url: found.value, managed: found.managed } : { managed: false };
}

/** Saves the user's TSA (empty: none); false when it is not an http(s) URL. */
export async function saveTsaUrl(value: string): Promise<boolean> {
  const trimmed = value.trim();
  if (trimmed === '') {
    await removeLocal('tsaUrl');
    return true;
  }
  const parsed = TsaUrlSchema.safeParse(trimmed);
  if (!parsed.success) return false;
  await writeLocal({ tsaUrl: parsed.data });
  return true;
}

export async function consentTimeoutMs(): Promise<number> {
  const found = await setting('consentTimeoutSeconds', ConsentTimeoutSecondsSchema);
  return found ? found.value * 1000 : LIMITS.userInteractionTimeoutMs;
}

export async function saveConsentTimeoutSeconds(seconds: number): Promise<void> {
  await writeLocal({ consentTimeoutSeconds: seconds });
}

export type WebSocketSetting = WebSocketServe & { enabled: boolean; managed: boolean };

export async function webSocketSetting(): Promise<WebSocketSetting | undefined> {
  const found = await setting('websocket', WebSocketSettingSchema);
  return found && { ...found.value, managed: found.managed };
}

/** False when the port or an origin is not valid. */
export async function saveWebSocketSetting(setting: {
  enabled: boolean;
  port: number;
  allowedOrigins: string[];
}): Promise<boolean> {
  const parsed = WebSocketSettingSchema.safeParse(setting);
  if (!parsed.success) return false;
  await writeLocal({ websocket: parsed.data });
  return true;
}
