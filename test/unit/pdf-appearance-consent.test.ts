/**
 * A PDF's visible signature, as the consent window is told of it: the page, the box prepare will
 * write as /Rect, each image's box and whose it is, a stamp's lines, /Reason and /Location — all
 * from the appearance the preparer signs.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PDFArray, PDFDict, PDFName, PDFNumber } from 'pdf-lib';
import { bytesToBase64 } from '../../shared/encoding.js';
import { DEFAULT_FONT_URL } from '../../shared/pdf/appearance.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { documentOperations } from '../../shared/protocol/documents.js';
import { pageRequests, type PageDocumentInput } from '../../shared/protocol/page.js';
import { DocumentService } from '../../extension/src/documents/service.js';
import { signedPdfOf } from '../support/extension-document-path.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { blueSignaturePng, rgbaPng } from '../support/pdf-images.js';
import { useSoftwareIdentities } from '../support/software-identities.js';
import { withConfiguredImages } from '../../extension/src/plugins/configured-images.js';

/** What kyso's options hold (the background reads browser.storage.local). */
let stored: Record<string, string> = {};
vi.mock('webextension-polyfill', () => ({
  default: { storage: { local: { get: () => Promise.resolve({ pluginImages: stored }) } } },
}));

const ids = useSoftwareIdentities('appearance-consent', {
  RSA: '/CN=NGUYEN VAN A/UID=CCCD:012345678901',
  EC: '/CN=NGUYEN VAN B/UID=CCCD:012345678902',
});

const b64 = (bytes: Uint8Array) => bytesToBase64(bytes);

/** A PDF document as a page sends it, parsed by the page's own schema. */
async function pdfDocument(fields: Partial<Extract<PageDocumentInput, { kind: 'pdf' }>>) {
  const params = pageRequests['sign-many'].params.parse({
    description: 'Hồ sơ',
    documents: [
      { kind: 'pdf', name: 'hop-dong.pdf', pdf: b64(await onePagePdf('TOTAL: 1.000.000 VND')), ...fields },
    ],
  });
  return params.documents[0]!;
}

async function planned(fields: Partial<Extract<PageDocumentInput, { kind: 'pdf' }>>) {
  const service = new DocumentService();
  const { consent } = await service.run('plan', {
    job: crypto.randomUUID(),
    index: 0,
    document: await pdfDocument(fields),
  });
  return consent;
}

/** The widget /Rect of the last signature field prepare wrote. */
async function signedRect(pdf: Uint8Array): Promise<number[]> {
  const model = await openPdfModel(pdf);
  const annots = model.document.getPage(0).node.lookup(PDFName.of('Annots'), PDFArray);
  const widget = model.context.lookup(annots.get(annots.size() - 1), PDFDict);
  return widget
    .lookup(PDFName.of('Rect'), PDFArray)
    .asArray()
    .map((n) => (n as PDFNumber).asNumber());
}

async function planAndPrepare(fields: Partial<Extract<PageDocumentInput, { kind: 'pdf' }>>) {
  const service = new DocumentService();
  const job = crypto.randomUUID();
  const document = await pdfDocument(fields);
  const { consent } = await service.run('plan', { job, index: 0, document });
  const content = await service.run('content', { job, index: 0 });
  const certificate = b64(ids.RSA.certificateDer);
  await service.run('prepare', { job, index: 0, certificate, issuers: [], now: Date.now() });
  const finished = await service.run('finish', {
    job,
    index: 0,
    result: { ok: true, cms: b64(new Uint8Array(64).fill(0x30)) },
    longTerm: false,
  });
  if (document.kind !== 'pdf') throw new Error('a PDF document');
  return { consent, content, signed: signedPdfOf(document.pdf, finished) };
}

afterEach(() => vi.unstubAllGlobals());

describe('a PDF visible signature in the consent entry', () => {
  it('an image appearance: its page, the box prepare signs, the image, reason and location as the site’s words', async () => {
    const png = blueSignaturePng(); // 300 × 120
    const rect = { x: 340, y: 90, width: 200, height: 80 };
    const { consent, content, signed } = await planAndPrepare({
      reason: 'Tôi đồng ý',
      location: 'Hà Nội',
      appearance: { kind: 'image', rect, signatureImage: b64(png) },
    });
    expect(consent).toMatchObject({
      reason: 'Tôi đồng ý',
      location: 'Hà Nội',
      appearance: { page: 0, rect, pageShare: 3 },
    });
    // The image keeps its 5:2 ratio inside the 200 × 80 box, centred: as prepare lays it out.
    expect(consent.appearance!.images).toEqual([
      { role: 'signature', source: 'site', rect: { x: 340, y: 90, width: 200, height: 80 } },
    ]);
    expect(consent.warnings ?? []).toEqual([]);
    expect(content).toEqual({
      kind: 'pdf',
      url: expect.stringMatching(/^blob:/),
      images: [{ role: 'signature', type: 'png', data: b64(png) }],
    });
    expect(await signedRect(signed)).toEqual([340, 90, 540, 170]);
    // What crosses to the window passes its schemas.
    expect(documentOperations.content.result.parse(content)).toEqual(content);
  });

  it('an image over more than a quarter of its page is warned about, with its share', async () => {
    const page = rgbaPng(60, 80, () => [255, 255, 255, 255]);
    const consent = await planned({
      appearance: { kind: 'image', rect: { x: 0, y: 0, width: 595, height: 842 }, signatureImage: b64(page) },
    });
    expect(consent.appearance).toMatchObject({ page: 0, pageShare: 100 });
    expect(consent.warnings).toContainEqual({ code: 'pdf-appearance-large', count: 100 });
    // A quarter exactly is still a signature block; beyond it, the warning.
    const quarter = await planned({
      appearance: {
        kind: 'image',
        rect: { x: 0, y: 0, width: 595, height: 210.5 },
        signatureImage: b64(page),
      },
    });
    expect(quarter.appearance!.pageShare).toBe(25);
    expect(quarter.warnings ?? []).toEqual([]);
  });

  it('signature and seal: both boxes, the user’s configured seal named as theirs', async () => {
    const consent = await planned({
      appearance: {
        kind: 'image',
        rect: { x: 100, y: 100, width: 300, height: 100 },
        signatureImage: b64(blueSignaturePng()),
        sealImage: b64(rgbaPng(100, 100, () => [200, 0, 0, 255])),
        // Left on the request by the background only when it put the user's own seal there.
        configuredImage: 'seal',
      },
    });
    expect(consent.appearance!.images!.map(({ role, source }) => ({ role, source }))).toEqual([
      { role: 'signature', source: 'site' },
      { role: 'seal', source: 'options' },
    ]);
  });

  it('a text stamp: its lines (the site’s words) and the box prepare measures with the same font', async () => {
    const font = readFileSync(DEFAULT_FONT_URL);
    // Node's fetch has no file: URLs; the preparer fetches the font shipped with the extension.
    vi.stubGlobal('fetch', async () => new Response(font));
    const lines = ['Số: 45/ĐĐN-UBND', 'Thời gian ký: {time}'];
    const { consent, signed } = await planAndPrepare({ appearance: { kind: 'stamp', lines } });
    expect(consent.appearance!.lines).toEqual(lines);
    const { x, y, width, height } = consent.appearance!.rect;
    // Top right of the A4 page, 14 pt in; the signed /Rect is the box the window outlined.
    expect(x + width).toBeCloseTo(595 - 14, 3);
    expect(y + height).toBeCloseTo(842 - 14, 3);
    const [x1, y1, x2, y2] = await signedRect(signed);
    expect([x1, y1, x2, y2].map((n) => Math.round(n! * 100) / 100)).toEqual(
      [x, y, x + width, y + height].map((n) => Math.round(n * 100) / 100),
    );
  });

  it('a stamp its font cannot draw (a Chinese name, an emoji, a tab): refused when planned, before the window, naming the characters', async () => {
    const font = readFileSync(DEFAULT_FONT_URL);
    vi.stubGlobal('fetch', async () => new Response(font));
    // Liberation Serif has none of these: the signed stamp would show empty boxes where the window lists them.
    const lines = ['Số: 45/ĐĐN-UBND', 'Người ký: 王小明 ✍\tGiám đốc'];
    const refused = await planned({ appearance: { kind: 'stamp', lines } }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'BAD_REQUEST',
      details: { document: 0, field: 'appearance.lines', characters: 'U+738B U+5C0F U+660E U+270D U+0009' },
    });
  });
});

describe('whose image it is', () => {
  const asked = (own?: string) =>
    pdfDocument({
      appearance: {
        kind: 'image',
        rect: { x: 10, y: 10, width: 100, height: 50 },
        configuredImage: 'signature',
        ...(own && { signatureImage: own }),
      },
    });

  it('the user’s own image put in by the background keeps configuredImage: the window names it as theirs', async () => {
    stored = { signatureImage: b64(blueSignaturePng()) };
    const document = await withConfiguredImages(await asked());
    expect(document).toMatchObject({
      appearance: { configuredImage: 'signature', signatureImage: stored.signatureImage },
    });
  });

  it('nothing configured: the site’s own image is drawn and shown as the site’s', async () => {
    stored = {};
    const site = b64(rgbaPng(10, 10, () => [0, 0, 0, 255]));
    const document = await withConfiguredImages(await asked(site));
    expect(document.kind === 'pdf' && document.appearance).toEqual({
      kind: 'image',
      rect: { x: 10, y: 10, width: 100, height: 50 },
      signatureImage: site,
    });
    const service = new DocumentService();
    const { consent } = await service.run('plan', { job: crypto.randomUUID(), index: 0, document });
    expect(consent.appearance!.images).toMatchObject([{ role: 'signature', source: 'site' }]);
  });
});

describe('a PDF signed into its own empty signature field, in the consent entry', () => {
  /** test/fixtures/signature-fields/README.md: "TiepNhan.CanBo" at 300 260 540 340 on page 2. */
  const form = b64(readFileSync(new URL('../fixtures/signature-fields/form.pdf', import.meta.url)));

  it('names the field and its page as the document has them, outlines its box, and prepare signs there', async () => {
    const box = { x: 300, y: 260, width: 240, height: 80 };
    const { consent, signed } = await planAndPrepare({
      pdf: form,
      field: 'TiepNhan.CanBo',
      appearance: { kind: 'image', signatureImage: b64(blueSignaturePng()) },
    });
    expect(consent.field).toEqual({ name: 'TiepNhan.CanBo', page: 1 });
    // The field signed into is no empty field left after signing: only the other one is warned about.
    expect(consent.warnings).toContainEqual({
      code: 'pdf-empty-signature-fields',
      count: 1,
      names: ['NguoiDeNghi'],
    });
    expect(consent.appearance).toMatchObject({ page: 1, rect: box });
    const model = await openPdfModel(signed);
    const parent = model.context.lookup(
      model.document.catalog
        .lookup(PDFName.of('AcroForm'), PDFDict)
        .lookup(PDFName.of('Fields'), PDFArray)
        .get(2),
      PDFDict,
    );
    const widget = model.context.lookup(parent.lookup(PDFName.of('Kids'), PDFArray).get(0), PDFDict);
    expect(widget.lookup(PDFName.of('V'))).toBeInstanceOf(PDFDict);
    expect(widget.lookup(PDFName.of('AP'))).toBeInstanceOf(PDFDict);
    expect(
      widget
        .lookup(PDFName.of('Rect'), PDFArray)
        .asArray()
        .map((n) => (n as PDFNumber).asNumber()),
    ).toEqual([300, 260, 540, 340]);
  });

  it('a field the document does not have as an empty signature field: BAD_REQUEST naming the document, before any window', async () => {
    for (const [field, problem] of [
      ['TiepNhan', 'field-not-found'],
      ['HoTen', 'field-not-signature'],
    ] as const)
      await expect(planned({ pdf: form, field })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        details: { document: 0, field: 'field', problem },
      });
  });
});
