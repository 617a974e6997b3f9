/**
 * Hand-assembled PDFs with exact control over objects, offsets and cross-reference sections: the
 * differential cases (reverted xref, hidden objects, duplicate numbers, hybrid files) that no
 * well-behaved writer produces.
 */

/** A page showing `text` in Helvetica (ASCII: the text comes back from pdftotext as written). */
export function textContent(text: string): string {
  const stream = `BT /F1 24 Tf 72 700 Td (${text}) Tj ET`;
  return `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
}

export type XrefRow = [number, number | null, number?]; // object number, offset (null: free), generation

export class PdfWriter {
  private text = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  /** The last section's offset, for /Prev. */
  lastXref: number | undefined;

  get length(): number {
    return this.text.length;
  }

  /** Writes `n 0 obj … endobj`; returns its offset. */
  obj(number: number, body: string, generation = 0): number {
    const at = this.text.length;
    this.text += `${number} ${generation} obj\n${body}\nendobj\n`;
    return at;
  }

  raw(text: string): number {
    const at = this.text.length;
    this.text += text;
    return at;
  }

  /**
   * A classic table. Rows are written in the order given, one subsection per row unless they run
   * on; `trailer` is the dictionary's inside (Size, Root…); /Prev is added from the last section.
   */
  table(
    rows: XrefRow[],
    trailer: string,
    options: { prev?: number | null; startxref?: boolean } = {},
  ): number {
    const at = this.text.length;
    let out = 'xref\n';
    let i = 0;
    while (i < rows.length) {
      let j = i + 1;
      while (j < rows.length && rows[j]![0] === rows[j - 1]![0] + 1) j++;
      out += `${rows[i]![0]} ${j - i}\n`;
      for (const [, offset, generation] of rows.slice(i, j))
        out +=
          offset === null
            ? `0000000000 65535 f\r\n`
            : `${String(offset).padStart(10, '0')} ${String(generation ?? 0).padStart(5, '0')} n\r\n`;
      i = j;
    }
    const prev = options.prev === undefined ? this.lastXref : options.prev;
    out += `trailer\n<< ${trailer}${prev !== undefined && prev !== null ? ` /Prev ${prev}` : ''} >>\n`;
    this.text += out;
    this.lastXref = at;
    if (options.startxref !== false) this.startxref(at);
    return at;
  }

  /** An uncompressed cross-reference stream (W 1 4 2) as object `number`. */
  xrefStream(
    number: number,
    rows: XrefRow[],
    trailer: string,
    options: { prev?: number | null; startxref?: boolean; register?: boolean } = {},
  ): number {
    const at = this.text.length;
    const all: XrefRow[] = options.register === false ? rows : [...rows, [number, at]];
    all.sort((a, b) => a[0] - b[0]);
    const index: number[] = [];
    for (const [n] of all) {
      const last = index.length - 2;
      if (last >= 0 && index[last]! + index[last + 1]! === n) index[last + 1]!++;
      else index.push(n, 1);
    }
    let data = '';
    for (const [, offset, generation] of all) {
      const type = offset === null ? 0 : 1;
      const value = offset ?? 0;
      data += String.fromCharCode(
        type,
        (value >>> 24) & 255,
        (value >>> 16) & 255,
        (value >>> 8) & 255,
        value & 255,
        ((generation ?? 0) >>> 8) & 255,
        (generation ?? 0) & 255,
      );
    }
    const prev = options.prev === undefined ? this.lastXref : options.prev;
    this.obj(
      number,
      `<< /Type /XRef /W [1 4 2] /Index [${index.join(' ')}] /Length ${data.length} ${trailer}${prev !== undefined && prev !== null ? ` /Prev ${prev}` : ''} >>\nstream\n${data}\nendstream`,
    );
    if (options.startxref !== false) {
      this.lastXref = at;
      this.startxref(at);
    }
    return at;
  }

  startxref(offset: number): void {
    this.text += `startxref\n${offset}\n%%EOF\n`;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.text, (c) => c.charCodeAt(0));
  }
}

export const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';

/** Objects 1–5 of a one-page document showing `text`: catalog, pages, page, contents, font. */
export function firstRevision(
  w: PdfWriter,
  text: string,
  options: { withoutContents?: boolean } = {},
): Map<number, number> {
  const offsets = new Map<number, number>();
  offsets.set(1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>'));
  offsets.set(2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'));
  offsets.set(
    3,
    w.obj(
      3,
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    ),
  );
  if (!options.withoutContents) offsets.set(4, w.obj(4, textContent(text)));
  offsets.set(5, w.obj(5, FONT));
  return offsets;
}

export const DRAFT = 'BAN NHAP - khong co gia tri';
export const DEBT = 'Giay nhan no 5.000.000.000 d';

export interface HostilePdf {
  name: string;
  bytes: Uint8Array;
  /** What a conforming reader shows on page 1 (checked against poppler by the tests). */
  readerText: string;
  /** The typed refusal expected, or undefined when the file must sign with the same text. */
  refused?: { code: 'PDF_DAMAGED' | 'PDF_AMBIGUOUS' | 'PDF_ENCRYPTED'; problem: string };
}

const rows = (offsets: Map<number, number>): XrefRow[] => [
  [0, null],
  ...[...offsets].map(([n, o]): XrefRow => [n, o]),
];

/** Page 1 (object 3) again, now showing contents object 6. */
const PAGE_WITH_CONTENTS_6 =
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>';

/** A hybrid file's stream: not itself the last section, not in its own index. */
const HYBRID_STREAM = { prev: null, startxref: false, register: false } as const;

/** The first revision showing `text`, closed by its classic table. */
function firstRevisionWithTable(w: PdfWriter, text: string, size: number): Map<number, number> {
  const first = firstRevision(w, text);
  w.table(rows(first), `/Size ${size} /Root 1 0 R`);
  return first;
}

type Refusal = HostilePdf['refused'];

/** One case, written by `write` on a fresh writer; `refused` when kyso must refuse it. */
function hostilePdf(
  name: string,
  readerText: string,
  refused: Refusal,
  write: (w: PdfWriter) => void,
): HostilePdf {
  const w = new PdfWriter();
  write(w);
  return { name, bytes: w.bytes(), readerText, ...(refused && { refused }) };
}

const ambiguous = (problem: string): Refusal => ({ code: 'PDF_AMBIGUOUS', problem });

/** The differential set: each either signs showing the same text, or is refused. */
export function differentialPdfs(): HostilePdf[] {
  return [
    // A legitimate incremental update replacing the contents: readers and kyso see DEBT.
    hostilePdf('incremental-update', DEBT, undefined, (w) => {
      firstRevisionWithTable(w, DRAFT, 6);
      w.table([[4, w.obj(4, textContent(DEBT))]], '/Size 6 /Root 1 0 R');
    }),
    // The last xref points page 1 back at the first revision's page: readers show DRAFT, while
    // the appended page (contents 6: DEBT) is what a file-order loader keeps and copies.
    hostilePdf('revert-xref', DRAFT, ambiguous('object-outside-xref'), (w) => {
      const first = firstRevisionWithTable(w, DRAFT, 6);
      w.obj(3, PAGE_WITH_CONTENTS_6);
      const debt = w.obj(6, textContent(DEBT));
      w.table(
        [
          [3, first.get(3)!],
          [6, debt],
        ],
        '/Size 7 /Root 1 0 R',
      );
    }),
    // A page object after %%EOF that no xref lists: readers ignore it; a file-order loader keeps it.
    hostilePdf('orphan-object', DRAFT, ambiguous('object-outside-xref'), (w) => {
      firstRevisionWithTable(w, DRAFT, 7);
      w.obj(3, PAGE_WITH_CONTENTS_6);
      w.obj(6, textContent(DEBT));
    }),
    // One number twice in one table: poppler keeps the first row, others the last.
    hostilePdf('duplicate-object-number', DRAFT, ambiguous('duplicate-xref-entry'), (w) => {
      const first = firstRevision(w, DRAFT);
      w.table([...rows(first), [4, w.obj(4, textContent(DEBT))]], '/Size 6 /Root 1 0 R');
    }),
    // A consistent hybrid file: the table does not list object 4, the /XRefStm stream places it.
    hostilePdf('hybrid-xref', DEBT, undefined, (w) => {
      const first = firstRevision(w, DEBT);
      const stream = w.xrefStream(6, [[4, first.get(4)!]], '/Size 7', HYBRID_STREAM);
      const tableRows = rows(first).filter(([n]) => n !== 4);
      w.table([...tableRows, [6, stream]], `/Size 7 /Root 1 0 R /XRefStm ${stream}`, { prev: null });
    }),
    // The same with object 4 listed free in the table: pdf.js keeps the free entry (a blank page),
    // qpdf takes the stream's, poppler rebuilds.
    hostilePdf('hybrid-xref-free-in-table', DEBT, ambiguous('hybrid-xref-conflict'), (w) => {
      const first = firstRevision(w, DEBT);
      const stream = w.xrefStream(6, [[4, first.get(4)!]], '/Size 7', HYBRID_STREAM);
      const tableRows = rows(first).map(([n, o]): XrefRow => (n === 4 ? [4, null] : [n, o]));
      w.table([...tableRows, [6, stream]], `/Size 7 /Root 1 0 R /XRefStm ${stream}`, { prev: null });
    }),
    // Two designated definitions, the newest xref naming the one earlier in the file: a reader
    // that rebuilds the xref (or pdf-lib's loader) takes the later one.
    hostilePdf('xref-names-earlier-definition', DRAFT, ambiguous('superseded-definition'), (w) => {
      const first = firstRevision(w, DRAFT);
      const later = w.obj(4, textContent(DEBT));
      w.table([...rows(first).filter(([n]) => n !== 4), [4, later]], '/Size 6 /Root 1 0 R');
      w.table([[4, first.get(4)!]], '/Size 6 /Root 1 0 R');
    }),
    // A hybrid file whose table and stream place object 4 in two places.
    hostilePdf('hybrid-xref-conflict', DRAFT, ambiguous('hybrid-xref-conflict'), (w) => {
      const first = firstRevision(w, DRAFT);
      const stream = w.xrefStream(6, [[4, w.obj(4, textContent(DEBT))]], '/Size 7', HYBRID_STREAM);
      w.table([...rows(first), [6, stream]], `/Size 7 /Root 1 0 R /XRefStm ${stream}`, { prev: null });
    }),
    // An update whose /Prev points into the middle of an object.
    hostilePdf('broken-prev', DEBT, { code: 'PDF_DAMAGED', problem: 'broken-prev-chain' }, (w) => {
      const first = firstRevisionWithTable(w, DRAFT, 6);
      const contents = w.obj(4, textContent(DEBT));
      w.table([[4, contents]], '/Size 6 /Root 1 0 R', { prev: first.get(3)! + 5 });
    }),
    // An xref stream update after a classic table (a common mix after editing in newer software).
    hostilePdf('xref-stream-update', DEBT, undefined, (w) => {
      firstRevisionWithTable(w, DRAFT, 6);
      w.xrefStream(6, [[4, w.obj(4, textContent(DEBT))]], '/Size 7 /Root 1 0 R');
    }),
    // Contents whose indirect /Length runs past an "endstream" inside the data: readers read
    // /Length bytes (both lines), a loader that searches for "endstream" stops at the first.
    hostilePdf('stream-length', DRAFT, ambiguous('stream-length'), (w) => {
      const first = firstRevision(w, DRAFT, { withoutContents: true });
      const data = `BT /F1 24 Tf 72 700 Td (${DRAFT}) Tj ET\nendstream\nBT /F1 24 Tf 72 600 Td (${DEBT}) Tj ET`;
      first.set(4, w.obj(4, `<< /Length 6 0 R >>\nstream\n${data}\nendstream`));
      first.set(6, w.obj(6, String(data.length)));
      w.table(rows(first), '/Size 7 /Root 1 0 R');
    }),
  ];
}
