/**
 * Where a signature's appearance goes is measured on the part of the page readers show: the crop
 * box clipped to the media box, corners in any order (pdf.js's Page.view, poppler's clipped crop
 * box). pdf.js gives the visible box; pdftoppm renders the prepared revision.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FONT_URL } from '../../shared/pdf/appearance.js';
import { appearanceWarnings, planAppearance } from '../../shared/pdf/appearance-plan.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { PdfDocumentError } from '../../shared/pdf/errors.js';
import { preparePdfSignature } from '../../shared/pdf/pades.js';
import { DRAFT, FONT, PdfWriter, textContent, type XrefRow } from '../support/pdf-builder.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { countPixels, isBlue, isDark, renderPage } from '../support/pdf-raster.js';

/** One page drawing DRAFT (at 72, 700), with the page boxes given (and its parent node's). */
function withBoxes(boxes: string, parentBoxes = ''): Uint8Array {
  const w = new PdfWriter();
  const rows: XrefRow[] = [
    [0, null],
    [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
    [2, w.obj(2, `<< /Type /Pages /Kids [3 0 R] /Count 1 ${parentBoxes} >>`)],
    [
      3,
      w.obj(
        3,
        `<< /Type /Page /Parent 2 0 R ${boxes} /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>`,
      ),
    ],
    [4, w.obj(4, textContent(DRAFT))],
    [5, w.obj(5, FONT)],
  ];
  w.table(rows, '/Size 6 /Root 1 0 R');
  return w.bytes();
}

/** pdf.js's visible box of page 1: [x1, y1, x2, y2]. */
async function pdfjsView(pdf: Uint8Array): Promise<number[]> {
  const doc = await getDocument({ data: pdf.slice(), verbosity: 0 }).promise;
  try {
    return (await doc.getPage(1)).view;
  } finally {
    await doc.destroy();
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'kyso-visible-box-'));
const rendered = (pdf: Uint8Array, name: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, pdf);
  return renderPage(file, 1);
};

const A4 = '/MediaBox [0 0 595 842]';
const boxes = [
  ['a crop box past the media box', `${A4} /CropBox [0 0 1190 1684]`],
  ['a crop box written top right first', `${A4} /CropBox [595 842 0 0]`],
  ['a media box written top right first', '/MediaBox [595 842 0 0]'],
] as const;

describe('the appearance on the visible part of the page', () => {
  const stamp = {
    kind: 'stamp' as const,
    lines: ['So: 45/DDN-UBND', 'Thoi gian ky: {time}'],
    font: readFileSync(DEFAULT_FONT_URL),
  };
  const signingTime = new Date('2026-01-01T00:00:00Z');

  for (const [name, pageBoxes] of boxes)
    it(`${name}: the stamp sits 14 pt in from pdf.js's top right corner, and pdftoppm draws it there`, async () => {
      const pdf = withBoxes(pageBoxes);
      expect(await pdfjsView(pdf)).toEqual([0, 0, 595, 842]);
      const plan = await planAppearance(await openPdfModel(pdf), stamp, signingTime);
      expect(plan.rect.x + plan.rect.width).toBeCloseTo(595 - 14, 3);
      expect(plan.rect.y + plan.rect.height).toBeCloseTo(842 - 14, 3);
      const prepared = await preparePdfSignature(pdf, { appearance: stamp, signingTime });
      const stampInk = countPixels(rendered(prepared.pdf, 'stamp.pdf'), plan.rect, isDark);
      const plain = await preparePdfSignature(withBoxes(A4), { appearance: stamp, signingTime });
      // The same ink as on a page with plain boxes, where the stamp has always shown.
      expect(stampInk).toBeGreaterThan(50);
      expect(stampInk).toBe(countPixels(rendered(plain.pdf, 'plain.pdf'), plan.rect, isDark));
    });

  it('an image over the whole visible page, its crop box four times larger: warned about as covering it all', async () => {
    const pdf = withBoxes(boxes[0][1]);
    const rect = { x: 0, y: 0, width: 595, height: 842 };
    const appearance = { kind: 'image' as const, rect, signatureImage: blueSignaturePng() };
    const plan = await planAppearance(await openPdfModel(pdf), appearance, signingTime);
    expect(plan.pageShare).toBe(100);
    expect(appearanceWarnings(plan)).toEqual([{ code: 'pdf-appearance-large', count: 100 }]);
    const prepared = await preparePdfSignature(pdf, { appearance, signingTime });
    expect(countPixels(rendered(prepared.pdf, 'image.pdf'), rect, isBlue)).toBeGreaterThan(1000);
  });

  for (const rotation of [90, 180, 270])
    it(`a page turned by /Rotate ${rotation}: the stamp reads upright at the top right as shown, where the window outlines it`, async () => {
      const pdf = withBoxes(`${A4} /Rotate ${rotation}`);
      const plan = await planAppearance(await openPdfModel(pdf), stamp, signingTime);
      const prepared = await preparePdfSignature(pdf, { appearance: stamp, signingTime });
      const file = path.join(dir, `rotate-${rotation}.pdf`);
      writeFileSync(file, prepared.pdf);
      // pdf.js, the window: the widget's box is the planned one, 14 pt in from the shown top right.
      const doc = await getDocument({ data: prepared.pdf.slice(), verbosity: 0 }).promise;
      const page = await doc.getPage(1);
      const [widget] = (await page.getAnnotations()) as Array<{ rect: number[] }>;
      const { x, y, width, height } = plan.rect;
      expect(widget!.rect.map((v) => Math.round(v))).toEqual([x, y, x + width, y + height].map(Math.round));
      const viewport = page.getViewport({ scale: 1 });
      const [x1, y1, x2, y2] = viewport.convertToViewportRectangle(widget!.rect) as number[];
      await doc.destroy();
      expect(Math.max(x1!, x2!)).toBeCloseTo(viewport.width - 14, 3);
      expect(Math.min(y1!, y2!)).toBeCloseTo(14, 3);
      // Poppler: the words of the first line, in the shown page's coordinates, run left to right
      // across the top (a stamp drawn upright in page space is turned with the page).
      const words = [
        ...execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' }).matchAll(
          /xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</g,
        ),
      ].map(([, xMin, yMin, xMax, yMax, text]) => ({ text, box: [xMin, yMin, xMax, yMax].map(Number) }));
      const number = words.find((w) => w.text === '45/DDN-UBND');
      expect(number, JSON.stringify(words)).toBeDefined();
      const [xMin, yMin, xMax, yMax] = number!.box as [number, number, number, number];
      expect(xMax - xMin).toBeGreaterThan(3 * (yMax - yMin));
      expect(yMin).toBeGreaterThan(14);
      expect(yMax).toBeLessThan(14 + 20);
      expect(xMax).toBeLessThan(viewport.width - 14);
      expect(xMax).toBeGreaterThan(viewport.width - 14 - plan.rect.width - plan.rect.height);
    });

  for (const rotation of [0, 90])
    it(`a line wider than the page (${rotation ? 'turned by /Rotate 90' : 'upright'}): wrapped, the whole stamp on the page, every word shown`, async () => {
      const organisation = 'CÔNG TY TNHH MỘT THÀNH VIÊN XUẤT NHẬP KHẨU TỔNG HỢP VÀ ĐẦU TƯ PHÁT TRIỂN';
      const long = { ...stamp, lines: ['Số: 45/ĐĐN-UBND', `${organisation} ${organisation}`] };
      const pdf = withBoxes(`${A4} /Rotate ${rotation}`);
      const plan = await planAppearance(await openPdfModel(pdf), long, signingTime);
      const prepared = await preparePdfSignature(pdf, { appearance: long, signingTime });
      expect(plan.rect.x).toBeGreaterThanOrEqual(14);
      expect(plan.rect.y).toBeGreaterThanOrEqual(14);
      const file = path.join(dir, `long-${rotation}.pdf`);
      writeFileSync(file, prepared.pdf);
      // pdftotext keeps only what is on the page: the document number and each word of the line.
      const shown = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
      expect(shown).toContain('Số: 45/ĐĐN-UBND');
      expect(shown.split(/\s+/).join(' ')).toContain(`${organisation} ${organisation}`);
    });

  for (const rotation of [0, 90])
    it(`a stamp on a page with a signature stamp already (${rotation ? 'turned by /Rotate 90' : 'upright'}): right under it, not over it, where the window outlines it`, async () => {
      const issued = await preparePdfSignature(withBoxes(`${A4} /Rotate ${rotation}`), {
        appearance: stamp,
        signingTime,
      });
      const copy = { ...stamp, lines: ['SAO Y', 'Sở Tư pháp tỉnh Thừa Thiên Huế', '{time}'] };
      const plan = await planAppearance(await openPdfModel(issued.pdf), copy, signingTime);
      const copied = await preparePdfSignature(issued.pdf, { appearance: copy, signingTime });
      // pdf.js, the window: the two widgets in the order signed, the second where the plan put it.
      const doc = await getDocument({ data: copied.pdf.slice(), verbosity: 0 }).promise;
      const page = await doc.getPage(1);
      const viewport = page.getViewport({ scale: 1 });
      const shown = ((await page.getAnnotations()) as Array<{ rect: number[] }>).map(({ rect }) => {
        const [x1, y1, x2, y2] = viewport.convertToViewportRectangle(rect) as number[];
        return {
          left: Math.min(x1!, x2!),
          top: Math.min(y1!, y2!),
          right: Math.max(x1!, x2!),
          bottom: Math.max(y1!, y2!),
        };
      });
      const rects = ((await page.getAnnotations()) as Array<{ rect: number[] }>).map((a) => a.rect);
      await doc.destroy();
      const { x, y, width, height } = plan.rect;
      expect(rects[1]!.map((v) => Math.round(v))).toEqual([x, y, x + width, y + height].map(Math.round));
      const [first, second] = shown as [(typeof shown)[0], (typeof shown)[0]];
      expect(first.top).toBeCloseTo(14, 3);
      expect(second.top).toBeCloseTo(first.bottom + 4, 3);
      expect(second.right).toBeCloseTo(viewport.width - 14, 3);
      // Poppler: every word of both stamps, the copy's first line below the issuer's last.
      const file = path.join(dir, `two-stamps-${rotation}.pdf`);
      writeFileSync(file, copied.pdf);
      const words = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' });
      const top = (word: string) =>
        Number(new RegExp(`yMin="([\\d.]+)" xMax="[\\d.]+" yMax="[\\d.]+">${word}<`).exec(words)![1]);
      expect(top('SAO')).toBeGreaterThan(top('gian') + 10);
      expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain(
        'Sở Tư pháp tỉnh Thừa Thiên Huế',
      );
    });

  it('no /MediaBox: a US Letter page, as pdf.js and poppler show it, with the stamp at its top right', async () => {
    const pdf = withBoxes('');
    expect(await pdfjsView(pdf)).toEqual([0, 0, 612, 792]);
    const plan = await planAppearance(await openPdfModel(pdf), stamp, signingTime);
    expect(plan.rect.x + plan.rect.width).toBeCloseTo(612 - 14, 3);
    expect(plan.rect.y + plan.rect.height).toBeCloseTo(792 - 14, 3);
    const prepared = await preparePdfSignature(pdf, { appearance: stamp, signingTime });
    expect(countPixels(rendered(prepared.pdf, 'letter.pdf'), plan.rect, isDark)).toBeGreaterThan(50);
  });
});

describe('a page box that is not four numbers spanning an area', () => {
  /** The box poppler uses for page 1 (pdfinfo -box), as [x1, y1, x2, y2]. */
  const popplerBox = (pdf: Uint8Array, key: 'MediaBox' | 'CropBox') =>
    execFileSync('pdfinfo', ['-box', '-'], { input: pdf, encoding: 'latin1' })
      .match(new RegExp(`${key}:\\s+(.*)`))![1]!
      .trim()
      .split(/\s+/)
      .map(Number);

  for (const [name, boxes, parentBoxes, key] of [
    [
      'a /MediaBox of three numbers, a tall one on its parent',
      '/MediaBox [0 0 595]',
      '/MediaBox [0 0 595 1684]',
      'MediaBox',
    ],
    [
      'an empty /MediaBox, an A4 one on its parent',
      '/MediaBox [0 0 0 0]',
      '/MediaBox [0 0 595 842]',
      'MediaBox',
    ],
    [
      'an empty /CropBox, a smaller one on its parent',
      `${A4} /CropBox [0 0 0 0]`,
      '/CropBox [0 0 300 300]',
      'CropBox',
    ],
  ] as const)
    it(`${name}: refused (pdf.js falls back to Letter or the media box, poppler to the parent's)`, async () => {
      const pdf = withBoxes(boxes, parentBoxes);
      expect(await pdfjsView(pdf)).not.toEqual(popplerBox(pdf, key));
      const error = await openPdfModel(pdf).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PdfDocumentError);
      expect(error).toMatchObject({ code: 'PDF_AMBIGUOUS', details: { problem: 'page-box' } });
    });
});

it('two pages sharing one /Annots array: the signature on page 2 shows on page 2 only, where the window outlines it', async () => {
  const w = new PdfWriter();
  const page = (contents: number) =>
    `<< /Type /Page /Parent 2 0 R ${A4} /Annots 7 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents ${contents} 0 R >>`;
  const rows: XrefRow[] = [
    [0, null],
    [1, w.obj(1, '<< /Type /Catalog /Pages 2 0 R >>')],
    [2, w.obj(2, '<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>')],
    [3, w.obj(3, page(4))],
    [4, w.obj(4, textContent(DRAFT))],
    [5, w.obj(5, FONT)],
    [6, w.obj(6, page(8))],
    [7, w.obj(7, '[]')],
    [8, w.obj(8, textContent(DRAFT))],
  ];
  w.table(rows, '/Size 9 /Root 1 0 R');
  const rect = { x: 300, y: 100, width: 220, height: 90 };
  const appearance = { kind: 'image' as const, pageIndex: 1, rect, signatureImage: blueSignaturePng() };
  const plan = await planAppearance(await openPdfModel(w.bytes()), appearance, new Date());
  expect(plan.page).toBe(1);
  const prepared = await preparePdfSignature(w.bytes(), { appearance });
  const file = path.join(dir, 'shared-annots.pdf');
  writeFileSync(file, prepared.pdf);
  expect(countPixels(renderPage(file, 2), rect, isBlue)).toBeGreaterThan(1000);
  expect(countPixels(renderPage(file, 1), rect, isBlue)).toBe(0);
  expect(execFileSync('qpdf', ['--check', file], { encoding: 'latin1' })).toMatch(
    /No syntax or stream encoding errors/,
  );
});
