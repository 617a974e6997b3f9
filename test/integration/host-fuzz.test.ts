/**
 * Thousands of random and mutated frames against the real host process: it must answer every frame
 * with exactly one response (a typed error or a result), never crash, and keep its memory bounded.
 * KYSO_FUZZ_FRAMES sets the count (10,000 by default, ~10 s); KYSO_FUZZ_SEED replays a run.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../native-host/src/messaging/framing.js';
import { ERROR_CODES } from '../../shared/protocol/errors.js';
import { HostResponseSchema } from '../../shared/protocol/host.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import type { HostProcess } from '../support/host-process.js';
import { startHostSession, type HostSession } from '../support/host-session.js';

const FRAMES = Number(process.env.KYSO_FUZZ_FRAMES ?? 10_000);

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Valid requests to mutate: mutations of valid input reach deeper than pure noise. */
function templates(certificateId: string) {
  return [
    {
      id: 1,
      command: 'hello',
      params: { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION },
    },
    { id: 2, command: 'list-certificates', params: {} },
    {
      id: 3,
      command: 'sign-cms',
      params: {
        certificateId,
        pin: '000000', // wrong on purpose: fuzzing must not produce signatures
        digest: Buffer.alloc(32, 7).toString('base64'),
        digestAlgorithm: 'SHA-256',
        origin: 'https://dichvucong.gov.vn',
      },
    },
  ];
}

const mutate = (value: unknown, rnd: () => number): unknown => {
  if (Array.isArray(value)) return value.map((v) => mutate(v, rnd));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(() => rnd() > 0.1);
    if (rnd() < 0.1) entries.push(['extra', 'x'.repeat(Math.floor(rnd() * 100))]);
    return Object.fromEntries(
      entries.map(([k, v]) => [
        rnd() < 0.05 ? `${k}_` : k,
        rnd() < 0.15 ? mutateLeaf(v, rnd) : mutate(v, rnd),
      ]),
    );
  }
  return rnd() < 0.2 ? mutateLeaf(value, rnd) : value;
};
const mutateLeaf = (value: unknown, rnd: () => number): unknown => {
  const choices = [
    null,
    -1,
    1e308,
    '',
    '💥'.repeat(50),
    [],
    {},
    true,
    String(value).slice(1),
    Number(value) + 1,
  ];
  return choices[Math.floor(rnd() * choices.length)];
};

describe('host under random and mutated frames', () => {
  let session: HostSession;
  let host: HostProcess;

  beforeAll(async () => {
    session = await startHostSession({ greet: false }); // the frames below start with their own hello
    ({ host } = session);
  });
  afterAll(async () => {
    await session?.close();
  });

  it(`answers each of ${FRAMES} frames with one typed response and stays up with bounded memory`, async () => {
    const hello = await host.request('hello', {
      protocolVersion: PROTOCOL_VERSION,
      extensionVersion: KYSO_VERSION,
    });
    expect(hello.ok).toBe(true);
    const listed = await host.request('list-certificates', {});
    const certificateId = (listed as { result: { certificates: Array<{ id: string }> } }).result
      .certificates[0]!.id;
    const rssBefore = rssKiB(host.child.pid!);

    const seed = Number(process.env.KYSO_FUZZ_SEED ?? Date.now());
    const rng = fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), { numRuns: FRAMES * 64, seed });
    let cursor = 0;
    const rnd = () => rng[cursor++ % rng.length]!;
    const randomJson = fc.sample(fc.jsonValue({ maxDepth: 4 }), { numRuns: FRAMES, seed });
    const bases = templates(certificateId);

    let frames = 0;
    const chunks: Buffer[] = [];
    for (let i = 0; i < FRAMES; i++) {
      const kind = rnd();
      if (kind < 0.5) {
        chunks.push(Buffer.from(encodeFrame(mutate(bases[i % bases.length], rnd), 1 << 22)));
      } else if (kind < 0.8) {
        chunks.push(Buffer.from(encodeFrame(randomJson[i], 1 << 22)));
      } else if (kind < 0.97) {
        // not JSON, or not UTF-8
        const body = Buffer.from(
          Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)),
        );
        const header = Buffer.alloc(4);
        header.writeUInt32LE(body.length);
        chunks.push(header, body);
      } else {
        // over the size limit: answered once, body skipped
        const body = Buffer.alloc(LIMITS.maxFrameToHostBytes + 1 + Math.floor(rnd() * 1000), 0x7b);
        const header = Buffer.alloc(4);
        header.writeUInt32LE(body.length);
        chunks.push(header, body);
      }
      frames++;
    }
    // Send in uneven slices so frame boundaries fall everywhere.
    const stream = Buffer.concat(chunks);
    for (let offset = 0; offset < stream.length;) {
      const size = 1 + Math.floor(rnd() * 70_000);
      host.sendRaw(stream.subarray(offset, offset + size));
      offset += size;
    }

    let signatures = 0;
    for (let i = 0; i < frames; i++) {
      const response = await host.nextFrame(60_000);
      const parsed = HostResponseSchema.safeParse(response);
      expect(parsed.success, JSON.stringify(response)).toBe(true);
      if (!response.ok) expect(ERROR_CODES).toContain(response.error.code);
      else if (JSON.stringify(response.result).includes('"cms"')) signatures++;
    }
    expect(signatures).toBe(0); // no mutation of a wrong-PIN request may yield a signature

    const after = await host.request('hello', {
      protocolVersion: PROTOCOL_VERSION,
      extensionVersion: KYSO_VERSION,
    });
    expect(after.ok).toBe(true);
    const rssAfter = rssKiB(host.child.pid!);
    console.log(`fuzz: ${frames} frames, seed ${seed}, host RSS ${rssBefore} → ${rssAfter} KiB`);
    expect(rssAfter - rssBefore).toBeLessThan(64 * 1024);
  });
});
