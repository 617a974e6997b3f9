/**
 * A small PDF whose cross-reference or object stream inflates to a gigabyte: `kyso sign` (the
 * model the extension uses too) refuses it with a typed error before the PIN, without inflating it.
 * The verifier's side is in verifier-service-robustness.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deflatedZeros, objectStreamBomb, xrefStreamBomb } from '../support/deflate-bomb.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { padesSignArgs } from '../support/verifier-service.js';

const GiB = 1 << 30;

describe('kyso sign: a PDF whose structure streams inflate to 1 GiB', () => {
  let token: TestToken;
  let dir: string;
  let bomb: Buffer;

  beforeAll(async () => {
    token = copyTestToken();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-stream-bomb-'));
    bomb = await deflatedZeros(GiB);
  });
  afterAll(() => {
    token.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['an object stream', objectStreamBomb],
    ['a cross-reference stream', xrefStreamBomb],
  ])(
    '%s: PDF_DAMAGED (stream-too-large) before the PIN, nothing written, the process stays small',
    (_, make) => {
      const input = path.join(dir, 'bomb.pdf');
      const output = path.join(dir, 'signed.pdf');
      const peak = path.join(dir, 'peak-kib');
      writeFileSync(input, make(bomb));
      // GNU time's %M: the process's peak resident memory, KiB.
      const run = spawnSync(
        '/usr/bin/time',
        ['-f', '%M', '-o', peak, process.execPath, ...padesSignArgs(input, output)],
        { encoding: 'utf8', input: '', env: { ...process.env, ...token.env } },
      );
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain('PDF_DAMAGED');
      expect(run.stderr).toContain('stream-too-large');
      expect(run.stderr).not.toContain('Signing with'); // refused before the token and the PIN
      expect(existsSync(output)).toBe(false);
      // Node and kyso take well under 200 MiB; inflating the stream would take over a GiB.
      expect(Number(readFileSync(peak, 'utf8').trim().split('\n').at(-1)) * 1024).toBeLessThan(512 << 20);
    },
  );
});
