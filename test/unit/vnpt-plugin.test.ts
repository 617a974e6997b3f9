/** The VNPT-CA Plugin emulation driven by the unmodified vnpt-plugin.js 1.0.1.9: what it answers without a window. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { answerVnpt, vnptXmlDocument } from '../../shared/sdk/plugins/vnpt.js';

const fixture = (name: string) =>
  readFileSync(path.join(import.meta.dirname, '../fixtures/xml', name), 'utf8');

/** An XmlSigner as vnpt-plugin.js 1.0.3.4 builds it (its defaults), with `fields` set, as the library sends it: JSON text. */
const xmlSigner = (fields: Record<string, string>) =>
  JSON.stringify({
    TagSigning: null,
    NodeToSign: null,
    TagSaveResult: null,
    ParrentTagSigning: null,
    NameXPathFilter: null,
    NameIDTimeSignature: null,
    DsSignature: false,
    SigningType: 'Enveloped',
    SigningTime: null,
    CertificateSerial: null,
    ValidateBefore: false,
    DigestMethod: 'SHA1',
    SignatureMethod: 'RSAwithSHA1',
    ...fields,
  });

describe('VNPT-CA Plugin', () => {
  it('an XmlSigner’s TagSaveResult naming where kyso puts the signature is followed; any other is refused before any window', async () => {
    const taxReturn = fixture('htkk-01gtgt.xml');
    const invoice = fixture('einvoice-gtgt.xml');
    const record =
      '<HoSo><HocSinh><Ten>Trần Thị Bích</Ten></HocSinh><DU_LIEU_HOC_BA Id="data"><Diem>8.5</Diem></DU_LIEU_HOC_BA><CBQL/></HoSo>';

    // Followed: each format's own place, the root for any other XML (also with NodeToSign).
    expect(vnptXmlDocument(taxReturn, 'a.xml', xmlSigner({}))).toMatchObject({ profile: 'htkk' });
    expect(vnptXmlDocument(taxReturn, 'a.xml', xmlSigner({ TagSaveResult: 'CKyDTu' }))).toMatchObject({
      profile: 'htkk',
    });
    expect(vnptXmlDocument(invoice, 'a.xml', xmlSigner({ TagSaveResult: 'NBan' }))).toMatchObject({
      profile: 'einvoice',
    });
    expect(vnptXmlDocument(invoice, 'a.xml', xmlSigner({ TagSaveResult: 'NMua' }))).toMatchObject({
      profile: 'einvoice-buyer',
    });
    expect(
      vnptXmlDocument(record, 'a.xml', xmlSigner({ NodeToSign: 'data', TagSaveResult: 'HoSo' })),
    ).toEqual({ kind: 'xml', xml: record, profile: 'generic', name: 'a.xml', referenceId: 'data' });

    // Anything else, through the unmodified library: NOT_SUPPORTED (code 5), nothing asked of kyso.
    const plugin = realLibrary();
    for (const [xml, fields] of [
      [record, { NodeToSign: 'data', TagSaveResult: 'CBQL' }],
      [record, { TagSaveResult: 'DU_LIEU_HOC_BA' }],
      [taxReturn, { TagSaveResult: 'HSoKhaiThue' }],
      [invoice, { TagSaveResult: 'CQT' }],
      [invoice, { NodeToSign: 'data', TagSaveResult: 'NMua' }],
    ] as const) {
      const item = JSON.stringify({
        data: Buffer.from(xml).toString('base64'),
        type: 'xml',
        sigOptions: xmlSigner(fields),
      });
      const answer = JSON.parse(await plugin.signArrDataAdvanced([item], '', true, null)) as string[];
      expect(
        answer.map((a) => JSON.parse(a)),
        JSON.stringify(fields),
      ).toEqual([
        {
          code: 5,
          data: '',
          error: expect.stringMatching(/^kyso chưa hỗ trợ .+ \/ kyso does not support .+/),
          kysoCode: 'NOT_SUPPORTED',
        },
      ]);
    }
  });
});

interface VnptPlugin {
  signArrDataAdvanced(arrData: string[], serial: string, clearPin: boolean, callback: null): Promise<string>;
}

/**
 * The unmodified vnpt-plugin.js 1.0.1.9 (test/fixtures/third_party/plugins/vnpt) whose socket is
 * answered by kyso's emulation, frame by frame, as the page-world WebSocket answers it.
 */
function realLibrary(): VnptPlugin {
  const script = readFileSync(
    path.join(import.meta.dirname, '../fixtures/third_party/plugins/vnpt/vnpt-plugin-1.0.1.9.js'),
    'utf8',
  );
  class EmulatedSocket {
    onopen?: () => void;
    onmessage?: (message: { data: string }) => void;
    constructor(readonly url: string) {
      setImmediate(() => this.onopen?.());
    }
    send(frame: string) {
      void answerVnpt(frame).then((data) => this.onmessage?.({ data }));
    }
    close() {}
  }
  const navigator = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0', appName: 'Netscape' };
  const context = vm.createContext({
    WebSocket: EmulatedSocket,
    navigator,
    location: { hostname: 'portal.example', href: 'https://portal.example/' },
    setTimeout,
    clearTimeout,
    console,
  });
  context.window = context;
  vm.runInContext(script, context);
  return context.vnpt_plugin as VnptPlugin;
}
