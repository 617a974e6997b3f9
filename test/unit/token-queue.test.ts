/** The per-token queue and the cross-process token lock, without a token. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenLocks, defaultLockDirectory } from '../../native-host/src/signing/token-lock.js';
import { TokenQueue, type WaitReason } from '../../native-host/src/signing/token-queue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Other processes run the compiled module (npm run build:host; npm test builds first). */
const COMPILED_LOCK = new URL('../../dist/node/native-host/src/signing/token-lock.js', import.meta.url).href;

describe('per-token queue', () => {
  it('runs one operation per token at a time, in arrival order; other tokens are not held up', async () => {
    const queue = new TokenQueue({ maxWaiting: 10 });
    const log: string[] = [];
    const job = (serial: string, name: string, ms: number) =>
      queue.exclusive(serial, { waitMs: 5_000 }, async () => {
        log.push(`start ${name}`);
        await sleep(ms);
        log.push(`end ${name}`);
        return name;
      });
    const results = await Promise.all([
      job('A', 'a1', 40),
      job('A', 'a2', 10),
      job('B', 'b1', 5),
      job('A', 'a3', 1),
    ]);
    expect(results).toEqual(['a1', 'a2', 'b1', 'a3']);
    const a = log.filter((l) => l.endsWith('a1') || l.endsWith('a2') || l.endsWith('a3'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(log.indexOf('end b1')).toBeLessThan(log.indexOf('end a1')); // B ran while A was busy
    expect(queue.isHeld('A')).toBe(false);
  });

  it('a token released while a worker given up on is still exiting goes on only once it is gone; a failed wait still hands it on', async () => {
    let workerExit: { resolve(): void; reject(error: Error): void } | undefined;
    const queue = new TokenQueue({
      maxWaiting: 10,
      workersGone: () =>
        workerExit ? undefined : new Promise<void>((resolve, reject) => (workerExit = { resolve, reject })),
    });
    for (const exit of ['exits', 'wait fails'] as const) {
      workerExit = undefined;
      const first = await queue.acquire('A', { waitMs: 0 });
      first.release();
      const next = queue.acquire('A', { waitMs: 5_000 });
      let granted = false;
      void next.then(() => (granted = true));
      await sleep(50);
      expect(granted, exit).toBe(false); // still held: the worker is inside the driver
      if (exit === 'exits') workerExit!.resolve();
      else workerExit!.reject(new Error('the worker could not be watched'));
      (await next).release();
      expect(queue.isHeld('A'), exit).toBe(false);
    }
  });

  it('a waiting request is told why, and gets BUSY with a retry hint at its own deadline', async () => {
    const queue = new TokenQueue({ maxWaiting: 10 });
    const lease = await queue.acquire('A', { waitMs: 0 });
    const reasons: WaitReason[] = [];
    const started = Date.now();
    await expect(
      queue.acquire('A', { waitMs: 150, onWaiting: (r) => reasons.push(r) }),
    ).rejects.toMatchObject({
      code: 'BUSY',
      details: { reason: 'other-request', retryAfterMs: expect.any(Number) },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(reasons).toEqual(['other-request']);
    // the one that gave up is no longer in line: the next request gets the token when it is freed
    const next = queue.acquire('A', { waitMs: 1_000 });
    lease.release();
    lease.release(); // idempotent: must not hand the token out twice
    (await next).release();
    expect(queue.isHeld('A')).toBe(false);
  });

  it('more waiting requests than the bound get BUSY at once', async () => {
    const queue = new TokenQueue({ maxWaiting: 2 });
    const lease = await queue.acquire('A', { waitMs: 0 });
    const waiting = [queue.acquire('A', { waitMs: 5_000 }), queue.acquire('A', { waitMs: 5_000 })];
    await expect(queue.acquire('A', { waitMs: 5_000 })).rejects.toMatchObject({ code: 'BUSY' });
    lease.release();
    for (const w of waiting) (await w).release();
  });
});

describe('token lock shared between processes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-locks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Another process that takes the lock of `serial` and holds it until killed. */
  const holder = async (serial: string) => {
    const script = `
      const { TokenLocks } = await import(${JSON.stringify(COMPILED_LOCK)});
      const attempt = new TokenLocks(${JSON.stringify(dir)}, 'holder').tryAcquire(${JSON.stringify(serial)});
      process.send(attempt.acquired);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '--eval', script], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const acquired = await new Promise((resolve) => child.once('message', resolve));
    expect(acquired).toBe(true);
    return child;
  };

  it(
    'a token locked by a live process waits; the lock of a killed process is recovered',
    { timeout: 20_000 },
    async () => {
      const other = await holder('SERIAL-1');
      const queueLocks = new TokenLocks(dir);
      const queue = new TokenQueue({ maxWaiting: 4, locks: queueLocks, pollMs: 20 });
      const reasons: WaitReason[] = [];
      await expect(
        queue.acquire('SERIAL-1', { waitMs: 200, onWaiting: (r) => reasons.push(r) }),
      ).rejects.toMatchObject({
        code: 'BUSY',
        details: { reason: 'other-program' },
      });
      expect(reasons).toEqual(['other-program']);
      // a different token is free meanwhile
      (await queue.acquire('SERIAL-2', { waitMs: 0 })).release();

      const waiting = queue.acquire('SERIAL-1', { waitMs: 10_000 });
      other.kill('SIGKILL');
      const lease = await waiting; // the dead owner's lock is stale and is taken over
      const locks = new TokenLocks(dir);
      expect(locks.tryAcquire('SERIAL-1')).toMatchObject({ acquired: false, owner: { pid: process.pid } });
      lease.release();
      const again = locks.tryAcquire('SERIAL-1');
      expect(again.acquired).toBe(true);
      if (again.acquired) again.release();
      // Released: only the owner files of this process's two lock objects are left (the killed
      // holder's went with its stale lock), and closing them leaves nothing behind.
      expect(readdirSync(dir).map((name) => name.replace(/^[0-9a-f]+\.lock\./, ''))).toEqual(
        Array.from({ length: 3 }, () => expect.stringMatching(new RegExp(`^owner-${process.pid}-`))),
      );
      queueLocks.close();
      locks.close();
      expect(readdirSync(dir)).toEqual([]); // no lock, breaker, owner or temporary file left behind
    },
  );

  it("lives in the user's runtime folder, one file per token serial, in a folder only the user can enter", () => {
    const uid = process.getuid!();
    const runtimeRoot = path.join(dir, 'run-user');
    mkdirSync(path.join(runtimeRoot, String(uid)), { recursive: true, mode: 0o700 });
    const system = { platform: 'linux' as const, uid, runtimeRoot };
    const ours = path.join(runtimeRoot, String(uid), 'kyso', 'token-locks');
    // A browser's host (XDG_RUNTIME_DIR, TMPDIR) and `kyso sign` from cron or su (neither, or others)
    // must meet in one folder: two folders would be two locks on one token.
    expect(
      defaultLockDirectory(
        { XDG_RUNTIME_DIR: path.join(runtimeRoot, String(uid)), TMPDIR: '/var/tmp/a' },
        system,
      ),
    ).toBe(ours);
    expect(defaultLockDirectory({}, system)).toBe(ours);
    expect(
      defaultLockDirectory({ XDG_RUNTIME_DIR: path.join(dir, 'elsewhere'), TMPDIR: '/var/tmp/b' }, system),
    ).toBe(ours);
    // No runtime folder (no systemd-logind, or the user not logged in): /tmp, whatever TMPDIR says.
    const noRuntime = { ...system, runtimeRoot: path.join(dir, 'no-run') };
    expect(defaultLockDirectory({ TMPDIR: '/var/tmp/a' }, noRuntime)).toBe(`/tmp/kyso-${uid}/token-locks`);
    expect(defaultLockDirectory({}, noRuntime)).toBe(`/tmp/kyso-${uid}/token-locks`);
    // A runtime folder that is not the user's is not taken.
    mkdirSync(path.join(runtimeRoot, String(uid + 1)));
    expect(defaultLockDirectory({}, { ...system, uid: uid + 1 })).toBe(`/tmp/kyso-${uid + 1}/token-locks`);
    expect(defaultLockDirectory({ KYSO_LOCK_DIR: '/x/locks' }, system)).toBe('/x/locks');
    const locks = new TokenLocks(defaultLockDirectory({}, system));
    expect(locks.directory).toBe(ours);
    expect(statSync(locks.directory).mode & 0o777).toBe(0o700);
    // keyed by the serial: the same serial is one lock, another serial another
    expect(locks.fileFor('VNPT-0001')).toBe(locks.fileFor('VNPT-0001'));
    expect(locks.fileFor('VNPT-0001')).not.toBe(locks.fileFor('VNPT-0002'));
    const held = locks.tryAcquire('VNPT-0001');
    expect(held.acquired).toBe(true);
    expect(locks.tryAcquire('VNPT-0001').acquired).toBe(false);
    const other = locks.tryAcquire('VNPT-0002');
    expect(other.acquired).toBe(true);
    if (held.acquired) held.release();
    if (other.acquired) other.release();
  });

  it("refuses a lock folder that is not the user's own (a symlink planted in the temporary folder)", () => {
    const elsewhere = path.join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const planted = path.join(dir, 'planted');
    symlinkSync(elsewhere, planted);
    expect(() => new TokenLocks(planted)).toThrow(/not the user's own/);
  });

  it('a lock naming a pid that now belongs to another process (pid reuse) is stale', () => {
    const locks = new TokenLocks(dir);
    // pid 1 is alive, but it started long before this lock was "taken"
    writeFileSync(
      locks.fileFor('S'),
      JSON.stringify({ pid: 1, started: '1', nonce: 'x', program: 'old', since: 0 }),
    );
    const attempt = locks.tryAcquire('S');
    expect(attempt.acquired).toBe(true);
    if (attempt.acquired) attempt.release();
  });

  it('of many processes racing for one lock, exactly one holds it at a time', async () => {
    const counter = path.join(dir, 'inside');
    const script = `
      const { TokenLocks } = await import(${JSON.stringify(COMPILED_LOCK)});
      const fs = await import('node:fs');
      const locks = new TokenLocks(${JSON.stringify(dir)}, 'racer');
      let done = 0;
      while (done < 15) {
        const a = locks.tryAcquire('RACE');
        if (!a.acquired) { await new Promise((r) => setTimeout(r, 2)); continue; }
        const fd = fs.openSync(${JSON.stringify(counter)}, 'wx'); // fails if someone else is inside
        await new Promise((r) => setTimeout(r, 1));
        fs.closeSync(fd); fs.unlinkSync(${JSON.stringify(counter)});
        a.release(); done++;
      }`;
    const runs = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['--input-type=module', '--eval', script], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      return new Promise<{ code: number | null; stderr: string }>((resolve) =>
        child.once('exit', (code) => resolve({ code, stderr })),
      );
    });
    for (const run of await Promise.all(runs)) expect(run).toEqual({ code: 0, stderr: expect.any(String) });
  }, 30_000);
});
