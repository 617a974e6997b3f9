/**
 * A certificate whose RSA key has 1024 bits, on a SoftHSM token: kyso's verifier judges any new
 * signature by it INDETERMINATE (WEAK_KEY) and Circular 15/2025/TT-BKHCN asks 2048 bits, so the
 * host refuses it before the token is asked for anything, and `kyso sign` does not choose it.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeCertificate } from '../../shared/certificate/profile.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { REPO_ROOT } from '../support/paths.js';
import { issueOntoToken } from '../support/token.js';

const KYSO = path.join(REPO_ROOT, 'native-host/bin/kyso.js');
const WEAK_KEY = '06';
const WEAK_ID = 'CCCD:001199000606';

describe('a 1024-bit RSA certificate on the token', () => {
  let session: HostSession;
  let dir: string;

  beforeAll(async () => {
    session = await startHostSession({
      env: (token) => {
        issueOntoToken(token, WEAK_KEY, `/C=VN/CN=Phan Văn Khoá Ngắn/UID=${WEAK_ID}`, { rsaBits: 1024 });
        return token.env;
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-weak-key-'));
  });
  afterAll(async () => {
    expect(await session.close()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is listed, and sign-cms refuses it as weak-key with the right PIN as with a wrong one', async () => {
    const entry = session.certificate(WEAK_KEY);
    expect(summarizeCertificate(Buffer.from(entry.certificate, 'base64'))).toMatchObject({
      keyType: 'RSA',
      keyDetail: '1024',
    });
    for (const pin of ['000000', session.token.pin]) {
      const response = await session.host.request('sign-cms', {
        certificateId: entry.id,
        pin,
        digest: createHash('sha256').update('Hợp đồng').digest('base64'),
        digestAlgorithm: 'SHA-256',
        origin: 'https://dichvucong.gov.vn',
      });
      // Not PIN_INCORRECT for the wrong PIN: the token was never asked.
      expect(response).toMatchObject({
        ok: false,
        error: { code: 'CERTIFICATE_NOT_USABLE', details: { problem: 'weak-key' } },
      });
    }
  });

  it('kyso list marks it weak-key; kyso sign --cert naming it signs nothing (NO_CERTIFICATE)', () => {
    const env = { ...process.env, ...session.token.env };
    const list = spawnSync(process.execPath, [KYSO, 'list'], { env, encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout.split('\n').find((line) => line.includes(WEAK_ID))).toMatch(/\(weak-key\)$/);

    const input = path.join(dir, 'hop-dong.txt');
    const output = path.join(dir, 'hop-dong.p7s');
    writeFileSync(input, 'Hợp đồng\n');
    const sign = spawnSync(
      process.execPath,
      [KYSO, 'sign', '--in', input, '--out', output, '--cert', WEAK_ID, '--pin-stdin'],
      { env, input: `${session.token.pin}\n`, encoding: 'utf8' },
    );
    expect(sign.status).toBe(1);
    expect(sign.stderr).toContain('NO_CERTIFICATE');
    expect(existsSync(output)).toBe(false);
  });
});
