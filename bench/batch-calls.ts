/**
 * A bench batch as the extension sends one (extension/src/background/jobs.ts): CAdES items in
 * calls of LIMITS.maxBatchItemsPerCall, a few calls in flight so the host prepares one while the
 * token signs another. Shared by run.ts's (4) and batch-ab.ts.
 */
import { createHash } from 'node:crypto';
import type { SignItem } from '../shared/protocol/host.js';
import { LIMITS } from '../shared/protocol/limits.js';
import type { HostClient } from './host-client.js';

/**
 * `size` CAdES items over distinct documents, in the extension's calls (or calls of `perCall`; with
 * `ramp`, the first and last calls grow and shrink by halves, so the token starts and ends sooner).
 */
export function batchCalls(
  size: number,
  perCall: number = LIMITS.maxBatchItemsPerCall,
  ramp = false,
): SignItem[][] {
  const calls: SignItem[][] = [];
  const head = ramp ? [16, 32, 64].filter((n) => n < perCall) : [];
  const tail = [...head].reverse();
  const sizes: number[] = [...head];
  let left = size - head.reduce((a, b) => a + b, 0) - tail.reduce((a, b) => a + b, 0);
  while (left > 0) {
    sizes.push(Math.min(perCall, left));
    left -= perCall;
  }
  sizes.push(...tail);
  let i = 0;
  for (const n of sizes) {
    calls.push(
      Array.from({ length: n }, (_, j) => ({
        kind: 'cms' as const,
        digest: createHash('sha256')
          .update(`doc ${i + j}`)
          .digest('base64'),
        digestAlgorithm: 'SHA-256' as const,
        signingTime: true,
      })),
    );
    i += n;
  }
  return calls;
}

/** Sends the calls of an open batch, `lanes` in flight (the extension keeps two); throws on a failed call. */
export async function sendBatchCalls(
  host: HostClient,
  batchId: string,
  calls: readonly SignItem[][],
  lanes: number,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < calls.length) {
      const response = await host.request('sign-batch', { batchId, items: calls[next++]! });
      if (!response.ok) throw new Error(JSON.stringify(response));
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}
