import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { FrameReader, encodeFrame } from '../../native-host/src/messaging/framing.js';
import type {
  HostCommand,
  HostEvent,
  HostParams,
  HostResponse,
  HostStatusEvent,
} from '../../shared/protocol/host.js';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { HOST_LAUNCHER } from './paths.js';

/** The real host process, spoken to over stdin/stdout exactly as a browser does. */
export class HostProcess {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly reader = new FrameReader(1 << 20);
  private readonly frames: unknown[] = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;
  /** Answers (not events) received so far, taken or not. */
  private answers = 0;
  stderr = '';
  readonly exited: Promise<number | null>;
  /** Everything the host wrote has been read ('exit' may come before the last frames). */
  readonly outputEnded: Promise<void>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [HOST_LAUNCHER, `chrome-extension://${CHROMIUM_EXTENSION_ID}/`], {
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) {
        this.frames.push(frame.kind === 'message' ? frame.value : { unreadableFrame: frame });
        if (frame.kind === 'message' && typeof frame.value === 'object' && frame.value && 'ok' in frame.value)
          this.answers++;
      }
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((w) => w());
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.outputEnded = new Promise((resolve) => this.child.stdout.once('close', () => resolve()));
  }

  /** How many answers the host has written so far. */
  answered(): number {
    return this.answers;
  }

  sendRaw(bytes: Uint8Array): void {
    this.child.stdin.write(bytes);
  }

  send(message: unknown): void {
    this.sendRaw(encodeFrame(message, 1 << 20));
  }

  /** The first frame (in arrival order) that `accept` takes, removed from the queue. */
  private async takeFrame(
    accept: (frame: HostResponse) => boolean,
    timeoutMs: number,
  ): Promise<HostResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex((f) => accept(f as HostResponse));
      if (index >= 0) return this.frames.splice(index, 1)[0] as HostResponse;
      if (Date.now() > deadline)
        throw new Error(`no frame from host within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** The next frame the host writes (in order). */
  nextFrame(timeoutMs = 30_000): Promise<HostResponse> {
    return this.takeFrame(() => true, timeoutMs);
  }

  /** The next event the host sends unasked (a WebSocket client's request). */
  async event(timeoutMs = 30_000): Promise<HostEvent> {
    return (await this.takeFrame(
      (f) => (f as unknown as HostEvent).event === 'websocket-request',
      timeoutMs,
    )) as unknown as HostEvent;
  }

  /** The next event named `name` the host sends unasked (e.g. 'websocket-gone'). */
  async eventNamed(name: HostEvent['event'], timeoutMs = 30_000): Promise<HostEvent> {
    return (await this.takeFrame(
      (f) => (f as unknown as HostEvent).event === name,
      timeoutMs,
    )) as unknown as HostEvent;
  }

  /** The answer to request `id`, whatever else arrives first (requests may finish out of order). */
  frameFor(id: number, timeoutMs = 30_000): Promise<HostResponse> {
    return this.takeFrame((f) => f.id === id && 'ok' in f, timeoutMs);
  }

  /** The next status event about request `id` (it waits for its token). */
  async statusFor(id: number, timeoutMs = 30_000): Promise<HostStatusEvent> {
    const isStatus = (f: unknown) =>
      (f as HostStatusEvent).event === 'request-status' && (f as HostStatusEvent).requestId === id;
    return (await this.takeFrame((f) => isStatus(f), timeoutMs)) as unknown as HostStatusEvent;
  }

  /** Sends a request without waiting; its answer comes with frameFor(id). */
  start<C extends HostCommand>(command: C, params: HostParams<C>): number {
    const id = this.nextId++;
    this.send({ id, command, params });
    return id;
  }

  async request<C extends HostCommand>(command: C, params: HostParams<C>): Promise<HostResponse> {
    const id = this.nextId++;
    this.send({ id, command, params });
    return this.frameFor(id);
  }

  /**
   * Holds the token as another program in it would: a batch begun (logged in) with this
   * certificate, until `end()`. Throws when the batch cannot begin.
   */
  async beginBatch(
    params: HostParams<'begin-batch'>,
  ): Promise<{ batchId: string; end(): Promise<HostResponse> }> {
    const begun = await this.request('begin-batch', params);
    if (!begun.ok) throw new Error(`begin-batch: ${JSON.stringify(begun.error)}`);
    const { batchId } = begun.result as { batchId: string };
    return { batchId, end: () => this.request('end-batch', { batchId }) };
  }

  async close(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}
