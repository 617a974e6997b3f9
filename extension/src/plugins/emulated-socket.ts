/**
 * A WebSocket that a plugin emulator answers instead of the network. It behaves as the browser's
 * own from the page's side (readyState, on* handlers and listeners, open → message → close), so a
 * plugin's unmodified page script cannot tell. Before opening it asks kyso whether this origin is
 * set to "use kyso"; when not, it becomes a real socket to the same address (the installed plugin,
 * or nothing: the page sees what it sees without kyso).
 */
import { pluginRequest } from '../../../shared/sdk/index.js';

export type PluginName = 'vgca' | 'vnpt' | 'viettel' | 'bkav';

/** One connection's protocol: each text frame in, the frames to send back. */
export interface PluginConnection {
  plugin: PluginName;
  onMessage(frame: unknown): Promise<string[]>;
}

/**
 * Whether kyso answers this page's plugin sockets, asked once per page and plugin: the choice only
 * changes with a reload (kyso reloads the site's tabs when the user changes it).
 */
const enabledByPlugin = new Map<PluginName, Promise<boolean>>();
export function enabledFor(plugin: PluginName): Promise<boolean> {
  let answer = enabledByPlugin.get(plugin);
  if (!answer) {
    answer = pluginRequest({ action: 'hello', plugin }, { ackTimeoutMs: 3_000 }).then(
      ({ enabled }) => enabled === true,
      () => {
        enabledByPlugin.delete(plugin); // not answered (extension busy or rate-limited): ask again next time
        return false;
      },
    );
    enabledByPlugin.set(plugin, answer);
  }
  return answer;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const HANDLER_TYPES = ['open', 'message', 'error', 'close'] as const;

type Handler = ((this: EmulatedSocket, event: Event) => unknown) | null;

export class EmulatedSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  readonly url: string;
  readyState: number = CONNECTING;
  protocol = '';
  extensions = '';
  bufferedAmount = 0;
  binaryType: BinaryType = 'blob';
  onopen: Handler = null;
  onmessage: Handler = null;
  onerror: Handler = null;
  onclose: Handler = null;
  /** Set when this origin keeps the installed plugin: everything goes to the real socket. */
  private native: WebSocket | undefined;

  constructor(
    url: string,
    private readonly connection: PluginConnection,
    NativeWebSocket: typeof WebSocket,
    protocols?: string | string[],
  ) {
    super();
    this.url = url;
    for (const type of HANDLER_TYPES) {
      this.addEventListener(type, (event) => {
        const handler = this[`on${type}`];
        if (typeof handler === 'function') handler.call(this, event);
      });
    }
    // The page's constructor cannot wait: the socket opens, or becomes the native one, once kyso answers (enabledFor never rejects).
    void enabledFor(connection.plugin).then((enabled) =>
      enabled ? this.open() : this.becomeNative(NativeWebSocket, protocols),
    );
  }

  private open(): void {
    if (this.readyState !== CONNECTING) return;
    this.readyState = OPEN;
    this.dispatchEvent(new Event('open'));
  }

  private becomeNative(NativeWebSocket: typeof WebSocket, protocols?: string | string[]): void {
    if (this.readyState !== CONNECTING) return;
    const socket = new NativeWebSocket(this.url, protocols);
    this.native = socket;
    socket.binaryType = this.binaryType;
    socket.onopen = () => {
      this.readyState = OPEN;
      this.protocol = socket.protocol;
      this.dispatchEvent(new Event('open'));
    };
    socket.onmessage = (event) =>
      this.dispatchEvent(new MessageEvent('message', { data: event.data as unknown, origin: event.origin }));
    socket.onerror = () => this.dispatchEvent(new Event('error'));
    socket.onclose = (event) => {
      this.readyState = CLOSED;
      this.dispatchEvent(
        new CloseEvent('close', { code: event.code, reason: event.reason, wasClean: event.wasClean }),
      );
    };
  }

  send(data: unknown): void {
    if (this.readyState === CONNECTING)
      throw new DOMException(
        "Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.",
        'InvalidStateError',
      );
    if (this.native) return this.native.send(data as string);
    if (this.readyState !== OPEN) return;
    // send() returns nothing to the page: the answers arrive as message events.
    void this.connection.onMessage(data).then((frames) => {
      for (const frame of frames) {
        if (this.readyState !== OPEN) return;
        this.dispatchEvent(new MessageEvent('message', { data: frame, origin: new URL(this.url).origin }));
      }
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.native) return this.native.close(code, reason);
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    queueMicrotask(() => this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean: true })));
  }
}
