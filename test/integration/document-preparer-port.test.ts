/**
 * The port between the background and the document preparer (Chromium's offscreen document), both
 * real ends joined by an in-memory port pair: what the background plans, shows and signs comes from
 * the preparer's copy of the document; malformed or mismatched messages are dropped or refused; a
 * preparer that goes away fails what was waiting on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Runtime } from 'webextension-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBatch } from '../../extension/src/background/batch-plans.js';
import { messagePortLink, type MessageLink } from '../../extension/src/documents/channel.js';
import { PreparerPort } from '../../extension/src/documents/preparer-port.js';
import { servePreparer } from '../../extension/src/documents/serve-preparer.js';
import { signCades } from '../../shared/cms/cades.js';
import { base64ToBytes, bytesToBase64 } from '../../shared/encoding.js';
import type { PageDocument } from '../../shared/protocol/page.js';
import { blobBytes } from '../support/extension-document-path.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';

type Listener = (message: unknown) => void;

/** Two connected ports, as runtime.connect gives each side: messages are copied and arrive later. */
function portPair(): [Runtime.Port, Runtime.Port] {
  const make = () => {
    const messageListeners: Listener[] = [];
    const disconnectListeners: Array<() => void> = [];
    return { messageListeners, disconnectListeners, connected: true };
  };
  const ends = [make(), make()];
  const port = (self: number): Runtime.Port => {
    const mine = ends[self]!;
    const other = ends[1 - self]!;
    return {
      name: 'kyso-documents',
      postMessage(message: unknown) {
        if (!mine.connected) throw new Error('disconnected');
        const copy = structuredClone(message);
        setTimeout(() => other.messageListeners.forEach((l) => l(copy)), 0);
      },
      disconnect() {
        if (!mine.connected) return;
        mine.connected = other.connected = false;
        setTimeout(() => other.disconnectListeners.forEach((l) => l()), 0);
      },
      onMessage: { addListener: (l: Listener) => mine.messageListeners.push(l) },
      onDisconnect: { addListener: (l: () => void) => mine.disconnectListeners.push(l) },
    } as unknown as Runtime.Port;
  };
  return [port(0), port(1)];
}

/**
 * The two ends as Chromium's offscreen preparer and the background join them: a MessageChannel
 * (structured clone), with a runtime port pair beside it as its lifeline.
 */
function messagePortPair(): [MessageLink, MessageLink] {
  const [background, preparer] = portPair();
  const { port1, port2 } = new MessageChannel();
  return [messagePortLink(port1, background), messagePortLink(port2, preparer)];
}

const links = [
  ['a runtime port', portPair],
  ['a MessagePort with a runtime port as its lifeline', messagePortPair],
] as const;

describe('the document preparer behind its port', () => {
  let dir: string;
  let identity: SoftwareIdentity;
  let pdf: Uint8Array;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-preparer-'));
    identity = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Nguyễn Thị Bình/UID=CCCD:001199000777');
    pdf = await onePagePdf('To khai - kyso');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const signItem = async (digest: string) =>
    bytesToBase64(
      await signCades(
        {
          contentDigest: base64ToBytes(digest),
          digestAlgorithm: 'SHA-256',
          signerCertificate: identity.certificateDer,
          signingTime: null,
        },
        identity.signer,
      ),
    );

  it.each(links)(
    'over %s: plans, shows, prepares and finishes a PDF (B-LT, asking back for validation data) and a digest',
    async (_, pair) => {
      const [background, preparerEnd] = pair();
      const service = servePreparer(preparerEnd);
      const preparer = new PreparerPort(background);
      const documents: PageDocument[] = [
        { kind: 'pdf', name: 'to-khai.pdf', pdf: bytesToBase64(pdf), level: 'B-LT' },
        {
          kind: 'cms',
          name: 'hash',
          digest: bytesToBase64(new Uint8Array(32).fill(7)),
          digestAlgorithm: 'SHA-256',
        },
      ];
      const batch = await planBatch(() => Promise.resolve(preparer), documents);
      const [pdfPlan, digestPlan] = batch.plans;
      expect(pdfPlan!.consent).toMatchObject({
        kind: 'pdf',
        name: 'to-khai.pdf',
        pages: 1,
        size: pdf.length,
      });
      expect(pdfPlan!.timestamp).toBe(true);
      // The window's content is the preparer's copy of the bytes that are signed, held as a blob the
      // window reads itself; asked again (a batch's count, then its opening), the same blob.
      const content = await pdfPlan!.content();
      if (content.kind !== 'pdf') throw new Error('a PDF opens as a PDF');
      expect(content).toEqual({ kind: 'pdf', url: expect.stringMatching(/^blob:/) });
      expect(await blobBytes(content.url)).toEqual(pdf);
      expect(await pdfPlan!.content()).toEqual(content);
      expect(await digestPlan!.content()).toEqual({ kind: 'digest' });
      expect(service.size).toBe(1);

      const certificate = bytesToBase64(identity.certificateDer);
      await batch.checkSigner(certificate);
      const prepared = await pdfPlan!.prepare({ certificate, issuers: [] }, new Date());
      if (prepared.item.kind !== 'cms') throw new Error('a PDF is signed as a CMS');
      const cms = await signItem(prepared.item.digest);
      const asked: string[] = [];
      const result = await prepared.finish(
        { ok: true, cms },
        {
          validationData: (signed) => {
            asked.push(signed);
            return Promise.resolve({ certificates: [bytesToBase64(identity.caDer)], ocsps: [], crls: [] });
          },
          documentTimestamp: () => Promise.reject(new Error('B-LT asks for no document time-stamp')),
        },
      );
      expect(asked).toEqual([cms]);
      if (!result.ok || !('pdf' in result)) throw new Error(`no signed PDF: ${JSON.stringify(result)}`);
      const signed = Buffer.from(result.pdf, 'base64');
      // An incremental update of the very bytes planned: the original, then the signature and the DSS.
      expect(signed.subarray(0, pdf.length).equals(Buffer.from(pdf))).toBe(true);
      const cmsHex = Buffer.from(base64ToBytes(cms)).toString('hex');
      expect(signed.toString('latin1').toLowerCase().includes(cmsHex)).toBe(true);
      expect(signed.includes(Buffer.from('/DSS'))).toBe(true);

      batch.release();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(service.size).toBe(0);
      await expect(pdfPlan!.content()).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      // The request is over: its document is no longer held for a window.
      await expect(blobBytes(content.url)).rejects.toThrow(/no blob/);
      preparer.disconnect();
    },
  );

  it('over a MessagePort: when the lifeline goes (the offscreen page closed), what waits on the preparer fails', async () => {
    const [lifeline, preparerLifeline] = portPair();
    const { port1, port2 } = new MessageChannel();
    const preparer = new PreparerPort(messagePortLink(port1, lifeline));
    const service = servePreparer(messagePortLink(port2, preparerLifeline));
    const job = crypto.randomUUID();
    const document: PageDocument = { kind: 'pdf', name: 'a.pdf', pdf: bytesToBase64(pdf) };
    await preparer.run('plan', { job, index: 0, document });
    expect(service.size).toBe(1);
    port2.close(); // the page is gone: nothing reaches it, nothing answers…
    const waiting = preparer.run('content', { job, index: 0 });
    preparerLifeline.disconnect(); // …and its runtime port says so
    await expect(waiting).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'the document preparer stopped',
    });
    expect(preparer.open).toBe(false);
    port1.close();
  });

  it("a document the preparer cannot read fails with its own code and index, no library's words", async () => {
    const [background, preparerEnd] = portPair();
    servePreparer(preparerEnd);
    const notPdf = bytesToBase64(new TextEncoder().encode('%PDF-1.7\nthis is not a PDF at all\n'));
    const planned = planBatch(
      () => Promise.resolve(new PreparerPort(background)),
      [
        { kind: 'cms', name: 'a', digest: bytesToBase64(new Uint8Array(32)), digestAlgorithm: 'SHA-256' },
        { kind: 'pdf', name: 'hong.pdf', pdf: notPdf },
      ],
    );
    const error = await planned.then(
      () => undefined,
      (e: unknown) => e as { code: string; details?: Record<string, unknown>; message: string },
    );
    expect(error?.code).toMatch(/^(PDF_DAMAGED|BAD_REQUEST)$/);
    expect(error?.details?.document).toBe(1);
    expect(error?.message).toMatch(/^document 2/);
  });

  it('drops malformed messages, refuses an answer that does not match its schema, and fails calls when the preparer goes', async () => {
    const [background, fakePreparer] = portPair();
    const preparer = new PreparerPort(background);
    const calls: Array<{ id: number; name: string }> = [];
    fakePreparer.onMessage.addListener((m) => calls.push(m as { id: number; name: string }));
    const job = crypto.randomUUID();

    const planning = preparer.run('plan', {
      job,
      index: 0,
      document: { kind: 'pdf', name: 'a.pdf', pdf: bytesToBase64(pdf) },
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const [call] = calls;
    expect(call).toMatchObject({ type: 'call', name: 'plan' });
    // Garbage, a malformed answer and an answer to no call change nothing…
    fakePreparer.postMessage({ type: 'answer', id: call!.id, ok: true, result: 'x', extra: 1 });
    fakePreparer.postMessage({ hello: 'world' });
    fakePreparer.postMessage({ type: 'answer', id: 999, ok: true, result: {} });
    const state = await Promise.race([
      planning.then(
        () => 'settled',
        () => 'settled',
      ),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 50)),
    ]);
    expect(state).toBe('pending');
    // …an answer whose result breaks the call's result schema is refused.
    fakePreparer.postMessage({
      type: 'answer',
      id: call!.id,
      ok: true,
      result: { consent: { kind: 'exe', name: 'a.pdf' }, timestamp: false },
    });
    await expect(planning).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'unexpected answer from the document preparer',
    });

    // A callback for a job the background does not hold is refused.
    fakePreparer.postMessage({
      type: 'call',
      id: 1,
      name: 'validation-data',
      params: { job, cms: bytesToBase64(new Uint8Array(8)) },
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.at(-1)).toMatchObject({
      type: 'answer',
      id: 1,
      ok: false,
      error: { code: 'TSA_NOT_CONFIGURED' },
    });

    const waiting = preparer.run('content', { job, index: 0 });
    fakePreparer.disconnect();
    await expect(waiting).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'the document preparer stopped',
    });
    expect(preparer.open).toBe(false);
  });
});
