/**
 * Optional local WebSocket mode, for programs that cannot use the extension (desktop accounting
 * and tax software). Off unless the user turns it on in the extension's options. It listens on
 * 127.0.0.1 only, accepts only the origins the user allowed, takes digest requests only, and
 * every request goes to the extension as an event: the user consents in kyso's own window, as
 * for a page. No signature without that.
 *
 * Client protocol: JSON text messages `{ id, type, params }` (type: status, sign-cms, sign-raw,
 * sign-many; params as the portal SDK sends them); answers `{ id, ok: true, result }` or
 * `{ id, ok: false, error: { code, message } }`.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { answerSchema, type Answer } from '../../../shared/protocol/common.js';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import {
  WEBSOCKET_REQUEST_TYPES,
  type HostEvent,
  type WebSocketRequestEvent,
  type WebSocketServe,
} from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { ExtensionAnswers } from '../extension-answers.js';
import { fromAnotherUser } from '../loopback-peer.js';
import type { pageRequests } from '../../../shared/protocol/page.js';
import { parseOrBadRequest } from '../../../shared/protocol/validate.js';

/** How long a client may take to answer our close frame before its connection is cut. */
const CLIENT_CLOSE_GRACE_MS = 500;
/** The close code a client idle the longest gets when a new one needs its place (4000–4999: ours). */
export const WEBSOCKET_REPLACED_CLOSE_CODE = 4001;

/** A connected client, as the slot limit sees it. */
interface Client {
  socket: WebSocket;
  /** The program, as its Origin names it: places are shared fairly between programs. */
  origin: string;
  /** When it connected or last sent a message. */
  lastActive: number;
  /** Whether a request of its waits for the extension (its consent window may be open). */
  waiting: boolean;
}

const ClientRequestSchema = z.strictObject({
  id: z.string().min(1).max(64),
  type: z.enum(WEBSOCKET_REQUEST_TYPES),
  params: z.unknown(),
});

export class WebSocketEndpoint {
  /** Sends an event frame to the extension; set once the native-messaging loop runs. */
  notify: (event: HostEvent) => void = () => {
    throw new KysoError('INTERNAL', 'no extension connected');
  };
  private server: WebSocketServer | undefined;
  private config: WebSocketServe | undefined;
  /** The page protocol's schemas, loaded with the server: ~1,200 zod objects a host without this mode never builds. */
  private requests: typeof pageRequests | undefined;
  private readonly waiting = new ExtensionAnswers<Answer>(() => ({
    ok: false,
    error: new KysoError('TIMEOUT').toWire(),
  }));
  /** Answers arriving in parts (a batch's, larger than a frame to the host), by request id. */
  private readonly parts = new Map<string, { chunks: Buffer[]; bytes: number }>();
  /** The clients holding a slot (maxWebSocketClients), from their handshake until they close or are replaced. */
  private readonly clients = new Set<Client>();

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Starts, restarts (other port or origins) or stops the listener. */
  async serve(config: WebSocketServe | null): Promise<{ listening: boolean; port: number | null }> {
    const same =
      config &&
      this.config &&
      config.port === this.config.port &&
      config.allowedOrigins.join('\n') === this.config.allowedOrigins.join('\n');
    if (same && this.server) return { listening: true, port: config.port };
    await this.close();
    if (!config) return { listening: false, port: null };
    const allowed = new Set(config.allowedOrigins);
    // Loaded only when the mode is on: most hosts never serve WebSocket.
    const [{ WebSocketServer }, page] = await Promise.all([
      import('ws'),
      import('../../../shared/protocol/page.js'),
    ]);
    this.requests = page.pageRequests;
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: config.port,
      maxPayload: LIMITS.maxWebSocketMessageBytes,
      // Browsers always send Origin and pages cannot forge it: only the programs the user listed get in.
      // The Host check stops DNS-rebinding pages that reach 127.0.0.1 under another name.
      // The Origin header itself, which accept() passes on: ws's `origin` is Sec-WebSocket-Origin for
      // a protocol-8 handshake, which would let one origin be checked and another relayed.
      // Another user's program (127.0.0.1 is every user's) may name an allowed origin: refused by its socket's owner.
      verifyClient: ({ req }: { req: IncomingMessage }, done: (ok: boolean, status?: number) => void) => {
        const ok =
          !fromAnotherUser(req.socket) &&
          allowed.has(req.headers.origin ?? '') &&
          req.headers.host === `127.0.0.1:${config.port}` &&
          this.makeRoom(req.headers.origin ?? '');
        done(ok, 403);
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', (error) =>
        reject(
          new KysoError('BUSY', `cannot listen on 127.0.0.1:${config.port}`, {
            reason: String((error as NodeJS.ErrnoException).code ?? error),
          }),
        ),
      );
    });
    server.on('connection', (socket, request) => this.accept(socket, String(request.headers.origin)));
    this.server = server;
    this.config = config;
    this.log(`websocket listening on 127.0.0.1:${config.port}`);
    return { listening: true, port: config.port };
  }

  /** The extension's answer to one request. */
  answer(requestId: string, answer: Answer): boolean {
    this.parts.delete(requestId);
    return this.waiting.answer(requestId, answer);
  }

  /**
   * One part of the extension's answer (its UTF-8 JSON, in base64), kept until the last: then the
   * whole is read as an answer and relayed. An answer over maxWebSocketAnswerBytes, or one that does
   * not read, is an INTERNAL error for the client, never silence.
   */
  answerPart(requestId: string, part: string, last: boolean): boolean {
    if (!this.waiting.waits(requestId)) {
      this.parts.delete(requestId);
      return false;
    }
    const held = this.parts.get(requestId) ?? { chunks: [], bytes: 0 };
    const chunk = Buffer.from(part, 'base64');
    held.chunks.push(chunk);
    held.bytes += chunk.length;
    this.parts.set(requestId, held);
    const failed = (reason: string) =>
      this.answer(requestId, { ok: false, error: new KysoError('INTERNAL', reason).toWire() });
    if (held.bytes > LIMITS.maxWebSocketAnswerBytes) {
      failed('answer too large');
      return false;
    }
    if (!last) return true;
    let whole: unknown;
    try {
      whole = JSON.parse(Buffer.concat(held.chunks).toString('utf8'));
    } catch {
      return failed('unreadable answer from the extension');
    }
    const answer = answerSchema(z.unknown()).safeParse(whole);
    return answer.success
      ? this.answer(requestId, answer.data)
      : failed('unreadable answer from the extension');
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.config = undefined;
    this.parts.clear();
    this.clients.clear();
    // Their clients get USER_CANCELLED, and the extension ends them too (their windows close).
    for (const requestId of this.waiting.ids()) this.clientGone(requestId);
    if (!server) return;
    // Each client is closed after its answer (written in the microtasks just settled), politely,
    // and cut off only if it does not answer the close within CLIENT_CLOSE_GRACE_MS.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(
      [...server.clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            const cutOff = setTimeout(() => client.terminate(), CLIENT_CLOSE_GRACE_MS);
            client.once('close', () => {
              clearTimeout(cutOff);
              resolve();
            });
            client.close(1001, 'kyso stopped listening');
          }),
      ),
    );
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Whether a new client of `origin` may connect: there is a free place, or one is freed by closing
   * an idle client (no request of its waiting) — else a program that connects and never speaks (or a
   * crashed one whose socket lingers) would keep every other program out for as long as the browser
   * runs. Fair between programs (by Origin): a newcomer takes the place of its own program's client
   * idle the longest; with none, that of a program holding more places than its own (the one holding
   * the most, its client idle the longest). So a program that keeps reconnecting replaces its own
   * connections and cannot push out another's once it holds as many places. A client whose request
   * waits for the user is never closed for another.
   */
  private makeRoom(origin: string): boolean {
    if (this.clients.size < LIMITS.maxWebSocketClients) return true;
    const places = new Map<string, number>();
    for (const client of this.clients) places.set(client.origin, (places.get(client.origin) ?? 0) + 1);
    const own = places.get(origin) ?? 0;
    const idle = [...this.clients].filter((client) => !client.waiting);
    const longestIdle = (clients: Client[]) =>
      clients.reduce<Client | undefined>((a, b) => (a && a.lastActive <= b.lastActive ? a : b), undefined);
    const placesOf = (client: Client) => places.get(client.origin)!;
    const larger = idle.filter((client) => placesOf(client) > own);
    const most = Math.max(0, ...larger.map(placesOf));
    const replaced =
      longestIdle(idle.filter((client) => client.origin === origin)) ??
      longestIdle(larger.filter((client) => placesOf(client) === most));
    if (!replaced) return false;
    this.clients.delete(replaced);
    const { socket } = replaced;
    const cutOff = setTimeout(() => socket.terminate(), CLIENT_CLOSE_GRACE_MS);
    socket.once('close', () => clearTimeout(cutOff));
    socket.close(WEBSOCKET_REPLACED_CLOSE_CODE, 'idle connection replaced by a new one');
    return true;
  }

  private accept(socket: WebSocket, origin: string): void {
    const pageRequests = this.requests!; // set before the server that calls this was started
    const client: Client = { socket, origin, lastActive: Date.now(), waiting: false };
    this.clients.add(client);
    // One request at a time per client (client.waiting): consent windows queue anyway, and it bounds what a client holds.
    /** The id under which this client's request waits for the extension's answer. */
    let waitingFor: string | undefined;
    // A protocol error (an oversized message, bad framing) closes this client with its code; never the host.
    socket.on('error', () => socket.terminate());
    // A client that goes away while its request waits: nobody is left to receive a signature.
    socket.on('close', () => {
      this.clients.delete(client);
      if (waitingFor !== undefined) this.clientGone(waitingFor);
    });
    socket.on('message', async (data, isBinary) => {
      if (!this.clients.has(client)) return; // replaced by a new client: closing, asks nothing more
      client.lastActive = Date.now();
      let id: string | null = null;
      const reply = (answer: Answer) =>
        socket.readyState === socket.OPEN && socket.send(JSON.stringify({ id, ...answer }));
      try {
        if (isBinary) throw new KysoError('BAD_REQUEST', 'send JSON text messages');
        // ws delivers a text message as one Buffer (binaryType 'nodebuffer', fragments joined).
        const raw = JSON.parse((data as Buffer).toString('utf8')) as unknown;
        id =
          typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id.slice(0, 64) : null;
        const request = parseOrBadRequest(ClientRequestSchema, raw, 'websocket request');
        const params = parseOrBadRequest(pageRequests[request.type].params, request.params, request.type);
        if (request.type === 'sign-many') {
          const documents = (params as { documents: Array<{ kind: string }> }).documents;
          if (documents.some((d) => d.kind !== 'cms' && d.kind !== 'raw')) {
            throw new KysoError('BAD_REQUEST', 'over WebSocket only digests are signed (kind cms or raw)');
          }
        }
        if (client.waiting) throw new KysoError('BUSY');
        client.waiting = true;
        try {
          reply(await this.forward(origin, request.type, params, (requestId) => (waitingFor = requestId)));
        } finally {
          client.waiting = false;
          client.lastActive = Date.now();
          waitingFor = undefined;
        }
      } catch (error) {
        reply({
          ok: false,
          error: toWireError(error instanceof SyntaxError ? new KysoError('BAD_REQUEST', 'not JSON') : error),
        });
      }
    });
  }

  private forward(
    origin: string,
    type: WebSocketRequestEvent['type'],
    params: unknown,
    sent: (requestId: string) => void,
  ): Promise<Answer> {
    return this.waiting.ask(
      (requestId) => {
        sent(requestId);
        this.notify({ event: 'websocket-request', requestId, origin, type, params });
      },
      (error) => ({ ok: false, error: toWireError(error) }),
    );
  }

  /**
   * The request ends here (its client, if still there, gets USER_CANCELLED), and the extension is
   * told to end it too: its consent window closes, nothing is signed.
   */
  private clientGone(requestId: string): void {
    if (!this.waiting.answer(requestId, { ok: false, error: new KysoError('USER_CANCELLED').toWire() }))
      return;
    try {
      this.notify({ event: 'websocket-gone', requestId });
    } catch {
      // no extension connected: nothing runs there either
    }
  }
}
