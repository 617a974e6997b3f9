/**
 * The consent window draws the original bytes with pdf.js (extension/src/consent/pdf-preview.ts);
 * kyso signs what its own xref model resolves. Each file here is either refused before the window,
 * or pdf.js draws the same text on the original as kyso's model holds and as pdf.js draws on the
 * prepared (signed) revision. pdf.js itself is the judge, with the window's options.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { decodePDFRawStream, PDFArray, PDFRawStream, PDFRef } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { PdfDocumentError } from '../../shared/pdf/errors.js';
import { openPdfModel, type PdfModel } from '../../shared/pdf/model.js';
import { preparePdfSignature } from '../../shared/pdf/pades.js';
import { pdfWarnings } from '../../shared/pdf/warnings.js';
import {
  DEBT,
  DRAFT,
  FONT,
  PdfWriter,
  firstRevision,
  textContent,
  type XrefRow,
} from '../support/pdf-builder.js';

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const ID = '/ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]';
const PAGE = (contents: number, parent = 2) =>
  `<< /Type /Page /Parent ${parent} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents ${contents} 0 R >>`;

/** The text pdf.js draws on each page, opened as the consent window opens it. */
async function previewText(pdf: Uint8Array): Promise<string[]> {
  const doc = await getDocument({
    data: pdf.slice(),
    isEvalSupported: false,
    enableXfa: false,
    stopAtErrors: false,
    verbosity: 0,
  }).promise;
  try {
    const pages: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const text = await (await doc.getPage(i)).getTextContent();
      pages.push(text.items.map((item) => ('str' in item ? item.str : '')).join(''));
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

/** The text poppler (pdftotext) reads from all pages. */
function popplerText(pdf: Uint8Array): string {
  return execFileSync('pdftotext', ['-', '-'], { input: pdf, encoding: 'latin1', stdio: 'pipe' });
}

/** The text operands of each page's contents, as kyso's model resolves them. */
function modelText(model: PdfModel): string[] {
  return model.document.getPages().map((page) => {
    const contents = page.node.Contents();
    if (contents === undefined) return '';
    const streams =
      contents instanceof PDFArray ? contents.asArray().map((c) => model.context.lookup(c)) : [contents];
    return streams
      .map((stream) => Buffer.from(decodePDFRawStream(stream as PDFRawStream).decode()).toString('latin1'))
      .flatMap((data) => [...data.matchAll(/\(([^)]*)\) Tj/g)].map((m) => m[1]))
      .join('');
  });
}

/** Accepted: the window's pdf.js, kyso's model and pdf.js on the signed revision agree. */
async function expectPreviewIsSigned(pdf: Uint8Array): Promise<PdfModel> {
  const model = await openPdfModel(pdf);
  const preview = await previewText(pdf);
  expect(modelText(model)).toEqual(preview);
  const prepared = await preparePdfSignature(pdf, { signingTime: new Date('2025-01-01T00:00:00Z') });
  expect(await previewText(prepared.pdf)).toEqual(preview);
  return model;
}

async function refusal(pdf: Uint8Array): Promise<{ code: string; problem: unknown }> {
  const error = await openPdfModel(pdf).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PdfDocumentError);
  const { code, details } = error as PdfDocumentError;
  return { code, problem: details?.problem };
}

/**
 * Two complete revisions with a trailer /ID each (what pdf.js's rebuild prefers): the first shows
 * DRAFT, the update a new catalog and page showing DEBT. `separator` follows the last startxref.
 */
function twoRevisions(separator: string, updateObjects: Record<number, string> = {}): Uint8Array {
  const w = new PdfWriter();
  const first: XrefRow[] = [
    [0, null],
    [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
    [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
    [3, w.obj(3, PAGE(4))],
    [4, w.obj(4, textContent(DRAFT))],
    [5, w.obj(5, FONT)],
  ];
  w.table(first, `/Size 6 /Root 1 0 R ${ID}`);
  const update: XrefRow[] = [
    [6, w.obj(6, '<< /Type /Catalog /Pages 7 0 R >>')],
    [7, w.obj(7, '<< /Type /Pages /Kids [8 0 R] /Count 1 >>')],
    [8, w.obj(8, PAGE(9, 7))],
    [9, w.obj(9, textContent(DEBT))],
    ...Object.entries(updateObjects).map(([n, body]): XrefRow => [Number(n), w.obj(Number(n), body)]),
  ];
  const at = w.table(update, `/Size ${6 + update.length} /Root 6 0 R ${ID}`, { startxref: false });
  w.raw(`startxref${separator}${at}\n%%EOF\n`);
  return w.bytes();
}

describe('startxref: only the separators pdf.js reads', () => {
  for (const [name, separator] of [
    ['a line feed', '\n'],
    ['CR LF and spaces', '\r\n  '],
  ] as const)
    it(`${name}: accepted, the preview shows the update`, async () => {
      const pdf = twoRevisions(separator);
      await expectPreviewIsSigned(pdf);
      expect(await previewText(pdf)).toEqual([DEBT]);
    });

  for (const [name, separator] of [
    ['a form feed', '\f'],
    ['a NUL', '\0'],
    ['a comment', '\n%x\n'],
  ] as const)
    it(`${name}: refused (pdf.js rebuilds the xref and shows the first revision)`, async () => {
      const pdf = twoRevisions(separator);
      expect(await previewText(pdf)).toEqual([DRAFT]);
      expect(await refusal(pdf)).toEqual({ code: 'PDF_DAMAGED', problem: 'no-xref' });
    });
});

/**
 * A linearized file: its first object a linearization dictionary whose /L is the file's length,
 * then the first-page xref table (right after that endobj), the objects, the main table at the
 * end. `appended`: instead of pointing the last startxref at the first-page table, an update
 * table at the end redefines the page's contents (DEBT) and points /Prev at the first-page one.
 */
function linearized(options: { appended?: boolean; pages?: 1 | 2; n?: number } = {}): Uint8Array {
  const pad = (n: number) => String(n).padStart(10, '0');
  const table = (rows: Array<number | null>, trailer: string) =>
    `xref\n0 ${rows.length}\n` +
    rows.map((o) => (o === null ? '0000000000 65535 f\r\n' : `${pad(o)} 00000 n\r\n`)).join('') +
    `trailer\n<< ${trailer} >>\n`;
  const build = (length: number) => {
    const w = new PdfWriter();
    const at: number[] = [];
    const pages = options.pages ?? 1;
    at[1] = w.obj(
      1,
      `<< /Linearized 1 /L ${pad(length)} /H [1 1] /O 3 /E 1 /N ${options.n ?? pages} /T 1 >>`,
    );
    const firstPage = w.length;
    const trailer = (main: number) => `/Size 8 /Root 2 0 R /Prev ${pad(main)}`;
    w.raw(' '.repeat(table(Array(8).fill(0), trailer(0)).length));
    at[2] = w.obj(2, '<< /Type /Catalog /Pages 7 0 R >>');
    at[3] = w.obj(3, PAGE(4, 7));
    at[4] = w.obj(4, textContent(DRAFT));
    at[5] = w.obj(5, FONT);
    at[6] = w.obj(6, PAGE(4, 7));
    at[7] = w.obj(7, `<< /Type /Pages /Kids [${pages === 2 ? '3 0 R 6 0 R' : '3 0 R'}] /Count ${pages} >>`);
    const main = w.raw(table([null], '/Size 8'));
    let text = new TextDecoder('latin1').decode(w.bytes());
    const first = table([null, ...at.slice(1)], trailer(main));
    text = text.slice(0, firstPage) + first + text.slice(firstPage + first.length);
    if (!options.appended) return `${text}startxref\n${firstPage}\n%%EOF\n`;
    const debt = text.length;
    text += `4 0 obj\n${textContent(DEBT)}\nendobj\n`;
    const update = text.length;
    text += `xref\n4 1\n${pad(debt)} 00000 n\r\ntrailer\n<< /Size 8 /Root 2 0 R /Prev ${firstPage} >>\n`;
    return `${text}startxref\n${update}\n%%EOF\n`;
  };
  return latin1(build(build(0).length));
}

describe('linearized files: pdf.js starts at the first-page xref when /L is the length', () => {
  it('a well-formed one is accepted, and is not an incremental update', async () => {
    const pdf = linearized();
    const model = await expectPreviewIsSigned(pdf);
    expect(model.chain.linearization).toMatchObject({ length: pdf.length, pages: 1 });
    expect(pdfWarnings(model)).toEqual([]);
  });

  it('once updated, its /L is where updates start: each signature counts as one', async () => {
    const signingTime = new Date('2025-01-01T00:00:00Z');
    const once = (await preparePdfSignature(linearized(), { signingTime })).pdf;
    const twice = (await preparePdfSignature(once, { signingTime })).pdf;
    const updates = async (pdf: Uint8Array) =>
      pdfWarnings(await openPdfModel(pdf)).find((w) => w.code === 'pdf-incremental-updates')?.count;
    expect([await updates(once), await updates(twice)]).toEqual([1, 2]);
  });

  it('an update after the first-page xref, while /L is still the length: refused', async () => {
    const pdf = linearized({ appended: true });
    // What the window would show (the first-page xref's DRAFT) is not what kyso's chain, and the
    // signed file whose length no longer matches /L, resolve (DEBT).
    expect(await previewText(pdf)).toEqual([DRAFT]);
    expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'linearized-xref' });
  });

  it('an /N below the page count hides pages from pdf.js: refused', async () => {
    const pdf = linearized({ pages: 2, n: 1 });
    expect(await previewText(pdf)).toHaveLength(1);
    expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'linearized-xref' });
    await expectPreviewIsSigned(linearized({ pages: 2 }));
  });
});

/**
 * A hybrid file: its table lists object 9 free, its /XRefStm puts 9 in object stream 6 (how the
 * spec's example, and Office, hide the structure tree from readers of tables only).
 */
function hybridHiding(catalogExtra: string, pageContents: number, hidden: string): Uint8Array {
  const w = new PdfWriter();
  const at: number[] = [];
  at[1] = w.obj(1, `<< /Type /Catalog /Pages 2 0 R ${catalogExtra} >>`);
  at[2] = w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  at[3] = w.obj(3, PAGE(pageContents));
  at[4] = w.obj(4, textContent(DRAFT));
  at[5] = w.obj(5, FONT);
  const inner = `9 0 ${hidden}`;
  at[6] = w.obj(6, `<< /Type /ObjStm /N 1 /First 4 /Length ${inner.length} >>\nstream\n${inner}\nendstream`);
  const data = String.fromCharCode(2, 0, 0, 0, 6, 0, 0);
  at[7] = w.obj(
    7,
    `<< /Type /XRef /W [1 4 2] /Index [9 1] /Size 10 /Length 7 >>\nstream\n${data}\nendstream`,
  );
  const rows = [...at.entries()].filter(([, o]) => o !== undefined).map(([n, o]): XrefRow => [n, o]);
  w.table([[0, null], ...rows, [8, null], [9, null]], `/Size 10 /Root 1 0 R /XRefStm ${at[7]}`);
  return w.bytes();
}

describe('hybrid files: an object the table lists free and the stream places', () => {
  it('is the structure tree: accepted (no reader draws it)', async () => {
    await expectPreviewIsSigned(
      hybridHiding('/StructTreeRoot 9 0 R /MarkInfo << /Marked true >>', 4, '<< /Type /StructTreeRoot >>'),
    );
  });

  it('is drawn (the page contents): refused, pdf.js draws a blank page', async () => {
    const pdf = hybridHiding('', 9, '[4 0 R]');
    expect(await previewText(pdf)).toEqual(['']);
    expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'hybrid-xref-conflict' });
  });

  it('a free stream entry for a number the table lacks ends the search, as in pdf.js', async () => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table([[0, null], ...[...first].map(([n, o]): XrefRow => [n, o])], '/Size 7 /Root 1 0 R');
    const prev = w.lastXref!;
    const stream = w.xrefStream(6, [[4, null]], '/Size 7', { prev: null, startxref: false, register: false });
    w.table([[6, stream]], `/Size 7 /Root 1 0 R /XRefStm ${stream} /Prev ${prev}`, { prev: null });
    const pdf = w.bytes();
    // pdf.js: object 4 is free, a blank page; poppler rebuilds and draws the first revision's.
    expect(await previewText(pdf)).toEqual(['']);
    expect(popplerText(pdf)).toContain(DRAFT);
    expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'referenced-free-object' });
  });
});

describe('an object an update frees', () => {
  /** An update freeing the contents (4) and rewriting page 3 with `contents` instead. */
  const freeing = (contents: string) => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    w.table([[0, null], ...[...first].map(([n, o]): XrefRow => [n, o])], '/Size 6 /Root 1 0 R');
    const page = w.obj(3, PAGE(4).replace('/Contents 4 0 R', contents));
    w.table(
      [
        [3, page],
        [4, null],
      ],
      '/Size 6 /Root 1 0 R',
    );
    return w.bytes();
  };

  it('no longer referenced: accepted', async () => {
    await expectPreviewIsSigned(freeing(''));
  });

  it('still referenced: refused (pdf.js draws nothing, poppler rebuilds and draws it)', async () => {
    const pdf = freeing('/Contents 4 0 R');
    expect(await previewText(pdf)).toEqual(['']);
    expect(popplerText(pdf)).toContain(DRAFT);
    expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'referenced-free-object' });
  });
});

/** Three pages (texts P1 P2 P3): the first two under an intermediate node 10, with the counts given. */
function pageTree(rootCount: number, nodeCount: number): Uint8Array {
  const w = new PdfWriter();
  const rows: XrefRow[] = [[0, null]];
  const add = (n: number, body: string) => rows.push([n, w.obj(n, body)]);
  add(1, '<< /Type /Catalog /Pages 2 0 R >>');
  add(2, `<< /Type /Pages /Kids [10 0 R 8 0 R] /Count ${rootCount} >>`);
  add(10, `<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 6 0 R] /Count ${nodeCount} >>`);
  for (const [page, contents, parent, text] of [
    [3, 4, 10, 'P1'],
    [6, 7, 10, 'P2'],
    [8, 9, 2, 'P3'],
  ] as const) {
    add(page, PAGE(contents, parent));
    add(contents, textContent(text));
  }
  add(5, FONT);
  w.table(
    rows.sort((a, b) => a[0] - b[0]),
    '/Size 11 /Root 1 0 R',
  );
  return w.bytes();
}

describe('page tree counts: pdf.js shows /Count pages, found by the subtrees’ counts', () => {
  it('counts that match the pages: accepted', async () => {
    const model = await expectPreviewIsSigned(pageTree(3, 2));
    expect(modelText(model)).toEqual(['P1', 'P2', 'P3']);
  });

  for (const [name, rootCount, nodeCount, shown] of [
    ['a root /Count below the pages: pdf.js hides the last', 2, 2, ['P1', 'P2']],
    ['a subtree /Count below its pages: pdf.js skips into the next', 2, 1, ['P1', 'P3']],
  ] as const)
    it(`${name}: refused`, async () => {
      const pdf = pageTree(rootCount, nodeCount);
      expect(await previewText(pdf)).toEqual(shown);
      expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'page-count' });
    });

  it('a subtree /Count alone wrong: refused too (pdf.js finds pages by it, then falls back)', async () => {
    expect(await refusal(pageTree(3, 1))).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'page-count' });
  });
});

describe('xref table rows pdf.js cannot read (it rebuilds the xref and shows the first revision)', () => {
  /** twoRevisions with its update table's text changed by `edit`. */
  const editedUpdate = (edit: (table: string) => string) => {
    const text = new TextDecoder('latin1').decode(twoRevisions('\n'));
    const at = text.lastIndexOf('xref\n6 4\n');
    return latin1(text.slice(0, at) + edit(text.slice(at)));
  };

  for (const [name, edit] of [
    ['a row’s "n" glued to "trailer"', (t: string) => t.replace(' n\r\ntrailer', ' ntrailer')],
    ['object 0 listed in use', (t: string) => t.replace('xref\n', 'xref\n0 1\n0000000000 65535 n\r\n')],
  ] as const)
    it(`${name}: refused`, async () => {
      const pdf = editedUpdate(edit);
      expect(await previewText(pdf)).toEqual([DRAFT]);
      expect(await refusal(pdf)).toEqual({ code: 'PDF_DAMAGED', problem: 'broken-xref' });
    });

  it('a subsection from 1 whose first row is free but not 0/65535: pdf.js renumbers it from 0, poppler does not', async () => {
    const pdf = editedUpdate((t) => t.replace('xref\n', 'xref\n1 1\n0000000000 00001 f\r\n'));
    expect(await refusal(pdf)).toEqual({ code: 'PDF_DAMAGED', problem: 'broken-xref' });
    // The writer bug both fix the same way is still read from 0.
    await expectPreviewIsSigned(
      editedUpdate((t) => t.replace('xref\n', 'xref\n1 1\n0000000000 65535 f\r\n')),
    );
  });
});

it('an xref stream entry of a type past 2 is refused (pdf.js fails on it, rebuilds, shows the first revision)', async () => {
  const w = new PdfWriter();
  const first = firstRevision(w, DRAFT);
  w.table([[0, null], ...[...first].map(([n, o]): XrefRow => [n, o])], `/Size 6 /Root 1 0 R ${ID}`);
  const update: XrefRow[] = [
    [6, w.obj(6, '<< /Type /Catalog /Pages 7 0 R >>')],
    [7, w.obj(7, '<< /Type /Pages /Kids [8 0 R] /Count 1 >>')],
    [8, w.obj(8, PAGE(9, 7))],
    [9, w.obj(9, textContent(DEBT))],
    [11, 0],
  ];
  w.xrefStream(10, update, `/Size 12 /Root 6 0 R ${ID}`);
  // The last row (object 11: type 1, offset 0, a free entry) becomes type 3.
  const text = new TextDecoder('latin1').decode(w.bytes());
  const end = text.indexOf('\nendstream', text.lastIndexOf('/Type /XRef'));
  const pdf = latin1(text.slice(0, end - 7) + '\x03' + text.slice(end - 6));
  expect(await previewText(pdf)).toEqual([DRAFT]);
  expect(await refusal(pdf)).toEqual({ code: 'PDF_DAMAGED', problem: 'broken-xref' });
});

function writeTemporary(pdf: Uint8Array): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'kyso-pdf-')), 'file.pdf');
  writeFileSync(file, pdf);
  return file;
}

/**
 * A one-page file whose contents (object 4) have an indirect /Length (object 6), as Ghostscript and
 * qpdf's QDF mode write them; `data` is the stream's bytes, then `before` and "endstream".
 */
function indirectLength(data: Uint8Array, before: string, length = data.length, filter = ''): Uint8Array {
  const w = new PdfWriter();
  const rows: XrefRow[] = [
    [0, null],
    [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
    [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
    [3, w.obj(3, PAGE(4))],
    [4, w.raw(`4 0 obj\n<< /Length 6 0 R${filter} >>\nstream\n`)],
  ];
  w.raw(new TextDecoder('latin1').decode(data) + `${before}endstream\nendobj\n`);
  rows.push([5, w.obj(5, FONT)], [6, w.obj(6, String(length))]);
  w.table(rows, `/Size 7 /Root 1 0 R ${ID}`);
  return w.bytes();
}

describe('an indirect /Length: the stream is its /Length bytes, as readers take them', () => {
  const text = latin1(`BT /F1 24 Tf 72 700 Td (${DRAFT}) Tj ET`);
  for (const [name, ending, before] of [
    ['data ending in CR, then LF endstream', '\r', '\n'],
    ['data ending in LF, then endstream at once', '\n', ''],
    ['data ending in CR LF, then endstream at once', '\r\n', ''],
    ['data ending in LF, then CR LF endstream', '\n', '\r\n'],
  ] as const)
    it(`${name}: accepted, every byte kept`, async () => {
      const data = new Uint8Array([...text, ...latin1(ending)]);
      const pdf = indirectLength(data, before);
      const model = await expectPreviewIsSigned(pdf);
      expect((model.context.lookup(PDFRef.of(4, 0)) as PDFRawStream).contents).toEqual(data);
    });

  it('Flate data whose last byte is a line feed (what Ghostscript wrote that kyso refused): the page is read and signed', async () => {
    // Deflated contents whose compressed bytes end in LF (zlib needs that last byte). The last byte
    // is the low byte of the Adler-32 sum of the contents, which a trailing comment of three
    // printable characters can steer to any value.
    let data: Uint8Array | undefined;
    for (let comment = 0; !data; comment++) {
      const mark = [0, 1, 2]
        .map((k) => String.fromCharCode(0x21 + (Math.floor(comment / 94 ** k) % 94)))
        .join('');
      const deflated = deflateSync(latin1(`BT /F1 24 Tf 72 700 Td (${DRAFT}) Tj ET\n%${mark}`));
      if (deflated.at(-1) === 0x0a) data = new Uint8Array(deflated);
    }
    const pdf = indirectLength(data, '', data.length, ' /Filter /FlateDecode');
    expect(spawnSync('qpdf', ['--check', writeTemporary(pdf)]).status).toBe(0);
    await expectPreviewIsSigned(pdf);
  });

  it('a /Length that ends short of the end-of-line before endstream: refused (readers disagree on the rest)', async () => {
    const data = new Uint8Array([...text, ...latin1('\n')]);
    expect(await refusal(indirectLength(data, '', data.length - 4))).toEqual({
      code: 'PDF_AMBIGUOUS',
      problem: 'stream-length',
    });
  });
});

it('a reference whose generation is not the xref’s: refused (pdf.js stops drawing the page, pdf-lib reads nothing)', async () => {
  const withContents = (ref: string) => {
    const w = new PdfWriter();
    const rows: XrefRow[] = [
      [0, null],
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
      [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
      [3, w.obj(3, PAGE(4).replace('/Contents 4 0 R', `/Contents ${ref}`))],
      [4, w.obj(4, textContent(DRAFT))],
      [5, w.obj(5, FONT)],
    ];
    w.table(rows, `/Size 6 /Root 1 0 R ${ID}`);
    return w.bytes();
  };
  await expectPreviewIsSigned(withContents('4 0 R'));
  const mismatched = withContents('4 1 R');
  await expect(previewText(mismatched)).rejects.toThrow(/generation/);
  expect(await refusal(mismatched)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'generation-mismatch' });
});

describe('/Prev and /XRefStm: direct integers, and a hybrid stream’s /Prev the table’s', () => {
  const rowsOf = (offsets: Map<number, number>) => [...offsets].map(([n, o]): XrefRow => [n, o]);

  it('a hybrid stream whose own /Prev leads elsewhere: refused (pdf.js reads that section before the rest of the chain)', async () => {
    // Three revisions: the first draws DRAFT (object 4); the second rewrites the catalog; the third
    // is a hybrid table whose stream's /Prev names a table that frees 4. pdf.js queues sections:
    // table, its stream, the table's /Prev, then the stream's /Prev, then the first revision.
    const build = (streamPrev: 'elsewhere' | 'same' | 'none') => {
      const w = new PdfWriter();
      const first = firstRevision(w, DRAFT);
      const oldest = w.table([[0, null], ...rowsOf(first)], `/Size 8 /Root 1 0 R ${ID}`, {
        startxref: false,
      });
      const catalog = w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
      const middle = w.table([[1, catalog]], `/Size 8 /Root 1 0 R ${ID}`, { prev: oldest, startxref: false });
      const freeing = w.table([[4, null]], `/Size 8 /Root 1 0 R ${ID}`, { prev: null, startxref: false });
      const prev = { elsewhere: freeing, same: middle, none: null }[streamPrev];
      const stream = w.xrefStream(7, [], '/Size 8', { prev, startxref: false });
      w.table([[7, stream]], `/Size 8 /Root 1 0 R ${ID} /XRefStm ${stream}`, { prev: middle });
      return w.bytes();
    };
    const pdf = build('elsewhere');
    expect(await previewText(pdf)).toEqual(['']);
    expect(popplerText(pdf)).toContain(DRAFT); // poppler ignores the stream's /Prev
    expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'hybrid-xref-conflict' });
    for (const agreeing of ['same', 'none'] as const) {
      const accepted = build(agreeing);
      expect(await previewText(accepted)).toEqual([DRAFT]);
      await expectPreviewIsSigned(accepted);
    }
  });

  it('/Prev n 0 R: refused (poppler reads offset n; pdf.js and pdf-lib find no object and stop)', async () => {
    // Page 6's /Contents is object 4, an array only the older section (an xref stream, itself
    // listed as object 11 in the newest table) places, in object stream 10.
    const w = new PdfWriter();
    const rows: XrefRow[] = [
      [0, null],
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
      [2, w.obj(2, '<< /Type /Pages /Kids [6 0 R] /Count 1 >>')],
      [3, w.obj(3, textContent(DEBT))],
      [5, w.obj(5, FONT)],
      [6, w.obj(6, PAGE(4))],
    ];
    const inner = '4 0 [3 0 R]';
    rows.push([
      10,
      w.obj(10, `<< /Type /ObjStm /N 1 /First 4 /Length ${inner.length} >>\nstream\n${inner}\nendstream`),
    ]);
    const data = String.fromCharCode(2, 0, 0, 0, 10, 0, 0);
    const older = w.obj(
      11,
      `<< /Type /XRef /W [1 4 2] /Index [4 1] /Size 12 /Length 7 >>\nstream\n${data}\nendstream`,
    );
    rows.push([11, older]);
    w.table(rows, `/Size 12 /Root 1 0 R ${ID} /Prev ${older} 0 R`, { prev: null });
    const pdf = w.bytes();
    // pdf.js resolves the reference (to nothing) and stops: no contents; poppler draws DEBT.
    expect(await previewText(pdf)).toEqual(['']);
    expect(popplerText(pdf)).toContain(DEBT);
    expect(await refusal(pdf)).toEqual({ code: 'PDF_DAMAGED', problem: 'broken-prev-chain' });
  });

  /** An update over a first revision drawing DRAFT, its /Prev written as given. */
  const withPrev = (prev: (offset: number) => string) => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    const oldest = w.table([[0, null], ...rowsOf(first)], `/Size 6 /Root 1 0 R ${ID}`, { startxref: false });
    const catalog = w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
    w.table([[1, catalog]], `/Size 6 /Root 1 0 R ${ID} /Prev ${prev(oldest)}`, { prev: null });
    return w.bytes();
  };
  /** A hybrid table whose stream places the contents (DEBT), its /XRefStm written as given. */
  const withXrefStm = (value: (offset: number) => string) => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT, { withoutContents: true });
    const contents = w.obj(4, textContent(DEBT));
    const stream = w.xrefStream(7, [[4, contents]], '/Size 8', { prev: null, startxref: false });
    w.table(
      [[0, null], ...rowsOf(first), [7, stream]],
      `/Size 8 /Root 1 0 R ${ID} /XRefStm ${value(stream)}`,
    );
    return w.bytes();
  };

  it('written as a real with no fraction: read as the integer, as pdf.js does', async () => {
    expect(await previewText(withPrev((at) => `${at}.0`))).toEqual([DRAFT]);
    await expectPreviewIsSigned(withPrev((at) => `${at}.0`));
    expect(await previewText(withXrefStm((at) => `${at}.0`))).toEqual([DEBT]);
    await expectPreviewIsSigned(withXrefStm((at) => `${at}.0`));
  });

  for (const [name, value] of [
    ['a fraction', (at: number) => `${at}.5`],
    ['negative', () => '-5'],
    ['past any file', () => '99999999999999999999'],
    ['a reference', (at: number) => `${at} 0 R`],
  ] as const)
    it(`${name}: refused`, async () => {
      expect(await refusal(withPrev(value))).toEqual({ code: 'PDF_DAMAGED', problem: 'broken-prev-chain' });
      // pdf.js ignores such an /XRefStm and draws no contents; poppler rebuilds and draws DEBT.
      const hybrid = withXrefStm(value);
      expect(await previewText(hybrid)).toEqual(['']);
      expect(await refusal(hybrid)).toEqual({ code: 'PDF_DAMAGED', problem: 'broken-prev-chain' });
    });
});

describe('one page object twice in the page tree', () => {
  /** Page 3 listed twice: directly, or once directly and once under node 6. */
  const repeated = (kids: string, extra: Record<number, string> = {}) => {
    const w = new PdfWriter();
    const rows: XrefRow[] = [
      [0, null],
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
      [2, w.obj(2, `<< /Type /Pages /Kids [${kids}] /Count 2 >>`)],
      [3, w.obj(3, PAGE(4))],
      [4, w.obj(4, textContent(DRAFT))],
      [5, w.obj(5, FONT)],
      ...Object.entries(extra).map(([n, body]): XrefRow => [Number(n), w.obj(Number(n), body)]),
    ];
    w.table(rows, `/Size ${6 + Object.keys(extra).length} /Root 1 0 R ${ID}`);
    return w.bytes();
  };

  for (const [name, pdf] of [
    ['side by side', repeated('3 0 R 3 0 R')],
    [
      'once under a subtree',
      repeated('3 0 R 6 0 R', { 6: '<< /Type /Pages /Parent 2 0 R /Kids [3 0 R] /Count 1 >>' }),
    ],
  ] as const)
    it(`${name}: refused (a signature box on page 2 would show on page 1 too, where the window outlines nothing)`, async () => {
      // Readers show the one object as two pages: whatever is added to it shows on both.
      expect(await previewText(pdf)).toEqual([DRAFT, DRAFT]);
      expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'repeated-page' });
    });
});

describe('optional content the window does not draw', () => {
  /** Three layers: one the default configuration turns off, one off on screen only, one shown. */
  function layered(): Uint8Array {
    const w = new PdfWriter();
    const content = [
      ['L1', 700, DEBT],
      ['L2', 600, 'In ra: 9.000.000 d'],
      ['L3', 500, DRAFT],
    ]
      .map(([layer, y, text]) => `/OC /${layer} BDC BT /F1 24 Tf 72 ${y} Td (${text}) Tj ET EMC`)
      .join('\n');
    const rows: XrefRow[] = [
      [0, null],
      [
        1,
        w.obj(
          1,
          '<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [6 0 R 7 0 R 8 0 R] /D << /OFF [6 0 R] >> >> >>',
        ),
      ],
      [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
      [
        3,
        w.obj(
          3,
          '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> /Properties << /L1 6 0 R /L2 7 0 R /L3 8 0 R >> >> /Contents 4 0 R >>',
        ),
      ],
      [4, w.obj(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`)],
      [5, w.obj(5, FONT)],
      [6, w.obj(6, '<< /Type /OCG /Name (Phu luc an) >>')],
      [
        7,
        w.obj(
          7,
          '<< /Type /OCG /Name (Ban in) /Usage << /View << /ViewState /OFF >> /Print << /PrintState /ON >> >> >>',
        ),
      ],
      [8, w.obj(8, '<< /Type /OCG /Name (Hien) >>')],
    ];
    w.table(rows, `/Size 9 /Root 1 0 R ${ID}`);
    return w.bytes();
  }

  /** The layers pdf.js shows, by name, for the screen (the window) or for printing. */
  async function shownLayers(pdf: Uint8Array, intent: 'display' | 'print'): Promise<string[]> {
    const doc = await getDocument({ data: pdf.slice(), verbosity: 0 }).promise;
    try {
      const config = await doc.getOptionalContentConfig({ intent });
      return [...config]
        .filter(([id]) => config.isVisible({ type: 'OCG', id }))
        .map(([, group]) => group.name as string);
    } finally {
      await doc.destroy();
    }
  }

  it('is warned about by name: signed unseen, shown or printed by other readers', async () => {
    const pdf = layered();
    expect(await shownLayers(pdf, 'display')).toEqual(['Hien']);
    expect(await shownLayers(pdf, 'print')).toEqual(['Ban in', 'Hien']);
    const model = await expectPreviewIsSigned(pdf);
    expect(pdfWarnings(model)).toContainEqual({
      code: 'pdf-hidden-layers',
      count: 2,
      names: ['Phu luc an', 'Ban in'],
    });
  });
});

describe('annotations the window does not draw but that print', () => {
  /** Each annotation covers the page and draws its own mark at its own height. */
  function annotated(): Uint8Array {
    const w = new PdfWriter();
    const look = (y: number) => {
      const data = `BT /F1 24 Tf 72 ${y} Td (MARK) Tj ET`;
      return `<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Length ${data.length} >>\nstream\n${data}\nendstream`;
    };
    const annotation = (subtype: string, flags: number, appearance: number) =>
      `<< /Type /Annot /Subtype /${subtype} /Rect [0 0 595 842] /F ${flags} /AP << /N ${appearance} 0 R >> >>`;
    const rows: XrefRow[] = [
      [0, null],
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
      [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
      [3, w.obj(3, PAGE(4).replace('/Contents', '/Annots [6 0 R 7 0 R 8 0 R 9 0 R] /Contents'))],
      [4, w.obj(4, textContent(DRAFT))],
      [5, w.obj(5, FONT)],
      [6, w.obj(6, annotation('Stamp', 4 | 32, 10))], // Print, NoView
      [7, w.obj(7, annotation('Widget', 4 | 32, 11))], // a widget no form lists
      [8, w.obj(8, annotation('Square', 4, 12))], // shown and printed
      [9, w.obj(9, annotation('Stamp', 2 | 4 | 32, 13))], // Hidden: neither
      [10, w.obj(10, look(600))],
      [11, w.obj(11, look(500))],
      [12, w.obj(12, look(400))],
      [13, w.obj(13, look(300))],
    ];
    w.table(rows, `/Size 14 /Root 1 0 R ${ID}`);
    return w.bytes();
  }

  /** Which marks pdf.js draws (by height), as the window draws the page or as it prints it. */
  async function drawnMarks(pdf: Uint8Array, intent: 'display' | 'print'): Promise<number[]> {
    const doc = await getDocument({ data: pdf.slice(), verbosity: 0 }).promise;
    try {
      const page = await doc.getPage(1);
      const viewport = page.getViewport({ scale: 1 });
      // pdf.js's own canvas for Node (@napi-rs/canvas), typed loosely by pdf.js.
      const factory = doc.canvasFactory as {
        create(
          width: number,
          height: number,
        ): { canvas: HTMLCanvasElement; context: CanvasRenderingContext2D };
      };
      const { canvas, context } = factory.create(viewport.width, viewport.height);
      await page.render({ canvas, canvasContext: context, viewport, intent }).promise;
      const inked = (y: number) => {
        const { data } = context.getImageData(72, 842 - y - 20, 100, 22);
        return data.some((value: number, i: number) => i % 4 !== 3 && value < 128);
      };
      return [600, 500, 400, 300].filter(inked);
    } finally {
      await doc.destroy();
    }
  }

  it('are warned about: signed unseen, yet on paper', async () => {
    const pdf = annotated();
    expect(await drawnMarks(pdf, 'display')).toEqual([400]);
    expect(await drawnMarks(pdf, 'print')).toEqual([600, 500, 400]);
    const model = await expectPreviewIsSigned(pdf);
    expect(pdfWarnings(model)).toContainEqual({
      code: 'pdf-print-only',
      count: 2,
      names: ['Stamp', 'Widget'],
    });
  });
});

it('an XFA form: refused (pdf.js with XFA on, as in Firefox and like Acrobat, draws its template; the window draws the page)', async () => {
  const xdp = [
    '<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">',
    '<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/"><subform name="form1" layout="tb">',
    '<pageSet><pageArea name="Page1"><contentArea x="0.25in" y="0.25in" w="8in" h="10.5in"/>',
    '<medium stock="letter" short="8.5in" long="11in"/></pageArea></pageSet>',
    `<subform w="8in" h="10in"><draw name="T" w="5in" h="0.5in"><value><text>${DEBT}</text></value></draw></subform>`,
    '</subform></template></xdp:xdp>',
  ].join('\n');
  const w = new PdfWriter();
  const rows: XrefRow[] = [
    [0, null],
    [
      1,
      w.obj(
        1,
        '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 6 0 R >> /NeedsRendering true >>',
      ),
    ],
    [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
    [3, w.obj(3, PAGE(4))],
    [4, w.obj(4, textContent(DRAFT))],
    [5, w.obj(5, FONT)],
    [6, w.obj(6, `<< /Length ${xdp.length} >>\nstream\n${xdp}\nendstream`)],
  ];
  w.table(rows, `/Size 7 /Root 1 0 R ${ID}`);
  const pdf = w.bytes();
  expect(await previewText(pdf)).toEqual([DRAFT]);
  const withXfa = await getDocument({ data: pdf.slice(), enableXfa: true, verbosity: 0 }).promise;
  try {
    const page = await withXfa.getPage(1);
    const text = (await page.getTextContent()).items.map((item) => ('str' in item ? item.str : ''));
    expect(text.join('')).toBe(DEBT);
  } finally {
    await withXfa.destroy();
  }
  expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'xfa-form' });
});

describe('an object stream as pdf.js reads it', () => {
  /**
   * Page 3 (and whatever else is given) in object stream 10; the xref stream (11) places 3 at
   * `index`. `offsets` overrides where the header says each object starts.
   */
  function inObjectStream(objects: Array<[number, string]>, index: number, offsets?: number[]): Uint8Array {
    const w = new PdfWriter();
    const direct: XrefRow[] = [
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
      [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
      [4, w.obj(4, textContent(DRAFT))],
      [5, w.obj(5, FONT)],
      [9, w.obj(9, textContent(DEBT))],
    ];
    let body = '';
    const starts: number[] = [];
    for (const [, text] of objects) {
      starts.push(body.length);
      body += `${text} `;
    }
    const header = `${objects.map(([n], i) => `${n} ${(offsets ?? starts)[i]}`).join(' ')} `;
    const data = header + body;
    direct.push([
      10,
      w.obj(
        10,
        `<< /Type /ObjStm /N ${objects.length} /First ${header.length} /Length ${data.length} >>\nstream\n${data}\nendstream`,
      ),
    ]);
    const at = w.length;
    const rows: Array<[number, number, number, number]> = [
      [0, 0, 0, 65535],
      ...direct.map(([n, o]): [number, number, number, number] => [n, 1, o!, 0]),
      [3, 2, 10, index],
      [11, 1, at, 0],
    ];
    rows.sort((a, b) => a[0] - b[0]);
    const ranges: number[] = [];
    for (const [n] of rows) {
      const last = ranges.length - 2;
      if (last >= 0 && ranges[last]! + ranges[last + 1]! === n) ranges[last + 1]!++;
      else ranges.push(n, 1);
    }
    const bytes = (value: number, width: number) =>
      Array.from({ length: width }, (_, i) => (value >>> (8 * (width - 1 - i))) & 255);
    const table = String.fromCharCode(
      ...rows.flatMap(([, type, a, b]) => [type, ...bytes(a, 4), ...bytes(b, 2)]),
    );
    w.obj(
      11,
      `<< /Type /XRef /W [1 4 2] /Index [${ranges.join(' ')}] /Size 12 /Root 1 0 R ${ID} /Length ${table.length} >>\nstream\n${table}\nendstream`,
    );
    w.startxref(at);
    return w.bytes();
  }
  const page = (contents: number) => PAGE(contents);

  it('one object each: accepted', async () => {
    await expectPreviewIsSigned(
      inObjectStream(
        [
          [3, page(4)],
          [7, '<< /Unused true >>'],
        ],
        0,
      ),
    );
  });

  it('a comment before an object (as qpdf --qdf writes them): accepted, it is not part of the one before', async () => {
    await expectPreviewIsSigned(
      inObjectStream(
        [
          [3, page(4)],
          [7, '%% Object stream: object 7, index 1\n<< /Unused true >>'],
        ],
        0,
      ),
    );
  });

  it('a real file through qpdf --qdf (a comment before each object of its object streams): signed, all its pages', async () => {
    const original = readFileSync(new URL('../fixtures/pdf-corpus/r-zoo-zoo.pdf', import.meta.url));
    const input = writeTemporary(original);
    execFileSync('qpdf', ['--qdf', '--object-streams=generate', input, `${input}.qdf`]);
    const qdf = new Uint8Array(readFileSync(`${input}.qdf`));
    expect(Buffer.from(qdf).toString('latin1')).toMatch(/\/Type \/ObjStm[^]*%% Object stream: object/);
    const model = await openPdfModel(qdf);
    expect(model.document.getPageCount()).toBe(30);
    const prepared = await preparePdfSignature(qdf, { signingTime: new Date('2025-01-01T00:00:00Z') });
    const doc = await getDocument({ data: prepared.pdf.slice(), isEvalSupported: false, verbosity: 0 })
      .promise;
    expect(doc.numPages).toBe(30);
    await doc.destroy();
  });

  it('a number listed twice: refused (pdf.js takes the last, poppler the one the xref names)', async () => {
    const pdf = inObjectStream(
      [
        [3, page(4)],
        [3, page(9)],
      ],
      0,
    );
    expect(await previewText(pdf)).toEqual([DEBT]);
    expect(popplerText(pdf)).toContain(DRAFT);
    expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'object-stream-conflict' });
  });

  it('an object running past the next one’s offset: refused (pdf.js reads it cut short and fails)', async () => {
    const pdf = inObjectStream(
      [
        [3, page(4)],
        [7, '1'],
      ],
      0,
      [0, 10],
    );
    await expect(previewText(pdf)).rejects.toThrow(/End of file inside dictionary/);
    expect(await refusal(pdf)).toEqual({ code: 'PDF_AMBIGUOUS', problem: 'object-stream-conflict' });
  });
});

it('an xref stream with a fraction in /Index: refused (pdf.js skips it and every older section, drawing less than others)', async () => {
  // Three revisions: the first draws DRAFT (contents 4, font 5); the second is an xref stream
  // re-listing objects 1 and 2; the newest redraws page 3 with [DEBT, 4]. pdf.js fails on the
  // second's /Index and never reaches the first: object 4 is null to it.
  const build = (index: string) => {
    const w = new PdfWriter();
    const first = firstRevision(w, DRAFT);
    const oldest = w.table(
      [[0, null], ...[...first].map(([n, o]): XrefRow => [n, o])],
      `/Size 10 /Root 1 0 R ${ID}`,
      {
        startxref: false,
      },
    );
    const row = (offset: number) => [1, 0, 0, (offset >>> 8) & 255, offset & 255, 0, 0];
    const table = String.fromCharCode(...row(first.get(1)!), ...row(first.get(2)!));
    const middle = w.obj(
      6,
      `<< /Type /XRef /W [1 4 2] /Index ${index} /Size 10 /Root 1 0 R ${ID} /Prev ${oldest} /Length ${table.length} >>\nstream\n${table}\nendstream`,
    );
    const rows: XrefRow[] = [
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
      [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
      [3, w.obj(3, PAGE(4).replace('/Contents 4 0 R', '/Contents [9 0 R 4 0 R]'))],
      [6, middle],
      [9, w.obj(9, textContent(DEBT).replace('72 700', '72 600'))],
    ];
    w.table(rows, `/Size 10 /Root 1 0 R ${ID}`, { prev: middle });
    return w.bytes();
  };
  const whole = build('[1 2]');
  expect(await previewText(whole)).toEqual([DEBT + DRAFT]);
  await expectPreviewIsSigned(whole);
  const fraction = build('[1 1.5]');
  expect(await previewText(fraction)).toEqual([DEBT]);
  expect(popplerText(fraction)).toContain(DRAFT);
  expect(await refusal(fraction)).toEqual({ code: 'PDF_DAMAGED', problem: 'broken-xref' });
});

it('a page tree whose /Kids lead back to its root: refused (pdf.js fails on that page)', async () => {
  const w = new PdfWriter();
  const rows: XrefRow[] = [
    [0, null],
    [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
    [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>')],
    [3, w.obj(3, PAGE(4))],
    [4, w.obj(4, textContent(DRAFT))],
    [5, w.obj(5, FONT)],
    [6, w.obj(6, '<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>')],
  ];
  w.table(rows, `/Size 7 /Root 1 0 R ${ID}`);
  const pdf = w.bytes();
  await expect(previewText(pdf)).rejects.toThrow(/circular reference/);
  expect((await refusal(pdf)).code).toBe('PDF_DAMAGED');
});

it('content a layer membership hides though its layers are shown (/P /AllOff): warned about', async () => {
  const w = new PdfWriter();
  const content = [
    ['MC0', 700, DEBT],
    ['MC1', 600, DRAFT],
  ]
    .map(([tag, y, text]) => `/OC /${tag} BDC BT /F1 24 Tf 72 ${y} Td (${text}) Tj ET EMC`)
    .join('\n');
  const rows: XrefRow[] = [
    [0, null],
    [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [6 0 R] /D << >> >> >>')],
    [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')],
    [
      3,
      w.obj(
        3,
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> /Properties << /MC0 7 0 R /MC1 8 0 R >> >> /Contents 4 0 R >>',
      ),
    ],
    [4, w.obj(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`)],
    [5, w.obj(5, FONT)],
    [6, w.obj(6, '<< /Type /OCG /Name (Ghi chu) >>')],
    [7, w.obj(7, '<< /Type /OCMD /OCGs [6 0 R] /P /AllOff >>')], // shown only while "Ghi chu" is off
    [8, w.obj(8, '<< /Type /OCMD /OCGs [6 0 R] >>')], // AnyOn: shown
  ];
  w.table(rows, `/Size 9 /Root 1 0 R ${ID}`);
  const pdf = w.bytes();
  // pdf.js, as the window draws the page: the DEBT line is not there, the DRAFT line is.
  const doc = await getDocument({ data: pdf.slice(), verbosity: 0 }).promise;
  try {
    const page = await doc.getPage(1);
    const viewport = page.getViewport({ scale: 1 });
    const factory = doc.canvasFactory as {
      create(width: number, height: number): { canvas: HTMLCanvasElement; context: CanvasRenderingContext2D };
    };
    const { canvas, context } = factory.create(viewport.width, viewport.height);
    await page.render({ canvas, canvasContext: context, viewport }).promise;
    const inked = (y: number) =>
      context
        .getImageData(72, 842 - y - 20, 300, 22)
        .data.some((value: number, i: number) => i % 4 !== 3 && value < 128);
    expect([inked(700), inked(600)]).toEqual([false, true]);
  } finally {
    await doc.destroy();
  }
  const model = await expectPreviewIsSigned(pdf);
  expect(pdfWarnings(model)).toContainEqual({ code: 'pdf-hidden-layers', count: 1, names: ['Ghi chu'] });
});

describe('/Rotate and /UserUnit: the page turned and shaped as pdf.js and poppler draw it', () => {
  /** One page showing DRAFT; `page` and `tree` are written, as given, into the page's and the page tree's dictionaries. */
  const onePage = (page: string, tree = '') => {
    const w = new PdfWriter();
    const rows: XrefRow[] = [
      [0, null],
      [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
      [2, w.obj(2, `<< /Type /Pages /Kids [3 0 R] /Count 1 ${tree} >>`)],
      [3, w.obj(3, PAGE(4).replace('/Type /Page ', `/Type /Page ${page} `))],
      [4, w.obj(4, textContent(DRAFT))],
      [5, w.obj(5, FONT)],
    ];
    w.table(rows, `/Size 6 /Root 1 0 R ${ID}`);
    return w.bytes();
  };
  type Shape = 'portrait' | 'landscape';
  const shape = (width: number, height: number): Shape => (width > height ? 'landscape' : 'portrait');

  /** The page as the window's pdf.js lays it out: its turn and shape. */
  async function previewShape(pdf: Uint8Array): Promise<{ rotation: number; shape: Shape }> {
    const doc = await getDocument({ data: pdf.slice(), isEvalSupported: false, verbosity: 0 }).promise;
    try {
      const { rotation, width, height } = (await doc.getPage(1)).getViewport({ scale: 1 });
      return { rotation, shape: shape(width, height) };
    } finally {
      await doc.destroy();
    }
  }

  /** The shape of the image pdftoppm draws (pdfinfo's "rot" is not what it draws: 135 stays upright). */
  function popplerShape(pdf: Uint8Array): Shape {
    const ppm = execFileSync('pdftoppm', ['-r', '9', '-singlefile', '-'], { input: pdf, stdio: 'pipe' });
    const [, width, height] = ppm.toString('latin1', 0, 32).match(/^P6\s+(\d+)\s+(\d+)/)!;
    return shape(Number(width), Number(height));
  }

  const rotationWarning = async (pdf: Uint8Array) =>
    pdfWarnings(await openPdfModel(pdf)).find((w) => w.code === 'pdf-rotation-differs');

  for (const [name, page, tree, preview, poppler] of [
    ['/Rotate 90', '/Rotate 90', '', { rotation: 90, shape: 'landscape' }, 'landscape'],
    ['/Rotate 90.0', '/Rotate 90.0', '', { rotation: 90, shape: 'landscape' }, 'portrait'],
    ['/Rotate -90.0', '/Rotate -90.0', '', { rotation: 270, shape: 'landscape' }, 'portrait'],
    [
      '/Rotate 45.0 under a tree’s /Rotate 90',
      '/Rotate 45.0',
      '/Rotate 90',
      { rotation: 0, shape: 'portrait' },
      'landscape',
    ],
    ['/Rotate 135', '/Rotate 135', '', { rotation: 0, shape: 'portrait' }, 'portrait'],
    ['/Rotate 90.5', '/Rotate 90.5', '', { rotation: 0, shape: 'portrait' }, 'portrait'],
    [
      '/UserUnit 2 (pdf.js scales the page, poppler does not: the same shape)',
      '/UserUnit 2',
      '',
      { rotation: 0, shape: 'portrait' },
      'portrait',
    ],
  ] as const)
    it(`${name}: ${preview.shape === poppler ? 'drawn alike, no warning' : 'turned differently: warned'}`, async () => {
      const pdf = onePage(page, tree);
      expect(await previewShape(pdf)).toEqual(preview);
      expect(popplerShape(pdf)).toBe(poppler);
      // The window shows what is signed either way; the page is only turned otherwise by some readers.
      await expectPreviewIsSigned(pdf);
      expect(await rotationWarning(pdf)).toEqual(
        preview.shape === poppler ? undefined : { code: 'pdf-rotation-differs', count: 1 },
      );
    });
});
