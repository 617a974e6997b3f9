import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** An X display of our own (Xvfb), for what headless browsers fake: windows gaining and losing focus. */
export interface Display {
  /** The DISPLAY value, e.g. ":99". */
  name: string;
  close(): Promise<void>;
}

export function startDisplay(): Promise<Display> {
  // -displayfd: Xvfb picks a free display number and writes it on fd 3 once it accepts clients.
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  xvfb.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const closed = new Promise<void>((resolve) => xvfb.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let number = '';
    (xvfb.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      number += chunk.toString();
      if (!number.includes('\n')) return;
      resolve({
        name: `:${number.trim()}`,
        close: async () => {
          xvfb.kill();
          await closed;
        },
      });
    });
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${stderr.join('')}`)));
  });
}
