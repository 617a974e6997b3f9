import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { NATIVE_HOST_NAME } from '../../shared/version.js';
import { HOST_LAUNCHER } from './paths.js';

/**
 * Registers the real host for a fresh Chromium profile: a launcher script that sets the test
 * token's environment, and the host manifest in <profile>/NativeMessagingHosts.
 */
export function registerHostInProfile(profileDir: string, env: Record<string, string>): string {
  const launcher = path.join(profileDir, 'kyso-host-launcher.sh');
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join('\n');
  writeFileSync(launcher, `#!/bin/sh\n${exports}\nexec '${process.execPath}' '${HOST_LAUNCHER}' "$@"\n`);
  chmodSync(launcher, 0o755);
  const dir = path.join(profileDir, 'NativeMessagingHosts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${NATIVE_HOST_NAME}.json`),
    JSON.stringify({
      name: NATIVE_HOST_NAME,
      description: 'kyso native host (test)',
      path: launcher,
      type: 'stdio',
      allowed_origins: [`chrome-extension://${CHROMIUM_EXTENSION_ID}/`],
    }),
  );
  return launcher;
}
