/** The preparer's end of the port to the background (the offscreen document runs it); no browser API here, so Node tests run it too. */
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import {
  ToPreparerSchema,
  documentCallbacks,
  documentOperations,
  type DocumentOperationParams,
} from '../../../shared/protocol/documents.js';
import type { LongTermServices } from '../background/documents.js';
import { PortChannel, type MessageLink } from './channel.js';
import { DocumentService } from './service.js';

/** The preparer's end: a DocumentService answering the background's calls over `port`. */
export function servePreparer(port: MessageLink): DocumentService {
  const service = new DocumentService();
  /** A B-LT/B-LTA PDF's validation data and document time-stamp come from the host, through the background. */
  const longTermFor = (job: string): LongTermServices => ({
    validationData: (cms) => channel.call('validation-data', { job, cms }),
    documentTimestamp: async (sha256) =>
      base64ToBytes((await channel.call('document-timestamp', { job, digest: bytesToBase64(sha256) })).token),
  });
  const channel = new PortChannel(
    port,
    documentCallbacks,
    ToPreparerSchema,
    documentOperations,
    (operation, params) => {
      // Only a B-LT/B-LTA PDF's finish asks back for what the host fetches.
      const finishing = operation === 'finish' ? (params as DocumentOperationParams<'finish'>) : undefined;
      const longTerm = finishing?.longTerm ? longTermFor(finishing.job) : undefined;
      return service.run(operation, params as DocumentOperationParams<typeof operation>, longTerm);
    },
    (message) => service.release(message.job),
  );
  return service;
}
