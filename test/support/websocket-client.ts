/** A desktop program's side of kyso's local WebSocket mode, for tests. */
import { createServer } from 'node:net';
import WebSocket from 'ws';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Opens a client: the socket, the HTTP status its handshake was refused with, or 'refused' (nothing listens). */
export function connectWebSocket(url: string, origin: string): Promise<WebSocket | number | 'refused'> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { origin });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', () => resolve('refused'));
  });
}

/** Sends a message; resolves with the answer carrying its id (answers may come out of order; a non-JSON message's answer has id null). */
export function askWebSocket(
  socket: WebSocket,
  message: { id: string; type: string; params: unknown } | string,
): Promise<any> {
  const id = typeof message === 'string' ? null : message.id;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const answer = JSON.parse((data as Buffer).toString('utf8'));
      if (answer.id !== id) return;
      socket.off('message', onMessage);
      resolve(answer);
    };
    socket.on('message', onMessage);
    socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}
