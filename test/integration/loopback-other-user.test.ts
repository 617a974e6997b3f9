/**
 * 127.0.0.1 is shared by every user of the computer: a program of another user, naming an allowed
 * origin (only browsers cannot forge Origin), must not reach this user's WebSocket mode or Viettel
 * listener (native-host/src/loopback-peer.ts reads the socket's owner from /proc/net/tcp). The
 * other user is `nobody`, a real process started with setpriv: this needs root (CI's machines run
 * the suite as root); the owner lookup itself is checked as any user.
 */
import { execFile } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { peerUid } from '../../native-host/src/loopback-peer.js';
import { ViettelListener } from '../../native-host/src/viettel/listener.js';
import { WebSocketEndpoint } from '../../native-host/src/websocket/endpoint.js';
import type { HostEvent } from '../../shared/protocol/host.js';
import { connectWebSocket, freePort } from '../support/websocket-client.js';

const SITE = 'https://dichvucong.example.gov.vn';
const PROGRAM = 'app://ke-toan';
const NOBODY = 65534;
const asRoot = process.platform === 'linux' && process.getuid?.() === 0;

/** Runs `script` (CommonJS, Node's built-ins only) in a Node process of user `nobody`; its stdout. */
async function runAsNobody(script: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', script],
    { timeout: 20_000 },
  );
  return stdout.trim();
}

describe.runIf(process.platform === 'linux')('loopback connections from another user', () => {
  let closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.map((close) => close()));
    closers = [];
  });

  it('the owner of the other end of a loopback connection is read from the kernel’s table: this process’s user', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const accepted = new Promise<import('node:net').Socket>((resolve) => server.once('connection', resolve));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    closers.push(async () => void client.destroy());
    const socket = await accepted;
    const table = readFileSync('/proc/net/tcp', 'utf8');
    expect(peerUid(table, socket)).toBe(process.getuid!());
    // A port nothing is connected from: unknown, not anyone's.
    expect(peerUid(table, { localPort: socket.localPort, remotePort: 1 })).toBeUndefined();
  });

  it.runIf(asRoot)(
    'the Viettel listener answers this user’s call and refuses another user’s, though it names the chosen site',
    async () => {
      const port = await freePort();
      const events: HostEvent[] = [];
      const listener = new ViettelListener(() => undefined, port);
      closers.push(() => listener.close());
      listener.notify = (event) => {
        events.push(event);
        setTimeout(() => listener.answer(event.requestId, 'abc123'), 10);
      };
      expect(await listener.serve([SITE])).toEqual({ listening: true, portTaken: false });
      const url = `http://127.0.0.1:${port}/getSession`;
      const init = {
        method: 'POST',
        headers: { Origin: SITE, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'liblist=viettel-ca_v5.dll',
      };
      const call = `fetch(${JSON.stringify(url)}, ${JSON.stringify(init)})`;
      expect(await runAsNobody(`${call}.then((r) => console.log(r.status))`)).toBe('403');
      expect(events).toEqual([]);
      const reply = await fetch(url, init);
      expect([reply.status, await reply.text()]).toEqual([200, 'abc123']);
      expect(events).toHaveLength(1);
    },
  );

  it.runIf(asRoot)(
    'the WebSocket mode opens for this user’s program and refuses another user’s, though it names an allowed origin',
    async () => {
      const port = await freePort();
      const endpoint = new WebSocketEndpoint();
      closers.push(() => endpoint.close());
      expect(await endpoint.serve({ port, allowedOrigins: [PROGRAM] })).toEqual({ listening: true, port });
      // A WebSocket handshake with Node's http (the other user's program has no ws package).
      const handshake = `const r = require('node:http').get({ host: '127.0.0.1', port: ${port}, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Origin: '${PROGRAM}' } });
        r.on('upgrade', (res, socket) => { console.log(res.statusCode); socket.destroy(); });
        r.on('response', (res) => { console.log(res.statusCode); res.resume(); });`;
      expect(await runAsNobody(handshake)).toBe('403');
      const own = await connectWebSocket(`ws://127.0.0.1:${port}`, PROGRAM);
      expect(typeof own).toBe('object');
      (own as WebSocket).close();
    },
  );
});
