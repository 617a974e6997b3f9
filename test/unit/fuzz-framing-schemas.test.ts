/** Property-based tests: the frame reader and every schema take anything without throwing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FrameReader, encodeFrame } from '../../native-host/src/messaging/framing.js';
import * as extensionMessages from '../../shared/protocol/consent.js';
import { HostRequestEnvelopeSchema, HostResponseSchema, hostCommands } from '../../shared/protocol/host.js';
import {
  PageRequestEnvelopeSchema,
  PageResponseEnvelopeSchema,
  pageRequests,
} from '../../shared/protocol/page.js';

const MAX = 4096;

describe('frame reader properties', () => {
  it('any chunking of a valid stream yields the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (values, cuts) => {
          const frames = values.map((v) => encodeFrame(v, 1 << 20));
          const stream = Buffer.concat(frames);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const reader = new FrameReader(1 << 20);
          const out: unknown[] = [];
          let prev = 0;
          for (const p of [...points, stream.length]) {
            for (const f of reader.push(stream.subarray(prev, p)))
              out.push(f.kind === 'message' ? f.value : f);
            prev = p;
          }
          // JSON round trip is what the wire preserves (e.g. -0 becomes 0)
          expect(out).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never throw and never buffer more than one frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }), (chunks) => {
        const reader = new FrameReader(MAX);
        for (const chunk of chunks) {
          reader.push(chunk);
          expect(reader.pendingBytes).toBeLessThanOrEqual(MAX + 4 + chunk.length);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('schema properties', () => {
  const schemas = [
    HostRequestEnvelopeSchema,
    HostResponseSchema,
    PageRequestEnvelopeSchema,
    PageResponseEnvelopeSchema,
    ...Object.values(hostCommands).flatMap((c) => [c.params, c.result]),
    ...Object.values(pageRequests).flatMap((c) => [c.params, c.result]),
    // The extension's own windows' messages (consent window, plugin prompt, options page).
    ...Object.values(extensionMessages).filter((value) => value instanceof z.ZodType),
  ];

  it('every schema rejects or accepts any JSON value without throwing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const schema of schemas) schema.safeParse(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('sign-cms params accept exactly the digests whose length matches the algorithm', () => {
    const lengths = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 } as const;
    fc.assert(
      fc.property(
        fc.constantFrom('SHA-256', 'SHA-384', 'SHA-512'),
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        fc.string({ minLength: 4, maxLength: 32 }),
        (algorithm, digest, pin) => {
          const result = hostCommands['sign-cms'].params.safeParse({
            certificateId: 'm/s/01',
            pin,
            digest: Buffer.from(digest).toString('base64'),
            digestAlgorithm: algorithm,
            origin: 'https://dichvucong.gov.vn',
          });
          expect(result.success).toBe(digest.length === lengths[algorithm]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('page requests with extra fields or wrong types are refused', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue(), (key, value) => {
        fc.pre(!['digest', 'digestAlgorithm', 'description', 'documentName', 'lang'].includes(key));
        const params = {
          digest: Buffer.alloc(32).toString('base64'),
          digestAlgorithm: 'SHA-256',
          description: 'x',
          [key]: value,
        };
        expect(pageRequests['sign-cms'].params.safeParse(params).success).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
