/**
 * The host's handle on the PKCS#11 worker process: one call at a time (tokens are not re-entrant),
 * each with a timeout, each answer checked against its operation's schema — except a batch's
 * signing groups, which are pipelined (see `pipeline`).
 *
 * The worker is ended gently: idle stop and host exit wait for the call in flight, then disconnect,
 * and the worker logs out and calls C_Finalize before it exits. SIGKILL is kept for a worker still
 * alive a grace period after that, or after a call hung past its own timeout: a file-backed token
 * (SoftHSM writes its token file at every login) must never be killed in the middle of a write.
 */
import type { ChildProcess } from 'node:child_process';
import { KysoError } from '../../../shared/protocol/errors.js';
import { forkWorker, type StartedWorker } from './worker-process.js';
import { addBenchMarks, benchMark } from '../bench-marks.js';
import { actsForThisProcess } from '../signing/token-lock.js';
import {
  WorkerResponseSchema,
  workerOperations,
  type ModuleError,
  type WorkerOperation,
  type WorkerResults,
} from './messages.js';

/** How long a worker asked to end (or past its timeout) may take to finalise before it is killed. */
const DEFAULT_EXIT_GRACE_MS = 3_000;
/**
 * How long after it was asked to end a worker still alive is given up on: killed and still there,
 * it is stuck in the driver beyond what the system can end (a wedged USB reader). Its token is then
 * reported as not answering, and the next worker no longer waits for it.
 */
const DEFAULT_GIVE_UP_MS = 15_000;
/**
 * How long a module that crashed a worker is left out before a worker loads it again (a vendor
 * daemon restarted, a token put back): doubled at each crash, up to MODULE_RETRY_MAX_MS.
 */
const DEFAULT_MODULE_RETRY_MS = 30_000;
const MODULE_RETRY_MAX_MS = 30 * 60_000;

export interface TokenWorkerOptions {
  modulePaths: readonly string[];
  /** Extra environment for the worker (e.g. SOFTHSM2_CONF, fault-injection control). */
  env?: NodeJS.ProcessEnv;
  /**
   * Stop the worker after this long without token work: PKCS#11 modules can hold a token open
   * exclusively (other software, e.g. the tax authority's HTKK, then cannot use it), and an idle
   * host should cost little memory. The next call starts it again.
   */
  idleStopMs?: number;
  exitGraceMs?: number;
  /** DEFAULT_GIVE_UP_MS; counted from the request to end, like exitGraceMs. */
  giveUpMs?: number;
  /** A worker already forked for these modules (main.ts starts it before loading the host). */
  firstWorker?: StartedWorker;
  /** The first wait before a module that crashed a worker is loaded again (DEFAULT_MODULE_RETRY_MS). */
  moduleRetryMs?: number;
}

interface Pending {
  id: number;
  op: WorkerOperation['op'];
  resolve(result: unknown): void;
  reject(error: KysoError): void;
}

export class TokenWorker {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  /** Calls sent and not answered: one, or a batch's signing groups sent one behind the other. */
  private readonly pending = new Map<number, Pending>();
  /** Settles after every call made so far; a call waits for it. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Settles after every call but the pipelined ones: a pipelined call waits only for this. */
  private serialQueue: Promise<unknown> = Promise.resolve();
  /** The timeouts of the pipelined calls in flight: the worker does them before a new one. */
  private pipelinedBudgetMs = 0;
  /** A batch's signing groups sent and not yet answered. */
  private pipelinedCalls = 0;
  /** The most calls that were in flight at once (a pipeline shows as more than one). */
  maxInFlight = 0;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Open batches keep the worker (and its login) alive whatever the idle timer says. */
  private holds = 0;
  /**
   * Workers asked to end and not yet gone nor given up on: the next one starts only after them (one
   * process per token at a time). Each settles at its exit, or when given up on (`givenUp`).
   */
  private retiring = new Set<Promise<void>>();
  /** The exit of each worker asked to end, until it exits or is given up on: leases released meanwhile wait for it. */
  private readonly exiting = new Set<Promise<void>>();
  /** Workers given up on (alive long after being asked to end, and killed): stuck in the driver for good. */
  private readonly givenUp = new Set<ChildProcess>();
  /** How many worker processes have been started (a restart increments it). */
  starts = 0;
  /** The host is ending: no call not yet sent is sent, and no worker is started again. */
  private closed = false;
  /** The worker being started, until it is ready or gone (spawn, not onExit, handles its exit). */
  private booting: ChildProcess | undefined;
  /** Open logins (batches) by the handle their callers know → the worker that has it, and its own handle. */
  private readonly logins = new Map<number, { child: ChildProcess; handle: number }>();
  private nextLogin = 1;
  /**
   * Each module that crashed a worker (or hung it) while it loaded the module or listed its tokens:
   * while `out`, left out of later workers and reported as `why`. `times` it was left out, and when
   * it may be loaded again: after a crash only (a crash costs a listing a worker restart; a hang
   * costs it the whole token timeout, so a module that hung stays out until the host restarts or
   * the modules change). The record outlives a retry to keep the count the wait doubles with.
   */
  private readonly leftOut = new Map<
    string,
    { out: boolean; why: string; times: number; retryAt: number | undefined }
  >();
  /** How many times a module was left out: a listing that saw it grow is run again. */
  private leftOutCount = 0;
  /** Each worker's start, for the module it says a listing is in (leaveOutListed). */
  private readonly workers = new WeakMap<ChildProcess, StartedWorker>();

  constructor(private options: TokenWorkerOptions) {}

  /** Starts the worker now, so the first request does not pay for it. */
  start(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.ready) return this.ready;
    this.ready = this.spawn();
    return this.ready;
  }

  /**
   * Starts a worker. One whose module crashed it while loading (a vendor driver that segfaults in
   * C_Initialize) is started again without that module, which is reported as that module's error:
   * one broken driver must not hide every other token.
   */
  private async spawn(): Promise<void> {
    for (;;) {
      await Promise.all(this.retiring);
      // The first worker may have been forked before this host loaded its code (main.ts).
      const started =
        this.options.firstWorker ??
        forkWorker(
          this.options.modulePaths.filter((m) => this.leftOut.get(m)?.out !== true),
          this.options.env,
        );
      this.options = { ...this.options, firstWorker: undefined };
      const { child } = started;
      // Until it exits, the token locks this process takes are in its name too: killed with a
      // driver call in flight, this host leaves it using the token until the call returns.
      if (child.pid !== undefined) child.once('exit', actsForThisProcess(child.pid));
      this.child = child;
      this.booting = child;
      this.starts++;
      this.workers.set(child, started);
      child.on('message', (message: unknown) => this.settle(message));
      child.once('exit', (code, signal) => {
        if (this.child === child && this.booting !== child)
          this.leaveOutListed(started, signal ?? `exit code ${code}`);
        this.onExit(child, code, signal);
      });
      await started.ready;
      this.booting = undefined;
      const loading = started.loadingModule();
      if (loading !== undefined && started.stuck() && this.child === child) {
        // Stuck in the module's C_Initialize: ended (killed after the grace period), and the
        // next worker starts without it, once this one is gone.
        this.child = undefined; // (this.ready stays: it is this very start, which goes on)
        void this.retire(child);
        this.leaveOut(loading, 'the module did not finish loading (it hangs in C_Initialize)', 'hang');
        if (this.closed) return;
        continue;
      }
      // exit code 0: asked to end (shutdown) while loading, not a crash
      if (loading === undefined || this.child !== child || this.closed || child.exitCode === 0) return;
      this.leaveOut(
        loading,
        `the module crashed the process while loading (${child.signalCode ?? `exit code ${child.exitCode}`})`,
        'crash',
      );
    }
  }

  /** Runs one operation after those already queued. */
  call<O extends WorkerOperation>(operation: O, timeoutMs: number): Promise<WorkerResults[O['op']]> {
    clearTimeout(this.idleTimer);
    if (operation.op === 'open-signing') this.holds++;
    const run = () => this.runListingAgain(operation, timeoutMs) as Promise<WorkerResults[O['op']]>;
    const result = this.queue.then(run, run);
    this.queue = this.serialQueue = result.catch(() => undefined);
    // Bookkeeping only (the caller handles the outcome): a batch's hold ends with its close, whatever the close answered.
    void result
      .then(
        () => operation.op === 'close-signing' && this.holds--,
        () => (operation.op === 'open-signing' || operation.op === 'close-signing') && this.holds--,
      )
      .finally(() => this.armIdleStop());
    return result;
  }

  /**
   * Runs one call. A listing during which a module crashed or hung its worker (leaveOutListed) is
   * run once more, in a worker without that module: the other modules' tokens are listed at once.
   */
  private async runListingAgain(operation: WorkerOperation, timeoutMs: number): Promise<unknown> {
    const listing = operation.op === 'tokens' || operation.op === 'list';
    if (listing) this.retryLeftOut();
    const leftOut = this.leftOutCount;
    try {
      return await this.run(operation, timeoutMs);
    } catch (error) {
      if (!listing) throw error;
      await Promise.all(this.retiring); // a dead worker's last words are read by then
      if (this.leftOutCount === leftOut || this.closed) throw error;
      return this.run(operation, timeoutMs);
    }
  }

  /** Leaves a module out of later workers, reported as `why`; one that crashed is tried again later. */
  private leaveOut(module: string, why: string, how: 'crash' | 'hang'): void {
    this.leftOutCount++;
    const times = (this.leftOut.get(module)?.times ?? 0) + 1;
    const waitMs = Math.min(
      (this.options.moduleRetryMs ?? DEFAULT_MODULE_RETRY_MS) * 2 ** (times - 1),
      MODULE_RETRY_MAX_MS,
    );
    const retryAt = how === 'crash' ? Date.now() + waitMs : undefined;
    this.leftOut.set(module, { out: true, why, times, retryAt });
  }

  /** Modules left out after a crash whose wait is over. */
  private dueForRetry(): string[] {
    const now = Date.now();
    return [...this.leftOut]
      .filter(([, m]) => m.out && m.retryAt !== undefined && m.retryAt <= now)
      .map(([module]) => module);
  }

  /**
   * Before a listing: modules left out whose wait is over are loaded again, by a new worker (the
   * idle one is ended). Only a listing calls into them, and only when nothing is in flight (calls
   * run in turn) and no batch's login is open, so a crash again loses no one's signature: the
   * listing is run again without them (runListingAgain), and they wait twice as long.
   */
  private retryLeftOut(): void {
    const due = this.dueForRetry();
    if (due.length === 0 || this.holds > 0 || this.pending.size > 0) return;
    const child = this.child;
    if (child && this.booting === child) return; // (its start decides on its own modules)
    for (const module of due) this.leftOut.get(module)!.out = false;
    if (!child) return; // the next start loads them
    this.forget(child);
    void this.retire(child); // the next start waits for it
  }

  /**
   * A worker gone while a listing was calling into a module (a vendor driver that crashes in
   * C_GetSlotList or C_GetTokenInfo): that module is left out of later workers and reported, as
   * one that crashes while loading — else it would crash every listing and hide every token. The
   * next start waits for this (retiring): what the worker said last may still be in its pipe.
   */
  private leaveOutListed(started: StartedWorker, how: string): void {
    const read = started.listingRead.then(() => {
      const module = started.listingModule();
      if (module !== undefined)
        this.leaveOut(module, `the module crashed the process while listing its tokens (${how})`, 'crash');
    });
    this.retiring.add(read);
    void read.then(() => this.retiring.delete(read)); // bookkeeping
  }

  /**
   * A batch's signing group, sent without waiting for the groups before it (the worker takes its
   * messages in order): the token goes from one group to the next while the host prepares and
   * finishes the others. It still waits for any other call before it, and other calls wait for it.
   */
  pipeline(
    operation: Extract<WorkerOperation, { op: 'sign-with' }>,
    timeoutMs: number,
  ): Promise<WorkerResults['sign-with']> {
    clearTimeout(this.idleTimer);
    const run = () => this.run(operation, timeoutMs, true) as Promise<WorkerResults['sign-with']>;
    const result = this.serialQueue.then(run, run);
    this.queue = Promise.all([this.queue, result.catch(() => undefined)]);
    this.pipelinedCalls++;
    void result
      .catch(() => undefined)
      .finally(() => {
        this.pipelinedCalls--;
        this.armIdleStop();
      }); // bookkeeping only
    return result;
  }

  /** Whether a batch is signing now: a call made now waits until its groups are done. */
  get batchSigning(): boolean {
    return this.pipelinedCalls > 0;
  }

  private armIdleStop(): void {
    clearTimeout(this.idleTimer);
    const idle = this.options.idleStopMs;
    if (idle === undefined || this.holds > 0 || this.pending.size > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.holds === 0 && this.pending.size === 0) void this.shutdown(); // ends by itself; nothing waits on it
    }, idle).unref();
  }

  /** The modules the worker loads (those left out after a crash included). */
  get modulePaths(): readonly string[] {
    return this.options.modulePaths;
  }

  /** Other modules from the next start on; an idle worker is stopped now so the next call loads them. */
  setModulePaths(paths: readonly string[]): void {
    const same =
      paths.length === this.options.modulePaths.length &&
      paths.every((p, i) => p === this.options.modulePaths[i]);
    if (same) return;
    this.options = { ...this.options, modulePaths: [...paths] };
    this.leftOut.clear(); // another configuration: each module gets its chance again
    if (this.holds === 0 && this.pending.size === 0) void this.shutdown(); // the next call waits for it (retiring)
  }

  /** Ends the worker without waiting for it (its calls in flight still finish first). */
  stop(): void {
    void this.shutdown(); // callers on their way out; the worker ends by itself
  }

  /**
   * For a host on its way out: the call in flight finishes (see shutdown), calls not yet sent get
   * BUSY instead of starting a worker that nobody would end, and the worker is ended gently.
   */
  close(): Promise<void> {
    this.closed = true;
    return this.shutdown();
  }

  /**
   * Ends the worker gently: after the call in flight (and those queued before this), it is
   * disconnected, logs out, finalises and exits; killed only if still there after the grace period.
   * Also waits for workers already retiring (one replaced after hanging past its timeout): a host
   * that exited first would leave it hung for good, holding the token, as nobody would kill it.
   */
  async shutdown(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.queue;
    const child = this.child;
    this.forget(child);
    for (const stuck of this.givenUp) stuck.kill('SIGKILL'); // (again: nothing is waited for it)
    await Promise.all([...this.retiring, child && this.retire(child)]);
  }

  /**
   * Settles once every worker asked to end (one past its call's timeout, still in a driver call;
   * one finalising) has exited; undefined when none is ending. A worker given up on is not waited
   * for by calls made after that (see notAnswering), only by those made before.
   */
  retired(): Promise<void> | undefined {
    return this.exiting.size > 0 ? Promise.all(this.exiting).then(() => undefined) : undefined;
  }

  /** Whether a worker given up on (see DEFAULT_GIVE_UP_MS) is still alive: its token does not answer. */
  notAnswering(): boolean {
    return this.givenUp.size > 0;
  }

  /** Asks a worker to end; settles when it has exited, or when it is given up on. */
  private retire(child: ChildProcess): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), this.options.exitGraceMs ?? DEFAULT_EXIT_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      if (child.connected) child.disconnect();
      else child.kill('SIGTERM'); // its handler finalises too
    });
    const ended = new Promise<void>((resolve) => {
      const giveUp = setTimeout(() => {
        this.givenUp.add(child);
        this.exiting.delete(exited);
        resolve();
      }, this.options.giveUpMs ?? DEFAULT_GIVE_UP_MS);
      giveUp.unref();
      void exited.then(() => {
        clearTimeout(giveUp);
        this.givenUp.delete(child);
        this.exiting.delete(exited);
        resolve();
      });
    });
    this.exiting.add(exited);
    this.retiring.add(ended);
    void ended.then(() => this.retiring.delete(ended)); // bookkeeping
    return ended;
  }

  private async run(operation: WorkerOperation, timeoutMs: number, pipelined = false): Promise<unknown> {
    if (this.closed)
      throw new KysoError('BUSY', 'the host is closing', { reason: 'host closing', retryAfterMs: 1000 });
    await this.start();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null || !child.connected) {
      this.forget(child);
      throw new KysoError('TOKEN_DRIVER_FAILED', undefined, { reason: 'worker not running' });
    }
    // A login (a batch's handle) lives and dies with the worker that made it, and a restarted
    // worker numbers its logins afresh: callers get handles of ours, never reused, so a handle of a
    // dead worker never names another token's login in the new one (to sign with, or to log out).
    if (operation.op === 'sign-with' || operation.op === 'close-signing') {
      const login = this.logins.get(operation.handle);
      if (operation.op === 'close-signing') this.logins.delete(operation.handle);
      if (login?.child !== child) {
        if (operation.op === 'close-signing') return {}; // nothing left to log out
        throw new KysoError('TOKEN_DRIVER_FAILED', undefined, { reason: 'signing session ended' });
      }
      operation = { ...operation, handle: login.handle };
    }
    const id = this.nextId++;
    // A pipelined call is done after those sent before it: its time runs from when theirs ends.
    const budgetMs = pipelined ? this.pipelinedBudgetMs + timeoutMs : timeoutMs;
    if (pipelined) this.pipelinedBudgetMs += timeoutMs;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (pipelined) this.pipelinedBudgetMs -= timeoutMs;
      };
      const timer = setTimeout(() => {
        if (!this.pending.has(id)) return;
        // A driver stuck in a call cannot be interrupted from outside: this worker is replaced. It
        // has hung past its timeout; it still gets the grace period to finish and finalise. The
        // calls sent behind this one go with it. A module it hangs in while listing is left out.
        const hungIn = this.workers.get(child)?.listingModule();
        if (hungIn !== undefined)
          this.leaveOut(hungIn, 'the module did not answer while listing its tokens (it hangs)', 'hang');
        this.forget(child);
        void this.retire(child); // the next start waits for it
        this.rejectAll(new KysoError('TIMEOUT', undefined, { operation: operation.op }), id);
        this.rejectAll(new KysoError('TOKEN_DRIVER_FAILED', undefined, { reason: 'worker replaced' }));
      }, budgetMs);
      this.pending.set(id, {
        id,
        op: operation.op,
        resolve: (value) => {
          done();
          if (operation.op === 'open-signing') {
            const opened = value as WorkerResults['open-signing'];
            const handle = this.nextLogin++;
            this.logins.set(handle, { child, handle: opened.handle });
            return resolve({ ...opened, handle });
          }
          resolve(value);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      this.maxInFlight = Math.max(this.maxInFlight, this.pending.size);
      benchMark('host:worker-call');
      child.send({ ...operation, id });
    });
  }

  /** Fails the calls in flight (only `onlyId` when given). */
  private rejectAll(error: KysoError, onlyId?: number): void {
    for (const pending of [...this.pending.values()])
      if (onlyId === undefined || pending.id === onlyId) pending.reject(error);
  }

  private settle(message: unknown): void {
    const parsed = WorkerResponseSchema.safeParse(message);
    if (!parsed.success) return;
    const pending = this.pending.get(parsed.data.id);
    if (!pending) return;
    const response = parsed.data;
    addBenchMarks(response.marks);
    benchMark('host:worker-answer');
    if (!response.ok) return pending.reject(KysoError.fromWire(response.error));
    const result = workerOperations[pending.op].result.safeParse(response.result);
    if (result.success) pending.resolve(this.withCrashedModules(result.data));
    else
      pending.reject(new KysoError('TOKEN_DRIVER_FAILED', undefined, { reason: 'malformed worker answer' }));
  }

  /** A listing's module errors, with the modules left out because they crashed a worker. */
  private withCrashedModules(result: unknown): unknown {
    const listing = result as { moduleErrors?: ModuleError[] };
    const crashed = [...this.leftOut]
      .filter(([, m]) => m.out)
      .map(([module, m]) => ({ module, error: m.why }));
    if (crashed.length === 0 || !Array.isArray(listing.moduleErrors)) return result;
    return { ...listing, moduleErrors: [...listing.moduleErrors, ...crashed] };
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child || this.booting === child) return; // retired (its callers were answered), or spawn's to handle
    this.forget(child);
    this.rejectAll(
      new KysoError('TOKEN_DRIVER_FAILED', undefined, { exitCode: code, signal: signal ?? null }),
    );
  }

  private forget(child: ChildProcess | undefined): void {
    if (this.child === child) {
      this.child = undefined;
      this.ready = undefined;
    }
  }
}
