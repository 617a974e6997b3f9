/**
 * A stand-in for a signing plugin the user has installed: its wss listener on 127.0.0.1 with a
 * self-signed certificate, as the real tools have. The plugin tests use it to show that on a site
 * set to "use the installed plugin" the page's calls reach it, and kyso answers nothing.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { selfSigned } from './openssl.js';

export interface PluginStandIn {
  /** Every frame received, with the path of the socket it came on. */
  calls: Array<{ path: string; frame: string }>;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` with a certificate for `subject` / `subjectAltName`; each frame is
 * recorded and answered with `answer(frame)` when that gives a string.
 */
export async function startPluginStandIn(
  port: number,
  certificate: { subject: string; subjectAltName: string },
  answer: (frame: string) => string | undefined,
): Promise<PluginStandIn> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-plugin-stand-in-'));
  selfSigned({
    keyFile: path.join(dir, 'key.pem'),
    certFile: path.join(dir, 'cert.pem'),
    subject: certificate.subject,
    days: 2,
    extensions: [`subjectAltName=${certificate.subjectAltName}`],
    ecCurve: 'prime256v1',
  });
  const server = createServer({
    key: readFileSync(path.join(dir, 'key.pem')),
    cert: readFileSync(path.join(dir, 'cert.pem')),
  });
  const calls: PluginStandIn['calls'] = [];
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, request) => {
    socket.on('message', (data) => {
      const frame = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
      calls.push({ path: request.url ?? '', frame });
      const reply = answer(frame);
      if (reply !== undefined) socket.send(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        wss.close();
        server.close(() => resolve());
      }),
  };
}
