/**
 * kyso-host's Viettel-CA loopback listener (native-host/src/viettel/listener.ts), with this test
 * standing in for the extension: off without origins, never on a port another program holds,
 * CORS (and Private Network Access) only for the origins it was given, and each call passed on as
 * an event whose answer alone comes back.
 */
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostEvent } from '../../shared/protocol/host.js';
import { ViettelListener } from '../../native-host/src/viettel/listener.js';
import { freePort } from '../support/websocket-client.js';

const SITE = 'https://dichvucong.example.gov.vn';

describe('Viettel-CA loopback listener (host side)', () => {
  let listener: ViettelListener | undefined;
  afterEach(async () => {
    await listener?.close();
  });

  it('does not listen without origins, and leaves a port another program holds alone', async () => {
    const port = await freePort();
    listener = new ViettelListener(() => undefined, port);
    expect(await listener.serve([])).toEqual({ listening: false, portTaken: false });
    await expect(fetch(`http://127.0.0.1:${port}/getSession`, { method: 'POST' })).rejects.toThrow();

    const installed = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => installed.once('listening', resolve));
    try {
      const lines: string[] = [];
      const second = new ViettelListener((line) => lines.push(line), port);
      expect(await second.serve([SITE])).toEqual({ listening: false, portTaken: true });
      expect(lines.join('\n')).toMatch(/taken/);
    } finally {
      await new Promise((resolve) => installed.close(resolve));
    }
  });

  it('passes a chosen site’s call to the extension and answers its text; other origins, hosts and shapes get nothing', async () => {
    const port = await freePort();
    const events: HostEvent[] = [];
    listener = new ViettelListener(() => undefined, port);
    listener.notify = (event) => {
      events.push(event);
      setTimeout(() => listener!.answer(event.requestId, 'abc123'), 10);
    };
    expect(await listener.serve([SITE])).toEqual({ listening: true, portTaken: false });
    const url = `http://127.0.0.1:${port}`;

    const reply = await fetch(`${url}/getSession`, {
      method: 'POST',
      headers: { Origin: SITE, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'liblist=viettel-ca_v5.dll',
    });
    expect([reply.status, await reply.text()]).toEqual([200, 'abc123']);
    expect(reply.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(events).toEqual([
      {
        event: 'viettel-request',
        requestId: expect.any(String),
        origin: SITE,
        function: 'getSession',
        body: 'liblist=viettel-ca_v5.dll',
      },
    ]);

    const preflight = await fetch(`${url}/signHash`, {
      method: 'OPTIONS',
      headers: { Origin: SITE, 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(preflight.headers.get('access-control-allow-private-network')).toBe('true');

    const stranger = await fetch(`${url}/signHash`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(stranger.status).toBe(403);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(stranger.headers.get('access-control-allow-private-network')).toBeNull();
    expect((await fetch(`${url}/getSession`, { method: 'POST' })).status).toBe(403); // no Origin
    expect((await fetch(`${url}/getSession`, { method: 'GET', headers: { Origin: SITE } })).status).toBe(404);
    expect(events).toHaveLength(1);

    // Calls waiting for the user are bounded: past 16, the listener says it is busy.
    listener.notify = (event) => events.push(event);
    const pending = Array.from({ length: 16 }, () =>
      fetch(`${url}/getSession`, { method: 'POST', headers: { Origin: SITE } }),
    );
    await expect.poll(() => events.length, { timeout: 5_000 }).toBe(17);
    expect((await fetch(`${url}/getSession`, { method: 'POST', headers: { Origin: SITE } })).status).toBe(
      503,
    );
    for (const event of events.slice(1)) listener.answer(event.requestId, 'ok');
    expect(await Promise.all(pending.map(async (r) => (await r).text()))).toEqual(Array(16).fill('ok'));
    events.length = 1;

    // The list follows the user's choices: a site taken off gets nothing more.
    await listener.serve(['https://other.example']);
    expect((await fetch(`${url}/getSession`, { method: 'POST', headers: { Origin: SITE } })).status).toBe(
      403,
    );
    expect(events).toHaveLength(1);
  });

  it('counts a call from its headers: calls whose bodies are still arriving cannot pile up past the bound', async () => {
    const port = await freePort();
    const events: HostEvent[] = [];
    listener = new ViettelListener(() => undefined, port);
    listener.notify = (event) => events.push(event);
    await listener.serve([SITE]);

    // 20 calls send their headers and half their body (as a large form or a slow program does).
    const statuses: string[] = [];
    const calls = Array.from({ length: 20 }, () => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined); // a refused call's connection may be closed under its body
      socket.on('data', (data) => statuses.push(data.toString('latin1').split(' ')[1]!));
      socket.write(
        `POST /getSession HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${SITE}\r\n` +
          'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\n\r\nx=',
      );
      return socket;
    });
    // Past 16, the listener says it is busy at once, before any body is read.
    await expect.poll(() => statuses.length, { timeout: 5_000 }).toBe(4);
    expect(statuses).toEqual(Array(4).fill('503'));
    for (const socket of calls) if (!socket.destroyed) socket.write('1234');
    await expect.poll(() => events.length, { timeout: 5_000 }).toBe(16);
    for (const event of events) listener.answer(event.requestId, 'ok');
    await expect.poll(() => statuses.length, { timeout: 5_000 }).toBe(20);
    expect(statuses.filter((status) => status === '200')).toHaveLength(16);
    for (const socket of calls) socket.destroy();
  });

  it('cuts calls whose bodies never finish arriving, so they cannot keep a chosen site out', async () => {
    const port = await freePort();
    const events: HostEvent[] = [];
    listener = new ViettelListener(() => undefined, port, 1_000);
    // The user takes longer than the receive timeout in kyso's window: that wait is not cut.
    listener.notify = (event) => {
      events.push(event);
      setTimeout(() => listener!.answer(event.requestId, 'ok'), 2_000);
    };
    await listener.serve([SITE]);

    // A program holds every place with calls whose bodies stop half-way.
    const statuses: string[] = [];
    const stalled = Array.from({ length: 16 }, () => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.on('data', (data) => statuses.push(data.toString('latin1').split(' ')[1]!));
      socket.write(
        `POST /getSession HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${SITE}\r\n` +
          'Content-Length: 6\r\n\r\nx=',
      );
      return socket;
    });
    await expect.poll(() => statuses.length, { timeout: 10_000 }).toBe(16);
    expect(statuses).toEqual(Array(16).fill('408'));
    expect(events).toEqual([]);

    const reply = await fetch(`http://127.0.0.1:${port}/getSession`, {
      method: 'POST',
      headers: { Origin: SITE },
      body: 'x=1',
    });
    expect([reply.status, await reply.text()]).toEqual([200, 'ok']);
    for (const socket of stalled) socket.destroy();
  });
});
