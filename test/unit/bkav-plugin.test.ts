/** The BkavCA Signer Plugin emulation's pure parts: its address, the pieces of a call, the answers that need no consent. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { pluginOfRequest } from '../../extension/src/plugins/addresses.js';
import {
  BkavConnection,
  bkavCertificateFilter,
  bkavFailure,
  bkavXmlProfile,
  certificatesXml,
  checkBkavSigningTime,
  isBkavUrl,
} from '../../shared/sdk/plugins/bkav.js';
import { summarizeCertificate } from '../../shared/certificate/profile.js';
import { MAX_PLUGIN_FRAME_CHARS } from '../../shared/sdk/plugins/common.js';
import { KysoError } from '../../shared/protocol/errors.js';
import { useSoftwareIdentities } from '../support/software-identities.js';
import { copyTestToken } from '../support/token.js';

describe('BkavCA Signer Plugin', () => {
  it('its address: wss on localhost or 127.0.0.1, port 8443', () => {
    expect(isBkavUrl('wss://localhost:8443')).toBe(true);
    expect(isBkavUrl('wss://127.0.0.1:8443/')).toBe(true);
    for (const url of ['ws://localhost:8443', 'wss://localhost:8444', 'wss://bkav.example:8443', 'x'])
      expect(isBkavUrl(url), url).toBe(false);
    expect(pluginOfRequest('wss://localhost:8443/')).toBe('bkav');
  });

  it('answers only calls that name the callback, once the whole call (…*end) has arrived', async () => {
    const connection = new BkavConnection();
    // SetLicenseKey without a callback: accepted, nothing to answer.
    expect(await connection.onFrame('26*PD94bWw=*portal.example*end')).toEqual([]);
    expect(await connection.onFrame('42*1*BkavExtensionCallback*end')).toEqual([
      '1*BkavExtensionCallback*end',
    ]);
    // A call in pieces: nothing until its end.
    expect(await connection.onFrame('30*1*Bkav')).toEqual([]);
    expect(await connection.onFrame('ExtensionCallback*end')).toEqual([
      expect.stringMatching(/^kyso \S+\*BkavExtensionCallback\*end$/),
    ]);
  });

  it('a long call cut by the plugin’s own script wherever it falls, "*end" split across frames included', async () => {
    const sent: string[] = [];
    const processData = realProcessData((frame) => sent.push(frame));
    const CUT = 114_271; // where the script cuts
    const connection = new BkavConnection();
    // GetVersion padded so that "…*end" ends 0 to 5 characters into a new frame.
    for (let past = 0; past <= 5; past++) {
      sent.length = 0;
      const call = `30*${'A'.repeat(CUT + past - '30*'.length - '*BkavExtensionCallback*end'.length)}*BkavExtensionCallback`;
      processData(call);
      expect(sent.join(''), `${past}`).toBe(`${call}*end`);
      const answers = [];
      for (const frame of sent) answers.push(...(await connection.onFrame(frame)));
      expect(answers, `${past}`).toEqual([expect.stringMatching(/^kyso \S+\*BkavExtensionCallback\*end$/)]);
    }
    // Nothing of those calls is left over for the next one on the socket.
    sent.length = 0;
    processData('7*BkavExtensionCallback');
    expect(await connection.onFrame(sent[0])).toEqual(['1*BkavExtensionCallback*end']);
  });

  it('failures: the plugin’s result code, kyso’s code, a vi/en message', async () => {
    const connection = new BkavConnection();
    expect(await connection.onFrame('9*JVBERi0=*1*BkavExtensionCallback*end')).toEqual([
      expect.stringMatching(
        /^0\*NOT_SUPPORTED\*kyso chưa hỗ trợ .+ \/ kyso does not support .+\*BkavExtensionCallback\*end$/,
      ),
    ]);
    expect(await connection.onFrame('3*bm90IGEgcGRm**1*x*BkavExtensionCallback*end')).toEqual([
      '4*BAD_REQUEST*Yêu cầu không hợp lệ. / The request is not valid.*BkavExtensionCallback*end',
    ]);
    // A certificate serial that is not hex: refused, not ignored.
    expect(
      await connection.onFrame('3*JVBERi0xLjQK*2026/01/01 08:00:00*S-01*x*BkavExtensionCallback*end'),
    ).toEqual([expect.stringMatching(/^4\*BAD_REQUEST\*/)]);
    expect(await connection.onFrame('3*%%%*BkavExtensionCallback*end')).toEqual([
      expect.stringMatching(/^4\*BAD_REQUEST\*/),
    ]);
    expect(await connection.onFrame(new Uint8Array(3))).toEqual([expect.stringMatching(/^4\*BAD_REQUEST\*/)]);
    // Larger than kyso accepts: refused once the call ends, the next call answered again.
    expect(await connection.onFrame('3*' + 'A'.repeat(MAX_PLUGIN_FRAME_CHARS))).toEqual([]);
    expect(await connection.onFrame('*BkavExtensionCallback*end')).toEqual([
      expect.stringMatching(/^4\*BAD_REQUEST\*/),
    ]);
    expect(await connection.onFrame('7*1*BkavExtensionCallback*end')).toEqual([
      '1*BkavExtensionCallback*end',
    ]);
    expect(bkavFailure(new KysoError('USER_CANCELLED'))).toMatch(/^13\*USER_CANCELLED\*.+ \/ .+/);
    expect(bkavFailure(new KysoError('NO_CERTIFICATE'))).toMatch(/^3\*NO_CERTIFICATE\*/);
    expect(bkavFailure(new KysoError('PDF_ENCRYPTED'))).toMatch(/^2\*PDF_ENCRYPTED\*/);
    expect(bkavFailure(new Error('library text'))).toMatch(/^5\*INTERNAL\*/);
  });

  it('the certificate list: base64 of Certificates/Certificate with the fields the sample page reads', () => {
    const token = copyTestToken();
    try {
      const der = token.certDer('01');
      const xml = new TextDecoder().decode(Buffer.from(certificatesXml([der.toString('base64')]), 'base64'));
      expect(xml).toMatch(/<Certificates><Certificate><SerialNumber>[0-9A-F]+<\/SerialNumber>/);
      expect(xml).toContain('<SubjectDN><CN>Nguyễn Văn Ân</CN></SubjectDN>');
      expect(xml).toMatch(/<TimeValidTo>\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}<\/TimeValidTo>/);
      expect(xml).toContain(`<CertificateBase64>${der.toString('base64')}</CertificateBase64>`);
    } finally {
      token.remove();
    }
  });

  it('SignXML: the element to sign, its Id and the signature’s place a page names are followed where tax returns and e-invoices put them, otherwise refused before any window', async () => {
    const fixture = (name: string) =>
      readFileSync(path.join(import.meta.dirname, '../fixtures/xml', name), 'utf8');
    const taxReturn = fixture('htkk-01gtgt.xml');
    const invoice = fixture('einvoice-gtgt.xml');
    const invoiceId = /<DLHDon[^>]*\sId="([^"]+)"/.exec(invoice)![1]!;
    const sent: string[] = [];
    const plugin = realScript((frame) => sent.push(frame));
    /** The frame the unmodified script sends for `SignXML(objXml)` with these fields set on a new ObjXmlSigner. */
    const signXmlCall = (xml: string, fields: Record<string, string>) => {
      sent.length = 0;
      const objXml = vm.runInContext('new ObjXmlSigner()', plugin) as Record<string, unknown>;
      Object.assign(objXml, fields, {
        Base64String: Buffer.from(xml).toString('base64'),
        FunctionCallback: () => {},
      });
      (plugin.BkavCAPlugin as { SignXML(o: unknown): void }).SignXML(objXml);
      expect(sent).toHaveLength(1);
      return sent[0]!;
    };
    const placementOf = (frame: string) => {
      const [, , tagSigning, nodeToSign, tagSaveResult] = frame.split('*');
      return { tagSigning, nodeToSign, tagSaveResult };
    };

    // Fields left unset: the script sends "" and "undefined"; kyso signs where the format does.
    const unset = signXmlCall(taxReturn, {});
    expect(unset).toMatch(/^0\*[A-Za-z0-9+/=]+\*\*undefined\*\*undefined\*/);
    expect(bkavXmlProfile(taxReturn, placementOf(unset))).toBe('htkk');
    expect(bkavXmlProfile('<a/>', placementOf(signXmlCall('<a/>', {})))).toBe('generic');
    // A tax portal's own naming (SignXMLBase64(xml, "HSoKhaiThue", "_NODE_TO_SIGN", "CKyDTu", …)).
    const taxNaming = { tagSigning: 'HSoKhaiThue', nodeToSign: '_NODE_TO_SIGN', tagSaveResult: 'CKyDTu' };
    expect(bkavXmlProfile(taxReturn, placementOf(signXmlCall(taxReturn, taxNaming)))).toBe('htkk');
    expect(
      bkavXmlProfile(
        invoice,
        placementOf(
          signXmlCall(invoice, { tagSigning: 'DLHDon', nodeToSign: invoiceId, tagSaveResult: 'NBan' }),
        ),
      ),
    ).toBe('einvoice');
    // The buyer's slot named: the buyer's co-signature (DSCKS > NMua) over the same DLHDon.
    expect(
      bkavXmlProfile(
        invoice,
        placementOf(
          signXmlCall(invoice, { tagSigning: 'DLHDon', nodeToSign: invoiceId, tagSaveResult: 'NMua' }),
        ),
      ),
    ).toBe('einvoice-buyer');

    // Anything else named: refused with NOT_SUPPORTED (the page's "0"), before any window.
    const connection = new BkavConnection();
    for (const [xml, fields] of [
      // the same portal's registration form: DKyThue with Id DKyThueDTu, signature in CKyDTu
      [
        '<DKyThueDTu><DKyThue id="DKyThueDTu"><MST>0100</MST></DKyThue><CKyDTu/></DKyThueDTu>',
        { tagSigning: 'DKyThue', nodeToSign: 'DKyThueDTu', tagSaveResult: 'CKyDTu' },
      ],
      [taxReturn, { ...taxNaming, nodeToSign: 'KHAC' }],
      [taxReturn, { ...taxNaming, tagSaveResult: 'HSoThueDTu' }],
      [invoice, { tagSigning: 'TTChung' }],
      [invoice, { nodeToSign: 'not-' + invoiceId }],
      [invoice, { tagSigning: 'TTChung', tagSaveResult: 'NMua' }],
      [taxReturn, { tagSaveResult: 'NMua' }],
    ] as const)
      expect(await connection.onFrame(signXmlCall(xml, fields))).toEqual([
        expect.stringMatching(/^0\*NOT_SUPPORTED\*kyso chưa hỗ trợ .+\*BkavExtensionCallback\*end$/),
      ]);
  });
});

describe('BkavCA Signer Plugin: what a page names besides the document', () => {
  const ids = useSoftwareIdentities('bkav-filter', {
    RSA: '/C=VN/CN=Nguyễn Văn Ân/UID=CCCD:001099012345',
    EC: '/C=VN/O=Công ty Ánh Dương/CN=Công ty Ánh Dương/UID=MST:0109999999',
  });
  const sent: string[] = [];
  const plugin = realScript((frame) => sent.push(frame));
  /** The frame the unmodified script sends for `call` (run in its context), and the call's arguments. */
  const frameOf = (call: string) => {
    sent.length = 0;
    vm.runInContext(call, plugin);
    expect(sent).toHaveLength(1);
    return { frame: sent[0]!, args: sent[0]!.split('*').slice(1) };
  };

  it('GetAllCert / GetCertListByFilter: the filter is applied to the shared certificate; filters kyso cannot follow are refused before any window', async () => {
    const ana = summarizeCertificate(ids.RSA.certificateDer);
    const company = summarizeCertificate(ids.EC.certificateDer);
    const passes = (call: string) => {
      const { args } = frameOf(call);
      const test = bkavCertificateFilter(args[0], args[1]);
      return [ana, company].map((summary) => (test ? test(summary) : true));
    };
    const byFilter = (filter: string, value: string) =>
      `var f = new ObjFilter(); f.Filter = INFO_CERT_FILTER.${filter}; f.Value = ${JSON.stringify(value)};` +
      ' f.FunctionCallback = function () {}; BkavCAPlugin.GetCertListByFilter(f);';
    const serial = ana.serialNumberHex.toUpperCase().replace(/(..)/g, '$1 ').trim();

    // No filter: the sample page's GetAllCert("SerialNumber", ""), GetCertListByFilter with no value.
    expect(passes('BkavCAPlugin.GetAllCert("SerialNumber", "", function () {})')).toEqual([true, true]);
    expect(passes(byFilter('CERTIFICATE_SUBJECT_CN', ''))).toEqual([true, true]);
    // The serial (as Windows shows it: upper case, spaced), a part of the subject's or issuer's CN, a time.
    expect(passes(`BkavCAPlugin.GetAllCert("SerialNumber", "${serial}", function () {})`)).toEqual([
      true,
      false,
    ]);
    expect(passes(byFilter('CERTIFICATE_SERIAL_NUMBER', ana.serialNumberHex))).toEqual([true, false]);
    expect(passes(byFilter('CERTIFICATE_SUBJECT_CN', 'văn ân'))).toEqual([true, false]);
    expect(passes(byFilter('CERTIFICATE_SUBJECT_CN', 'Ánh Dương'))).toEqual([false, true]);
    expect(passes(byFilter('CERTIFICATE_ISSUER_CN', ana.issuer.commonName!))).toEqual([true, true]);
    expect(passes(byFilter('CERTIFICATE_ISSUER_CN', 'Bkav'))).toEqual([false, false]);
    expect(passes(byFilter('CERTIFICATE_TIMEVALID', '2026/12/01 08:00:00'))).toEqual(
      [ana, company].map(
        (c) => c.notBefore <= new Date(2026, 11, 1, 8) && new Date(2026, 11, 1, 8) <= c.notAfter,
      ),
    );
    expect(passes(byFilter('CERTIFICATE_TIMEVALID', '2016/09/07 11:50:11'))).toEqual([false, false]);

    // ValidTo / ValidFrom (their rule is not public), an unknown filter: "0*NOT_SUPPORTED" before
    // any window (no "share my certificate" question: none is reachable here); a TimeValid that is no date: 4.
    const connection = new BkavConnection();
    for (const call of [
      byFilter('CERTIFICATE_VALIDTO', '2027/01/01 00:00:00'),
      byFilter('CERTIFICATE_VALIDFROM', '2025/01/01 00:00:00'),
      'BkavCAPlugin.GetAllCert("Thumbprint", "AB12", function () {})',
    ])
      expect(await connection.onFrame(frameOf(call).frame), call).toEqual([
        expect.stringMatching(/^0\*NOT_SUPPORTED\*kyso chưa hỗ trợ .+\*BkavExtensionCallback\*end$/),
      ]);
    expect(await connection.onFrame(frameOf(byFilter('CERTIFICATE_TIMEVALID', 'hôm nay')).frame)).toEqual([
      expect.stringMatching(/^4\*BAD_REQUEST\*/),
    ]);
  });

  it('the answer lists the shared certificate when it passes, none when it does not', () => {
    const xml = (list: string[]) => Buffer.from(certificatesXml(list), 'base64').toString('utf8');
    expect(xml([])).toBe('<?xml version="1.0" encoding="utf-8"?><Certificates></Certificates>');
    expect(xml([ids.RSA.certificateDer.toString('base64')])).toContain(
      '<SubjectDN><CN>Nguyễn Văn Ân</CN></SubjectDN>',
    );
  });

  it('SignPDF’s SigningTime and SignXML’s timeSign: a time naming now is followed (kyso signs now); another is refused before any window', async () => {
    const two = (n: number) => String(n).padStart(2, '0');
    const bkavTime = (d: Date) =>
      `${d.getFullYear()}/${two(d.getMonth() + 1)}/${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    const pdf = Buffer.from('%PDF-1.4\n').toString('base64');
    const signPdf = (time: string) =>
      frameOf(
        `var o = new ObjPdfSigner(); o.Base64String = "${pdf}"; o.SigningTime = ${JSON.stringify(time)};` +
          ' o.Signer = "Nguyễn Văn Ân"; o.FunctionCallback = function () {}; BkavCAPlugin.SignPDF(o);',
      );
    const signXml = (time: string) =>
      frameOf(
        `var o = new ObjXmlSigner(); o.Base64String = "${Buffer.from('<a/>').toString('base64')}";` +
          ` o.timeSign = ${JSON.stringify(time)}; o.FunctionCallback = function () {}; BkavCAPlugin.SignXML(o);`,
      );
    const now = new Date(2026, 11, 1, 9, 30, 0).getTime();
    // Where each call carries it: SignPDF `3*pdf*<time>*…`, SignXML `0*xml*tag*node*save*<time>*…`.
    const pdfTime = (time: string) => signPdf(time).args[1];
    const xmlTime = (time: string) => signXml(time).args[4];
    expect(pdfTime('2026/12/01 09:30:00')).toBe('2026/12/01 09:30:00');
    expect(xmlTime('2026/12/01 09:30:00')).toBe('2026/12/01 09:30:00');

    // Unset (the script's "" / "undefined"), or naming now (to the minute, a little before the call): followed.
    for (const time of [
      pdfTime(''),
      xmlTime(undefined as unknown as string),
      '2026/12/01 09:30',
      '2026/12/01 09:27:10',
    ])
      expect(() => checkBkavSigningTime(time, now), String(time)).not.toThrow();
    // Another time: a backdated or future signature, refused; not a date: bad input.
    for (const time of ['2020/10/25 10:00:00', '2026/12/01 09:40:00', '2026/11/30 09:30:00'])
      expect(() => checkBkavSigningTime(time, now), time).toThrow(
        expect.objectContaining({ code: 'NOT_SUPPORTED' }),
      );
    for (const time of ['01/12/2026 09:30:00', '2026/02/30 09:30:00', '2026/12/01 25:00:00'])
      expect(() => checkBkavSigningTime(time, now), time).toThrow(
        expect.objectContaining({ code: 'BAD_REQUEST' }),
      );

    // Through the connection, with the clock as it is: "0*NOT_SUPPORTED", no window.
    const connection = new BkavConnection();
    expect(await connection.onFrame(signPdf('2020/10/25 10:00:00').frame)).toEqual([
      expect.stringMatching(/^0\*NOT_SUPPORTED\*kyso chưa hỗ trợ .+\*BkavExtensionCallback\*end$/),
    ]);
    expect(await connection.onFrame(signXml(bkavTime(new Date(Date.now() - 86_400_000))).frame)).toEqual([
      expect.stringMatching(/^0\*NOT_SUPPORTED\*/),
    ]);
  });
});

/** The unmodified BkavCA plugin script (test/fixtures/third_party/plugins/bkav) run with a socket that hands each frame it sends to `send`. */
function realScript(send: (frame: string) => void): vm.Context {
  const script = readFileSync(
    path.join(import.meta.dirname, '../fixtures/third_party/plugins/bkav/bkavca-signer-plugin.js'),
    'utf8',
  );
  const context = vm.createContext({
    window: { location: { host: 'portal.example' }, addEventListener: () => {} },
    sessionStorage: { getItem: () => null, setItem: () => {} },
    console,
  });
  vm.runInContext(script, context);
  context.webSocket = { send };
  return context;
}

/**
 * `ProcessData` of the unmodified BkavCA plugin script (test/fixtures/third_party/plugins/bkav), run
 * with a socket that hands each frame it sends to `send`.
 */
function realProcessData(send: (frame: string) => void): (call: string) => void {
  return realScript(send).ProcessData as (call: string) => void;
}
