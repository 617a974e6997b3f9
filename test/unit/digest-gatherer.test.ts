/**
 * The plugins' hash calls a page starts together become one request (one consent, one PIN), each
 * call answered with its own signature. What the extension does with the request is tested end to
 * end (plugins-vgca-chromium.test.ts); here, what is asked and how the answers are handed out.
 */
import { describe, expect, it } from 'vitest';
import { KysoError } from '../../shared/protocol/errors.js';
import { DigestGatherer, type DigestSigningCalls } from '../../shared/sdk/plugins/digest-gatherer.js';
import type { SignManyOptions, SignManyResult } from '../../shared/sdk/index.js';

const GATHER_MS = 5;
const digest = (n: number) => new Uint8Array(32).fill(n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records each request; signs a digest as "sig-<its first byte>", failing those listed in `failing`. */
function recordingCalls(failing: number[] = []) {
  const requests: Array<{
    op: 'signHash' | 'signMany';
    digests: number[];
    description: string;
    lang?: string;
  }> = [];
  const calls: DigestSigningCalls = {
    signHash: async (options) => {
      const first = (options.digest as Uint8Array)[0]!;
      requests.push({
        op: 'signHash',
        digests: [first],
        description: options.description,
        lang: options.lang,
      });
      return {
        signature: `sig-${first}`,
        certificate: 'cert',
        signatureAlgorithm: 'rsa-pkcs1-sha256',
      } as never;
    },
    signMany: async (options: SignManyOptions): Promise<SignManyResult> => {
      const firsts = options.documents.map((d) => ('digest' in d ? (d.digest as Uint8Array)[0]! : -1));
      requests.push({
        op: 'signMany',
        digests: firsts,
        description: options.description,
        lang: options.lang,
      });
      return {
        certificate: 'cert',
        results: firsts.map((n) =>
          failing.includes(n)
            ? { ok: false, error: new KysoError('TOKEN_DRIVER_FAILED') }
            : { ok: true, signature: `sig-${n}` },
        ),
      };
    },
  };
  return { calls, requests };
}

describe('DigestGatherer', () => {
  it('calls started together: one request listing each digest as a bare signature, each call its own answer', async () => {
    const { calls, requests } = recordingCalls();
    const gatherer = new DigestGatherer(calls, GATHER_MS);
    const answers = await Promise.all([1, 2, 3].map((n) => gatherer.sign(digest(n), 'SHA-256', 'en')));
    expect(answers).toEqual([1, 2, 3].map((n) => ({ signature: `sig-${n}`, certificate: 'cert' })));
    expect(requests).toEqual([
      {
        op: 'signMany',
        digests: [1, 2, 3],
        description: expect.stringMatching(/^Ký 3 mã băm .+ \/ 3 digests/),
        lang: 'en',
      },
    ]);
  });

  it('one call alone is one bare signature, as before; calls apart are requests apart', async () => {
    const { calls, requests } = recordingCalls();
    const gatherer = new DigestGatherer(calls, GATHER_MS);
    expect(await gatherer.sign(digest(7), 'SHA-256')).toMatchObject({
      signature: 'sig-7',
      certificate: 'cert',
    });
    const first = gatherer.sign(digest(8), 'SHA-256');
    await sleep(GATHER_MS * 4);
    const second = gatherer.sign(digest(9), 'SHA-384');
    await Promise.all([first, second]);
    expect(requests.map((r) => [r.op, r.digests, r.lang])).toEqual([
      ['signHash', [7], 'vi'],
      ['signHash', [8], 'vi'],
      ['signHash', [9], 'vi'],
    ]);
  });

  it('a request that fails (cancelled) fails every call in it; an item that fails fails only its call', async () => {
    const cancelled = new KysoError('USER_CANCELLED');
    const gatherer = new DigestGatherer(
      { signHash: () => Promise.reject(cancelled), signMany: () => Promise.reject(cancelled) },
      GATHER_MS,
    );
    const results = await Promise.allSettled([1, 2].map((n) => gatherer.sign(digest(n), 'SHA-256')));
    expect(results).toEqual([
      { status: 'rejected', reason: cancelled },
      { status: 'rejected', reason: cancelled },
    ]);

    const { calls } = recordingCalls([2]);
    const partly = new DigestGatherer(calls, GATHER_MS);
    const settled = await Promise.allSettled([1, 2, 3].map((n) => partly.sign(digest(n), 'SHA-256')));
    expect(
      settled.map((s) => (s.status === 'fulfilled' ? s.value.signature : (s.reason as KysoError).code)),
    ).toEqual(['sig-1', 'TOKEN_DRIVER_FAILED', 'sig-3']);
  });
});
