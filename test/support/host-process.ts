import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { FrameReader, encodeFrame } from '../../native-host/src/messaging/framing.js';
import type { HostCommand, HostParams, HostResponse } from '../../shared/protocol/host.js';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { HOST_LAUNCHER } from './paths.js';

/** The real host process, spoken to over stdin/stdout exactly as a browser does. */
export class HostProcess {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly reader = new FrameReader(1 << 20);
  private readonly frames: unknown[] = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [HOST_LAUNCHER, `chrome-extension://${CHROMIUM_EXTENSION_ID}/`], {
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) {
        this.frames.push(frame.kind === 'message' ? frame.value : { unreadableFrame: frame });
      }
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((w) => w());
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  sendRaw(bytes: Uint8Array): void {
    this.child.stdin.write(bytes);
  }

  send(message: unknown): void {
    this.sendRaw(encodeFrame(message, 1 << 20));
  }

  /** The next frame the host writes (in order). */
  async nextFrame(timeoutMs = 30_000): Promise<HostResponse> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (Date.now() > deadline) throw new Error(`no frame from host within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.frames.shift() as HostResponse;
  }

  async request<C extends HostCommand>(command: C, params: HostParams<C>): Promise<HostResponse> {
    const id = this.nextId++;
    this.send({ id, command, params });
    const response = await this.nextFrame();
    if (response.id !== id) throw new Error(`response id ${response.id} for request ${id}`);
    return response;
  }

  async close(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}
