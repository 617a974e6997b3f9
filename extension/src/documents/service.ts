/**
 * The document preparer: holds each sign-many request's planned PDF and XML documents (see
 * background/documents.ts) between the background's calls, keyed by job and index. It runs where
 * pdf-lib and the XML code may be loaded — Chromium's offscreen document, Firefox's event page on
 * demand — never in the service worker's initial script.
 */
import { hasSerialNumber, summarizeCertificate } from '../../../shared/certificate/profile.js';
import { base64ToBytes } from '../../../shared/encoding.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type {
  DocumentOperation,
  DocumentOperationParams,
  DocumentOperationResult,
} from '../../../shared/protocol/documents.js';
import {
  planDocument,
  signerOf,
  type DocumentPlan,
  type LongTermServices,
  type PreparedDocument,
  type PreparedResult,
  type Signer,
} from '../background/documents.js';

/** What the background asks for; LongTermServices when finishing a B-LT/B-LTA PDF. */
export interface DocumentBackend {
  run<O extends DocumentOperation>(
    operation: O,
    params: DocumentOperationParams<O>,
    longTerm?: LongTermServices,
  ): Promise<DocumentOperationResult<O>>;
  /** The request is over (signed, refused or failed): its documents are dropped. */
  release(job: string): void;
}

interface Held {
  plan: DocumentPlan;
  prepared?: PreparedDocument<PreparedResult>;
}

type Handlers = {
  [O in DocumentOperation]: (
    params: DocumentOperationParams<O>,
    longTerm?: LongTermServices,
  ) => Promise<DocumentOperationResult<O>>;
};

export class DocumentService implements DocumentBackend {
  private readonly jobs = new Map<string, Map<number, Held>>();
  /** A batch has one signer: its certificate is read once, not per document. */
  private lastSigner: { certificates: string; signer: Signer } | undefined;

  private readonly handlers: Handlers = {
    plan: async ({ job, index, document, rsaScheme }) => {
      const plan = await planDocument(document, index, rsaScheme);
      let held = this.jobs.get(job);
      if (!held) this.jobs.set(job, (held = new Map<number, Held>()));
      held.set(index, { plan });
      return { consent: plan.consent, timestamp: plan.timestamp };
    },
    content: ({ job, index }) => this.held(job, index).plan.content(),
    'check-signer': ({ certificate, certificateSerial }) => {
      this.signer(certificate);
      // The page named the certificate that must sign (a plugin's serial): the window offered only it.
      if (
        certificateSerial !== undefined &&
        !hasSerialNumber(summarizeCertificate(base64ToBytes(certificate)), certificateSerial)
      )
        return Promise.reject(new KysoError('CERTIFICATE_NOT_REQUESTED'));
      return Promise.resolve({});
    },
    prepare: async ({ job, index, certificate, issuers, now }) => {
      const held = this.held(job, index);
      held.prepared = await held.plan.prepare(this.signer(certificate, issuers), new Date(now));
      return held.prepared.item;
    },
    finish: async ({ job, index, result }, longTerm) => {
      const held = this.held(job, index);
      const prepared = held.prepared;
      if (!prepared) throw new KysoError('INTERNAL', 'the document was not prepared');
      // The prepared revision is needed once: a batch of a thousand PDFs does not keep them all.
      held.prepared = undefined;
      if (!result.ok) return result;
      return prepared.finish(result, longTerm);
    },
  };

  run<O extends DocumentOperation>(
    operation: O,
    params: DocumentOperationParams<O>,
    longTerm?: LongTermServices,
  ): Promise<DocumentOperationResult<O>> {
    const handler = this.handlers[operation];
    return handler(params, longTerm);
  }

  release(job: string): void {
    for (const held of this.jobs.get(job)?.values() ?? []) held.plan.release?.();
    this.jobs.delete(job);
  }

  /** Jobs still held (the offscreen document closes when none is left). */
  get size(): number {
    return this.jobs.size;
  }

  private held(job: string, index: number): Held {
    const held = this.jobs.get(job)?.get(index);
    if (!held) throw new KysoError('BAD_REQUEST', 'no such document', { document: index });
    return held;
  }

  private signer(certificate: string, issuers: readonly string[] = []): Signer {
    const certificates = [certificate, ...issuers].join(',');
    if (this.lastSigner?.certificates !== certificates)
      this.lastSigner = { certificates, signer: signerOf(certificate, issuers) };
    return this.lastSigner.signer;
  }
}
