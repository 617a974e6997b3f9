/** A JavaScript caller's wrong options are named, not reported as something wrong with the signature. */
import { describe, expect, it } from 'vitest';
import {
  verifyCmsSignature,
  verifyDocument,
  verifyPdfSignatures,
  verifyXmlSignature,
  type VerifyOptions,
} from '../../verifier/src/index.js';

const XML = '<a/>';
const entries: Array<[string, (options: VerifyOptions) => Promise<unknown>]> = [
  ['verifyXmlSignature', (options) => verifyXmlSignature(XML, options)],
  ['verifyPdfSignatures', (options) => verifyPdfSignatures(new TextEncoder().encode('%PDF-1.7\n'), options)],
  ['verifyCmsSignature', (options) => verifyCmsSignature({ cms: new Uint8Array([0x30, 0x00]) }, options)],
  ['verifyDocument', (options) => verifyDocument(new TextEncoder().encode(XML), options)],
];

describe('verifier options', () => {
  it.each(entries)(
    '%s refuses options without trusted roots, with a PEM root, bytes that are no certificate, or an invalid date',
    async (_name, verify) => {
      const wrong: Array<[unknown, string]> = [
        [
          undefined,
          'options.trustedRoots must be an array of DER certificates (Uint8Array); [] trusts no root',
        ],
        [{}, 'options.trustedRoots must be an array of DER certificates (Uint8Array); [] trusts no root'],
        [{ trustedRoots: ['-----BEGIN CERTIFICATE-----'] }, 'options.trustedRoots must be'],
        [{ trustedRoots: [], intermediates: 'ca.pem' }, 'options.intermediates must be'],
        [
          { trustedRoots: [new TextEncoder().encode('-----BEGIN CERTIFICATE-----\nMIIB\n')] },
          'options.trustedRoots[0] is not a DER X.509 certificate',
        ],
        [
          { trustedRoots: [], timestampRoots: [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])] },
          'options.timestampRoots[0] is not a DER X.509 certificate',
        ],
        [
          { trustedRoots: [], validationTime: new Date('not a date') },
          'options.validationTime must be a valid Date',
        ],
        [{ trustedRoots: [], notAfter: '2026-01-01' }, 'options.notAfter must be a valid Date'],
      ];
      for (const [options, message] of wrong) {
        const refusal = await verify(options as VerifyOptions).catch((error: unknown) => error);
        expect(refusal, JSON.stringify(options)).toBeInstanceOf(TypeError);
        expect((refusal as Error).message, JSON.stringify(options)).toContain(message);
      }
      // Right options reach the document: whatever it says of it, it is no TypeError.
      const outcome = await verify({ trustedRoots: [] }).catch((error: unknown) => error);
      expect(outcome).not.toBeInstanceOf(TypeError);
    },
  );
});
