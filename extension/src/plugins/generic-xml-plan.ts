/**
 * A generic XML document (the signing plugins' inline XML of any kind): checked and described
 * before consent, prepared with the signer's certificate, signed enveloped over the whole document
 * (shared/xml/generic.ts). The window shows every value of the document.
 */
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type { SignItem } from '../../../shared/protocol/host.js';
import type { PageDocument } from '../../../shared/protocol/page.js';
import {
  completeGenericXmlSignature,
  genericXmlRows,
  prepareGenericXmlSignature,
} from '../../../shared/xml/generic.js';
import type { DocumentPlan } from '../background/documents.js';

export function planGenericXml(document: Extract<PageDocument, { kind: 'xml' }>): DocumentPlan {
  const rows = genericXmlRows(document.xml); // parses: a malformed document is refused before consent
  const digestAlgorithm = document.digestAlgorithm ?? 'SHA-256';
  return {
    consent: {
      name: document.name,
      kind: 'xml',
      size: new TextEncoder().encode(document.xml).length,
      ...(digestAlgorithm === 'SHA-1' && { sha1: true }),
    },
    timestamp: false,
    content: () => Promise.resolve({ kind: 'xml', rows }),
    async prepare(signer) {
      const prepared = await prepareGenericXmlSignature(document.xml, {
        keyType: signer.keyType,
        digestAlgorithm,
        allowSha1: document.allowSha1 === true,
      });
      const item: SignItem =
        prepared.digestAlgorithm === 'SHA-1'
          ? { kind: 'sha1-digest-info', digestInfo: bytesToBase64(prepared.digestInfo!) }
          : { kind: 'raw', digest: bytesToBase64(prepared.signedInfoDigest), digestAlgorithm: 'SHA-256' };
      return {
        item,
        finish: (result) => {
          if (!('signature' in result))
            throw new KysoError('INTERNAL', 'the host answered without a signature');
          return {
            ok: true,
            xml: completeGenericXmlSignature(
              prepared,
              base64ToBytes(result.signature),
              signer.certificate,
              signer.keyType,
            ),
          };
        },
      };
    },
  };
}
