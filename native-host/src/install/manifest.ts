/** Pure builders of the native-messaging host manifests the browsers read. */
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../../shared/identity.js';
import { NATIVE_HOST_NAME } from '../../../shared/version.js';
import type { BrowserFamily } from './locations.js';
import { KysoError } from '../../../shared/protocol/errors.js';

export const HOST_DESCRIPTION = 'kyso: ký số bằng USB token / sign with your USB token';

interface ManifestBase {
  name: string;
  description: string;
  path: string;
  type: 'stdio';
}
export interface ChromiumHostManifest extends ManifestBase {
  allowed_origins: string[];
}
export interface FirefoxHostManifest extends ManifestBase {
  allowed_extensions: string[];
}
export type HostManifest = ChromiumHostManifest | FirefoxHostManifest;

export interface ManifestOptions {
  /** Absolute path of the launcher the browser executes. */
  hostPath: string;
  description?: string;
  /** More extension ids to allow besides kyso's own (e.g. a dev build with another id). */
  extraExtensionIds?: readonly string[];
}

/** Chromium ids are 32 letters a–p (a base-16 alphabet shifted to letters). */
const CHROMIUM_ID = /^[a-p]{32}$/;
/** Gecko ids are an email-like string or a GUID in braces. */
const GECKO_ID = /^(?:[A-Za-z0-9._+-]*@[A-Za-z0-9._-]+|\{[0-9a-fA-F-]{36}\})$/;

/**
 * kyso's own extension id and the extra ones asked for, each checked: a malformed id makes the
 * browser reject the whole manifest, so it is refused here with a clear message.
 */
function extensionIds(ownId: string, options: ManifestOptions, pattern: RegExp, browser: string): string[] {
  const ids = unique([ownId, ...(options.extraExtensionIds ?? [])]);
  for (const id of ids) {
    if (!pattern.test(id)) throw new KysoError('BAD_REQUEST', `Not a ${browser} extension id: ${id}`);
  }
  return ids;
}

function commonFields(options: ManifestOptions) {
  return {
    name: NATIVE_HOST_NAME,
    description: options.description ?? HOST_DESCRIPTION,
    path: options.hostPath,
    type: 'stdio' as const,
  };
}

export function chromiumHostManifest(options: ManifestOptions): ChromiumHostManifest {
  const ids = extensionIds(CHROMIUM_EXTENSION_ID, options, CHROMIUM_ID, 'Chromium');
  return { ...commonFields(options), allowed_origins: ids.map((id) => `chrome-extension://${id}/`) };
}

export function firefoxHostManifest(options: ManifestOptions): FirefoxHostManifest {
  return {
    ...commonFields(options),
    allowed_extensions: extensionIds(FIREFOX_EXTENSION_ID, options, GECKO_ID, 'Firefox'),
  };
}

export function hostManifest(family: BrowserFamily, options: ManifestOptions): HostManifest {
  return family === 'firefox' ? firefoxHostManifest(options) : chromiumHostManifest(options);
}

/** The exact bytes written to disk (stable, so re-installing can tell "unchanged"). */
export function serializeManifest(manifest: HostManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
