/**
 * How the host process is run: as `node dist/host/kyso-host.cjs` (development, npm) or as the
 * packaged single executable (Node SEA: one binary, no Node on the machine). The few things that
 * differ — how the PKCS#11 worker is started, where files shipped beside the program live, what
 * `--version` says — are decided here, so neither the installer nor the worker client knows the other.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import sea from 'node:sea';
import { FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { KYSO_VERSION } from '../../shared/version.js';

/** The part of HOST_NODE_FLAGS that V8 still takes once running (see below). */
export const HOST_RUNTIME_V8_FLAGS = ['--max-opt=2'] as const;

/**
 * V8 flags for the host process and its PKCS#11 worker:
 * - a 1 MiB young generation keeps an idle host under 60 MiB RSS (63 → 59 MiB measured; bench/);
 * - the garbage collector on the main thread only: with a heap this small its helper threads save
 *   nothing, and on a busy machine the main thread waited for them to be scheduled (a P-256 batch of
 *   10,000 items: 417 → 173 ms in scavenges, on the shared 2-core bench machine);
 * - no TurboFan (`--max-opt=2`: V8's tiers up to Maglev, which Node 20 does not enable, so
 *   Sparkplug's baseline code here): the host's work comes in bursts, and in a batch TurboFan spent
 *   more CPU compiling on the machine's other core than its code saved over the next thousands of
 *   items — the token's core waited for it (bench/README.md, eighth session).
 * The packaged binary cannot take them (a single executable passes every argument to the program):
 * it sets HOST_RUNTIME_V8_FLAGS itself, the part V8 still takes once running (the heap's sizes and
 * its GC threads are fixed when the heap is made; packaged-main.ts).
 */
export const HOST_NODE_FLAGS = [
  '--max-semi-space-size=1',
  '--single-threaded-gc',
  ...HOST_RUNTIME_V8_FLAGS,
] as const;

/**
 * glibc's malloc settings for the worker, the process that runs the PKCS#11 module. A software
 * token's signature allocates and frees more blocks of one size than glibc's per-thread cache keeps
 * (7 by default), so each signature went through malloc's slower paths: 14 % of the worker's time in
 * a P-256 batch. With 64, SoftHSM's own P-256 signature takes ~38 instead of ~41 µs, in the worker
 * as in any process (bench/README.md, tenth session). A user's own GLIBC_TUNABLES come after ours and
 * win; other C libraries and systems ignore the variable.
 */
export const WORKER_MALLOC_TUNABLES = 'glibc.malloc.tcache_count=64';

/** GLIBC_TUNABLES for a worker started from an environment whose own setting is `existing`. */
export function workerGlibcTunables(existing: string | undefined): string {
  return existing ? `${WORKER_MALLOC_TUNABLES}:${existing}` : WORKER_MALLOC_TUNABLES;
}

/** Chrome passes the caller's origin (chrome-extension://…/); Firefox the manifest path and add-on id. */
export function isBrowserInvocation(args: readonly string[]): boolean {
  return args[0]?.startsWith('chrome-extension://') === true || args.includes(FIREFOX_EXTENSION_ID);
}

/** The packaged binary runs the worker as itself with this first argument. */
export const WORKER_ARGUMENT = '--kyso-pkcs11-worker';

/** True inside the packaged single executable. */
export function isPackagedExecutable(): boolean {
  return sea.isSea();
}

/** What `fork()` needs to start the PKCS#11 worker. */
export interface WorkerLaunch {
  modulePath: string;
  execArgv: string[];
}

/**
 * The worker is a second bundle beside the host's in development; the packaged binary has no
 * files to run, so it starts itself again with WORKER_ARGUMENT (fork spawns process.execPath).
 */
export function workerLaunch(workerEntry: string, packaged = isPackagedExecutable()): WorkerLaunch {
  return packaged
    ? { modulePath: WORKER_ARGUMENT, execArgv: [] }
    : { modulePath: workerEntry, execArgv: [...HOST_NODE_FLAGS] };
}

/** The directory of the packaged binary, where its addon (lib/) and fonts (fonts/) are installed. */
export function packagedInstallDir(execPath: string = process.execPath): string {
  return path.dirname(execPath);
}

/** pkcs11js (its JavaScript and native addon) as the packages install it, relative to the binary's directory. */
export const PACKAGED_PKCS11JS_DIR = 'lib/pkcs11js';
export const PACKAGED_PKCS11_ADDON = `${PACKAGED_PKCS11JS_DIR}/build/Release/pkcs11.node`;

/** Filled in by the package build (scripts/package/); a development build says "development". */
declare const __KYSO_BUILD_INFO__: { commit: string; date: string } | undefined;

/** `kyso --version`: version, commit and build date. */
export function versionLine(): string {
  const info = typeof __KYSO_BUILD_INFO__ === 'undefined' ? undefined : __KYSO_BUILD_INFO__;
  return info
    ? `kyso ${KYSO_VERSION} (commit ${info.commit}, built ${info.date})`
    : `kyso ${KYSO_VERSION} (development build)`;
}

/**
 * Why the packaged binary cannot use tokens, or undefined: its pkcs11js addon must be installed
 * beside it (a single executable cannot embed a native addon). Development builds find theirs in
 * node_modules and are not checked here.
 */
export function packagedAddonProblem(
  packaged = isPackagedExecutable(),
  dir = packagedInstallDir(),
  exists: (file: string) => boolean = existsSync,
): string | undefined {
  if (!packaged) return undefined;
  const addon = path.join(dir, PACKAGED_PKCS11_ADDON);
  return exists(addon) ? undefined : `kyso's PKCS#11 component is missing (${addon}): reinstall kyso`;
}
