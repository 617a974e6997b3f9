/**
 * A bench batch as the extension sends one (extension/src/background/jobs.ts): CAdES items in
 * calls of LIMITS.maxBatchItemsPerCall, a few calls in flight so the host prepares one while the
 * token signs another. Shared by run.ts's (4) and batch-ab.ts.
 */
import { createHash } from 'node:crypto';
import type { SignItem } from '../shared/protocol/host.js';
import { LIMITS } from '../shared/protocol/limits.js';
import type { HostClient } from './host-client.js';

/** `size` CAdES items over distinct documents, in the extension's calls. */
export function batchCalls(size: number): SignItem[][] {
  const calls: SignItem[][] = [];
  for (let i = 0; i < size; i += LIMITS.maxBatchItemsPerCall)
    calls.push(
      Array.from({ length: Math.min(LIMITS.maxBatchItemsPerCall, size - i) }, (_, j) => ({
        kind: 'cms' as const,
        digest: createHash('sha256')
          .update(`doc ${i + j}`)
          .digest('base64'),
        digestAlgorithm: 'SHA-256' as const,
        signingTime: true,
      })),
    );
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
