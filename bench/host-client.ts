/** A native-messaging client for the real host process, as a browser would be (no browser). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { FrameReader, encodeFrame } from '../native-host/src/messaging/framing.js';
import type { HostCommand, HostParams, HostResponse } from '../shared/protocol/host.js';
import { CHROMIUM_EXTENSION_ID } from '../shared/identity.js';
import { HOST_NODE_FLAGS } from '../native-host/src/runtime.js';
import { ROOT } from './paths.js';
import { BENCH_MARKS_PREFIX, epochNow, type BenchMark } from '../native-host/src/bench-marks.js';

export const HOST_BIN = path.join(ROOT, 'native-host/bin/kyso-host.js');

export class HostClient {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly reader = new FrameReader(1 << 20);
  private readonly waiting = new Map<number, (r: HostResponse) => void>();
  private nextId = 1;
  /** With KYSO_BENCH_MARKS=1 in env: each answered request's instants, ours and the host's (bench/breakdown.ts). */
  readonly marks: BenchMark[][] = [];
  private sentAt = 0;
  private stderrTail = '';

  /** `command`: the program and its first arguments; default the launcher's `node <flags> kyso-host.js`. */
  constructor(
    env: NodeJS.ProcessEnv,
    command: readonly string[] = [process.execPath, ...HOST_NODE_FLAGS, HOST_BIN],
  ) {
    // started as the installed launcher starts it
    const [program, ...args] = command;
    this.child = spawn(program!, [...args, `chrome-extension://${CHROMIUM_EXTENSION_ID}/`], {
      env,
      stdio: 'pipe',
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      const lines = (this.stderrTail + chunk.toString('utf8')).split('\n');
      this.stderrTail = lines.pop() ?? '';
      for (const line of lines) {
        const at = line.indexOf(BENCH_MARKS_PREFIX);
        if (at < 0) continue;
        const json = line.slice(at + BENCH_MARKS_PREFIX.length).replace(/^\S+ /, '');
        this.marks.at(-1)?.push(...(JSON.parse(json) as BenchMark[]));
      }
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      const receivedAt = epochNow();
      for (const frame of this.reader.push(chunk)) {
        if (frame.kind !== 'message') continue;
        if (env.KYSO_BENCH_MARKS === '1')
          this.marks.push([
            ['client:sent', this.sentAt],
            ['client:received', receivedAt],
          ]);
        const response = frame.value as HostResponse;
        this.waiting.get(response.id ?? -1)?.(response);
        this.waiting.delete(response.id ?? -1);
      }
    });
  }

  request<C extends HostCommand>(command: C, params: HostParams<C>): Promise<HostResponse> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.sentAt = epochNow();
      this.child.stdin.write(encodeFrame({ id, command, params }, 1 << 20));
    });
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}
