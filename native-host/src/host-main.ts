/**
 * The native-messaging host, as a browser starts it (main.ts decides): hello answered at once, the
 * host's services loaded after it, the PKCS#11 worker already booting (main.ts forked it first).
 */
import { hostCommands, type HostCommand } from '../../shared/protocol/host.js';
import type { CommandHandlers } from './commands.js';
import { hello } from './hello.js';
import type { HostServices } from './host-services.js';
import { serveNativeMessaging } from './messaging/host-server.js';
import { TokenWorker } from './worker/token-worker.js';
import { tokenTimeoutMs, type StartedWorker } from './worker/worker-process.js';
import { benchMark, benchMarkProcessStart } from './bench-marks.js';
import { LIMITS } from '../../shared/protocol/limits.js';

/** KYSO_TOKEN_WAIT_MS: how long a request waits for a token in use (LIMITS.tokenWaitMs). */
function tokenWaitFromEnv(): number | undefined {
  const value = Number(process.env.KYSO_TOKEN_WAIT_MS);
  return Number.isInteger(value) && value >= 0 && process.env.KYSO_TOKEN_WAIT_MS !== '' ? value : undefined;
}

/** KYSO_WORKER_IDLE_MS: how soon an idle worker stops (tests stop it mid-stream on purpose). */
function idleStopFromEnv(): number {
  const value = Number(process.env.KYSO_WORKER_IDLE_MS);
  return Number.isInteger(value) && value > 0 ? value : LIMITS.workerIdleStopMs;
}

/** KYSO_MODULE_RETRY_MS: the first wait before a module that crashed a worker is loaded again (tests shorten it). */
function moduleRetryFromEnv(): number | undefined {
  const value = Number(process.env.KYSO_MODULE_RETRY_MS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * KYSO_WORKER_EXIT_GRACE_MS, KYSO_WORKER_GIVE_UP_MS: how long a worker asked to end has before it is
 * killed, and before it is given up on (tests: a long grace keeps one alive, as a driver the system
 * cannot end does).
 */
function workerEndingFromEnv(): { exitGraceMs?: number; giveUpMs?: number } {
  const grace = Number(process.env.KYSO_WORKER_EXIT_GRACE_MS);
  const giveUp = Number(process.env.KYSO_WORKER_GIVE_UP_MS);
  return {
    ...(Number.isInteger(grace) && grace > 0 && { exitGraceMs: grace }),
    ...(Number.isInteger(giveUp) && giveUp > 0 && { giveUpMs: giveUp }),
  };
}

/** KYSO_BATCH_IDLE_MS: how long an open batch may go without a call (LIMITS.batchIdleTimeoutMs; tests shorten it). */
function batchIdleFromEnv(): number | undefined {
  const value = Number(process.env.KYSO_BATCH_IDLE_MS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** KYSO_VALIDATION_DATA_MS: the time for all of a B-LT's validation data (LIMITS.validationDataTimeoutMs; tests shorten it). */
function validationDataFromEnv(): number | undefined {
  const value = Number(process.env.KYSO_VALIDATION_DATA_MS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * hello answered at once; every other command loads the host's services first (a dynamic import:
 * its own chunk), which start loading as soon as hello has been answered.
 */
function lazyHandlers(load: () => Promise<HostServices>): CommandHandlers {
  const handlers: Record<string, (params: never, context: never) => Promise<unknown>> = {};
  for (const command of Object.keys(hostCommands) as HostCommand[])
    handlers[command] = async (params, context) => {
      const services = await load();
      return (services.handlers[command] as (p: unknown, c: unknown) => Promise<unknown>)(params, context);
    };
  handlers.hello = async (params: Parameters<typeof hello>[0]) => {
    const answer = await hello(params);
    setImmediate(() => void load().catch(() => undefined)); // after the answer is written; a failure is the next request's
    return answer;
  };
  return handlers as unknown as CommandHandlers;
}

/** `firstWorker`: the PKCS#11 worker main.ts forked for `modulePaths` before this module loaded. */
export function runHost(modulePaths: readonly string[], firstWorker: StartedWorker): void {
  benchMarkProcessStart('host:process-start');
  benchMark('host:main');
  const log = (line: string) => process.stderr.write(`[kyso-host ${process.pid}] ${line}\n`);
  const worker = new TokenWorker({
    modulePaths,
    idleStopMs: idleStopFromEnv(),
    firstWorker,
    moduleRetryMs: moduleRetryFromEnv(),
    ...workerEndingFromEnv(),
  });
  void worker.start().then(() => benchMark('host:worker-ready')); // in parallel with the handshake: the first request finds the token ready
  let services: Promise<HostServices> | undefined;
  const load = () =>
    (services ??= import('./host-services.js').then((m) => {
      benchMark('host:services-loaded');
      return m.createHostServices(
        worker,
        {
          tokenTimeoutMs: tokenTimeoutMs(),
          tokenWaitMs: tokenWaitFromEnv(),
          batchIdleTimeoutMs: batchIdleFromEnv(),
          validationDataMs: validationDataFromEnv(),
        },
        log,
        (event) => server.notify(event),
      );
    }));
  let closing = false;
  // The browser closed the pipe, or asks us to end: let the call in flight finish, let the worker
  // log out and finalise, then exit (never a kill in the middle of a token write).
  const close = () => {
    if (closing) return;
    closing = true;
    const websocketClosed = services?.then((s) => Promise.all([s.websocket.close(), s.viettel.close()]));
    void Promise.all([worker.close(), websocketClosed]).finally(() => process.exit(0)); // exit once both end
  };
  const server = serveNativeMessaging({
    input: process.stdin,
    output: process.stdout,
    handlers: lazyHandlers(load),
    log,
    onClose: close,
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, close);
}
