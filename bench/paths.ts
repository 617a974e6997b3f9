/** Where the benchmarks find the repository (run from source or from dist/) and the test token's module. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = HERE.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(HERE, '../../..')
  : path.resolve(HERE, '..');
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
