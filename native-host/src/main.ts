/**
 * kyso-host: started by a browser it is the native-messaging host; started by a person it is the
 * command line (install, uninstall, list, version).
 */
import { FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { createCommandHandlers } from './commands.js';
import { serveNativeMessaging } from './messaging/host-server.js';
import { modulesToLoad } from './modules/discovery.js';
import { TokenWorker } from './worker/client.js';
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

function runHost(): void {
  const worker = new TokenWorker({ modulePaths: modulesToLoad(), idleStopMs: LIMITS.workerIdleStopMs });
  void worker.start(); // in parallel with the handshake: the first request finds the token ready
  const log = (line: string) => process.stderr.write(`[kyso-host ${process.pid}] ${line}\n`);
  const websocket = new WebSocketEndpoint(log);
  const server = serveNativeMessaging({
    input: process.stdin,
    output: process.stdout,
    handlers: createCommandHandlers(worker, { tokenTimeoutMs: tokenTimeoutFromEnv(), websocket }),
    log,
    onClose: () => {
      worker.stop();
      void websocket.close(); // the process exits next: nothing to wait for
      process.exit(0);
    },
  });
  websocket.notify = (event) => server.notify(event);
}

const args = process.argv.slice(2);
if (isBrowserInvocation(args)) runHost();
// The command line (PDF, XML, installers) loads only when a person runs it: the browser's host starts lean.
else process.exitCode = await (await import('./cli/index.js')).runCli(args);
