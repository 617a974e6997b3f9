/**
 * The host's optional local WebSocket mode, with this test standing in for the extension: who may
 * connect (127.0.0.1, allowed origins only), what may be asked (digests only), and that every
 * request goes to the extension as an event and only the extension's answer comes back.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { askWebSocket, connectWebSocket, freePort } from '../support/websocket-client.js';
import type { HostProcess } from '../support/host-process.js';
import { WEBSOCKET_ANSWER_PART_BYTES } from '../../shared/protocol/host.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { WEBSOCKET_REPLACED_CLOSE_CODE } from '../../native-host/src/websocket/endpoint.js';

const digest = Buffer.alloc(32, 7).toString('base64');
const signCms = { digest, digestAlgorithm: 'SHA-256', description: 'Chứng từ kế toán số 15' };

describe('local WebSocket mode (host side)', () => {
  let session: HostSession;
  let host: HostProcess;
  let port: number;
  let url: string;

  beforeAll(async () => {
    session = await startHostSession({ listCertificates: false });
    ({ host } = session);
    port = await freePort();
    url = `ws://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await session?.close();
  });

  it('is off until the extension turns it on, and then listens for the allowed origins only', async () => {
    expect(await connectWebSocket(url, 'app://ke-toan')).toBe('refused');
    // A website cannot be listed: its pages could then use the socket, and kyso's window would say
    // a program on this computer asks.
    expect(
      await host.request('websocket', { serve: { port, allowedOrigins: ['https://thue.gov.vn'] } }),
    ).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await connectWebSocket(url, 'https://thue.gov.vn')).toBe('refused');
    const on = await host.request('websocket', { serve: { port, allowedOrigins: ['app://ke-toan'] } });
    expect(on).toMatchObject({ ok: true, result: { listening: true, port } });
    expect(await connectWebSocket(url, 'https://evil.example')).toBe(403);
    expect(await connectWebSocket(`ws://localhost:${port}`, 'app://ke-toan')).toBe(403); // another Host: DNS rebinding
    // A protocol-8 handshake names the allowed origin in Sec-WebSocket-Origin and another in Origin:
    // the origin checked must be the one relayed to the extension.
    const version8 = new WebSocket(url, {
      protocolVersion: 8,
      origin: 'app://ke-toan',
      headers: { Origin: 'https://evil.example' },
    });
    expect(
      await new Promise((resolve) => {
        version8.once('open', () => resolve('open'));
        version8.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      }),
    ).toBe(403);
    const socket = await connectWebSocket(url, 'app://ke-toan');
    expect(socket).toBeInstanceOf(WebSocket);
    (socket as WebSocket).close();
  });

  it('relays a request to the extension as an event and the extension’s answer back; nothing else answers', async () => {
    const socket = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    const answered = askWebSocket(socket, { id: 'r1', type: 'sign-cms', params: signCms });
    const event = await host.event();
    expect(event).toMatchObject({
      event: 'websocket-request',
      origin: 'app://ke-toan',
      type: 'sign-cms',
      params: signCms,
    });

    // While the user decides, the client's next request is refused: one at a time.
    expect(await askWebSocket(socket, { id: 'r2', type: 'status', params: {} })).toMatchObject({
      id: 'r2',
      ok: false,
      error: { code: 'BUSY' },
    });

    const delivered = await host.request('websocket-answer', {
      requestId: event.requestId,
      answer: { ok: false, error: { code: 'USER_CANCELLED', message: 'cancelled' } },
    });
    expect(delivered).toMatchObject({ ok: true, result: { delivered: true } });
    expect(await answered).toEqual({
      id: 'r1',
      ok: false,
      error: { code: 'USER_CANCELLED', message: 'cancelled' },
    });
    // An answer for no waiting request goes nowhere.
    expect(
      await host.request('websocket-answer', {
        requestId: event.requestId,
        answer: { ok: true, result: {} },
      }),
    ).toMatchObject({ ok: true, result: { delivered: false } });
    socket.close();
  });

  it('tells the extension when a client goes away while its request waits; the request ends there', async () => {
    const socket = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    void askWebSocket(socket, { id: 'r3', type: 'sign-cms', params: signCms });
    const event = await host.event();
    socket.close(); // the accounting program was closed while the consent window was open
    expect(await host.eventNamed('websocket-gone')).toEqual({
      event: 'websocket-gone',
      requestId: event.requestId,
    });
    // Nothing waits for the extension's answer any more.
    expect(
      await host.request('websocket-answer', {
        requestId: event.requestId,
        answer: { ok: true, result: {} },
      }),
    ).toMatchObject({ ok: true, result: { delivered: false } });
    // A client that goes with nothing waiting is no event.
    const idle = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    expect(await askWebSocket(idle, { id: 'r4', type: 'sign-cms', params: { digest: 'x' } })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    idle.close();
    await expect(host.eventNamed('websocket-gone', 1_000)).rejects.toThrow(/no frame/);
  });

  it('refuses documents, malformed and oversized messages without asking the extension', async () => {
    const socket = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    const pdf = {
      id: 'p',
      type: 'sign-many',
      params: { description: 'x', documents: [{ kind: 'pdf', name: 'a.pdf', pdf: 'JVBERi0=' }] },
    };
    expect(await askWebSocket(socket, pdf)).toMatchObject({
      id: 'p',
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await askWebSocket(socket, 'not json')).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await askWebSocket(socket, { id: 'x', type: 'begin-batch', params: {} })).toMatchObject({
      id: 'x',
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(
      await askWebSocket(socket, { id: 'd', type: 'sign-cms', params: { ...signCms, digest: 'AAAA' } }),
    ).toMatchObject({ id: 'd', ok: false, error: { code: 'BAD_REQUEST' } });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('x'.repeat(256 * 1024 + 1));
    expect(await closed).toBe(1009); // message too big
    await expect(host.event(500)).rejects.toThrow(/no frame/);
  });

  it('an answer larger than a frame to the host comes in parts and reaches the client whole; a part for nobody is dropped', async () => {
    const socket = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    const documents = Array.from({ length: 60 }, (_, i) => ({
      kind: 'cms',
      name: `chung-tu-${i}`,
      digest,
      digestAlgorithm: 'SHA-256',
    }));
    const answered = askWebSocket(socket, {
      id: 'big',
      type: 'sign-many',
      params: { description: 'Lô', documents },
    });
    const event = await host.eventNamed('websocket-request');
    // As the extension answers a batch of 60 CMS of a few KB: its JSON in base64 parts.
    const answer = {
      ok: true,
      result: {
        certificate: 'Q0VSVA==',
        results: documents.map((_, i) => ({ ok: true, cms: Buffer.alloc(3000, i).toString('base64') })),
      },
    };
    const json = Buffer.from(JSON.stringify(answer));
    expect(json.length).toBeGreaterThan(LIMITS.maxFrameToHostBytes);
    for (let at = 0; at < json.length; at += WEBSOCKET_ANSWER_PART_BYTES) {
      const part = json.subarray(at, at + WEBSOCKET_ANSWER_PART_BYTES).toString('base64');
      const last = at + WEBSOCKET_ANSWER_PART_BYTES >= json.length;
      expect(
        await host.request('websocket-answer', { requestId: event.requestId, part, last }),
      ).toMatchObject({ ok: true, result: { delivered: true } });
    }
    expect(await answered).toEqual({ id: 'big', ...answer });
    expect(
      await host.request('websocket-answer', { requestId: event.requestId, part: 'e30=', last: true }),
    ).toMatchObject({ ok: true, result: { delivered: false } });
    socket.close();
  });

  it('a program holding every slot without speaking cannot keep another out: the client idle the longest makes room, one waiting for consent never does', async () => {
    const closeCode = (socket: WebSocket) =>
      new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    // A program that connects as many times as it may and never sends a message.
    const silent: WebSocket[] = [];
    const waiting: WebSocket[] = [];
    try {
      for (let i = 0; i < LIMITS.maxWebSocketClients; i++)
        silent.push((await connectWebSocket(url, 'app://ke-toan')) as WebSocket);
      const firstClosed = closeCode(silent[0]!);
      const accounting = await connectWebSocket(url, 'app://ke-toan');
      expect(accounting).toBeInstanceOf(WebSocket);
      expect(await firstClosed).toBe(WEBSOCKET_REPLACED_CLOSE_CODE); // the one idle the longest
      // The newcomer is served like any client: its request reaches the extension.
      waiting.push(accounting as WebSocket);
      void askWebSocket(accounting as WebSocket, { id: 's1', type: 'sign-cms', params: signCms });
      expect(await host.event()).toMatchObject({ event: 'websocket-request', origin: 'app://ke-toan' });

      // Every slot waits for the user: nobody is closed for a newcomer, who is refused.
      for (const socket of silent.slice(1)) {
        void askWebSocket(socket, { id: 'w', type: 'sign-cms', params: signCms });
        waiting.push(socket);
        await host.event();
      }
      expect(await connectWebSocket(url, 'app://ke-toan')).toBe(403);
    } finally {
      for (const socket of silent) socket.close();
      for (const socket of waiting) socket.close();
    }
    for (let i = 0; i < waiting.length; i++) await host.eventNamed('websocket-gone');
  });

  it('a program that keeps reconnecting replaces its own connections, never another program’s idle one', async () => {
    const origins = ['app://ke-toan', 'app://hoa-don', 'app://vong-lap'];
    expect(await host.request('websocket', { serve: { port, allowedOrigins: origins } })).toMatchObject({
      ok: true,
    });
    const open = new Set<WebSocket>();
    /** The client the next connection closes (code 4001), whichever it is. */
    const nextReplaced = async () => {
      const [socket, code] = await Promise.race(
        [...open].map(
          (socket) =>
            new Promise<[WebSocket, number]>((resolve) =>
              socket.once('close', (code) => resolve([socket, code])),
            ),
        ),
      );
      expect(code).toBe(WEBSOCKET_REPLACED_CLOSE_CODE);
      open.delete(socket);
      return socket;
    };
    const connect = async (origin: string) => {
      const socket = (await connectWebSocket(url, origin)) as WebSocket;
      expect(socket).toBeInstanceOf(WebSocket);
      open.add(socket);
      return socket;
    };
    // Two programs connect and stay idle between signatures; a third fills the other places, then
    // connects again and again (a reconnect loop, or a connection per task never closed).
    const accounting = await connect('app://ke-toan');
    const invoices = await connect('app://hoa-don');
    const looping: WebSocket[] = [];
    const nameOf = (socket: WebSocket | undefined) =>
      socket === accounting
        ? 'ke-toan'
        : socket === invoices
          ? 'hoa-don'
          : `vong-lap #${looping.indexOf(socket!)}`;
    try {
      for (let i = 2; i < LIMITS.maxWebSocketClients; i++) looping.push(await connect('app://vong-lap'));
      for (let i = 0; i < 10; i++) {
        const idlest = looping.find((socket) => open.has(socket));
        const replaced = nextReplaced();
        looping.push(await connect('app://vong-lap'));
        expect(nameOf(await replaced)).toBe(nameOf(idlest)); // its own connection idle the longest
      }
      // Still served: their requests reach the extension, with their own origin.
      for (const [socket, origin] of [
        [accounting, 'app://ke-toan'],
        [invoices, 'app://hoa-don'],
      ] as const) {
        void askWebSocket(socket, { id: 'c', type: 'sign-cms', params: signCms });
        expect(await host.event()).toMatchObject({ event: 'websocket-request', origin });
      }
      // Another client of a program with no idle place gets one, from the program holding the most.
      const idlest = looping.find((socket) => open.has(socket));
      const replaced = nextReplaced();
      (await connect('app://ke-toan')).close();
      expect(nameOf(await replaced)).toBe(nameOf(idlest));
    } finally {
      for (const socket of [accounting, invoices, ...looping]) socket.close();
    }
    await host.eventNamed('websocket-gone');
    await host.eventNamed('websocket-gone');
  });

  it('stops when turned off; a port already taken is reported', async () => {
    // A request still waiting for consent ends: its client is told, and so is the extension.
    const waiting = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    const answered = askWebSocket(waiting, { id: 'w1', type: 'sign-cms', params: signCms });
    const event = await host.event();
    expect(await host.request('websocket', { serve: null })).toMatchObject({
      ok: true,
      result: { listening: false, port: null },
    });
    expect(await answered).toMatchObject({ id: 'w1', ok: false, error: { code: 'USER_CANCELLED' } });
    expect(await host.eventNamed('websocket-gone')).toEqual({
      event: 'websocket-gone',
      requestId: event.requestId,
    });
    expect(await connectWebSocket(url, 'app://ke-toan')).toBe('refused');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      expect(
        await host.request('websocket', { serve: { port, allowedOrigins: ['app://ke-toan'] } }),
      ).toMatchObject({ ok: false, error: { code: 'BUSY' } });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
