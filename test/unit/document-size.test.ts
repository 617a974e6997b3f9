import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../shared/protocol/errors.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { documentSizeError } from '../../shared/protocol/page.js';

const base64Of = (bytes: number) => 'A'.repeat(4 * Math.ceil(bytes / 3));

describe('DOCUMENT_TOO_LARGE: the limit in MiB, before any schema', () => {
  it('a PDF at the limit passes; one byte-triple over is refused, naming the document and the limit', () => {
    expect(
      documentSizeError({ documents: [{ kind: 'pdf', pdf: base64Of(LIMITS.maxPdfBytes) }] }),
    ).toBeUndefined();
    const error = documentSizeError({
      documents: [
        { kind: 'xml', xml: 'x' },
        { kind: 'pdf', pdf: base64Of(LIMITS.maxPdfBytes + 3) },
      ],
    });
    expect(error?.toWire()).toEqual({
      code: 'DOCUMENT_TOO_LARGE',
      message: errorMessage('DOCUMENT_TOO_LARGE', 'en'),
      details: { document: 1, limitMiB: 16 },
    });
  });

  it('an XML over its characters; a whole request over what the bridge carries', () => {
    expect(
      documentSizeError({ documents: [{ kind: 'xml', xml: 'x'.repeat(LIMITS.maxXmlChars + 1) }] })?.details,
    ).toEqual({ document: 0, limitMiB: 4 });
    expect(documentSizeError({ documents: [] }, LIMITS.maxPageRequestChars + 1)?.details).toEqual({
      limitMiB: 24,
    });
    expect(documentSizeError({ documents: [] }, LIMITS.maxPageRequestChars)).toBeUndefined();
  });

  it('a text over its bytes, named in MiB', () => {
    expect(
      documentSizeError({ documents: [{ kind: 'text', data: base64Of(LIMITS.maxTextBytes) }] }),
    ).toBeUndefined();
    expect(
      documentSizeError({ documents: [{ kind: 'text', data: base64Of(LIMITS.maxTextBytes + 3) }] })?.details,
    ).toEqual({ document: 0, limitMiB: 1 });
  });

  it('requests without documents are not its business (the bridge drops oversized ones)', () => {
    expect(documentSizeError({ digest: 'x' }, LIMITS.maxPageRequestChars * 2)).toBeUndefined();
    expect(documentSizeError(null)).toBeUndefined();
  });

  it('people read the limits in MiB, in Vietnamese and English', () => {
    expect(errorMessage('DOCUMENT_TOO_LARGE', 'vi')).toContain('16 MiB');
    expect(errorMessage('DOCUMENT_TOO_LARGE', 'en')).toContain('16 MiB');
  });
});
