/**
 * Local WebSocket mode, the extension's side: the host relays a local program's request as an
 * event; it runs through the same request table and the same consent as a page's, and the answer
 * goes back to the host. The host's listener follows the user's setting.
 */
import type { Answer } from '../../../shared/protocol/common.js';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import { bytesToBase64 } from '../../../shared/encoding.js';
import {
  WEBSOCKET_ANSWER_PART_BYTES,
  type WebSocketGoneEvent,
  type WebSocketRequestEvent,
} from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import type { NativeHostClient } from './native-host.js';
import type { BackgroundServices } from './requests/context.js';
import { runPageRequest } from './requests/index.js';
import { webSocketSetting } from './settings.js';

/**
 * The requests being run, by the host's request id → the object that stands for their client (as a
 * page's connection does for a page's requests): when the client goes, its request ends.
 */
const clients = new Map<string, object>();

/** The host says a request's WebSocket client went away: its consent window closes, nothing is signed. */
export function webSocketClientGone(services: BackgroundServices, event: WebSocketGoneEvent): void {
  const client = clients.get(event.requestId);
  if (client) services.consent.pageGone(client);
}

/** A local program's request, relayed by the host: only while the mode is on and for the origins the user listed. */
export async function relayWebSocketRequest(
  services: BackgroundServices,
  event: WebSocketRequestEvent,
): Promise<void> {
  let answer: Answer;
  const client = {};
  clients.set(event.requestId, client);
  try {
    const setting = await webSocketSetting();
    if (!setting?.enabled || !setting.allowedOrigins.includes(event.origin)) {
      throw new KysoError('ORIGIN_NOT_ALLOWED', undefined, { origin: event.origin });
    }
    answer = {
      ok: true,
      result: await runPageRequest(services, event.type, event.params, {
        origin: event.origin,
        viaWebSocket: true,
        page: client,
      }),
    };
  } catch (error) {
    answer = { ok: false, error: toWireError(error) };
  } finally {
    clients.delete(event.requestId);
  }
  // A host that went away has no one to deliver the answer to.
  await deliver(services.host, event.requestId, answer).catch(() => undefined);
}

/** Room in a frame to the host for the call around an answer (id, command, requestId). */
const ANSWER_ENVELOPE_BYTES = 256;

/**
 * The answer to the host: whole, or — a batch's CMS, which a frame to the host cannot hold (a few
 * dozen already pass maxFrameToHostBytes) — its JSON in parts, in order, the last marked.
 */
async function deliver(host: NativeHostClient, requestId: string, answer: Answer): Promise<void> {
  const json = new TextEncoder().encode(JSON.stringify(answer));
  if (json.length + ANSWER_ENVELOPE_BYTES <= LIMITS.maxFrameToHostBytes) {
    await host.call('websocket-answer', { requestId, answer }, LIMITS.tokenOperationTimeoutMs);
    return;
  }
  for (let at = 0; at < json.length; at += WEBSOCKET_ANSWER_PART_BYTES) {
    const part = bytesToBase64(json.subarray(at, at + WEBSOCKET_ANSWER_PART_BYTES));
    const last = at + WEBSOCKET_ANSWER_PART_BYTES >= json.length;
    const { delivered } = await host.call(
      'websocket-answer',
      { requestId, part, last },
      LIMITS.tokenOperationTimeoutMs,
    );
    if (!delivered) return; // the client went away meanwhile
  }
}

/** Starts or stops the host's WebSocket listener to match the settings (the open port keeps the host, and this worker, running). */
export async function applyWebSocketSetting(host: NativeHostClient): Promise<void> {
  const setting = await webSocketSetting();
  // A host that cannot listen (missing, port taken) leaves the mode off; the options page shows the host's state.
  if (setting?.enabled) {
    await host
      .call(
        'websocket',
        { serve: { port: setting.port, allowedOrigins: setting.allowedOrigins } },
        LIMITS.tokenOperationTimeoutMs,
      )
      .catch(() => undefined);
  } else if (host.connected) {
    await host.call('websocket', { serve: null }, LIMITS.tokenOperationTimeoutMs).catch(() => undefined);
  }
}

/** A host that exits takes the listener with it: start it again (after a pause) while the mode is on. */
export async function restartWebSocketIfEnabled(host: NativeHostClient): Promise<void> {
  const setting = await webSocketSetting();
  // applyWebSocketSetting never rejects; nothing waits for the restart.
  if (setting?.enabled) setTimeout(() => void applyWebSocketSetting(host), 1_000);
}
