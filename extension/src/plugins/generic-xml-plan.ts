/**
 * A generic XML document (the signing plugins' inline XML of any kind): checked and described
 * before consent, prepared with the signer's certificate, signed enveloped over the whole document
 * (shared/xml/generic.ts). The window shows every value of the document.
 */
import type { PageDocument } from '../../../shared/protocol/page.js';
import {
  completeGenericXmlSignature,
  genericXmlRows,
  prepareGenericXmlSignature,
} from '../../../shared/xml/generic.js';
import type { DocumentPlan } from '../background/documents.js';
import { signatureOf, xmlConsentFields, xmlSignItem } from '../background/plan-parts.js';

export function planGenericXml(document: Extract<PageDocument, { kind: 'xml' }>): DocumentPlan {
  const rows = genericXmlRows(document.xml); // parses: a malformed document is refused before consent
  const digestAlgorithm = document.digestAlgorithm ?? 'SHA-256';
  return {
    consent: xmlConsentFields(document, digestAlgorithm),
    timestamp: false,
    content: () => Promise.resolve({ kind: 'xml', rows }),
    async prepare(signer) {
      const prepared = await prepareGenericXmlSignature(document.xml, {
        keyType: signer.keyType,
        digestAlgorithm,
        allowSha1: document.allowSha1 === true,
      });
      return {
        item: xmlSignItem(prepared),
        finish: (result) => ({
          ok: true,
          xml: completeGenericXmlSignature(prepared, signatureOf(result), signer.certificate, signer.keyType),
        }),
      };
    },
  };
}
