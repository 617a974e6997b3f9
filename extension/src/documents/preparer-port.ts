/**
 * The background's end of the port to the document preparer. It must not load the document code (the
 * service worker imports it), and uses no browser API, so Node tests run it too.
 */
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import {
  FromPreparerSchema,
  documentCallbacks,
  documentOperations,
  type DocumentCallback,
  type DocumentCallbackParams,
  type DocumentOperation,
  type DocumentOperationParams,
  type DocumentOperationResult,
} from '../../../shared/protocol/documents.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type { LongTermServices } from '../background/documents.js';
import { PortChannel, type MessageLink } from './channel.js';
import type { DocumentBackend } from './service.js';

/** The background's end: the preparer behind `port` as a DocumentBackend, answering its long-term callbacks. */
export class PreparerPort implements DocumentBackend {
  private readonly channel: PortChannel<typeof documentOperations, typeof documentCallbacks>;
  /** Who fetches a job's B-LT/B-LTA data, while that job is held. */
  private readonly longTerm = new Map<string, LongTermServices>();

  constructor(port: MessageLink) {
    this.channel = new PortChannel(
      port,
      documentOperations,
      FromPreparerSchema,
      documentCallbacks,
      (name, params) => this.callback(name, params as DocumentCallbackParams<typeof name>),
    );
  }

  get open(): boolean {
    return this.channel.open;
  }

  run<O extends DocumentOperation>(
    operation: O,
    params: DocumentOperationParams<O>,
    longTerm?: LongTermServices,
  ): Promise<DocumentOperationResult<O>> {
    const job = (params as { job?: string }).job;
    if (job !== undefined && longTerm) this.longTerm.set(job, longTerm);
    return this.channel.call(operation, params as never);
  }

  release(job: string): void {
    this.longTerm.delete(job);
    this.channel.post({ type: 'release', job });
  }

  disconnect(): void {
    this.channel.disconnect();
  }

  private async callback<C extends DocumentCallback>(name: C, params: DocumentCallbackParams<C>) {
    const longTerm = this.longTerm.get(params.job);
    if (!longTerm) throw new KysoError('TSA_NOT_CONFIGURED');
    if (name === 'validation-data') {
      const { certificates, ocsps, crls } = await longTerm.validationData(
        (params as DocumentCallbackParams<'validation-data'>).cms,
      );
      return { certificates, ocsps, crls };
    }
    const digest = (params as DocumentCallbackParams<'document-timestamp'>).digest;
    return { token: bytesToBase64(await longTerm.documentTimestamp(base64ToBytes(digest))) };
  }
}
