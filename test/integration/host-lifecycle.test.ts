/**
 * How the PKCS#11 worker ends (issue 19): idle stop, host exit and a signal to the worker itself all
 * let the call in flight finish, log out and call C_Finalize — seen from inside the driver, through
 * the fault module's call trace. A file-backed token is never killed in the middle of a write.
 * And how it starts: with glibc's malloc set for the module it runs (runtime.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import { HostProcess } from '../support/host-process.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { WORKER_MALLOC_TUNABLES } from '../../native-host/src/runtime.js';
import { copyTestToken, type TestToken } from '../support/token.js';

const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');
const document = Buffer.from('Biên bản nghiệm thu số 7\n');
const digest = createHash('sha256').update(document).digest('base64');
const origin = 'https://dichvucong.gov.vn';

describe('the PKCS#11 worker process starts set for its module and ends gently', () => {
  let token: TestToken;
  let dir: string;
  let traceFile: string;
  let control: string;

  beforeAll(() => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    token = copyTestToken();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-lifecycle-'));
    control = path.join(dir, 'faults');
    writeFileSync(control, '');
  });
  afterAll(() => token.remove());

  const startHost = (name: string, env: Record<string, string> = {}) => {
    traceFile = path.join(dir, `${name}.trace`);
    writeFileSync(traceFile, '');
    return new HostProcess({
      ...token.env,
      KYSO_PKCS11_MODULES: FAULT_MODULE,
      KYSO_FAULT_TARGET: SOFTHSM_MODULE,
      KYSO_FAULT_CONTROL: control,
      KYSO_FAULT_TRACE: traceFile,
      ...env,
    });
  };
  /** The driver calls each worker process made, in order. */
  const callsByWorker = () => {
    const calls = new Map<string, string[]>();
    for (const line of readFileSync(traceFile, 'utf8').split('\n').filter(Boolean)) {
      const [pid, ...call] = line.split(' ');
      calls.set(pid!, [...(calls.get(pid!) ?? []), call.join(' ')]);
    }
    return [...calls.values()];
  };
  const until = async (condition: () => boolean, what: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(`${what}: not within ${timeoutMs} ms; trace:\n${readFileSync(traceFile, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const certificateId = async (host: HostProcess) => {
    const listed = await host.request('list-certificates', {});
    if (!listed.ok) throw new Error(JSON.stringify(listed.error));
    return (listed.result as { certificates: CertificateEntry[] }).certificates.find((c) =>
      c.id.endsWith('/01'),
    )!.id;
  };
  const expectSigned = (response: Awaited<ReturnType<HostProcess['request']>>) => {
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    const cms = Buffer.from((response.result as { cms: string }).cms, 'base64');
    expect(opensslCmsVerify({ cms, content: document, caFile: token.caPem }).ok).toBe(true);
  };
  /** After its last login: logged out, then finalised, and nothing after. */
  const endsCleanly = (calls: string[]) => {
    const lastLogin = calls.lastIndexOf('C_Login');
    const logout = calls.indexOf('C_Logout', lastLogin);
    expect(lastLogin, calls.join(', ')).toBeGreaterThanOrEqual(0);
    expect(logout, calls.join(', ')).toBeGreaterThan(lastLogin);
    expect(calls.at(-1), calls.join(', ')).toBe('C_Finalize');
  };

  /** The host's PKCS#11 worker process (its only child). */
  const workerOf = (host: HostProcess) =>
    Number(
      readFileSync(`/proc/${host.child.pid}/task/${host.child.pid}/children`, 'utf8').trim().split(/\s+/)[0],
    );

  /** One sign-cms with the test token's PIN: what every case here asks of the host. */
  const signCmsParams = (certificateId: string) => ({
    certificateId,
    pin: token.pin,
    digest,
    digestAlgorithm: 'SHA-256' as const,
    origin,
  });

  it("the worker runs with kyso's malloc setting", async () => {
    /** GLIBC_TUNABLES as the process was started with it (glibc cuts the copy in /proc at its first ':'). */
    const tunablesOf = (pid: number) =>
      readFileSync(`/proc/${pid}/environ`, 'latin1')
        .split('\0')
        .find((entry) => entry.startsWith('GLIBC_TUNABLES='))
        ?.slice('GLIBC_TUNABLES='.length);
    const host = startHost('malloc');
    try {
      expectSigned(await host.request('sign-cms', signCmsParams(await certificateId(host))));
      expect(tunablesOf(workerOf(host))).toBe(WORKER_MALLOC_TUNABLES);
    } finally {
      await host.close();
    }
  });

  it('an idle stop logs out and calls C_Finalize; the next request starts a new worker', async () => {
    const host = startHost('idle', { KYSO_WORKER_IDLE_MS: '300' });
    try {
      const id = await certificateId(host);
      expectSigned(await host.request('sign-cms', signCmsParams(id)));
      await until(() => callsByWorker()[0]?.at(-1) === 'C_Finalize', 'the idle worker finalised');
      endsCleanly(callsByWorker()[0]!);
      expectSigned(await host.request('sign-cms', signCmsParams(id)));
      expect(callsByWorker().length).toBeGreaterThanOrEqual(2);
    } finally {
      await host.close();
    }
  });

  it('a host that exits during a slow login lets it finish, answers, logs out and finalises', async () => {
    // Longer than the worker's exit grace period (3 s): a call within its own timeout is never cut short.
    writeFileSync(control, 'slow C_Login 4000\n');
    const host = startHost('exit');
    try {
      const id = await certificateId(host);
      const request = host.start('sign-cms', signCmsParams(id));
      await until(() => callsByWorker().some((calls) => calls.includes('C_Login')), 'the login started');
      host.child.stdin.end(); // the browser goes away in the middle of the login
      expectSigned(await host.frameFor(request)); // the call in flight still finished
      expect(await host.exited).toBe(0);
      const [worker] = callsByWorker();
      expect(worker!.indexOf('C_Login done')).toBeGreaterThan(worker!.indexOf('C_Login'));
      endsCleanly(worker!);
    } finally {
      writeFileSync(control, '');
    }
  });

  it('a worker hung past its timeout is killed after the grace period, even when the host exits meanwhile', async () => {
    writeFileSync(control, 'hang C_Sign\n');
    const host = startHost('hung', { KYSO_TOKEN_TIMEOUT_MS: '1000' });
    try {
      const id = await certificateId(host);
      const workerPid = workerOf(host);
      const request = host.start('sign-cms', signCmsParams(id));
      await until(() => callsByWorker()[0]?.includes('C_Sign') === true, 'the signature started');
      expect(await host.frameFor(request)).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
      host.child.stdin.end(); // the browser goes away while the hung worker is within its grace period
      expect(await host.exited).toBe(0);
      // Not left behind holding the token: the host waited out the grace period and killed it.
      expect(existsSync(`/proc/${workerPid}`), `worker ${workerPid} still running`).toBe(false);
      expect(callsByWorker()[0]).not.toContain('C_Finalize'); // it never got out of C_Sign
    } finally {
      writeFileSync(control, '');
    }
  });

  it('SIGTERM to the worker itself finalises it; the host starts another for the next request', async () => {
    const host = startHost('signal');
    try {
      const id = await certificateId(host);
      expectSigned(await host.request('sign-cms', signCmsParams(id)));
      const workerPid = workerOf(host);
      process.kill(workerPid, 'SIGTERM');
      await until(() => callsByWorker()[0]?.at(-1) === 'C_Finalize', 'the signalled worker finalised');
      endsCleanly(callsByWorker()[0]!);
      // The next request comes after the worker has gone (a request racing its exit is answered
      // TOKEN_DRIVER_FAILED, "try again": the same as any worker lost mid-call).
      await until(() => !existsSync(`/proc/${workerPid}`), 'the signalled worker exited');
      expectSigned(await host.request('sign-cms', signCmsParams(id)));
      expect(
        await host.request('hello', { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION }),
      ).toMatchObject({ ok: true });
    } finally {
      await host.close();
    }
  });
});
