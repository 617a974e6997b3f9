import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface OpensslVerifyResult {
  ok: boolean;
  output: string;
}

/** `openssl cms -verify`: the independent verifier for CMS signatures. */
export function opensslCmsVerify(options: { cms: Uint8Array; content?: Uint8Array; caFile: string }): OpensslVerifyResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-openssl-'));
  try {
    const cmsPath = path.join(dir, 'sig.p7s');
    writeFileSync(cmsPath, options.cms);
    const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cmsPath, '-CAfile', options.caFile, '-purpose', 'any'];
    if (options.content) {
      const contentPath = path.join(dir, 'content.bin');
      writeFileSync(contentPath, options.content);
      args.push('-content', contentPath);
    }
    args.push('-out', path.join(dir, 'out.bin'));
    const run = spawnSync('openssl', args, { encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
