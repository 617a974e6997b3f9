/**
 * What a consent, once given, runs on the host: one signature of a digest, or documents of any kind
 * under one login (calls of at most LIMITS.maxBatchItemsPerCall, two in flight so the token never
 * waits for us).
 */
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import type { HostParams, SignItemResult } from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import type { PageDocumentResult, PageParams, PageResult } from '../../../shared/protocol/page.js';
import { bytesToBase64, base64ToBytes } from '../../../shared/encoding.js';
import type { BatchPlans } from './batch-plans.js';
import type { LongTermServices, PreparedDocument } from './documents.js';
import type { ConsentDocument, DocumentContent } from './messages.js';
import type { NativeHostClient } from './native-host.js';

export interface ConsentJob {
  description: string;
  /** Asked for by the portal; otherwise the browser's language (kyso's default: Vietnamese). */
  lang?: 'vi' | 'en';
  documents: ConsentDocument[];
  /** Only the certificate with this serial may sign (the page named it): the window offers only it. */
  certificateSerial?: string;
  /** The whole content of document `index`, when the window opens it. */
  content(index: number): Promise<DocumentContent>;
  run(
    certificateId: string,
    pin: string | null,
    progress: (done: number, total: number) => void,
    cancelled: () => boolean,
  ): Promise<unknown>;
}

const loginTimeout = (pin: string | null) =>
  pin === null ? LIMITS.protectedLoginTimeoutMs : LIMITS.tokenOperationTimeoutMs;

/**
 * How long a consented operation may take to start, as the host allows it: waiting for a token in
 * use (LIMITS.tokenWaitMs), the login, and one token operation (a single signature's; a batch's
 * fresh listing of the token) — so the host answers first. A fixed login timeout gave up on
 * signatures and logins the host went on to make (the token busy with another browser's batch for
 * a while, then a slow login or a slow TSA), and a batch so begun was left open holding the token.
 */
const consentedStartTimeoutMs = (pin: string | null) =>
  LIMITS.tokenWaitMs + loginTimeout(pin) + LIMITS.tokenOperationTimeoutMs;
/** One signature: its start, and the time-stamp server when asked. */
const singleSignatureTimeoutMs = (pin: string | null, timestamp: boolean) =>
  consentedStartTimeoutMs(pin) + (timestamp ? LIMITS.timestampServerTimeoutMs : 0);

/** One digest, one host command: a CMS around it (CAdES-T with a TSA), or its bare signature. */
function oneDigestJob<C extends 'sign-cms' | 'sign-raw'>(
  host: NativeHostClient,
  origin: string,
  command: C,
  params: PageParams<'sign-cms'> | PageParams<'sign-raw'>,
  tsaUrl?: string,
): ConsentJob {
  const timestamp = tsaUrl !== undefined;
  return {
    description: params.description,
    ...(params.lang && { lang: params.lang }),
    documents: [
      {
        name: params.documentName ?? '',
        kind: command === 'sign-cms' ? 'cms' : 'raw',
        digest: params.digest,
        digestAlgorithm: params.digestAlgorithm,
        ...(timestamp && { timestamp }),
      },
    ],
    content: () => Promise.resolve({ kind: 'digest' }),
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
          ...(tsaUrl && { tsaUrl }),
        } as HostParams<C>,
        singleSignatureTimeoutMs(pin, timestamp),
      ),
  };
}

export const singleJob = (
  host: NativeHostClient,
  origin: string,
  params: PageParams<'sign-cms'>,
  tsaUrl?: string,
) => oneDigestJob(host, origin, 'sign-cms', params, tsaUrl);
export const rawJob = (host: NativeHostClient, origin: string, params: PageParams<'sign-raw'>) =>
  oneDigestJob(host, origin, 'sign-raw', params);

const failed = (error: unknown): PageDocumentResult => ({ ok: false, error: toWireError(error) });
/** What calls in flight get when the host's port closes (native-host.ts), for the documents after them. */
const hostStopped = () => new KysoError('INTERNAL', 'the kyso host stopped');

/**
 * PAdES B-LT/B-LTA through the host; only with the TSA from the settings. One batch has one signer
 * and one TSA, so their validation data is fetched once (the first answer serves every document;
 * a failed fetch is tried again by the next), not a thousand times from the CA's responder.
 */
function longTermServices(host: NativeHostClient, tsaUrl: string | undefined): LongTermServices | undefined {
  if (!tsaUrl) return undefined;
  let validationData: ReturnType<LongTermServices['validationData']> | undefined;
  return {
    validationData: (cms) =>
      (validationData ??= host
        .call('validation-data', { cms }, LIMITS.longTermAnswerTimeoutMs)
        .catch((error: unknown) => {
          validationData = undefined;
          throw error;
        })),
    documentTimestamp: async (sha256) =>
      base64ToBytes(
        (
          await host.call(
            'document-timestamp',
            { digest: bytesToBase64(sha256), tsaUrl },
            LIMITS.longTermAnswerTimeoutMs,
          )
        ).token,
      ),
  };
}

/**
 * How long a sign-batch call may take: what the host allows it — its token timeout for each item
 * of this call and of the calls the token signs before it (the job's other call in flight), and
 * once more for the time-stamps — so the host answers first, with signatures or its own TIMEOUT.
 * A fixed 30 s gave up on calls a slow token was still signing (RSA-2048 on a USB token takes
 * 0.3–1 s a signature: two calls of 32 items ≈ 20–60 s), and those signatures were lost.
 */
const batchCallTimeoutMs = (items: number, itemsAhead: number) =>
  LIMITS.tokenOperationTimeoutMs * (itemsAhead + items + 1);

/**
 * Documents of any kind under one login. Each call's documents are prepared (PDF, XML: with the
 * signer's certificate and one signing time) while the previous call signs, then finished here.
 */
export function batchJob(
  host: NativeHostClient,
  origin: string,
  params: PageParams<'sign-many'>,
  batch: BatchPlans,
  tsaUrl?: string,
): ConsentJob {
  const { plans } = batch;
  return {
    description: params.description,
    ...(params.lang && { lang: params.lang }),
    documents: plans.map((p) => p.consent),
    ...(params.certificateSerial && { certificateSerial: params.certificateSerial }),
    content: async (index) => {
      const plan = plans[index];
      if (!plan) throw new KysoError('BAD_REQUEST', 'no such document', { document: index });
      return plan.content();
    },
    async run(certificateId, pin, progress, cancelled): Promise<PageResult<'sign-many'>> {
      const total = plans.length;
      // A wrong PIN fails here, before anything is signed, and the window lets the user retry.
      const { batchId, ...signer } = await host.call(
        'begin-batch',
        { certificateId, pin, origin, total, ...(tsaUrl && { tsaUrl }) },
        consentedStartTimeoutMs(pin),
      );
      // The batch lives in the host that opened it: once that host is gone (crashed, killed), so is
      // the batch, and its remaining documents fail as the ones in flight did — no new host is
      // started only to say it knows no such batch.
      const connection = host.connection;
      const hostGone = () => host.connection !== connection;
      const longTerm = longTermServices(host, tsaUrl);
      const now = new Date();
      const results = new Array<PageDocumentResult>(total);
      const calls: number[] = [];
      for (let start = 0; start < total; start += LIMITS.maxBatchItemsPerCall) calls.push(start);
      let next = 0;
      let done = 0;
      /** Items sent to the host and not yet answered (the token signs them before a new call's). */
      let itemsInFlight = 0;
      const signChunk = async (start: number) => {
        const chunk = plans.slice(start, start + LIMITS.maxBatchItemsPerCall);
        if (cancelled())
          return chunk.forEach((_, i) => (results[start + i] = failed(new KysoError('USER_CANCELLED'))));
        if (hostGone()) return chunk.forEach((_, i) => (results[start + i] = failed(hostStopped())));
        const prepared: Array<{ index: number; document: PreparedDocument }> = [];
        await Promise.all(
          chunk.map(async (plan, i) => {
            try {
              prepared.push({ index: start + i, document: await plan.prepare(signer, now) });
            } catch (error) {
              results[start + i] = failed(error);
            }
          }),
        );
        if (prepared.length === 0) return;
        if (hostGone()) return prepared.forEach((p) => (results[p.index] = failed(hostStopped())));
        prepared.sort((a, b) => a.index - b.index);
        let signed: SignItemResult[];
        const timeoutMs = batchCallTimeoutMs(prepared.length, itemsInFlight);
        itemsInFlight += prepared.length;
        try {
          signed = (
            await host.call('sign-batch', { batchId, items: prepared.map((p) => p.document.item) }, timeoutMs)
          ).results;
        } catch (error) {
          return prepared.forEach((p) => (results[p.index] = failed(error)));
        } finally {
          itemsInFlight -= prepared.length;
        }
        await Promise.all(
          prepared.map(async ({ index, document }, i) => {
            const result = signed[i];
            try {
              results[index] = !result
                ? failed(new KysoError('INTERNAL'))
                : result.ok
                  ? await document.finish(result, longTerm)
                  : result;
            } catch (error) {
              results[index] = failed(error);
            }
          }),
        );
      };
      const lane = async () => {
        while (next < calls.length) {
          const start = calls[next++]!;
          await signChunk(start);
          done += Math.min(LIMITS.maxBatchItemsPerCall, total - start);
          progress(done, total);
        }
      };
      try {
        await batch.checkSigner(signer.certificate);
        await Promise.all([lane(), lane()]);
      } finally {
        if (!hostGone())
          await host.call('end-batch', { batchId }, LIMITS.tokenOperationTimeoutMs).catch(() => undefined);
      }
      return { certificate: signer.certificate, results };
    },
  };
}
