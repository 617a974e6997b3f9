/**
 * Everything the browser's host needs beyond the handshake: the per-token queue and locks, the
 * certificate listing (pkijs), signing (CMS), time-stamps and validation data, the WebSocket mode.
 * main.ts loads this module after its first answer, so a host starting for a page answers hello
 * without compiling any of it.
 */
import { createCommandHandlers, type CommandHandlers } from './commands.js';
import type { HostEvent } from '../../shared/protocol/host.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { QueuedTokens } from './signing/certificates.js';
import { SharedListings } from './signing/shared-listings.js';
import { TokenLocks } from './signing/token-lock.js';
import { TokenQueue } from './signing/token-queue.js';
import type { TokenWorker } from './worker/token-worker.js';
import { ViettelListener } from './viettel/listener.js';
import { WebSocketEndpoint } from './websocket/endpoint.js';

export interface HostServices {
  handlers: CommandHandlers;
  websocket: WebSocketEndpoint;
  viettel: ViettelListener;
}

export function createHostServices(
  worker: TokenWorker,
  options: {
    tokenTimeoutMs: number | undefined;
    tokenWaitMs: number | undefined;
    batchIdleTimeoutMs?: number | undefined;
    validationDataMs?: number | undefined;
  },
  log: (line: string) => void,
  notify: (event: HostEvent) => void,
): HostServices {
  let locks: TokenLocks | undefined;
  try {
    locks = new TokenLocks(undefined, `kyso-host ${process.pid}`);
  } catch (error) {
    log(`no token lock shared with other programs: ${(error as Error).message}`);
  }
  const queue = new TokenQueue({
    maxWaiting: LIMITS.maxRequestsWaitingPerToken,
    ...(locks && { locks }),
    workersGone: () => worker.retired(),
    notAnswering: () => worker.notAnswering(),
  });
  const tokens = new QueuedTokens(
    worker,
    queue,
    options.tokenTimeoutMs ?? LIMITS.tokenOperationTimeoutMs,
    locks && new SharedListings(locks, () => worker.modulePaths),
  );
  const websocket = new WebSocketEndpoint(log);
  websocket.notify = notify;
  const viettel = new ViettelListener(log);
  viettel.notify = notify;
  const handlers = createCommandHandlers(tokens, {
    tokenTimeoutMs: options.tokenTimeoutMs,
    tokenWaitMs: options.tokenWaitMs,
    batchIdleTimeoutMs: options.batchIdleTimeoutMs,
    validationDataMs: options.validationDataMs,
    websocket,
    viettel,
  });
  return { handlers, websocket, viettel };
}
