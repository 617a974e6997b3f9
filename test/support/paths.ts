import { fileURLToPath } from 'node:url';
import path from 'node:path';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The checkout, from the sources (vitest) or from dist/node (the benchmarks that reuse these helpers). */
export const REPO_ROOT = path.resolve(
  HERE,
  HERE.endsWith(path.join('dist', 'node', 'test', 'support')) ? '../../../..' : '../..',
);
/** Scratch space for test artefacts (gitignored). */
export const KYSO_DIR = path.join(REPO_ROOT, '.kyso');
export const MASTER_TOKEN_DIR = path.join(KYSO_DIR, 'test-token');
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const TOKEN_LABEL = 'kyso-test';
export const TOKEN_PIN = '123456';
export const HOST_LAUNCHER = path.join(REPO_ROOT, 'native-host/bin/kyso-host.js');
export const EXTENSION_DIST = path.join(REPO_ROOT, 'dist/extension');
