/**
 * Chromium's offscreen document: the document preparer (service.ts) behind a port to the
 * background, which creates this page when a sign-many request holds a PDF or an XML document and
 * closes it when no request holds one any more. It has no window and shows nothing.
 */
import browser from 'webextension-polyfill';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import {
  DOCUMENTS_PORT,
  ToPreparerSchema,
  documentCallbacks,
  documentOperations,
  type DocumentOperationParams,
} from '../../../shared/protocol/documents.js';
import type { LongTermServices } from '../background/documents.js';
import { PortChannel } from './channel.js';
import { DocumentService } from './service.js';

const service = new DocumentService();
const port = browser.runtime.connect({ name: DOCUMENTS_PORT });

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

// The background went away (its service worker stopped): nothing here is wanted any more.
port.onDisconnect.addListener(() => window.close());
void channel;
