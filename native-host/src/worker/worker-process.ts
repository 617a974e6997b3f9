/**
 * Starting the PKCS#11 worker process: how it is forked, and when it says it is ready. Kept free of
 * the host's heavier modules (zod, the protocol) so a host started by a browser can fork its worker
 * first and load the rest while the worker boots: on a cold start the worker is the longer of the
 * two (bench/: the host's first signature waited ~100 ms for it).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workerGlibcTunables, workerLaunch } from '../runtime.js';

/**
 * The worker's entry beside this module: in the host's bundle (dist/host) it is CommonJS, which
 * starts without the ES-module loader (boot to ready ~137 → ~125 ms, measured; the worker's boot is
 * a cold signature's longest wait); the unbundled build (dist/node, some tests) has the ES module.
 */
const beside = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const WORKER_ENTRY = existsSync(beside('./worker-main.cjs'))
  ? beside('./worker-main.cjs')
  : beside('./worker-main.js');

export interface StartedWorker {
  child: ChildProcess;
  /** Resolves when the worker has loaded its modules (or has exited: the caller then sees it gone). */
  ready: Promise<void>;
  /** The module the worker was loading, until it is ready: a worker gone before then crashed in it. */
  loadingModule(): string | undefined;
}

export function forkWorker(modulePaths: readonly string[], env?: NodeJS.ProcessEnv): StartedWorker {
  const launch = workerLaunch(WORKER_ENTRY);
  const child = fork(launch.modulePath, [], {
    execArgv: launch.execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: {
      ...process.env,
      ...env,
      GLIBC_TUNABLES: workerGlibcTunables(env?.GLIBC_TUNABLES ?? process.env.GLIBC_TUNABLES),
      KYSO_WORKER_MODULES: JSON.stringify(modulePaths),
    },
  });
  let loading: string | undefined;
  const ready = new Promise<void>((resolve) => {
    // Its first messages (worker-main.ts): `{ loading: path }` before each module, then
    // `{ ready: true }`; the schemas check every later one.
    const onFirst = (message: unknown) => {
      const first = message as { ready?: unknown; loading?: unknown } | null;
      if (typeof first?.loading === 'string') loading = first.loading;
      if (first?.ready !== true) return;
      loading = undefined;
      child.off('message', onFirst);
      resolve();
    };
    child.on('message', onFirst);
    child.once('exit', () => resolve());
  });
  return { child, ready, loadingModule: () => loading };
}
