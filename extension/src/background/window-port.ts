import type { Runtime } from 'webextension-polyfill';

/**
 * A sender to an extension window's port that ignores a window already closed: its
 * windows.onRemoved handler ends whatever the window was for.
 */
export function senderTo<Message>(port: Runtime.Port): (message: Message) => void {
  return (message) => {
    try {
      port.postMessage(message);
    } catch {
      // the window is gone
    }
  };
}
