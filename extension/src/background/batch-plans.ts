/**
 * A sign-many request's documents as the background holds them: digests planned here, PDFs and XML
 * by the document preparer (document-preparer.ts), which alone reads their bytes — so what the
 * consent window shows and what is signed both come from the preparer's copy of the same bytes.
 */
import type { RsaScheme } from '../../../shared/protocol/common.js';
import type { HostResult } from '../../../shared/protocol/host.js';
import { base64Join } from '../../../shared/encoding.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type { PageDocument } from '../../../shared/protocol/page.js';
import { planDigest } from './digest-plan.js';
import type { DocumentBackend } from './document-preparer.js';
import type { PreparedDocument } from './documents.js';
import type { ConsentDocument, DocumentContent } from './messages.js';

export interface BatchPlan {
  consent: ConsentDocument;
  /** Needs a time-stamp from the TSA in the settings. */
  timestamp: boolean;
  /** What the window shows when the user opens the document. */
  content(): Promise<DocumentContent>;
  /** The item for the host, with the signer's certificates (base64 DER, from begin-batch) and one signing time. */
  prepare(signer: BatchSigner, now: Date): Promise<PreparedDocument>;
}

/** The signer's certificate and the CA certificates its token holds above it, as begin-batch reports them. */
export type BatchSigner = Omit<HostResult<'begin-batch'>, 'batchId'>;

export interface BatchPlans {
  plans: BatchPlan[];
  /** Throws CERTIFICATE_NOT_USABLE when the certificate cannot sign these documents, CERTIFICATE_NOT_REQUESTED when it is not the one the page named. */
  checkSigner(certificate: string): Promise<void>;
  /** The request is over: the preparer drops its documents. */
  release(): void;
}

const isDigest = (d: PageDocument): d is Extract<PageDocument, { kind: 'cms' | 'raw' }> =>
  d.kind === 'cms' || d.kind === 'raw';

/** Checks and describes every document; throws BAD_REQUEST (or a document's own code) naming the first that cannot be signed. */
export async function planBatch(
  preparer: () => Promise<DocumentBackend>,
  documents: PageDocument[],
  rsaScheme?: RsaScheme,
  certificateSerial?: string,
): Promise<BatchPlans> {
  // Digests alone never load the document code (unless the signer's serial must be read).
  const remote = documents.every(isDigest) && certificateSerial === undefined ? undefined : await preparer();
  const job = crypto.randomUUID();
  const release = () => remote?.release(job);
  try {
    const plans = await Promise.all(
      documents.map(async (document, index): Promise<BatchPlan> => {
        if (isDigest(document)) return planDigest(document, rsaScheme);
        const { consent, timestamp } = await remote!.run('plan', {
          job,
          index,
          document,
          ...(rsaScheme && { rsaScheme }),
        });
        return {
          consent,
          timestamp,
          content: () => remote!.run('content', { job, index }),
          async prepare({ certificate, issuers }, now) {
            const item = await remote!.run('prepare', {
              job,
              index,
              certificate,
              issuers,
              now: now.getTime(),
            });
            return {
              item,
              finish: async (result, longTerm) => {
                const done = await remote!.run(
                  'finish',
                  { job, index, result, longTerm: longTerm !== undefined },
                  longTerm,
                );
                // The preparer sent what follows the page's PDF: this request holds the page's bytes.
                if (!('pdfTail' in done)) return done;
                if (document.kind !== 'pdf')
                  throw new KysoError('INTERNAL', 'a PDF answer for another document');
                return { ok: true, pdf: base64Join(document.pdf, done.pdfTail) };
              },
            };
          },
        };
      }),
    );
    return {
      plans,
      checkSigner: async (certificate) => {
        if (remote)
          await remote.run('check-signer', { certificate, ...(certificateSerial && { certificateSerial }) });
      },
      release,
    };
  } catch (error) {
    release();
    throw error;
  }
}
