/**
 * The user's settings, and what an agency's managed policy sets over them. The time-stamping
 * service (TSA) is a setting, never a page's choice: the host contacts it for every B-T / CAdES-T
 * signature, and a page must not make the user's computer call a server of its choosing.
 */
import browser from 'webextension-polyfill';
import { z } from 'zod';
import { TsaUrlSchema } from '../../../shared/protocol/common.js';
import { WebSocketServeSchema, type WebSocketServe } from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { managedPolicy } from './managed-policy.js';

export interface TsaSetting {
  url?: string;
  /** Set by policy: the options page shows it and cannot change it. */
  managed: boolean;
}

export async function tsaSetting(): Promise<TsaSetting> {
  const managed = (await managedPolicy()) as { tsaUrl?: unknown };
  const fromPolicy = TsaUrlSchema.safeParse(managed.tsaUrl);
  if (fromPolicy.success) return { url: fromPolicy.data, managed: true };
  const { tsaUrl } = (await browser.storage.local.get('tsaUrl')) as { tsaUrl?: unknown };
  const fromUser = TsaUrlSchema.safeParse(tsaUrl);
  return fromUser.success ? { url: fromUser.data, managed: false } : { managed: false };
}

/** Saves the user's TSA (empty: none); false when it is not an http(s) URL. */
export async function saveTsaUrl(value: string): Promise<boolean> {
  const trimmed = value.trim();
  if (trimmed === '') {
    await browser.storage.local.remove('tsaUrl');
    return true;
  }
  const parsed = TsaUrlSchema.safeParse(trimmed);
  if (!parsed.success) return false;
  await browser.storage.local.set({ tsaUrl: parsed.data });
  return true;
}

/**
 * How long the consent window waits for the user. People who need more time can take it (WCAG
 * 2.2.1 Timing Adjustable); an agency can set it by policy. Out-of-range values fall back to the default.
 */
export async function consentTimeoutMs(): Promise<number> {
  const valid = (seconds: unknown): seconds is number =>
    typeof seconds === 'number' &&
    Number.isInteger(seconds) &&
    seconds * 1000 >= LIMITS.minUserInteractionTimeoutMs &&
    seconds * 1000 <= LIMITS.maxUserInteractionTimeoutMs;
  const managed = (await managedPolicy()) as { consentTimeoutSeconds?: unknown };
  if (valid(managed.consentTimeoutSeconds)) return managed.consentTimeoutSeconds * 1000;
  const { consentTimeoutSeconds } = (await browser.storage.local.get('consentTimeoutSeconds')) as { consentTimeoutSeconds?: unknown };
  return valid(consentTimeoutSeconds) ? consentTimeoutSeconds * 1000 : LIMITS.userInteractionTimeoutMs;
}

export async function saveConsentTimeoutSeconds(seconds: number): Promise<void> {
  await browser.storage.local.set({ consentTimeoutSeconds: seconds });
}

/**
 * The local WebSocket mode for desktop programs: off unless the user (or policy) turns it on and
 * names the programs' origins. Each of their requests still opens kyso's consent window.
 */
export const WebSocketSettingSchema = WebSocketServeSchema.extend({ enabled: z.boolean() });
export type WebSocketSetting = WebSocketServe & { enabled: boolean; managed: boolean };

export async function webSocketSetting(): Promise<WebSocketSetting | undefined> {
  const managed = (await managedPolicy()) as { websocket?: unknown };
  const fromPolicy = WebSocketSettingSchema.safeParse(managed.websocket);
  if (fromPolicy.success) return { ...fromPolicy.data, managed: true };
  const { websocket } = (await browser.storage.local.get('websocket')) as { websocket?: unknown };
  const fromUser = WebSocketSettingSchema.safeParse(websocket);
  return fromUser.success ? { ...fromUser.data, managed: false } : undefined;
}

/** False when the port or an origin is not valid. */
export async function saveWebSocketSetting(setting: { enabled: boolean; port: number; allowedOrigins: string[] }): Promise<boolean> {
  const parsed = WebSocketSettingSchema.safeParse(setting);
  if (!parsed.success) return false;
  await browser.storage.local.set({ websocket: parsed.data });
  return true;
}
