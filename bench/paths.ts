/** Where the benchmarks find the repository (run from source or from dist/), its commit, and the test token's module. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = HERE.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(HERE, '../../..')
  : path.resolve(HERE, '..');
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

/** The commit measured, "+dirty" when the work tree had changes. */
export function currentCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return dirty.trim() ? `${commit}+dirty` : commit;
  } catch {
    return 'unknown';
  }
}
