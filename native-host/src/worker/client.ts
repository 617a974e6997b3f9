/**
 * The host's handle on the PKCS#11 worker process: one operation at a time (tokens are not
 * re-entrant), each with a timeout; a worker that hangs is killed, one that dies is restarted on
 * the next call, and the caller gets a typed error either way.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KysoError } from '../../../shared/protocol/errors.js';
import { HOST_NODE_FLAGS } from '../install/launcher.js';
import type { WorkerOperation, WorkerResponse, WorkerResults } from './messages.js';

// Beside this module in the compiled tree, and beside the bundle in dist/host.
const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.js', import.meta.url));

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
}

interface Pending {
  id: number;
  resolve(result: unknown): void;
  reject(error: KysoError): void;
}

export class TokenWorker {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Open signing operations keep the worker (and its login) alive whatever the idle timer says. */
  private holds = 0;
  /** How many worker processes have been started (a restart increments it). */
  starts = 0;

  constructor(private options: TokenWorkerOptions) {}

  /** Starts the worker now, so the first request does not pay for it. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    const child = fork(WORKER_ENTRY, [], {
      execArgv: [...HOST_NODE_FLAGS],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, ...this.options.env, KYSO_WORKER_MODULES: JSON.stringify(this.options.modulePaths) },
    });
    this.child = child;
    this.starts++;
    this.ready = new Promise<void>((resolve) => {
      const onFirst = (message: unknown) => {
        if ((message as { ready?: boolean })?.ready) {
          child.off('message', onFirst);
          resolve();
        }
      };
      child.on('message', onFirst);
      child.once('exit', () => resolve());
    });
    child.on('message', (message: WorkerResponse) => this.settle(message));
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    return this.ready;
  }

  /** Runs one operation after those already queued. */
  call<O extends WorkerOperation>(operation: O, timeoutMs: number): Promise<WorkerResults[O['op']]> {
    clearTimeout(this.idleTimer);
    if (operation.op === 'open-signing') this.holds++;
    const run = () => this.run(operation, timeoutMs) as Promise<WorkerResults[O['op']]>;
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    void result
      .then(
        () => operation.op === 'close-signing' && this.holds--,
        () => operation.op === 'open-signing' && this.holds--,
      )
      .finally(() => this.armIdleStop());
    return result;
  }

  private armIdleStop(): void {
    clearTimeout(this.idleTimer);
    const idle = this.options.idleStopMs;
    if (idle === undefined || this.holds > 0 || this.pending) return;
    this.idleTimer = setTimeout(() => {
      if (this.holds === 0 && !this.pending) this.stop();
    }, idle).unref();
  }

  /** Other modules from the next start on; an idle worker is stopped now so the next call loads them. */
  setModulePaths(paths: readonly string[]): void {
    const same = paths.length === this.options.modulePaths.length && paths.every((p, i) => p === this.options.modulePaths[i]);
    if (same) return;
    this.options = { ...this.options, modulePaths: [...paths] };
    if (this.holds === 0 && !this.pending) this.stop();
  }

  stop(): void {
    clearTimeout(this.idleTimer);
    this.child?.kill('SIGKILL');
    this.child = undefined;
    this.ready = undefined;
  }

  private async run(operation: WorkerOperation, timeoutMs: number): Promise<unknown> {
    await this.start();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null || !child.connected) {
      this.forget(child);
      throw new KysoError('TOKEN_DRIVER_FAILED', undefined, { reason: 'worker not running' });
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        // A driver stuck in a call cannot be interrupted from outside: replace the whole worker.
        this.stop();
        reject(new KysoError('TIMEOUT', undefined, { operation: operation.op }));
      }, timeoutMs);
      this.pending = {
        id,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      child.send({ ...operation, id });
    });
  }

  private settle(message: WorkerResponse): void {
    if (!('id' in message) || this.pending?.id !== message.id) return;
    const pending = this.pending;
    this.pending = undefined;
    if (message.ok) pending.resolve(message.result);
    else pending.reject(KysoError.fromWire(message.error));
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child === child) this.forget(child);
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    pending.reject(new KysoError('TOKEN_DRIVER_FAILED', undefined, { exitCode: code, signal: signal ?? null }));
  }

  private forget(child: ChildProcess | undefined): void {
    if (this.child === child) {
      this.child = undefined;
      this.ready = undefined;
    }
  }
}
