/** The SDK as a portal gets it: an ES module with types that a strict TypeScript project compiles against. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeStrictConsumerTsconfig } from '../support/consumer-project.js';
import { REPO_ROOT } from '../support/paths.js';

describe('SDK package', () => {
  it('has the published shape and types a portal compiles against', () => {
    const dist = path.join(REPO_ROOT, 'dist/sdk');
    const manifest = JSON.parse(readFileSync(path.join(dist, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('@kyso/sdk');
    expect(manifest.exports['.']).toEqual({ types: './types/sdk/index.d.ts', import: './kyso.js' });

    const portal = mkdtempSync(path.join(tmpdir(), 'kyso-portal-'));
    mkdirSync(path.join(portal, 'node_modules/@kyso'), { recursive: true });
    cpSync(dist, path.join(portal, 'node_modules/@kyso/sdk'), { recursive: true });
    // the declarations refer to zod's types, as a published package would through its dependency
    symlinkSync(path.join(REPO_ROOT, 'node_modules/zod'), path.join(portal, 'node_modules/zod'));
    writeStrictConsumerTsconfig(portal, { skipLibCheck: false, types: [] });
    writeFileSync(path.join(portal, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      path.join(portal, 'portal.ts'),
      `import { detect, signCms, signMany, signHash, digestOf, KysoError, errorMessage, type SignCmsResult } from '@kyso/sdk';
export async function sign(file: Blob): Promise<SignCmsResult | string> {
  const state = await detect();
  if (!state.ready) return errorMessage(state.error.code, 'vi');
  try {
    return await signCms({ digest: await digestOf(file), digestAlgorithm: 'SHA-256', description: 'Hồ sơ số 1' });
  } catch (error) {
    return error instanceof KysoError ? error.code : 'INTERNAL';
  }
}
export const many = () => signMany({ documents: [{ digest: 'AAAA', digestAlgorithm: 'SHA-256', name: 'a.pdf' }], description: 'x' }, { onProgress: (done, total) => console.log(done, total) });
export const raw = () => signHash({ digest: new Uint8Array(32), digestAlgorithm: 'SHA-256', description: 'x', rsaScheme: 'PSS' });
// @ts-expect-error digestAlgorithm is a closed set
export const wrong = () => signCms({ digest: 'AAAA', digestAlgorithm: 'MD5', description: 'x' });
`,
    );
    const tsc = path.join(REPO_ROOT, 'node_modules/.bin/tsc');
    expect(() => execFileSync(tsc, ['-p', portal], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });
});
