/**
 * The self-contained host: the whole host (browser host, CLI, PKCS#11 worker) bundled into one
 * CommonJS file, a V8 code cache of it, injected into a copy of this Node binary (Node's single
 * executable application: --experimental-sea-config + postject). pkcs11js's addon cannot be embedded:
 * the bundle loads it from lib/pkcs11js beside the binary (see PACKAGED_PKCS11JS_DIR).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { rolldown, type Plugin } from 'rolldown';

export interface BuildInfo {
  commit: string;
  /** ISO date of SOURCE_DATE_EPOCH. */
  date: string;
}

const ADDON_ID = '\0kyso-packaged-pkcs11js';

/** `import pkcs11js from 'pkcs11js'` inside the binary: required from lib/pkcs11js beside it. */
const packagedAddon: Plugin = {
  name: 'kyso-packaged-pkcs11js',
  resolveId(source) {
    return source === 'pkcs11js' ? ADDON_ID : null;
  },
  load(id) {
    if (id !== ADDON_ID) return null;
    return `
import { createRequire } from 'node:module';
import path from 'node:path';
import { PACKAGED_PKCS11JS_DIR } from ${JSON.stringify(path.resolve('dist/node/native-host/src/runtime.js'))};
const dir = path.join(path.dirname(process.execPath), PACKAGED_PKCS11JS_DIR);
let pkcs11js;
try {
  pkcs11js = createRequire(path.join(dir, 'index.js'))('./index.js');
} catch (error) {
  // One line for the person (and the host's log), not a stack trace; kyso-host doctor says the same.
  process.stderr.write('kyso: the PKCS#11 component is missing or unusable (' + dir + '): ' + ((error && error.code) || 'load error') + '. Reinstall kyso.\\n');
  process.exit(70);
}
export default pkcs11js;
`;
  },
};

/** Bundles dist/node's host (npm run build:host first) into one CommonJS file. */
export async function bundleForSea(outFile: string, info: BuildInfo): Promise<void> {
  const bundle = await rolldown({
    input: 'dist/node/native-host/src/packaged-main.js',
    platform: 'node',
    plugins: [packagedAddon],
    transform: { define: { __KYSO_BUILD_INFO__: JSON.stringify(info) } },
    logLevel: 'silent',
  });
  // minified as the host's own bundles are (native-host/rolldown.config.js: sources stay in memory)
  await bundle.write({ file: outFile, format: 'cjs', codeSplitting: false, minify: true });
  await bundle.close();
}

/** Node's fuse that postject flips to tell the binary it carries an application. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Builds the single executable from `mainFile`. V8's code cache makes start-up faster but is not
 * byte-for-byte reproducible (two builds differ inside the blob); `codeCache: false` gives
 * identical binaries (bench/ measures both). Node builds the blob for its own version, so the
 * binary copied is the one running this script. Debug symbols are stripped (98 → ~90 MB; the
 * dynamic symbol table that addons link against stays).
 */
export function buildSeaBinary(
  mainFile: string,
  output: string,
  options: { strip?: boolean; codeCache?: boolean } = {},
): void {
  const dir = path.dirname(mainFile);
  const blob = path.join(dir, 'sea-prep.blob');
  const config = path.join(dir, 'sea-config.json');
  const useCodeCache = options.codeCache ?? true;
  writeFileSync(
    config,
    JSON.stringify({ main: mainFile, output: blob, disableExperimentalSEAWarning: true, useCodeCache }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'pipe' });
  mkdirSync(path.dirname(output), { recursive: true });
  copyFileSync(process.execPath, output);
  chmodSync(output, 0o755);
  if (options.strip !== false && process.platform === 'linux')
    execFileSync('strip', ['--strip-debug', output]);
  // Node's own signature would be invalid after injection: remove it first (not built or run on Linux CI).
  if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', output]);
  if (process.platform === 'win32') execFileSync('signtool', ['remove', '/s', output]);
  const postject = path.join(
    path.dirname(createRequire(import.meta.url).resolve('postject/package.json')),
    'dist/cli.js',
  );
  const args = [postject, output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE];
  if (process.platform === 'darwin') args.push('--macho-segment-name', 'NODE_SEA');
  execFileSync(process.execPath, args, { stdio: 'pipe' });
  // macOS refuses to run an unsigned arm64 binary: an ad-hoc signature, replaced by the release's
  // Developer ID signature (docs/packaging.md).
  if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', output]);
}
