/** Each limit in shared/protocol/limits.ts, enforced where it applies (schemas and framing). */
import { describe, expect, it } from 'vitest';
import { FrameReader, encodeFrame } from '../../native-host/src/messaging/framing.js';
import { documentOperations } from '../../shared/protocol/documents.js';
import { hostCommands } from '../../shared/protocol/host.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { PageRequestEnvelopeSchema, pageRequests } from '../../shared/protocol/page.js';

const digest = Buffer.alloc(32).toString('base64');
const signCms = (over: Record<string, unknown>) =>
  pageRequests['sign-cms'].params.safeParse({
    digest,
    digestAlgorithm: 'SHA-256',
    description: 'Hồ sơ',
    ...over,
  }).success;
const hostSign = (over: Record<string, unknown>) =>
  hostCommands['sign-cms'].params.safeParse({
    certificateId: 'm/s/01',
    pin: '123456',
    digest,
    digestAlgorithm: 'SHA-256',
    origin: 'https://a.vn',
    ...over,
  }).success;

describe('limits', () => {
  it('description and document name lengths', () => {
    expect(signCms({ description: 'đ'.repeat(LIMITS.maxDescriptionChars) })).toBe(true);
    expect(signCms({ description: 'đ'.repeat(LIMITS.maxDescriptionChars + 1) })).toBe(false);
    expect(signCms({ description: '   ' })).toBe(false);
    expect(signCms({ documentName: 'a'.repeat(LIMITS.maxDocumentNameChars) })).toBe(true);
    expect(signCms({ documentName: 'a'.repeat(LIMITS.maxDocumentNameChars + 1) })).toBe(false);
  });

  it('PIN length', () => {
    expect(hostSign({ pin: '1'.repeat(LIMITS.minPinChars) })).toBe(true);
    expect(hostSign({ pin: '1'.repeat(LIMITS.minPinChars - 1) })).toBe(false);
    expect(hostSign({ pin: '1'.repeat(LIMITS.maxPinChars) })).toBe(true);
    expect(hostSign({ pin: '1'.repeat(LIMITS.maxPinChars + 1) })).toBe(false);
    expect(hostSign({ pin: null })).toBe(true); // PIN pad
  });

  it('origin length and shape', () => {
    expect(hostSign({ origin: `https://${'a'.repeat(240)}.vn` })).toBe(true);
    expect(hostSign({ origin: `https://${'a'.repeat(250)}.vn` })).toBe(false);
    expect(hostSign({ origin: 'https://a.vn/path' })).toBe(false);
  });

  it('certificate list size and certificate size', () => {
    const entry = {
      id: 'm/s/01',
      certificate: Buffer.alloc(100).toString('base64'),
      keyType: 'EC',
      token: {
        label: 't',
        manufacturer: 'm',
        model: 'x',
        serial: '1',
        protectedAuthPath: false,
        pinCountLow: false,
        pinFinalTry: false,
        pinLocked: false,
      },
    };
    const list = hostCommands['list-certificates'].result;
    const listing = (certificates: unknown[], skipped: unknown[] = []) =>
      list.safeParse({ certificates, skipped }).success;
    expect(listing(Array(LIMITS.maxCertificates).fill(entry))).toBe(true);
    expect(listing(Array(LIMITS.maxCertificates + 1).fill(entry))).toBe(false);
    const big = {
      ...entry,
      certificate: Buffer.alloc((LIMITS.maxCertificateBase64Chars / 4) * 3 + 3).toString('base64'),
    };
    expect(listing([big])).toBe(false);
    const left = { tokenLabel: 't', count: LIMITS.maxSkippedCount };
    expect(listing([entry], Array(LIMITS.maxSkippedTokens).fill(left))).toBe(true);
    expect(listing([entry], Array(LIMITS.maxSkippedTokens + 1).fill(left))).toBe(false);
    expect(listing([entry], [{ ...left, count: LIMITS.maxSkippedCount + 1 }])).toBe(false);
    expect(listing([entry], [{ ...left, count: 0 }])).toBe(false);
  });

  it('batch sizes', () => {
    const begin = hostCommands['begin-batch'].params;
    const base = { certificateId: 'm/s/01', pin: '123456', origin: 'https://a.vn' };
    expect(begin.safeParse({ ...base, total: LIMITS.maxBatchDocuments }).success).toBe(true);
    expect(begin.safeParse({ ...base, total: LIMITS.maxBatchDocuments + 1 }).success).toBe(false);
    const item = { kind: 'raw', digest, digestAlgorithm: 'SHA-256' };
    const sign = hostCommands['sign-batch'].params;
    expect(
      sign.safeParse({ batchId: 'b', items: Array(LIMITS.maxBatchItemsPerCall).fill(item) }).success,
    ).toBe(true);
    expect(
      sign.safeParse({ batchId: 'b', items: Array(LIMITS.maxBatchItemsPerCall + 1).fill(item) }).success,
    ).toBe(false);
    // The CA certificates begin-batch reports above the signer's, and the preparer is given.
    const certificate = Buffer.alloc(600, 1).toString('base64');
    const begun = hostCommands['begin-batch'].result;
    const prepare = documentOperations.prepare.params;
    const withIssuers = (count: number) => Array<string>(count).fill(certificate);
    for (const [count, fits] of [
      [LIMITS.maxSignerIssuers, true],
      [LIMITS.maxSignerIssuers + 1, false],
    ] as const) {
      expect(begun.safeParse({ batchId: 'b', certificate, issuers: withIssuers(count) }).success).toBe(fits);
      const params = { job: crypto.randomUUID(), index: 0, certificate, issuers: withIssuers(count), now: 1 };
      expect(prepare.safeParse(params).success).toBe(fits);
    }
  });

  it('frame sizes both ways', () => {
    const reader = new FrameReader(LIMITS.maxFrameToHostBytes);
    const tooBig = encodeFrame('x'.repeat(LIMITS.maxFrameToHostBytes), 1 << 22);
    expect(reader.push(tooBig)).toEqual([
      { kind: 'error', reason: 'oversized', length: LIMITS.maxFrameToHostBytes + 2 },
    ]);
    expect(() => encodeFrame('x'.repeat(LIMITS.maxFrameFromHostBytes), LIMITS.maxFrameFromHostBytes)).toThrow(
      RangeError,
    );
    expect(LIMITS.maxFrameFromHostBytes).toBeLessThan(1024 * 1024); // browsers' cap on host → browser messages
  });

  it('a viettel-answer the schema accepts crosses in one frame to the host, whatever its characters; a CMS fits', () => {
    const answer = (text: string) => ({
      id: Number.MAX_SAFE_INTEGER,
      command: 'viettel-answer',
      params: { requestId: 'r'.repeat(64), text },
    });
    const accepted = (text: string) =>
      hostCommands['viettel-answer'].params.safeParse(answer(text).params).success;
    expect(accepted('A'.repeat(LIMITS.maxCmsBase64Chars))).toBe(true);
    // ASCII, a Vietnamese letter (3 bytes in UTF-8) and a control character (6 once JSON-escaped).
    for (const character of ['A', 'ữ', '\u0001']) {
      let [fits, over] = [0, 1 << 20];
      while (over - fits > 1) {
        const middle = Math.floor((fits + over) / 2);
        if (accepted(character.repeat(middle))) fits = middle;
        else over = middle;
      }
      const frame = encodeFrame(answer(character.repeat(fits)), 1 << 22);
      const [read] = new FrameReader(LIMITS.maxFrameToHostBytes).push(frame);
      expect(read?.kind, JSON.stringify(character)).toBe('message');
    }
  });

  it('the request id (the page size limit is checked in the browser: hostile-pages e2e)', () => {
    const envelope = { channel: 'kyso', kind: 'request', protocolVersion: 1, type: 'status', params: {} };
    expect(PageRequestEnvelopeSchema.safeParse({ ...envelope, id: 'x'.repeat(64) }).success).toBe(true);
    expect(PageRequestEnvelopeSchema.safeParse({ ...envelope, id: 'x'.repeat(65) }).success).toBe(false);
  });

  it('documents sent whole: PDF, XML, text and appearance image sizes', () => {
    const many = pageRequests['sign-many'].params;
    const request = (document: Record<string, unknown>) =>
      many.safeParse({ description: 'Hồ sơ', documents: [{ name: 'a', ...document }] }).success;
    const base64Of = (bytes: number) => 'A'.repeat(4 * Math.ceil(bytes / 3));
    expect(request({ kind: 'pdf', pdf: base64Of(LIMITS.maxPdfBytes) })).toBe(true);
    expect(request({ kind: 'pdf', pdf: base64Of(LIMITS.maxPdfBytes + 3) })).toBe(false);
    expect(request({ kind: 'xml', profile: 'htkk', xml: '<a/>'.padEnd(LIMITS.maxXmlChars, ' ') })).toBe(true);
    expect(request({ kind: 'xml', profile: 'htkk', xml: '<a/>'.padEnd(LIMITS.maxXmlChars + 1, ' ') })).toBe(
      false,
    );
    expect(request({ kind: 'text', data: base64Of(LIMITS.maxTextBytes) })).toBe(true);
    expect(request({ kind: 'text', data: base64Of(LIMITS.maxTextBytes + 3) })).toBe(false);
    expect(request({ kind: 'text', data: '' })).toBe(false);
    const image = (bytes: number) => ({
      kind: 'pdf',
      pdf: 'JVBERi0=',
      appearance: { kind: 'image', rect: { x: 0, y: 0, width: 10, height: 10 }, sealImage: base64Of(bytes) },
    });
    expect(request(image(LIMITS.maxAppearanceImageBytes))).toBe(true);
    expect(request(image(LIMITS.maxAppearanceImageBytes + 3))).toBe(false);
    // The whole request must fit the page limit: one largest PDF does.
    expect(4 * Math.ceil(LIMITS.maxPdfBytes / 3)).toBeLessThan(LIMITS.maxPageRequestChars);
  });

  it('document rules: SHA-1 only with allowSha1, image appearances need an image, kinds are closed', () => {
    const many = pageRequests['sign-many'].params;
    const request = (document: Record<string, unknown>) =>
      many.safeParse({ description: 'Hồ sơ', documents: [{ name: 'a', ...document }] }).success;
    expect(request({ kind: 'xml', profile: 'htkk', xml: '<a/>', digestAlgorithm: 'SHA-1' })).toBe(false);
    expect(
      request({ kind: 'xml', profile: 'htkk', xml: '<a/>', digestAlgorithm: 'SHA-1', allowSha1: true }),
    ).toBe(true);
    expect(request({ kind: 'xml', profile: 'other', xml: '<a/>' })).toBe(false);
    expect(
      request({
        kind: 'pdf',
        pdf: 'JVBERi0=',
        appearance: { kind: 'image', rect: { x: 0, y: 0, width: 10, height: 10 } },
      }),
    ).toBe(false);
    expect(request({ kind: 'pdf', pdf: 'JVBERi0=', appearance: { kind: 'stamp', lines: [] } })).toBe(false);
    expect(request({ kind: 'pdf', pdf: 'JVBERi0=', level: 'B-LTA' })).toBe(true); // long-term levels are made in the extension
    expect(request({ kind: 'pdf', pdf: 'JVBERi0=', level: 'B-LTA+' })).toBe(false);
    expect(request({ kind: 'docx', digest, digestAlgorithm: 'SHA-256' })).toBe(false);
    expect(request({ digest, digestAlgorithm: 'SHA-256' })).toBe(false); // kind is required
  });

  it('a CMS from the host fits a batch answer frame; TSA URLs are http(s) and bounded', () => {
    expect(LIMITS.maxCmsBase64Chars * LIMITS.maxBatchItemsPerCall + 4096).toBeLessThan(
      LIMITS.maxFrameFromHostBytes,
    );
    const result = hostCommands['sign-batch'].result;
    expect(
      result.safeParse({ results: [{ ok: true, cms: 'A'.repeat(LIMITS.maxCmsBase64Chars) }] }).success,
    ).toBe(true);
    expect(
      result.safeParse({ results: [{ ok: true, cms: 'A'.repeat(LIMITS.maxCmsBase64Chars + 4) }] }).success,
    ).toBe(false);
    expect(hostSign({ tsaUrl: 'http://tsa.example.vn/tsa' })).toBe(true);
    expect(hostSign({ tsaUrl: `https://tsa.example.vn/${'a'.repeat(LIMITS.maxUrlChars)}` })).toBe(false);
    expect(hostSign({ tsaUrl: 'file:///etc/passwd' })).toBe(false);
  });

  it('timeouts are ordered sensibly', () => {
    expect(LIMITS.hostHandshakeTimeoutMs).toBeLessThan(LIMITS.tokenOperationTimeoutMs);
    expect(LIMITS.tokenOperationTimeoutMs).toBeLessThan(LIMITS.protectedLoginTimeoutMs);
    expect(LIMITS.protectedLoginTimeoutMs).toBeLessThan(LIMITS.userInteractionTimeoutMs);
    // The host answers B-LT/B-LTA calls (with what it found) before the extension stops waiting.
    expect(LIMITS.validationDataTimeoutMs).toBeLessThan(LIMITS.longTermAnswerTimeoutMs);
    expect(LIMITS.timestampServerTimeoutMs).toBeLessThan(LIMITS.longTermAnswerTimeoutMs);
  });
});
