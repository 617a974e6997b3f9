/**
 * The part of the browser's extension API that `NativeHostClient` and the settings it reads use,
 * for tests that run the extension's background modules in Node: `runtime.connectNative` does what
 * the browser does — starts the registered host (kyso-host, with the extension's origin as its
 * argument) and frames messages over its stdin/stdout — and `storage` is an in-memory storage.local
 * (with onChanged) and an empty managed policy. Nothing of kyso's own is replaced: this stands in
 * for the browser only. Use with `vi.mock('webextension-polyfill', …)`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { FrameReader, encodeFrame } from '../../native-host/src/messaging/framing.js';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { HOST_LAUNCHER } from './paths.js';

type Listener<A extends unknown[]> = (...args: A) => void;
function event<A extends unknown[]>() {
  const listeners: Array<Listener<A>> = [];
  return {
    addListener: (listener: Listener<A>) => void listeners.push(listener),
    removeListener: (listener: Listener<A>) => void listeners.splice(listeners.indexOf(listener), 1),
    emit: (...args: A) => listeners.slice().forEach((listener) => listener(...args)),
  };
}

/** Chrome's limit on one host → browser message. */
const HOST_MESSAGE_LIMIT = 1 << 20;

/** What the browser keeps of each host it started: the process, for a test to look at. */
export const startedHosts: ChildProcessWithoutNullStreams[] = [];
/** Resolves when every host started so far has exited (disconnected, each host ends by itself). */
export function startedHostsEnded(): Promise<unknown> {
  return Promise.all(
    startedHosts
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map((child) => new Promise((resolve) => child.once('exit', resolve))),
  );
}

/** The environment the next hosts start with (the test token's). */
export const hostEnvironment: Record<string, string> = {};

function connectNative(name: string) {
  const child = spawn(process.execPath, [HOST_LAUNCHER, `chrome-extension://${CHROMIUM_EXTENSION_ID}/`], {
    env: { ...process.env, ...hostEnvironment },
    stdio: 'pipe',
  });
  startedHosts.push(child);
  const onMessage = event<[unknown]>();
  const onDisconnect = event<[unknown]>();
  const reader = new FrameReader(HOST_MESSAGE_LIMIT);
  let open = true;
  const port = {
    name,
    error: undefined as { message: string } | undefined,
    onMessage,
    onDisconnect,
    postMessage(message: unknown) {
      if (!open) throw new Error('Attempting to use a disconnected port object');
      child.stdin.write(encodeFrame(message, 64 << 20));
    },
    /** As the browser does: the host's stdin is closed (the host then ends), and no onDisconnect on this side. */
    disconnect() {
      if (!open) return;
      open = false;
      child.stdin.end();
    },
  };
  child.stdout.on('data', (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) if (open && frame.kind === 'message') onMessage.emit(frame.value);
  });
  child.stdin.on('error', () => undefined); // a host that exited first: its 'exit' reports it
  child.once('exit', () => {
    if (!open) return;
    open = false;
    port.error = { message: 'Native host has exited.' };
    onDisconnect.emit(port);
  });
  return port;
}

const local: Record<string, unknown> = {};
const onChanged = event<[Record<string, { oldValue?: unknown; newValue?: unknown }>, string]>();
const keysOf = (keys: string | string[] | null | undefined) =>
  keys == null ? Object.keys(local) : typeof keys === 'string' ? [keys] : keys;

export const nativeMessagingBrowser = {
  runtime: { id: 'kyso-test', connectNative, lastError: undefined },
  storage: {
    local: {
      get: async (keys?: string | string[] | null) =>
        Object.fromEntries(
          keysOf(keys)
            .filter((k) => k in local)
            .map((k) => [k, structuredClone(local[k])]),
        ),
      set: async (items: Record<string, unknown>) => {
        const changes = Object.fromEntries(
          Object.entries(items).map(([k, v]) => [k, { oldValue: local[k], newValue: v }]),
        );
        Object.assign(local, structuredClone(items));
        onChanged.emit(changes, 'local');
      },
      remove: async (keys: string | string[]) => {
        const changes = Object.fromEntries(keysOf(keys).map((k) => [k, { oldValue: local[k] }]));
        for (const key of keysOf(keys)) delete local[key];
        onChanged.emit(changes, 'local');
      },
    },
    managed: { get: async () => ({}) },
    onChanged,
  },
};
