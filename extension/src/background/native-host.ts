/**
 * The one native-messaging port to kyso-host: opened on demand, greeted with a version handshake,
 * kept open (warm) and reused; every frame is validated both ways against the shared schemas.
 */
import { benchMark } from './bench.js';
import browser, { type Runtime } from 'webextension-polyfill';
import { KysoError } from '../../../shared/protocol/errors.js';
import {
  HostEventSchema,
  HostResponseSchema,
  HostStatusEventSchema,
  hostCommands,
  type HostCommand,
  type HostEvent,
  type HostParams,
  type HostResult,
  type HostStatusEvent,
} from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { parseOrBadRequest } from '../../../shared/protocol/validate.js';
import { KYSO_VERSION, NATIVE_HOST_NAME, PROTOCOL_VERSION } from '../../../shared/version.js';

interface Pending {
  resolve(result: unknown): void;
  reject(error: KysoError): void;
  command: HostCommand;
  timer: ReturnType<typeof setTimeout>;
}

/** What browsers say when the host is not registered, or registered for another extension. */
function disconnectError(message: string | undefined): KysoError {
  if (message && /not found|forbidden|No such native application|not allowed/i.test(message)) {
    return new KysoError('HOST_NOT_INSTALLED', undefined, { browser: message.slice(0, 200) });
  }
  return new KysoError('INTERNAL', 'the kyso host stopped', {
    browser: (message ?? 'disconnected').slice(0, 200),
  });
}

/**
 * The port is closed (and the host exits) after this long without a call: a host started for a
 * page that then signs nothing does not stay for the rest of the browser's life. Longer than a
 * consent may wait for the user, so an open window never loses its host.
 */
export const HOST_IDLE_DISCONNECT_MS = 15 * 60_000;

export class NativeHostClient {
  /** What the host sends unasked (a local WebSocket client's request). */
  onEvent: (event: HostEvent) => void = () => undefined;
  /** A request waits for the token (another request, or another kyso process, holds it). */
  onStatus: (event: HostStatusEvent) => void = () => undefined;
  /** The port closed (host exited, crashed or was disconnected). */
  onDisconnected: () => void = () => undefined;
  /** Whether the host must stay although idle (it listens for local programs: WebSocket mode). */
  holdOpen: () => Promise<boolean> = () => Promise.resolve(false);
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private port: Runtime.Port | undefined;
  private handshake: Promise<HostResult<'hello'>> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private connections = 0;

  /** Connects (once) and checks versions; resolves with the host's hello. */
  connect(): Promise<HostResult<'hello'>> {
    if (this.handshake) return this.handshake;
    const port = browser.runtime.connectNative(NATIVE_HOST_NAME);
    this.port = port;
    this.connections++;
    port.onMessage.addListener((message: unknown) => this.onMessage(message));
    port.onDisconnect.addListener((p) => {
      // Chrome reports through runtime.lastError, Firefox through port.error.
      const message =
        (p as { error?: { message?: string } }).error?.message ?? browser.runtime.lastError?.message;
      this.onDisconnect(port, disconnectError(message));
    });
    this.handshake = this.send(
      'hello',
      { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION },
      LIMITS.hostHandshakeTimeoutMs,
    ).then((hello) => {
      if (hello.protocolVersion !== PROTOCOL_VERSION) {
        throw new KysoError('VERSION_MISMATCH', undefined, {
          hostProtocol: hello.protocolVersion,
          extensionProtocol: PROTOCOL_VERSION,
          update: hello.protocolVersion < PROTOCOL_VERSION ? 'host' : 'extension',
        });
      }
      return hello;
    });
    this.handshake.catch(() => this.disconnect());
    return this.handshake;
  }

  async call<C extends HostCommand>(
    command: C,
    params: HostParams<C>,
    timeoutMs: number,
  ): Promise<HostResult<C>> {
    await this.connect();
    return this.send(command, params, timeoutMs);
  }

  disconnect(): void {
    const port = this.port;
    if (port) {
      port.disconnect();
      this.onDisconnect(port, new KysoError('INTERNAL', 'disconnected'));
    }
  }

  private send<C extends HostCommand>(
    command: C,
    params: HostParams<C>,
    timeoutMs: number,
  ): Promise<HostResult<C>> {
    const checked = parseOrBadRequest(hostCommands[command].params, params, command);
    const port = this.port;
    if (!port) return Promise.reject(new KysoError('INTERNAL', 'not connected'));
    this.armIdleTimer();
    const id = this.nextId++;
    return new Promise<HostResult<C>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new KysoError('TIMEOUT', undefined, { command }));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, command, timer });
      try {
        if (command === 'sign-cms') benchMark('background:port-send');
        port.postMessage({ id, command, params: checked });
      } catch {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new KysoError('HOST_NOT_INSTALLED'));
      }
    });
  }

  /** Every call starts the idle time afresh; it ends the port only when nothing is in flight. */
  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size > 0) return this.armIdleTimer();
      void this.holdOpen().then(
        (hold) => {
          if (!hold && this.pending.size === 0) this.disconnect();
        },
        () => undefined,
      );
    }, HOST_IDLE_DISCONNECT_MS);
  }

  get connected(): boolean {
    return this.port !== undefined;
  }

  /**
   * Which host process answers now: it changes when a new one is started. What lives in a host
   * (an open batch, its login) is gone once the connection it was made on is.
   */
  get connection(): number {
    return this.connected ? this.connections : 0;
  }

  private onMessage(message: unknown): void {
    // Unasked messages name an event; answers never do (each is then checked by its one schema,
    // not tried against the others first).
    if (typeof message === 'object' && message !== null && 'event' in message) {
      const status = HostStatusEventSchema.safeParse(message);
      if (status.success) return this.onStatus(status.data);
      const event = HostEventSchema.safeParse(message);
      if (event.success) this.onEvent(event.data);
      return;
    }
    const parsed = HostResponseSchema.safeParse(message);
    if (!parsed.success || parsed.data.id === null) return; // frame-level errors carry no id
    const response = parsed.data;
    const pending = this.pending.get(response.id!);
    if (!pending) return;
    if (pending.command === 'sign-cms') benchMark('background:port-answer');
    this.pending.delete(response.id!);
    clearTimeout(pending.timer);
    if (!response.ok) return pending.reject(KysoError.fromWire(response.error));
    const result = hostCommands[pending.command].result.safeParse(response.result);
    if (result.success) pending.resolve(result.data);
    else pending.reject(new KysoError('INTERNAL', 'unexpected answer from the kyso host'));
  }

  private onDisconnect(port: Runtime.Port, error: KysoError): void {
    if (this.port !== port) return;
    this.port = undefined;
    this.handshake = undefined;
    clearTimeout(this.idleTimer);
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
    this.onDisconnected();
  }
}
