/**
 * One token, many callers (issue 19): pipelined requests on one connection, several hosts and the
 * CLI on one SoftHSM token at once, a killed host's lock, and workers stopped mid-stream — every
 * request signs or waits, none takes another's session, none gets an untrue error, and the token
 * file survives. Judged by openssl.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { HostResponse, HostResult, HostStatusEvent } from '../../shared/protocol/host.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import { HostProcess } from '../support/host-process.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT } from '../support/paths.js';
import { copyTestToken, writeUnlistableCertificates, type TestToken } from '../support/token.js';
import { processExists } from '../support/host-pids.js';
import { buildFaultModule, faultModuleEnv } from '../support/fault-module.js';

const KYSO = path.join(REPO_ROOT, 'native-host/bin/kyso.js');
const origin = 'https://dichvucong.gov.vn';
const documentNo = (i: number) => Buffer.from(`Tờ khai số ${i} — Công ty TNHH Ký Số Việt\n`);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const hello = { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION };

async function listingOf(host: HostProcess): Promise<HostResult<'list-certificates'>> {
  const response = await host.request('list-certificates', {});
  if (!response.ok) throw new Error(JSON.stringify(response.error));
  return response.result as HostResult<'list-certificates'>;
}

const certificatesOf = async (host: HostProcess): Promise<CertificateEntry[]> =>
  (await listingOf(host)).certificates;

const rsaId = async (host: HostProcess) => (await certificatesOf(host)).find((c) => c.id.endsWith('/01'))!.id;

/** The parameters of a sign-cms of document i, with the PIN given. */
const signCmsOf = (certificateId: string, i: number, pin: string) => ({
  certificateId,
  pin,
  digest: sha256(documentNo(i)),
  digestAlgorithm: 'SHA-256' as const,
  origin,
});

/** A sign-cms of document i, with the PIN given. */
const signDocument = (host: HostProcess, certificateId: string, i: number, pin: string) =>
  host.request('sign-cms', signCmsOf(certificateId, i, pin));

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
    const certificateId = certificates.find((c) => c.id.endsWith('/02'))!.id;
    expectVerified(await signDocument(host, certificateId, 0, token.pin), 0, token);
  } finally {
    await host.close();
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('one token, many callers', () => {
  let token: TestToken;
  let scratch: string;
  let control: string;
  beforeAll(() => {
    buildFaultModule();
    token = copyTestToken();
    scratch = mkdtempSync(path.join(tmpdir(), 'kyso-concurrency-'));
    control = path.join(scratch, 'faults');
    writeFileSync(control, '');
  });
  afterAll(() => {
    token.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('50 sign-cms pipelined on one connection all sign, with hello and list-certificates in between', async () => {
    const host = new HostProcess(token.env);
    try {
      const certificateId = await rsaId(host);
      const ids: Array<{ id: number; document: number }> = [];
      const others: number[] = [];
      for (let i = 0; i < 50; i++) {
        ids.push({
          id: host.start('sign-cms', signCmsOf(certificateId, i, token.pin)),
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

  it('a sign-cms is one worker call: nothing of another request can come between its login and its signature', async () => {
    // KYSO_BENCH_MARKS: the host notes each call it sends its worker, per request, on stderr.
    const host = new HostProcess({ ...token.env, KYSO_BENCH_MARKS: '1' });
    try {
      const certificateId = await rsaId(host);
      for (const i of [0, 1]) {
        const before = host.stderr.length;
        expectVerified(await signDocument(host, certificateId, i, token.pin), i, token);
        await until(() => host.stderr.includes('kyso-bench-marks sign-cms', before), 'the marks of sign-cms');
        const line = host.stderr
          .slice(host.stderr.indexOf('kyso-bench-marks sign-cms', before))
          .split('\n')[0]!;
        const marks = (
          JSON.parse(line.replace('kyso-bench-marks sign-cms ', '')) as Array<[string, number]>
        ).map(([name]) => name);
        expect(
          marks.filter((name) => name === 'host:worker-call'),
          line,
        ).toHaveLength(1);
        expect(
          marks.filter((name) => name === 'worker:login'),
          line,
        ).toHaveLength(1);
        expect(
          marks.filter((name) => name === 'worker:sign'),
          line,
        ).toHaveLength(1);
      }
    } finally {
      await host.close();
    }
  }, 60_000);

  it('three hosts and kyso sign on one token at once: every request signs or waits, with no driver error', async () => {
    const hosts = [0, 1, 2].map(() => new HostProcess(token.env));
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-cli-concurrent-'));
    const input = path.join(dir, 'to-khai.xml');
    writeFileSync(input, '<HSoThueDTu><mst>0312345678</mst></HSoThueDTu>\n');
    try {
      const certificateIds = await Promise.all(hosts.map(rsaId));
      // Host 2 holds the token for a batch while everyone else arrives: they all have to wait for it.
      const { batchId } = await hosts[2]!.beginBatch({
        certificateId: certificateIds[2]!,
        pin: token.pin,
        origin,
        total: 4,
      });

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
            id: host.start('sign-cms', signCmsOf(certificateIds[h]!, document, token.pin)),
          };
        }),
      );
      // All of them are at the token at once: the other hosts and the CLI wait for another program,
      // host 2's own requests for its batch.
      for (const h of [0, 1])
        expect(await hosts[h]!.statusFor(sent[h]![0]!.id)).toMatchObject({ reason: 'other-program' });
      expect(await hosts[2]!.statusFor(sent[2]![0]!.id)).toMatchObject({ reason: 'other-request' });
      await until(
        () => cliStderr.includes('The token is in use by another program — waiting…'),
        `kyso sign says it waits; it wrote: ${cliStderr}`,
      );
      const batch = await hosts[2]!.request('sign-batch', {
        batchId,
        items: [100, 101, 102, 103].map((i) => ({
          kind: 'cms' as const,
          digest: sha256(documentNo(i)),
          digestAlgorithm: 'SHA-256' as const,
          signingTime: true,
        })),
      });
      expect(await hosts[2]!.request('end-batch', { batchId })).toMatchObject({
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
        waiter.start('sign-cms', signCmsOf(waiterId, document, token.pin));
      const batch = await holder.beginBatch({ certificateId: holderId, pin: token.pin, origin, total: 1 });

      const first = waiterSigns(1);
      const status: HostStatusEvent = await waiter.statusFor(first);
      expect(status).toMatchObject({ status: 'waiting-for-token', reason: 'other-program' });
      expect(await batch.end()).toMatchObject({ ok: true });
      expectVerified(await waiter.frameFor(first), 1, token);

      // The holder dies (SIGKILL: no chance to release) in the middle of its batch.
      await holder.beginBatch({ certificateId: holderId, pin: token.pin, origin, total: 1 });
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

  it('a listing while another host is in the token: a token its driver does not report meanwhile is listed as last seen, and dropped only when missing under its lock', async () => {
    // Looking for tokens takes no lock, and a driver may not report a token another program is
    // in (SoftHSM while another process rewrites its token file: a listing now and then found no
    // token at all; a card reader in another program's transaction). The lister's own fault file
    // stands in for that driver: token_absent while the other host holds the token for a batch.
    const listerFaults = path.join(scratch, 'lister-faults');
    writeFileSync(listerFaults, '');
    const holder = new HostProcess({ ...token.env, ...faultModuleEnv(control) });
    const lister = new HostProcess({ ...token.env, ...faultModuleEnv(listerFaults) });
    try {
      const [holderId, listed] = await Promise.all([rsaId(holder), certificatesOf(lister)]);
      expect(listed).toHaveLength(5);
      const batch = await holder.beginBatch({ certificateId: holderId, pin: token.pin, origin, total: 1 });
      writeFileSync(listerFaults, 'token_absent\n');
      expect((await certificatesOf(lister)).map((c) => c.id).sort()).toEqual(listed.map((c) => c.id).sort());

      // Free again, and still not reported: it was unplugged, and goes from the listing.
      expect(await batch.end()).toMatchObject({ ok: true });
      expect(await certificatesOf(lister)).toEqual([]);
      writeFileSync(listerFaults, '');
      expect(await certificatesOf(lister)).toHaveLength(5);
    } finally {
      await Promise.all([holder.close(), lister.close()]);
    }
  }, 60_000);

  it('a host’s very first listing while another host is in the token its driver does not report: the token is listed as that host read it, and signs once free', async () => {
    // As above, but the lister has never seen the token: only the lock (held by a live kyso
    // process) and what that process read from the token beside it tell that it is plugged in.
    const listerFaults = path.join(scratch, 'first-lister-faults');
    writeFileSync(listerFaults, 'token_absent\n');
    const holder = new HostProcess({ ...token.env, ...faultModuleEnv(control) });
    const lister = new HostProcess({ ...token.env, ...faultModuleEnv(listerFaults) });
    try {
      const listed = await certificatesOf(holder);
      const holderId = listed.find((c) => c.id.endsWith('/01'))!.id;
      const batch = await holder.beginBatch({ certificateId: holderId, pin: token.pin, origin, total: 1 });
      const first = await certificatesOf(lister);
      expect(first.map((c) => c.id).sort()).toEqual(listed.map((c) => c.id).sort());

      // Chosen from that listing, it waits for the other program, then signs with what is on the token.
      const request = lister.start('sign-cms', signCmsOf(holderId, 3, token.pin));
      expect(await lister.statusFor(request)).toMatchObject({ reason: 'other-program' });
      writeFileSync(listerFaults, '');
      expect(await batch.end()).toMatchObject({ ok: true });
      expectVerified(await lister.frameFor(request), 3, token);
    } finally {
      await Promise.all([holder.close(), lister.close()]);
    }
  }, 60_000);

  it('a host’s very first listing while another host is in the token its driver does not report: what that host’s reading left out is counted too', async () => {
    // A token with two certificate objects no listing can use (no CKA_ID; an Ed25519 key).
    const odd = copyTestToken();
    writeUnlistableCertificates(odd);
    const listerFaults = path.join(scratch, 'odd-lister-faults');
    writeFileSync(listerFaults, 'token_absent\n');
    const holder = new HostProcess({ ...odd.env, ...faultModuleEnv(control) });
    const lister = new HostProcess({ ...odd.env, ...faultModuleEnv(listerFaults) });
    try {
      const held = await listingOf(holder);
      expect(held.skipped).toEqual([{ tokenLabel: odd.label, count: 2 }]);
      const holderId = held.certificates.find((c) => c.id.endsWith('/01'))!.id;
      const batch = await holder.beginBatch({ certificateId: holderId, pin: odd.pin, origin, total: 1 });
      const first = await listingOf(lister);
      expect(first.certificates.map((c) => c.id).sort()).toEqual(held.certificates.map((c) => c.id).sort());
      expect(first.skipped).toEqual(held.skipped);
      expect(await batch.end()).toMatchObject({ ok: true });
    } finally {
      await Promise.all([holder.close(), lister.close()]);
      odd.remove();
    }
  }, 60_000);

  /**
   * The driver calls each worker process made, in order, seen from inside the driver: the fault
   * module as a pure pass-through to SoftHSM (no fault set), tracing every call with its pid.
   */
  const traced = (name: string) => {
    const file = path.join(scratch, `${name}.trace`);
    writeFileSync(file, '');
    return {
      env: faultModuleEnv(control, file),
      /** Every call, in the order the calls started (and slowed ones ended), with its process. */
      calls(): Array<{ pid: string; call: string }> {
        return readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [pid, ...call] = line.split(' ');
            return { pid: pid!, call: call.join(' ') };
          });
      },
      workers(): string[][] {
        const calls = new Map<string, string[]>();
        for (const { pid, call } of this.calls()) calls.set(pid, [...(calls.get(pid) ?? []), call]);
        return [...calls.values()];
      },
    };
  };

  /** A worker that was never killed: each login logged out, C_Finalize its last call. */
  const expectEndedCleanly = (calls: string[]) => {
    let loggedIn = false;
    for (const call of calls) {
      if (call === 'C_Login') loggedIn = true;
      if (call === 'C_Logout') loggedIn = false;
    }
    expect(loggedIn, calls.join(', ')).toBe(false);
    expect(calls.at(-1), calls.join(', ')).toBe('C_Finalize');
  };

  /**
   * `next` signs document 2 while the worker `earlier` (named `label` in messages) is still on the
   * token: the signature verifies, `next` waited for another program, and its login came only after
   * `earlier` had ended cleanly (logged out, finalised).
   */
  async function expectSignedOnlyAfter(
    next: HostProcess,
    nextId: string,
    trace: ReturnType<typeof traced>,
    earlier: string,
    label: string,
  ): Promise<void> {
    const request = next.start('sign-cms', signCmsOf(nextId, 2, token.pin));
    expectVerified(await next.frameFor(request), 2, token);
    await until(() => !processExists(Number(earlier)), `the ${label} worker ended`);
    const calls = trace.calls();
    const lastOfEarlier = calls.findLastIndex(({ pid }) => pid === earlier);
    const nextLogin = calls.findIndex(({ pid, call }) => pid !== earlier && call === 'C_Login');
    const order = calls.map(({ pid, call }) => `${pid === earlier ? label : pid} ${call}`).join(', ');
    expect(nextLogin, order).toBeGreaterThan(lastOfEarlier);
    expectEndedCleanly(calls.filter(({ pid }) => pid === earlier).map(({ call }) => call));
    expect(await next.statusFor(request, 0)).toMatchObject({
      status: 'waiting-for-token',
      reason: 'other-program',
    });
  }

  it('a host killed while its worker is in a login (a PIN pad nobody has answered yet): another host waits until that worker has left the token, then signs', async () => {
    const trace = traced('orphan');
    const killed = new HostProcess({ ...token.env, ...trace.env });
    const next = new HostProcess({ ...token.env, ...trace.env });
    try {
      const [killedId, nextId] = await Promise.all([rsaId(killed), rsaId(next)]);
      writeFileSync(control, 'slow C_Login 3000\n');
      killed.start('sign-cms', signCmsOf(killedId, 1, token.pin));
      await until(() => trace.calls().some(({ call }) => call === 'C_Login'), 'the login started');
      const orphan = trace.calls().find(({ call }) => call === 'C_Login')!.pid;
      writeFileSync(control, ''); // the next host's login is not slowed
      // The host dies (SIGKILL) with its worker blocked in the driver: the worker lives on in it.
      killed.child.kill('SIGKILL');
      await killed.exited;

      // The orphan finished its call, logged out and finalised before the next host logged in.
      await expectSignedOnlyAfter(next, nextId, trace, orphan, 'orphan');
    } finally {
      writeFileSync(control, '');
      killed.child.kill('SIGKILL');
      await next.close();
    }
    await expectTokenIntact(token);
  }, 120_000);

  it('a signature that timed out: another host waits until the worker given up on has left the token (it winds down after the answer), then signs', async () => {
    const trace = traced('timed-out');
    // KYSO_TOKEN_TIMEOUT_MS: the host gives up on the slowed signature after 4 s (a login's 2 s and
    // a signature's); its worker finishes it 1.5 s later, within its grace period (3 s), then logs
    // out and finalises.
    const timedOut = new HostProcess({ ...token.env, ...trace.env, KYSO_TOKEN_TIMEOUT_MS: '2000' });
    const next = new HostProcess({ ...token.env, ...trace.env });
    try {
      const [timedOutId, nextId] = await Promise.all([rsaId(timedOut), rsaId(next)]);
      writeFileSync(control, 'slow C_Sign 5500\n');
      const first = timedOut.start('sign-cms', signCmsOf(timedOutId, 1, token.pin));
      await until(() => trace.calls().some(({ call }) => call === 'C_Sign'), 'the signature started');
      const retiring = trace.calls().find(({ call }) => call === 'C_Sign')!.pid;
      writeFileSync(control, ''); // the next host's signature is not slowed
      expect(await timedOut.frameFor(first)).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });

      // Asked while the worker given up on is still inside C_Sign.
      await expectSignedOnlyAfter(next, nextId, trace, retiring, 'retiring');
    } finally {
      writeFileSync(control, '');
      await Promise.all([timedOut.close(), next.close()]);
    }
    await expectTokenIntact(token);
  }, 120_000);

  it('the worker stopped by its idle timer 100 times in a row in a stream of signatures: each logs out and finalises, the token stays intact', async () => {
    const trace = traced('idle');
    const host = new HostProcess({ ...token.env, ...trace.env, KYSO_WORKER_IDLE_MS: '1' });
    const lastFinalised = () => trace.workers().at(-1)?.at(-1) === 'C_Finalize';
    try {
      const certificateId = await rsaId(host);
      await until(lastFinalised, 'the listing worker stopped when idle');
      for (let i = 0; i < 100; i++) {
        const workersBefore = trace.workers().length;
        expectVerified(await signDocument(host, certificateId, i, token.pin), i, token);
        // nothing stops it but the idle timer; the next signature starts another worker
        await until(
          () => trace.workers().length > workersBefore && lastFinalised(),
          `the worker of signature ${i} stopped when idle`,
        );
      }
    } finally {
      await host.close();
    }
    const signers = trace.workers().filter((calls) => calls.includes('C_Sign'));
    expect(signers).toHaveLength(100); // 100 signatures, each in a worker that the idle timer then stopped
    for (const calls of trace.workers()) expectEndedCleanly(calls);
    await expectTokenIntact(token);
  }, 300_000);

  it('hosts that exit (pipe closed, or SIGTERM) 100 times in a row in the middle of signing: the call in flight finishes, the worker logs out and finalises, the token stays intact', async () => {
    const certificateId = await (async () => {
      // the id names the module: the fault module's, as the hosts below load it
      const host = new HostProcess({ ...token.env, ...traced('listing').env });
      try {
        return await rsaId(host);
      } finally {
        await host.close();
      }
    })();
    // A login that lasts: the exit lands at varying points in it (SoftHSM writes its token file
    // at login), in the signature and logout after it, or in the next request's.
    writeFileSync(control, 'slow C_Login 25\n');
    let answeredAfterExit = 0;
    try {
      for (let i = 0; i < 100; i++) {
        const trace = traced(`exit-${i}`);
        const host = new HostProcess({ ...token.env, ...trace.env });
        const documents = [0, 1, 2].map((k) => 1000 + 3 * i + k);
        const requests = documents.map((document) =>
          host.start('sign-cms', signCmsOf(certificateId, document, token.pin)),
        );
        await until(
          () => trace.workers().some((calls) => calls.includes('C_Login')),
          `host ${i}: the first login started`,
        );
        await new Promise((resolve) => setTimeout(resolve, (i % 10) * 6));
        const answeredBefore = host.answered();
        if (i % 2 === 0) host.child.stdin.end();
        else host.child.kill('SIGTERM');
        expect(await host.exited, host.stderr).toBe(0);
        await host.outputEnded;
        answeredAfterExit += host.answered() - answeredBefore;
        // The signature whose login had started was finished and answered with a valid signature;
        // the others signed too, or (not yet sent to the token) got BUSY "host closing" with a retry hint.
        const answers = await Promise.all(requests.map((id) => host.frameFor(id, 0).catch(() => undefined)));
        expect(answers[0], `host ${i}: the signature in flight was answered`).toBeDefined();
        expectVerified(answers[0]!, documents[0]!, token);
        for (const [k, answer] of answers.entries())
          if (answer && k > 0) expectSignedOrBusy(answer, documents[k]!, token);
        for (const calls of trace.workers()) expectEndedCleanly(calls);
      }
    } finally {
      writeFileSync(control, '');
    }
    // Most exits found a signature still at the worker: it was answered after the exit was asked for.
    expect(answeredAfterExit).toBeGreaterThan(0);
    await expectTokenIntact(token);
  }, 400_000);
});
