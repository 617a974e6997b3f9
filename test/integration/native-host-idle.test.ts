/**
 * The extension's native port closes after HOST_IDLE_DISCONNECT_MS without a call, and the host it
 * started exits; the next call starts a new host, which signs. While WebSocket mode is on, the idle
 * host is held (it listens for local programs). The extension's own NativeHostClient, settings and
 * WebSocket relay against the real host process; the browser's part (connectNative, storage) is
 * test/support/native-messaging-browser.ts, and the 15 minutes pass on vitest's fake clock.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { HOST_IDLE_DISCONNECT_MS, NativeHostClient } from '../../extension/src/background/native-host.js';
import { hostMustStayOpen } from '../../extension/src/background/host-hold.js';
import { applyWebSocketSetting } from '../../extension/src/background/websocket-relay.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import {
  hostEnvironment,
  nativeMessagingBrowser,
  startedHosts,
} from '../support/native-messaging-browser.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { connectWebSocket, freePort } from '../support/websocket-client.js';

vi.hoisted(() => {
  // bench.ts's compile-time constant, as every build but the benchmark's defines it.
  (globalThis as { __KYSO_BENCH__?: boolean }).__KYSO_BENCH__ = false;
});
vi.mock('webextension-polyfill', async () => ({
  default: (await import('../support/native-messaging-browser.js')).nativeMessagingBrowser,
}));

/** Whether process `pid` still exists. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const exited = (index: number) =>
  new Promise<void>((resolve) => {
    const child = startedHosts[index]!;
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });

describe('the idle native host', () => {
  let token: TestToken;
  let client: NativeHostClient;

  beforeAll(() => {
    token = copyTestToken();
    Object.assign(hostEnvironment, token.env);
  });
  afterAll(() => token.remove());
  beforeEach(() => {
    // Only the client's timers run on the fake clock; the host process and its pipes are real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    client = new NativeHostClient();
    client.holdOpen = hostMustStayOpen; // as the background wires it
  });
  afterEach(async () => {
    vi.useRealTimers();
    client.disconnect();
    await nativeMessagingBrowser.storage.local.remove('websocket');
    await Promise.all(startedHosts.map((_, i) => exited(i)));
    startedHosts.length = 0;
  });

  it('closes the port after the idle time without a call; the host exits; the next call starts a new host that signs', async () => {
    const { certificates } = await client.call('list-certificates', {}, LIMITS.tokenOperationTimeoutMs);
    const certificate = certificates.find((c) => c.id.endsWith('/01'))!;
    const first = startedHosts[0]!;
    expect(startedHosts).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(HOST_IDLE_DISCONNECT_MS - 1_000);
    expect(client.connected).toBe(true);
    expect(running(first.pid!)).toBe(true);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(client.connected).toBe(false);
    await exited(0);
    expect(running(first.pid!)).toBe(false);
    expect(first.exitCode).toBe(0); // it ended as a host whose browser closed the port: cleanly

    const content = Buffer.from('Tờ khai ký sau khi host nghỉ\n');
    const signed = await client.call(
      'sign-cms',
      {
        certificateId: certificate.id,
        pin: token.pin,
        digest: createHash('sha256').update(content).digest('base64'),
        digestAlgorithm: 'SHA-256',
        origin: 'https://dichvucong.gov.vn',
      },
      LIMITS.tokenOperationTimeoutMs,
    );
    expect(startedHosts).toHaveLength(2);
    expect(startedHosts[1]!.pid).not.toBe(first.pid);
    expect(
      opensslCmsVerify({ cms: Buffer.from(signed.cms, 'base64'), content, caFile: token.caPem }).ok,
    ).toBe(true);
  });

  it('a call starts the idle time afresh', async () => {
    await client.connect();
    await vi.advanceTimersByTimeAsync(HOST_IDLE_DISCONNECT_MS - 1_000);
    await client.call('list-certificates', {}, LIMITS.tokenOperationTimeoutMs);
    await vi.advanceTimersByTimeAsync(HOST_IDLE_DISCONNECT_MS - 1_000);
    expect(client.connected).toBe(true);
    expect(running(startedHosts[0]!.pid!)).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(client.connected).toBe(false);
    await exited(0);
  });

  it('with WebSocket mode on, the idle host stays and listens; once the mode is off it goes after the idle time', async () => {
    const port = await freePort();
    const listening = async () => {
      const socket = await connectWebSocket(`ws://127.0.0.1:${port}`, 'app://ke-toan');
      if (socket instanceof WebSocket) socket.close();
      return socket instanceof WebSocket;
    };
    await nativeMessagingBrowser.storage.local.set({
      websocket: { enabled: true, port, allowedOrigins: ['app://ke-toan'] },
    });
    await applyWebSocketSetting(client); // what the background does when the setting changes
    expect(await listening()).toBe(true);

    await vi.advanceTimersByTimeAsync(3 * HOST_IDLE_DISCONNECT_MS);
    expect(client.connected).toBe(true);
    expect(startedHosts).toHaveLength(1);
    expect(running(startedHosts[0]!.pid!)).toBe(true);
    expect(await listening()).toBe(true);

    await nativeMessagingBrowser.storage.local.set({
      websocket: { enabled: false, port, allowedOrigins: ['app://ke-toan'] },
    });
    await applyWebSocketSetting(client);
    expect(await listening()).toBe(false);
    await vi.advanceTimersByTimeAsync(HOST_IDLE_DISCONNECT_MS);
    expect(client.connected).toBe(false);
    await exited(0);
    expect(running(startedHosts[0]!.pid!)).toBe(false);
  });
});
