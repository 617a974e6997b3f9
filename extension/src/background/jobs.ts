/**
 * What a consent, once given, runs on the host: one CMS, or a batch under one login (calls of at
 * most LIMITS.maxBatchItemsPerCall, two in flight so the token never waits for us).
 */
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import type { HostParams, SignItem, SignItemResult } from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import type { PageParams, PageResult } from '../../../shared/protocol/page.js';
import type { ConsentDocument } from './messages.js';
import type { NativeHostClient } from './native-host.js';

export interface ConsentJob {
  description: string;
  /** Asked for by the portal; otherwise the browser's language (kyso's default: Vietnamese). */
  lang?: 'vi' | 'en';
  documents: ConsentDocument[];
  run(
    certificateId: string,
    pin: string | null,
    progress: (done: number, total: number) => void,
    cancelled: () => boolean,
  ): Promise<unknown>;
}

const loginTimeout = (pin: string | null) => (pin === null ? LIMITS.protectedLoginTimeoutMs : LIMITS.tokenOperationTimeoutMs);

/** One document, one host command: a CMS around its digest, or the bare signature of it. */
function oneDocumentJob<C extends 'sign-cms' | 'sign-raw'>(
  host: NativeHostClient,
  origin: string,
  command: C,
  params: PageParams<'sign-cms'> | PageParams<'sign-raw'>,
): ConsentJob {
  return {
    description: params.description,
    ...(params.lang && { lang: params.lang }),
    documents: [{ name: params.documentName ?? '', digest: params.digest, digestAlgorithm: params.digestAlgorithm }],
    run: (certificateId, pin) =>
      host.call(
        command,
        {
          certificateId,
          pin,
          digest: params.digest,
          digestAlgorithm: params.digestAlgorithm,
          origin,
          ...(params.rsaScheme && { rsaScheme: params.rsaScheme }),
        } as HostParams<C>,
        loginTimeout(pin),
      ),
  };
}

export const singleJob = (host: NativeHostClient, origin: string, params: PageParams<'sign-cms'>) => oneDocumentJob(host, origin, 'sign-cms', params);
export const rawJob = (host: NativeHostClient, origin: string, params: PageParams<'sign-raw'>) => oneDocumentJob(host, origin, 'sign-raw', params);

export function batchJob(host: NativeHostClient, origin: string, params: PageParams<'sign-many'>): ConsentJob {
  const items: SignItem[] = params.documents.map((d) =>
    d.kind === 'raw'
      ? { kind: 'raw', digest: d.digest, digestAlgorithm: d.digestAlgorithm, ...(params.rsaScheme && { rsaScheme: params.rsaScheme }) }
      : { kind: 'cms', digest: d.digest, digestAlgorithm: d.digestAlgorithm, signingTime: true, ...(params.rsaScheme && { rsaScheme: params.rsaScheme }) },
  );
  return {
    description: params.description,
    ...(params.lang && { lang: params.lang }),
    documents: params.documents.map((d) => ({ name: d.name, digest: d.digest, digestAlgorithm: d.digestAlgorithm })),
    async run(certificateId, pin, progress, cancelled): Promise<PageResult<'sign-many'>> {
      const total = items.length;
      // A wrong PIN fails here, before anything is signed, and the window lets the user retry.
      const { batchId, certificate } = await host.call('begin-batch', { certificateId, pin, origin, total }, loginTimeout(pin));
      const results: SignItemResult[] = new Array(total);
      const calls: number[] = [];
      for (let start = 0; start < total; start += LIMITS.maxBatchItemsPerCall) calls.push(start);
      let next = 0;
      let done = 0;
      const lane = async () => {
        while (next < calls.length) {
          const start = calls[next++]!;
          const chunk = items.slice(start, start + LIMITS.maxBatchItemsPerCall);
          let chunkResults: SignItemResult[];
          if (cancelled()) {
            chunkResults = chunk.map(() => ({ ok: false, error: toWireError(new KysoError('USER_CANCELLED')) }));
          } else {
            try {
              chunkResults = (await host.call('sign-batch', { batchId, items: chunk }, LIMITS.tokenOperationTimeoutMs)).results;
            } catch (error) {
              const wire = toWireError(error);
              chunkResults = chunk.map(() => ({ ok: false, error: wire }));
            }
          }
          chunkResults.forEach((r, i) => (results[start + i] = r));
          done += chunk.length;
          progress(done, total);
        }
      };
      try {
        await Promise.all([lane(), lane()]);
      } finally {
        await host.call('end-batch', { batchId }, LIMITS.tokenOperationTimeoutMs).catch(() => undefined);
      }
      return { certificate, results };
    },
  };
}
