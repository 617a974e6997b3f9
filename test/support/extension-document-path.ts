/**
 * A PDF or XML document through the extension's own document path (planDocument → content →
 * prepare → a CMS → finish), signed by the real host on the test token or by a software key: what
 * the consent window would open and what the page would get back.
 */
import { resolveObjectURL } from 'node:buffer';
import { planDocument, signerOf, type PreparedResult } from '../../extension/src/background/documents.js';
import type { DocumentContent } from '../../extension/src/background/messages.js';
import type { ConsentDocument } from '../../extension/src/background/messages.js';
import { signCades } from '../../shared/cms/cades.js';
import { base64Join, base64ToBytes, bytesToBase64 } from '../../shared/encoding.js';
import type { HostResponse, SignItem, SignItemResult } from '../../shared/protocol/host.js';
import type { PageDocument } from '../../shared/protocol/page.js';
import type { HostProcess } from './host-process.js';
import type { SoftwareIdentity } from './software-signer.js';

export interface ExtensionPathResult {
  consent: ConsentDocument;
  content: DocumentContent;
  /** The bytes the window renders: read from the content's blob, as the window reads them. */
  shownPdf: Uint8Array;
  signedPdf: Uint8Array;
}

/** The bytes behind a blob: URL of this process (the preparer's content); throws once it was revoked. */
export async function blobBytes(url: string): Promise<Uint8Array> {
  const blob = resolveObjectURL(url);
  if (!blob) throw new Error(`no blob at ${url}`);
  return new Uint8Array(await blob.arrayBuffer());
}

type CmsItem = Extract<SignItem, { kind: 'cms' }>;

/** Who makes the CMS for a prepared document: a software key, or the real host on the test token. */
export interface DocumentSigner {
  /** The signer's certificate (DER, base64), as begin-batch reports it to the extension. */
  certificate(): Promise<string>;
  /** The CMS (base64 DER) for a prepared document's item. */
  signCms(item: CmsItem): Promise<string>;
}

export function softwareDocumentSigner(identity: SoftwareIdentity): DocumentSigner {
  return {
    certificate: () => Promise.resolve(bytesToBase64(identity.certificateDer)),
    async signCms(item) {
      const cms = await signCades(
        {
          contentDigest: base64ToBytes(item.digest),
          digestAlgorithm: item.digestAlgorithm,
          signerCertificate: identity.certificateDer,
          signingTime: null,
        },
        identity.signer,
      );
      return bytesToBase64(cms);
    },
  };
}

/**
 * The host path the extension takes for documents: begin-batch (login, the certificate), sign-batch
 * with the prepared item, end-batch — one batch per document.
 */
export function hostDocumentSigner(host: HostProcess, certificateId: string, pin: string): DocumentSigner {
  let batchId: string | undefined;
  const ok = (response: HostResponse) => {
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    return response.result;
  };
  return {
    async certificate() {
      const begun = ok(
        await host.request('begin-batch', {
          certificateId,
          pin,
          origin: 'https://dichvucong.gov.vn',
          total: 1,
        }),
      ) as {
        batchId: string;
        certificate: string;
      };
      batchId = begun.batchId;
      return begun.certificate;
    },
    async signCms(item) {
      if (!batchId) throw new Error('certificate() begins the batch');
      const { results } = ok(await host.request('sign-batch', { batchId, items: [item] })) as {
        results: SignItemResult[];
      };
      ok(await host.request('end-batch', { batchId }));
      batchId = undefined;
      const [result] = results;
      if (!result?.ok || !('cms' in result))
        throw new Error(`the host did not sign: ${JSON.stringify(result)}`);
      return result.cms;
    },
  };
}

/**
 * The signed PDF of a preparer's result for the page's PDF `sent` (base64): the preparer answers with
 * what follows the page's bytes, and the background puts them in front (batch-plans.ts).
 */
export function signedPdfOf(sent: string, result: PreparedResult): Uint8Array {
  if (result.ok && 'pdfTail' in result) return base64ToBytes(base64Join(sent, result.pdfTail));
  if (result.ok && 'pdf' in result) return base64ToBytes(result.pdf);
  throw new Error(`no signed PDF: ${JSON.stringify(result).slice(0, 300)}`);
}

export async function signPdfThroughExtension(
  pdf: Uint8Array,
  signer: DocumentSigner,
  extra: Partial<Extract<PageDocument, { kind: 'pdf' }>> = {},
): Promise<ExtensionPathResult> {
  const sent = bytesToBase64(pdf);
  const plan = await planDocument({ kind: 'pdf', name: 'corpus.pdf', pdf: sent, ...extra }, 0);
  const content = await plan.content();
  if (content.kind !== 'pdf') throw new Error('a PDF opens as a PDF');
  const shownPdf = await blobBytes(content.url);
  const prepared = await plan.prepare(signerOf(await signer.certificate()), new Date());
  if (prepared.item.kind !== 'cms') throw new Error('a PDF is signed as a CMS');
  const result = await prepared.finish({ ok: true, cms: await signer.signCms(prepared.item) });
  plan.release?.();
  return { consent: plan.consent, content, shownPdf, signedPdf: signedPdfOf(sent, result) };
}
