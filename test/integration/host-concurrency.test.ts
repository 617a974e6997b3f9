/**
 * One token, many callers (issue 19): pipelined requests on one connection, several hosts and the
 * CLI on one SoftHSM token at once, a killed host's lock, and workers stopped mid-stream — every
 * request signs or waits, none takes another's session, none gets an untrue error, and the token
 * file survives. Judged by openssl.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { HostResponse, HostStatusEvent } from '../../shared/protocol/host.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import { HostProcess } from '../support/host-process.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT } from '../support/paths.js';
import { copyTestToken, type TestToken } from '../support/token.js';

const KYSO = path.join(REPO_ROOT, 'native-host/bin/kyso.js');
const origin = 'https://dichvucong.gov.vn';
const documentNo = (i: number) => Buffer.from(`Tờ khai số ${i} — Công ty TNHH Ký Số Việt\n`);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const hello = { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION };

async function certificatesOf(host: HostProcess): Promise<CertificateEntry[]> {
  const response = await host.request('list-certificates', {});
  if (!response.ok) throw new Error(JSON.stringify(response.error));
  return (response.result as { certificates: CertificateEntry[] }).certificates;
}

const rsaId = async (host: HostProcess) => (await certificatesOf(host)).find((c) => c.id.endsWith('/01'))!.id;

/** The CMS of a sign-cms answer, checked by openssl against document i. */
function expectVerified(response: HostResponse, i: number, token: TestToken): void {
  if (!response.ok) throw new Error(`request for document ${i}: ${JSON.stringify(response.error)}`);
  const cms = Buffer.from((response.result as { cms: string }).cms, 'base64');
  const verdict = opensslCmsVerify({ cms, content: documentNo(i), caFile: token.caPem });
  expect(verdict.ok, verdict.output).toBe(true);
}

/** Signed, or BUSY by policy (with its retry hint) — never any other error. */
function expectSignedOrBusy(response: HostResponse, i: number, token: TestToken): 'signed' | 'busy' {
  if (!response.ok && response.error.code === 'BUSY') {
    expect(response.error.details).toMatchObject({ retryAfterMs: expect.any(Number) });
    return 'busy';
  }
  expectVerified(response, i, token);
  return 'signed';
}

/** The token still lists its keys and signs: its file was never left half-written. */
async function expectTokenIntact(token: TestToken): Promise<void> {
  for (const file of readdirSync(path.join(token.dir, 'tokens'), { recursive: true }) as string[]) {
    const full = path.join(token.dir, 'tokens', file);
    if (statSync(full).isFile() && file.endsWith('.object'))
      expect(statSync(full).size, file).toBeGreaterThan(0);
  }
  const host = new HostProcess(token.env);
  try {
    const certificates = await certificatesOf(host);
    expect(certificates.map((c) => c.id.slice(-2)).sort()).toEqual(['01', '02', '03', '04', '05']);
    const response = await host.request('sign-cms', {
      certificateId: certificates.find((c) => c.id.endsWith('/02'))!.id,
      pin: token.pin,
      digest: sha256(documentNo(0)),
      digestAlgorithm: 'SHA-256',
      origin,
    });
    expectVerified(response, 0, token);
  } finally {
    await host.close();
  }
}

describe('one token, many callers', () => {
  let token: TestToken;
  beforeAll(() => {
    token = copyTestToken();
  });
  afterAll(() => token.remove());

  it('50 sign-cms pipelined on one connection all sign, with hello and list-certificates in between', async () => {
    const host = new HostProcess(token.env);
    try {
      const certificateId = await rsaId(host);
      const ids: Array<{ id: number; document: number }> = [];
      const others: number[] = [];
      for (let i = 0; i < 50; i++) {
        ids.push({
          id: host.start('sign-cms', {
            certificateId,
            pin: token.pin,
            digest: sha256(documentNo(i)),
            digestAlgorithm: 'SHA-256',
            origin,
          }),
          document: i,
        });
        if (i % 10 === 3) others.push(host.start('hello', hello));
        if (i % 10 === 7) others.push(host.start('list-certificates', {}));
      }
      for (const id of others) expect(await host.frameFor(id, 60_000)).toMatchObject({ ok: true });
      let signed = 0;
      for (const { id, document } of ids)
        if (expectSignedOrBusy(await host.frameFor(id, 60_000), document, token) === 'signed') signed++;
      expect(signed).toBe(50); // the queue's bound (64) and wait (20 s) hold 50 quick signatures
    } finally {
      await host.close();
    }
  }, 120_000);

  it('three hosts and kyso sign on one token at once: every request signs or waits, with no driver error', async () => {
    const hosts = [0, 1, 2].map(() => new HostProcess(token.env));
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-cli-concurrent-'));
    const input = path.join(dir, 'to-khai.xml');
    writeFileSync(input, '<HSoThueDTu><mst>0312345678</mst></HSoThueDTu>\n');
    try {
      const certificateIds = await Promise.all(hosts.map(rsaId));
      const cli = spawn(
        process.execPath,
        [
          KYSO,
          'sign',
          '--in',
          input,
          '--out',
          path.join(dir, 'out.p7s'),
          '--cert',
          'MST:0312345678',
          '--pin-stdin',
        ],
        {
          env: { ...process.env, ...token.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let cliStderr = '';
      cli.stderr.on('data', (c: Buffer) => (cliStderr += c.toString()));
      cli.stdin.end(`${token.pin}\n`);
      const cliDone = new Promise<number | null>((resolve) => cli.once('exit', resolve));

      const perHost = 12;
      const sent = hosts.map((host, h) =>
        Array.from({ length: perHost }, (_, k) => {
          const document = h * perHost + k;
          return {
            document,
            id: host.start('sign-cms', {
              certificateId: certificateIds[h]!,
              pin: token.pin,
              digest: sha256(documentNo(document)),
              digestAlgorithm: 'SHA-256',
              origin,
            }),
          };
        }),
      );
      // one batch among them, holding the token across its calls
      const begun = await hosts[0]!.request('begin-batch', {
        certificateId: certificateIds[0]!,
        pin: token.pin,
        origin,
        total: 4,
      });
      if (!begun.ok) throw new Error(JSON.stringify(begun.error));
      const { batchId } = begun.result as { batchId: string };
      const batch = await hosts[0]!.request('sign-batch', {
        batchId,
        items: [100, 101, 102, 103].map((i) => ({
          kind: 'cms' as const,
          digest: sha256(documentNo(i)),
          digestAlgorithm: 'SHA-256' as const,
          signingTime: true,
        })),
      });
      expect(await hosts[0]!.request('end-batch', { batchId })).toMatchObject({
        ok: true,
        result: { signed: 4 },
      });
      if (!batch.ok) throw new Error(JSON.stringify(batch.error));
      for (const [k, result] of (
        batch.result as { results: Array<{ ok: boolean; cms?: string }> }
      ).results.entries()) {
        expectVerified({ id: 0, ok: true, result }, 100 + k, token);
      }

      let signed = 0;
      for (const [h, requests] of sent.entries()) {
        for (const { id, document } of requests) {
          const response = await hosts[h]!.frameFor(id, 90_000);
          expect(JSON.stringify(response)).not.toMatch(
            /CKR_GENERAL_ERROR|TOKEN_NOT_PRESENT|TOKEN_DRIVER_FAILED/,
          );
          if (expectSignedOrBusy(response, document, token) === 'signed') signed++;
        }
      }
      expect(signed).toBe(3 * perHost);
      expect(await cliDone, cliStderr).toBe(0);
      expect(
        opensslCmsVerify({
          cms: readFileSync(path.join(dir, 'out.p7s')),
          content: readFileSync(input),
          caFile: token.caPem,
        }).ok,
      ).toBe(true);
    } finally {
      await Promise.all(hosts.map((h) => h.close()));
    }
    await expectTokenIntact(token);
  }, 180_000);

  it('a request for a token another host holds waits ("in use by another program"), then signs; a killed holder\'s lock is recovered', async () => {
    const holder = new HostProcess(token.env);
    const waiter = new HostProcess(token.env);
    try {
      const [holderId, waiterId] = await Promise.all([rsaId(holder), rsaId(waiter)]);
      const waiterSigns = (document: number) =>
        waiter.start('sign-cms', {
          certificateId: waiterId,
          pin: token.pin,
          digest: sha256(documentNo(document)),
          digestAlgorithm: 'SHA-256',
          origin,
        });
      const begun = await holder.request('begin-batch', {
        certificateId: holderId,
        pin: token.pin,
        origin,
        total: 1,
      });
      if (!begun.ok) throw new Error(JSON.stringify(begun.error));
      const { batchId } = begun.result as { batchId: string };

      const first = waiterSigns(1);
      const status: HostStatusEvent = await waiter.statusFor(first);
      expect(status).toMatchObject({ status: 'waiting-for-token', reason: 'other-program' });
      expect(await holder.request('end-batch', { batchId })).toMatchObject({ ok: true });
      expectVerified(await waiter.frameFor(first), 1, token);

      // The holder dies (SIGKILL: no chance to release) in the middle of its batch.
      const again = await holder.request('begin-batch', {
        certificateId: holderId,
        pin: token.pin,
        origin,
        total: 1,
      });
      expect(again.ok).toBe(true);
      const second = waiterSigns(2);
      expect(await waiter.statusFor(second)).toMatchObject({ reason: 'other-program' });
      holder.child.kill('SIGKILL');
      expectVerified(await waiter.frameFor(second), 2, token);
    } finally {
      holder.child.kill('SIGKILL');
      await waiter.close();
    }
    await expectTokenIntact(token);
  }, 120_000);

  it('workers stopped by the idle timer 100 times between signatures leave the token intact', async () => {
    const host = new HostProcess({ ...token.env, KYSO_WORKER_IDLE_MS: '1' });
    try {
      const certificateId = await rsaId(host);
      for (let i = 0; i < 100; i++) {
        const response = await host.request('sign-cms', {
          certificateId,
          pin: token.pin,
          digest: sha256(documentNo(i)),
          digestAlgorithm: 'SHA-256',
          origin,
        });
        if (i % 20 === 0) expectVerified(response, i, token);
        else expect(response.ok, JSON.stringify(response)).toBe(true);
      }
    } finally {
      await host.close();
    }
    await expectTokenIntact(token);
  }, 240_000);

  it('hosts that exit (pipe closed, or SIGTERM) 100 times in a row while signing leave the token intact', async () => {
    const certificateId = await (async () => {
      const host = new HostProcess(token.env);
      try {
        return await rsaId(host);
      } finally {
        await host.close();
      }
    })();
    for (let i = 0; i < 100; i++) {
      const host = new HostProcess(token.env);
      expect(await host.request('hello', hello)).toMatchObject({ ok: true }); // up, its signal handlers set
      host.start('sign-cms', {
        certificateId,
        pin: token.pin,
        digest: sha256(documentNo(i)),
        digestAlgorithm: 'SHA-256',
        origin,
      });
      // at varying points: while the worker starts, logs in, signs or logs out
      await new Promise((resolve) => setTimeout(resolve, (i % 10) * 12));
      if (i % 2 === 0) host.child.stdin.end();
      else host.child.kill('SIGTERM');
      expect(await host.exited).toBe(0);
    }
    await expectTokenIntact(token);
  }, 300_000);
});
