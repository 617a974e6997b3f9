/**
 * `kyso verify --serve` (the built CLI, its own process) against requests no portal backend sends
 * but anyone on the network can: each gets a JSON error and the service keeps serving.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVerifierService, type VerifierService } from '../support/verifier-service.js';

/** One raw HTTP/1.1 request (a request line Node's client would never write), the whole answer. */
function rawRequest(base: string, requestLine: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(`${requestLine}\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`),
    );
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('kyso verify --serve under hostile requests', () => {
  let service: VerifierService;

  beforeAll(async () => {
    service = await startVerifierService([]);
  });
  afterAll(() => service?.stop());

  it('a request target that is no URL (POST http://[::1) is a JSON 400, and the service keeps serving', async () => {
    for (const line of ['POST http://[::1 HTTP/1.1', 'GET http://[::1/health HTTP/1.1']) {
      const answer = await rawRequest(service.base, line);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
        error: 'BAD_REQUEST',
        message: 'the request target is not a valid path',
      });
    }
    expect(service.process.exitCode).toBeNull();
    const health = await fetch(`${service.base}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
  });
});
