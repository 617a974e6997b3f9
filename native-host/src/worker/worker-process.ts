/**
 * Starting the PKCS#11 worker process: how it is forked, and when it says it is ready. Kept free of
 * the host's heavier modules (zod, the protocol) so a host started by a browser can fork its worker
 * first and load the rest while the worker boots: on a cold start the worker is the longer of the
 * two (bench/: the host's first signature waited ~100 ms for it).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { workerGlibcTunables, workerLaunch } from '../runtime.js';
import { LISTING_FD } from './listing-fd.js';

/**
 * The worker's entry beside this module: in the host's bundle (dist/host) it is CommonJS, which
 * starts without the ES-module loader (boot to ready ~137 → ~125 ms, measured; the worker's boot is
 * a cold signature's longest wait); the unbundled build (dist/node, some tests) has the ES module.
 */
const beside = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const WORKER_ENTRY = existsSync(beside('./worker-main.cjs'))
  ? beside('./worker-main.cjs')
  : beside('./worker-main.js');

/**
 * How long one token call may take, and one module to load and initialise: KYSO_TOKEN_TIMEOUT_MS
 * when set (a slow token; fault tests), for the host and the CLI alike; else 30 s,
 * LIMITS.tokenOperationTimeoutMs, not imported here to keep this module light.
 */
export function tokenTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.KYSO_TOKEN_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 ? value : 30_000;
}

/** How long the listing pipe is still read after the worker exited (its last line is already in the pipe). */
const LISTING_READ_AFTER_EXIT_MS = 500;

export interface StartedWorker {
  child: ChildProcess;
  /**
   * Resolves when the worker has loaded its modules, or has exited, or has spent longer than
   * tokenTimeoutMs in one module (stuck in its C_Initialize: `stuck` says so).
   */
  ready: Promise<void>;
  /** The module the worker was loading, until it is ready: a worker gone before then crashed in it. */
  loadingModule(): string | undefined;
  /** Whether the worker is stuck in loadingModule() (it never came back from it in time). */
  stuck(): boolean;
  /** The module a listing is calling into, as the worker last said (LISTING_FD); undefined between modules. */
  listingModule(): string | undefined;
  /** Resolves once everything the worker said on LISTING_FD has been read (it has exited, or just after). */
  listingRead: Promise<void>;
}

export function forkWorker(
  modulePaths: readonly string[],
  env?: NodeJS.ProcessEnv,
  loadTimeoutMs = tokenTimeoutMs(),
): StartedWorker {
  const launch = workerLaunch(WORKER_ENTRY);
  const child = fork(launch.modulePath, [], {
    execArgv: launch.execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc', 'pipe'], // the last: LISTING_FD
    serialization: 'advanced',
    env: {
      ...process.env,
      ...env,
      GLIBC_TUNABLES: workerGlibcTunables(env?.GLIBC_TUNABLES ?? process.env.GLIBC_TUNABLES),
      KYSO_WORKER_MODULES: JSON.stringify(modulePaths),
    },
  });
  let loading: string | undefined;
  let stuck = false;
  let stuckTimer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(stuckTimer);
      child.off('message', onFirst);
      resolve();
    };
    // Its first messages (worker-main.ts): `{ loading: path }` before each module, then
    // `{ ready: true }`; the schemas check every later one.
    const onFirst = (message: unknown) => {
      const first = message as { ready?: unknown; loading?: unknown } | null;
      clearTimeout(stuckTimer);
      if (typeof first?.loading === 'string') {
        loading = first.loading;
        stuckTimer = setTimeout(() => {
          stuck = true;
          done();
        }, loadTimeoutMs);
      }
      if (first?.ready !== true) return;
      loading = undefined;
      done();
    };
    child.on('message', onFirst);
    child.once('exit', done);
  });
  let listing: string | undefined;
  const listingRead = new Promise<void>((resolve) => {
    const said = child.stdio[LISTING_FD] as Readable | null | undefined;
    if (!said) return resolve();
    let partial = '';
    said.setEncoding('utf8');
    said.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      if (lines.length > 0) listing = lines.at(-1) || undefined;
    });
    said.once('close', resolve);
    // A process the worker started (a vendor driver's daemon) inherits the pipe and may keep it open
    // long after the worker is gone: what the worker wrote is read a moment after its exit, not at EOF.
    child.once('exit', () => setTimeout(() => said.destroy(), LISTING_READ_AFTER_EXIT_MS).unref());
  });
  return {
    child,
    ready,
    loadingModule: () => loading,
    stuck: () => stuck,
    listingModule: () => listing,
    listingRead,
  };
}
