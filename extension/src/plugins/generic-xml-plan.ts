/**
 * A generic XML document (the signing plugins' inline XML of any kind): checked and described
 * before consent, prepared with the signer's certificate, signed enveloped over the whole document
 * (shared/xml/generic.ts), or over the one element a `referenceId` names. The window shows every
 * value of what is signed.
 */
import type { PageDocument } from '../../../shared/protocol/page.js';
import {
  completeGenericXmlSignature,
  genericXmlContent,
  prepareGenericXmlSignature,
} from '../../../shared/xml/generic.js';
import type { DocumentPlan } from '../background/documents.js';
import { signatureOf, xmlConsentFields, xmlSignItem } from '../background/plan-parts.js';

export function planGenericXml(document: Extract<PageDocument, { kind: 'xml' }>): DocumentPlan {
  // Parses: a malformed document (or an Id no element, or two, hold) is refused before consent.
  const { rows, elementOnly } = genericXmlContent(document.xml, document.referenceId);
  const digestAlgorithm = document.digestAlgorithm ?? 'SHA-256';
  return {
    consent: {
      ...xmlConsentFields(document, digestAlgorithm),
      ...(elementOnly && { elementOnly: true as const }),
    },
    timestamp: false,
    content: () => Promise.resolve({ kind: 'xml', rows }),
    async prepare(signer) {
      const prepared = await prepareGenericXmlSignature(document.xml, {
        keyType: signer.keyType,
        digestAlgorithm,
        allowSha1: document.allowSha1 === true,
        ...(document.referenceId !== undefined && { referenceId: document.referenceId }),
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
