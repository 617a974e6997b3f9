import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { MASTER_TOKEN_DIR, REPO_ROOT } from './paths.js';

/** Makes the master SoftHSM token once per test run; each test works on its own copy (token.ts). */
export default function setup(): void {
  execFileSync('bash', [path.join(REPO_ROOT, 'test/token/make-token.sh'), MASTER_TOKEN_DIR], {
    stdio: 'inherit',
  });
}
