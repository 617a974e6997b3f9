/**
 * Whether an idle host must stay (see HOST_IDLE_DISCONNECT_MS): it listens for local programs
 * (WebSocket mode) or for Viettel-CA pages, and would stop listening if it exited.
 */
import { viettelListenerWanted } from '../plugins/viettel-relay.js';
import { webSocketSetting } from './settings.js';

export async function hostMustStayOpen(): Promise<boolean> {
  return (
    (await webSocketSetting().catch(() => undefined))?.enabled === true || (await viettelListenerWanted())
  );
}
