/**
 * kyso-host: started by a browser it is the native-messaging host; started by a person it is the
 * command line (install, uninstall, list, version).
 */
import { FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { createCommandHandlers } from './commands.js';
import { serveNativeMessaging } from './messaging/host-server.js';
import { modulesToLoad } from './modules/discovery.js';
import { QueuedTokens } from './signing/certificates.js';
import { TokenLocks } from './signing/token-lock.js';
import { TokenQueue } from './signing/token-queue.js';
import { TokenWorker } from './worker/token-worker.js';
import { WebSocketEndpoint } from './websocket/endpoint.js';
import { LIMITS } from '../../shared/protocol/limits.js';

/** Chrome passes the caller's origin (chrome-extension://…/); Firefox the manifest path and add-on id. */
export function isBrowserInvocation(args: readonly string[]): boolean {
  return args[0]?.startsWith('chrome-extension://') === true || args.includes(FIREFOX_EXTENSION_ID);
}

/** KYSO_TOKEN_TIMEOUT_MS: for tokens slower than LIMITS.tokenOperationTimeoutMs, and for fault tests. */
function tokenTimeoutFromEnv(): number | undefined {
  const value = Number(process.env.KYSO_TOKEN_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

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

function runHost(): void {
  const log = (line: string) => process.stderr.write(`[kyso-host ${process.pid}] ${line}\n`);
  const worker = new TokenWorker({ modulePaths: modulesToLoad(), idleStopMs: idleStopFromEnv() });
  void worker.start(); // in parallel with the handshake: the first request finds the token ready
  const tokenTimeoutMs = tokenTimeoutFromEnv();
  let locks: TokenLocks | undefined;
  try {
    locks = new TokenLocks(undefined, `kyso-host ${process.pid}`);
  } catch (error) {
    log(`no token lock shared with other programs: ${(error as Error).message}`);
  }
  const queue = new TokenQueue({ maxWaiting: LIMITS.maxRequestsWaitingPerToken, ...(locks && { locks }) });
  const tokens = new QueuedTokens(worker, queue, tokenTimeoutMs ?? LIMITS.tokenOperationTimeoutMs);
  const websocket = new WebSocketEndpoint(log);
  let closing = false;
  // The browser closed the pipe, or asks us to end: let the call in flight finish, let the worker
  // log out and finalise, then exit (never a kill in the middle of a token write).
  const close = () => {
    if (closing) return;
    closing = true;
    void Promise.all([worker.shutdown(), websocket.close()]).finally(() => process.exit(0)); // exit once both end
  };
  const server = serveNativeMessaging({
    input: process.stdin,
    output: process.stdout,
    handlers: createCommandHandlers(tokens, { tokenTimeoutMs, tokenWaitMs: tokenWaitFromEnv(), websocket }),
    log,
    onClose: close,
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, close);
  websocket.notify = (event) => server.notify(event);
}

const args = process.argv.slice(2);
if (isBrowserInvocation(args)) runHost();
// The command line (PDF, XML, installers) loads only when a person runs it: the browser's host starts lean.
// A promise chain, not top-level await: the packaged single executable is a CommonJS bundle.
else
  void import('./cli/index.js')
    .then((cli) => cli.runCli(args))
    .then((code) => {
      process.exitCode = code;
    });
