/**
 * The Viettel-CA SignPlugin's loopback address, http://127.0.0.1:14007, for pages that call it with
 * SYNCHRONOUS XMLHttpRequests (the `VtPluginSocket` copy): kyso's page-world emulation can only answer
 * asynchronous ones, so these reach a real listener. Only while the user set at least one site to
 * "use kyso" (the extension sends those origins); never when another program (the installed plugin)
 * holds the port. Each call goes to the extension as an event with the Origin header the browser
 * sent; the extension answers it with shared/sdk/plugins/viettel.ts, every signature after consent
 * in kyso's window. Requests from any other origin get no CORS headers, so the page cannot read
 * anything (and the extension is not asked).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { KysoError } from '../../../shared/protocol/errors.js';
import { MAX_VIETTEL_BODY_CHARS, type HostEvent } from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { ExtensionAnswers } from '../extension-answers.js';
import { fromAnotherUser } from '../loopback-peer.js';

/** VIETTEL_PORTS.http of shared/sdk/plugins/viettel.ts (not imported: that module is the page's, with its SDK). */
const VIETTEL_HTTP_PORT = 14007;
/**
 * Calls admitted at once, from their headers until their answer (a body being read holds up to
 * MAX_VIETTEL_BODY_CHARS, then waits for the extension; consent windows queue anyway); more get 503.
 */
const MAX_CALLS = 16;
const FUNCTION_NAME = /^[A-Za-z0-9_]{1,64}$/;

export class ViettelListener {
  /** Sends an event frame to the extension; set once the native-messaging loop runs. */
  notify: (event: HostEvent) => void = () => {
    throw new KysoError('INTERNAL', 'no extension connected');
  };
  private server: Server | undefined;
  private origins = new Set<string>();
  /** Calls admitted and not yet answered: counted before their bodies arrive, so slow bodies cannot pile up past MAX_CALLS. */
  private calls = 0;
  /** No answer in time: the plugin's failure shape (""). */
  private readonly waiting = new ExtensionAnswers<string>(() => '');

  constructor(
    private readonly log: (line: string) => void = () => undefined,
    private readonly port: number = VIETTEL_HTTP_PORT,
    private readonly receiveTimeoutMs: number = LIMITS.maxLoopbackRequestReceiveMs,
  ) {}

  /** Listens for these origins (the sites set to "use kyso"), or stops when there are none. */
  async serve(origins: string[]): Promise<{ listening: boolean; portTaken: boolean }> {
    this.origins = new Set(origins);
    if (origins.length === 0) {
      await this.close();
      return { listening: false, portTaken: false };
    }
    if (this.server) return { listening: true, portTaken: false };
    // node:http only once a site uses this (~3 MiB of a host that never listens: bench/README.md).
    const { createServer } = await import('node:http');
    if (this.server) return { listening: true, portTaken: false };
    // requestTimeout bounds only receiving a call (a slow body holding one of MAX_CALLS is cut with
    // 408); the wait for the user in kyso's window comes after, and nothing cuts it short here.
    const server = createServer(
      {
        requestTimeout: this.receiveTimeoutMs,
        connectionsCheckingInterval: Math.min(30_000, this.receiveTimeoutMs / 4),
      },
      (request, response) => void this.handle(request, response),
    );
    const taken = await new Promise<boolean>((resolve) => {
      server.once('listening', () => resolve(false));
      server.once('error', () => resolve(true));
      server.listen(this.port, '127.0.0.1');
    });
    if (taken) {
      // The installed plugin (or another program) is there: it keeps the port and keeps working.
      this.log(`viettel: 127.0.0.1:${this.port} is taken (the installed plugin?); not listening`);
      return { listening: false, portTaken: true };
    }
    this.server = server;
    this.log(`viettel listening on 127.0.0.1:${this.port}`);
    return { listening: true, portTaken: false };
  }

  /** The extension's answer to one request. */
  answer(requestId: string, text: string): boolean {
    return this.waiting.answer(requestId, text);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.waiting.settleAll(() => '');
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const origin = request.headers.origin ?? '';
    // Only pages of the sites the user chose; the Host check stops DNS-rebinding pages reaching
    // 127.0.0.1 under another name. Anything else gets no CORS headers: the browser shows the page nothing.
    const hostOk =
      request.headers.host === `127.0.0.1:${this.port}` || request.headers.host === `localhost:${this.port}`;
    // 127.0.0.1 is every user's: another user's program may send a chosen site's Origin (loopback-peer.ts).
    if (!hostOk || !this.origins.has(origin) || fromAnotherUser(request.socket)) {
      request.resume();
      response.writeHead(403).end();
      return;
    }
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Vary', 'Origin');
    if (request.method === 'OPTIONS') {
      response.setHeader('Access-Control-Allow-Methods', 'POST');
      response.setHeader('Access-Control-Allow-Headers', 'Content-Type');
      // Chrome's Private Network Access preflight (a public site calling 127.0.0.1).
      if (request.headers['access-control-request-private-network'] === 'true')
        response.setHeader('Access-Control-Allow-Private-Network', 'true');
      response.writeHead(204).end();
      return;
    }
    const functionName = (request.url ?? '').replace(/^\/+|\/+$/g, '');
    if (request.method !== 'POST' || !FUNCTION_NAME.test(functionName)) {
      request.resume();
      response.writeHead(404).end();
      return;
    }
    if (this.calls >= MAX_CALLS) {
      request.resume();
      response.writeHead(503).end();
      return;
    }
    this.calls++;
    try {
      const body = await readBody(request);
      if (body === undefined) {
        response.writeHead(413).end();
        return;
      }
      const text = await this.forward(origin, functionName, body);
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
    } finally {
      this.calls--;
    }
  }

  private forward(origin: string, functionName: string, body: string): Promise<string> {
    return this.waiting.ask(
      (requestId) =>
        this.notify({ event: 'viettel-request', requestId, origin, function: functionName, body }),
      () => '',
    );
  }
}

/** The body as text, or undefined when it is larger than the extension may be sent. */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_VIETTEL_BODY_CHARS) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', () => resolve(undefined));
  });
}
