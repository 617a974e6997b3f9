/** Pure builders of the native-messaging host manifests the browsers read. */
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../../shared/identity.js';
import { NATIVE_HOST_NAME } from '../../../shared/version.js';
import type { BrowserFamily } from './locations.js';

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

export function chromiumHostManifest(options: ManifestOptions): ChromiumHostManifest {
  const ids = unique([CHROMIUM_EXTENSION_ID, ...(options.extraExtensionIds ?? [])]);
  for (const id of ids) {
    // A malformed origin makes Chromium reject the whole manifest, so refuse it here with a clear message.
    if (!CHROMIUM_ID.test(id)) throw new Error(`Not a Chromium extension id: ${id}`);
  }
  return {
    name: NATIVE_HOST_NAME,
    description: options.description ?? HOST_DESCRIPTION,
    path: options.hostPath,
    type: 'stdio',
    allowed_origins: ids.map((id) => `chrome-extension://${id}/`),
  };
}

export function firefoxHostManifest(options: ManifestOptions): FirefoxHostManifest {
  const ids = unique([FIREFOX_EXTENSION_ID, ...(options.extraExtensionIds ?? [])]);
  for (const id of ids) {
    if (!GECKO_ID.test(id)) throw new Error(`Not a Firefox extension id: ${id}`);
  }
  return {
    name: NATIVE_HOST_NAME,
    description: options.description ?? HOST_DESCRIPTION,
    path: options.hostPath,
    type: 'stdio',
    allowed_extensions: ids,
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
