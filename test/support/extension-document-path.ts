/**
 * A PDF or XML document through the extension's own document path (planDocument → content →
 * prepare → the token's CMS → finish), with a software signer standing in for the host: what the
 * consent window would open and what the page would get back.
 */
import { planDocument, signerOf } from '../../extension/src/background/documents.js';
import type { DocumentContent } from '../../extension/src/background/messages.js';
import type { ConsentDocument } from '../../extension/src/background/messages.js';
import { signCades } from '../../shared/cms/cades.js';
import { base64ToBytes, bytesToBase64 } from '../../shared/encoding.js';
import type { PageDocument } from '../../shared/protocol/page.js';
import type { SoftwareIdentity } from './software-signer.js';

export interface ExtensionPathResult {
  consent: ConsentDocument;
  content: DocumentContent;
  signedPdf: Uint8Array;
}

export async function signPdfThroughExtension(
  pdf: Uint8Array,
  identity: SoftwareIdentity,
  extra: Partial<Extract<PageDocument, { kind: 'pdf' }>> = {},
): Promise<ExtensionPathResult> {
  const plan = await planDocument({ kind: 'pdf', name: 'corpus.pdf', pdf: bytesToBase64(pdf), ...extra }, 0);
  const content = await plan.content();
  const prepared = await plan.prepare(signerOf(bytesToBase64(identity.certificateDer)), new Date());
  if (prepared.item.kind !== 'cms') throw new Error('a PDF is signed as a CMS');
  const cms = await signCades(
    {
      contentDigest: base64ToBytes(prepared.item.digest),
      digestAlgorithm: prepared.item.digestAlgorithm,
      signerCertificate: identity.certificateDer,
      signingTime: null,
    },
    identity.signer,
  );
  const result = await prepared.finish({ ok: true, cms: bytesToBase64(cms) });
  if (!result.ok || !('pdf' in result)) throw new Error('no signed PDF');
  return { consent: plan.consent, content, signedPdf: base64ToBytes(result.pdf) };
}
