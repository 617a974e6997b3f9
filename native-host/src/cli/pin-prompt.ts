/** Reads a PIN without echoing it (terminal), or one line from stdin (scripts: --pin-stdin). */
import { once } from 'node:events';
import { KysoError } from '../../../shared/protocol/errors.js';

export async function readPinFromTerminal(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new KysoError('BAD_REQUEST', 'no terminal to read the PIN from (use --pin-stdin)');
  // Echo off before the prompt shows: someone typing as soon as they see it must not see the PIN.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  stdin.resume();
  let pin = '';
  try {
    for (;;) {
      const [chunk] = (await once(stdin, 'data')) as [Buffer];
      for (const byte of chunk) {
        if (byte === 0x0d || byte === 0x0a) return pin;
        if (byte === 0x03) throw new KysoError('USER_CANCELLED');
        if (byte === 0x7f || byte === 0x08) pin = pin.slice(0, -1);
        else if (byte >= 0x20) pin += String.fromCharCode(byte);
      }
    }
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

export async function readPinFromStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString();
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}
