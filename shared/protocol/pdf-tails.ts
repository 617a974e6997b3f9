/**
 * A sign-many answer between kyso's background and its content script, which both hold the page's
 * request: each signed PDF (an incremental update of the page's own PDF) crosses as its tail after
 * that PDF (base64After, a few KB), and the content script puts the page's bytes back in front
 * (base64Join) before the page sees the answer. Extension messaging copies a message as JSON
 * between processes: 1–2 s for a 16 MiB PDF (bench/README.md, "A large PDF").
 */
import { base64After, base64Join } from '../encoding.js';
import { toWireError, KysoError } from './errors.js';
import { PdfTailResultSchema } from './page.js';

/** The request's document `index` as a PDF's base64, when it is one. */
function pagePdf(params: unknown, index: number): string | undefined {
  const document = (params as { documents?: unknown } | null)?.documents;
  const item = Array.isArray(document) ? (document[index] as { kind?: unknown; pdf?: unknown }) : undefined;
  return item?.kind === 'pdf' && typeof item.pdf === 'string' ? item.pdf : undefined;
}

/** Each result's results[i].pdf that follows the request's PDF i, as its tail (the rest as they are). */
export function withPdfTails(params: unknown, result: unknown): unknown {
  const results = (result as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return result;
  return {
    ...(result as object),
    results: results.map((item: unknown, index) => {
      const pdf = (item as { pdf?: unknown } | null)?.pdf;
      const base = pagePdf(params, index);
      const pdfTail = typeof pdf === 'string' && base !== undefined ? base64After(base, pdf) : undefined;
      return pdfTail !== undefined ? { ok: true, pdfTail } : item;
    }),
  };
}

/** withPdfTails undone, with the request's own PDFs: what the page is answered. */
export function withoutPdfTails(params: unknown, result: unknown): unknown {
  const results = (result as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return result;
  return {
    ...(result as object),
    results: results.map((item: unknown, index) => {
      const tail = PdfTailResultSchema.safeParse(item);
      if (!tail.success) return item;
      const base = pagePdf(params, index);
      if (base === undefined)
        return {
          ok: false,
          error: toWireError(new KysoError('INTERNAL', 'a PDF answer for another document')),
        };
      return { ok: true, pdf: base64Join(base, tail.data.pdfTail) };
    }),
  };
}
