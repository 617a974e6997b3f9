/**
 * Runs in the page's own world at document_start, registered only for the origins the user set to
 * "use kyso" (see registration.ts). It answers the signing plugins' loopback sockets so the
 * portal's unmodified plugin script (vgcaplugin.js, …) signs through kyso: every signature still
 * goes through kyso's consent window, with the origin the browser reports.
 *
 * The page can call this code directly; that gives it nothing it could not ask kyso for through the
 * SDK, under the same consent.
 */
import { BkavConnection, isBkavUrl } from '../../../shared/sdk/plugins/bkav.js';
import { PAGE_SDK_CALLS } from '../../../shared/sdk/plugins/common.js';
import { PAGE_VIETTEL_READERS } from '../../../shared/sdk/plugins/viettel-readers.js';
import { answerVgca, vgcaEndpoint } from '../../../shared/sdk/plugins/vgca.js';
import { ViettelPlugin, viettelFunction } from '../../../shared/sdk/plugins/viettel.js';
import { answerVnpt, isVnptUrl } from '../../../shared/sdk/plugins/vnpt.js';
import { EmulatedSocket, type PluginConnection } from './emulated-socket.js';
import { emulatedXhrClass } from './emulated-xhr.js';

const INSTALLED = Symbol.for('kyso.plugins');

function connectionFor(url: string): PluginConnection | undefined {
  const endpoint = vgcaEndpoint(url);
  if (endpoint !== undefined) {
    return {
      plugin: 'vgca',
      onMessage: async (frame) => [await answerVgca(endpoint, frame, { pageUrl: location.href, lang: 'vi' })],
    };
  }
  if (isVnptUrl(url)) return { plugin: 'vnpt', onMessage: async (frame) => [await answerVnpt(frame)] };
  if (isBkavUrl(url)) {
    // One conversation per socket: a long call arrives in several frames.
    const bkav = new BkavConnection('vi');
    return { plugin: 'bkav', onMessage: (frame) => bkav.onFrame(frame) };
  }
  return undefined;
}

function install(): void {
  const scope = window as unknown as Record<symbol, boolean>;
  if (scope[INSTALLED]) return;
  scope[INSTALLED] = true;
  const NativeWebSocket = window.WebSocket;
  const PatchedWebSocket = new Proxy(NativeWebSocket, {
    construct(target, args: unknown[], newTarget) {
      let absolute: string | undefined;
      try {
        absolute = new URL(String(args[0])).href;
      } catch {
        absolute = undefined; // the browser's own constructor throws the right SyntaxError
      }
      const connection = absolute ? connectionFor(absolute) : undefined;
      if (!connection) return Reflect.construct(target, args, newTarget) as WebSocket;
      return new EmulatedSocket(
        absolute!,
        connection,
        NativeWebSocket,
        args[1] as string | string[] | undefined,
      );
    },
  });
  Object.defineProperty(window, 'WebSocket', {
    value: PatchedWebSocket,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  // Viettel-CA: one plugin state (session, shared certificate, last error) per page, as the plugin keeps per browser.
  const viettel = new ViettelPlugin('vi', PAGE_SDK_CALLS, PAGE_VIETTEL_READERS);
  Object.defineProperty(window, 'XMLHttpRequest', {
    value: emulatedXhrClass(
      window.XMLHttpRequest,
      (url) => viettelFunction(url) !== undefined,
      (url, body) => viettel.answer(viettelFunction(url) ?? '', body),
    ),
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

install();
