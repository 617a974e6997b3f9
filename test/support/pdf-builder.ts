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

/** The differential set: each either signs showing the same text, or is refused. */
export function differentialPdfs(): HostilePdf[] {
  const cases: HostilePdf[] = [];

  {
    // A legitimate incremental update replacing the contents: readers and kyso see DEBT.
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table(rows(first), '/Size 6 /Root 1 0 R');
    const contents = w.obj(4, textContent(DEBT));
    w.table([[4, contents]], '/Size 6 /Root 1 0 R');
    cases.push({ name: 'incremental-update', bytes: w.bytes(), readerText: DEBT });
  }
  {
    // The last xref points page 1 back at the first revision's page: readers show DRAFT, while
    // the appended page (contents 6: DEBT) is what a file-order loader keeps and copies.
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table(rows(first), '/Size 6 /Root 1 0 R');
    w.obj(
      3,
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>',
    );
    const debt = w.obj(6, textContent(DEBT));
    w.table(
      [
        [3, first.get(3)!],
        [6, debt],
      ],
      '/Size 7 /Root 1 0 R',
    );
    cases.push({
      name: 'revert-xref',
      bytes: w.bytes(),
      readerText: DRAFT,
      refused: { code: 'PDF_AMBIGUOUS', problem: 'object-outside-xref' },
    });
  }
  {
    // A page object after %%EOF that no xref lists: readers ignore it; a file-order loader keeps it.
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table(rows(first), '/Size 7 /Root 1 0 R');
    w.obj(
      3,
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>',
    );
    w.obj(6, textContent(DEBT));
    cases.push({
      name: 'orphan-object',
      bytes: w.bytes(),
      readerText: DRAFT,
      refused: { code: 'PDF_AMBIGUOUS', problem: 'object-outside-xref' },
    });
  }
  {
    // One number twice in one table: poppler keeps the first row, others the last.
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    const debt = w.obj(4, textContent(DEBT));
    w.table([...rows(first), [4, debt]], '/Size 6 /Root 1 0 R');
    cases.push({
      name: 'duplicate-object-number',
      bytes: w.bytes(),
      readerText: DRAFT,
      refused: { code: 'PDF_AMBIGUOUS', problem: 'duplicate-xref-entry' },
    });
  }
  {
    // A consistent hybrid file: the table does not list object 4, the /XRefStm stream places it.
    const w = new PdfWriter();
    const first = firstRevision(w, DEBT);
    const stream = w.xrefStream(6, [[4, first.get(4)!]], '/Size 7', {
      prev: null,
      startxref: false,
      register: false,
    });
    const tableRows = rows(first).filter(([n]) => n !== 4);
    w.table([...tableRows, [6, stream]], `/Size 7 /Root 1 0 R /XRefStm ${stream}`, { prev: null });
    cases.push({ name: 'hybrid-xref', bytes: w.bytes(), readerText: DEBT });
  }
  {
    // The same with object 4 listed free in the table (readers then differ: poppler rebuilds).
    const w = new PdfWriter();
    const first = firstRevision(w, DEBT);
    const stream = w.xrefStream(6, [[4, first.get(4)!]], '/Size 7', {
      prev: null,
      startxref: false,
      register: false,
    });
    const tableRows = rows(first).map(([n, o]): XrefRow => (n === 4 ? [4, null] : [n, o]));
    w.table([...tableRows, [6, stream]], `/Size 7 /Root 1 0 R /XRefStm ${stream}`, { prev: null });
    cases.push({ name: 'hybrid-xref-free-in-table', bytes: w.bytes(), readerText: DEBT });
  }
  {
    // Two designated definitions, the newest xref naming the one earlier in the file: a reader
    // that rebuilds the xref (or pdf-lib's loader) takes the later one.
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    const later = w.obj(4, textContent(DEBT));
    w.table([...rows(first).filter(([n]) => n !== 4), [4, later]], '/Size 6 /Root 1 0 R');
    w.table([[4, first.get(4)!]], '/Size 6 /Root 1 0 R');
    cases.push({
      name: 'xref-names-earlier-definition',
      bytes: w.bytes(),
      readerText: DRAFT,
      refused: { code: 'PDF_AMBIGUOUS', problem: 'superseded-definition' },
    });
  }
  {
    // A hybrid file whose table and stream place object 4 in two places.
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    const debt = w.obj(4, textContent(DEBT));
    const stream = w.xrefStream(6, [[4, debt]], '/Size 7', { prev: null, startxref: false, register: false });
    w.table([...rows(first), [6, stream]], `/Size 7 /Root 1 0 R /XRefStm ${stream}`, { prev: null });
    cases.push({
      name: 'hybrid-xref-conflict',
      bytes: w.bytes(),
      readerText: DRAFT,
      refused: { code: 'PDF_AMBIGUOUS', problem: 'hybrid-xref-conflict' },
    });
  }
  {
    // An update whose /Prev points into the middle of an object.
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table(rows(first), '/Size 6 /Root 1 0 R');
    const contents = w.obj(4, textContent(DEBT));
    w.table([[4, contents]], '/Size 6 /Root 1 0 R', { prev: first.get(3)! + 5 });
    cases.push({
      name: 'broken-prev',
      bytes: w.bytes(),
      readerText: DEBT,
      refused: { code: 'PDF_DAMAGED', problem: 'broken-prev-chain' },
    });
  }
  {
    // An xref stream update after a classic table (a common mix after editing in newer software).
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table(rows(first), '/Size 6 /Root 1 0 R');
    const contents = w.obj(4, textContent(DEBT));
    w.xrefStream(6, [[4, contents]], '/Size 7 /Root 1 0 R');
    cases.push({ name: 'xref-stream-update', bytes: w.bytes(), readerText: DEBT });
  }
  {
    // Contents whose indirect /Length runs past an "endstream" inside the data: readers read
    // /Length bytes (both lines), a loader that searches for "endstream" stops at the first.
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT, { withoutContents: true });
    const data = `BT /F1 24 Tf 72 700 Td (${DRAFT}) Tj ET\nendstream\nBT /F1 24 Tf 72 600 Td (${DEBT}) Tj ET`;
    first.set(4, w.obj(4, `<< /Length 6 0 R >>\nstream\n${data}\nendstream`));
    first.set(6, w.obj(6, String(data.length)));
    w.table(rows(first), '/Size 7 /Root 1 0 R');
    cases.push({
      name: 'stream-length',
      bytes: w.bytes(),
      readerText: DRAFT,
      refused: { code: 'PDF_AMBIGUOUS', problem: 'stream-length' },
    });
  }
  return cases;
}
