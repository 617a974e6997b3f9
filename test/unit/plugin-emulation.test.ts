/** The pure parts of the plugin emulation: which addresses are whose, frame checks, the failure texts. */
import { describe, expect, it } from 'vitest';
import { KysoError } from '../../shared/protocol/errors.js';
import {
  MAX_PLUGIN_FRAME_CHARS,
  assertFrameSize,
  decodeBase64,
  parseJsonFrame,
  pluginFailure,
  siteDataDocument,
  xmlProfileOf,
  xmlRootId,
  xmlRootName,
} from '../../shared/sdk/plugins/common.js';
import {
  downloadedFileName,
  nameEndingAs,
  pageGivenFileName,
} from '../../shared/sdk/plugins/download-name.js';
import { answerVgca, vgcaEndpoint } from '../../shared/sdk/plugins/vgca.js';
import { answerVnpt, isVnptUrl } from '../../shared/sdk/plugins/vnpt.js';
import { viettelFunction } from '../../shared/sdk/plugins/viettel.js';
import { originPattern, pluginOfRequest } from '../../extension/src/plugins/addresses.js';
import { LIMITS } from '../../shared/protocol/limits.js';

describe('data a plugin page sends to sign in a CMS', () => {
  it('readable text goes as a text the window shows; other bytes, or too many, as their digest', async () => {
    const text = new TextEncoder().encode('Công văn số 123/UBND-VP\r\n');
    expect(await siteDataDocument(text, 'du-lieu')).toEqual({ kind: 'text', name: 'du-lieu', text });
    for (const data of [
      Uint8Array.from([0x25, 0x50, 0x44, 0x46, 0xff, 0x00]), // not UTF-8
      new TextEncoder().encode('a\u001b[2Jb'), // a control character
      new Uint8Array(LIMITS.maxTextBytes + 1).fill(0x61), // over the text limit
    ])
      expect(await siteDataDocument(data, 'du-lieu')).toMatchObject({
        kind: 'cms',
        digestAlgorithm: 'SHA-256',
      });
  });
});

describe('plugin addresses', () => {
  /** Each plugin's address reader: the endpoint (function) of each address it takes, nothing for the rest. */
  const ENDPOINT_READERS = [
    {
      title: 'VGCA: wss on 127.0.0.1 or localhost port 8987, any endpoint; nothing else',
      read: vgcaEndpoint,
      taken: {
        'wss://127.0.0.1:8987/SignFiles': 'SignFiles',
        'wss://localhost:8987/GetVersion/': 'GetVersion',
      },
      refused: [
        'ws://127.0.0.1:8987/SignPDF',
        'wss://127.0.0.1:8988/SignPDF',
        'wss://evil.example:8987/SignPDF',
        'wss://127.0.0.1.evil.example:8987/x',
        'not a url',
      ],
    },
    {
      title: 'Viettel: http on 14007 and https on 14407, on 127.0.0.1 or localhost; the path is the function',
      read: viettelFunction,
      taken: {
        'http://127.0.0.1:14007/getSession': 'getSession',
        'https://127.0.0.1:14407/signHash': 'signHash',
        'http://localhost:14007/getLastErr/': 'getLastErr',
      },
      refused: [
        'https://127.0.0.1:14007/getSession',
        'http://127.0.0.1:14407/getSession',
        'http://127.0.0.1:14008/getSession',
        'http://evil.example:14007/getSession',
        'ws://127.0.0.1:14007/getSession',
        'not a url',
      ],
    },
  ];
  for (const { title, read, taken, refused } of ENDPOINT_READERS)
    it(title, () => {
      for (const [url, endpoint] of Object.entries(taken)) expect(read(url), url).toBe(endpoint);
      for (const url of refused) expect(read(url), url).toBeUndefined();
    });

  it('VNPT: wss://localhost or 127.0.0.1 on its five ports, path /plugin', () => {
    for (const port of [4433, 4434, 4435, 9201, 9202])
      expect(isVnptUrl(`wss://localhost:${port}/plugin`)).toBe(true);
    expect(isVnptUrl('wss://127.0.0.1:4433/plugin')).toBe(true);
    for (const url of [
      'wss://localhost:4436/plugin',
      'wss://localhost:4433/other',
      'ws://localhost:4433/plugin',
      'wss://example.vn:4433/plugin',
    ])
      expect(isVnptUrl(url), url).toBe(false);
  });

  it('the observer names the plugin of a loopback request by port, and only on loopback', () => {
    expect(pluginOfRequest('wss://127.0.0.1:8987/SignPDF')).toBe('vgca');
    expect(pluginOfRequest('wss://localhost:4434/plugin')).toBe('vnpt');
    expect(pluginOfRequest('https://127.0.0.1:14407/getSession')).toBe('viettel');
    expect(pluginOfRequest('http://127.0.0.1:14007/getSession')).toBe('viettel');
    expect(pluginOfRequest('wss://localhost:8443')).toBe('bkav');
    expect(pluginOfRequest('wss://127.0.0.1:9999/')).toBeUndefined();
    expect(pluginOfRequest('wss://portal.gov.vn:8987/SignPDF')).toBeUndefined();
  });

  it('registrations match the origin’s host (ports are not part of match patterns); non-web origins get none', () => {
    expect(originPattern('https://dichvucong.gov.vn')).toBe('https://dichvucong.gov.vn/*');
    expect(originPattern('http://localhost:8080')).toBe('http://localhost/*');
    expect(originPattern('moz-extension://abc')).toBeUndefined();
    expect(originPattern('nonsense')).toBeUndefined();
  });
});

describe('frames', () => {
  it('refuses oversized frames, non-objects and bad base64 with BAD_REQUEST', () => {
    expect(() => assertFrameSize('x'.repeat(MAX_PLUGIN_FRAME_CHARS + 1))).toThrow(KysoError);
    expect(() => parseJsonFrame('[1]')).not.toThrow(); // arrays are objects; callers check fields
    for (const frame of ['', 'null', '"text"', '{"a":', '42'])
      expect(() => parseJsonFrame(frame), frame).toThrow(/JSON object/);
    expect(() => decodeBase64('not base64!', 'data')).toThrow(/not base64/);
    expect(Array.from(decodeBase64('AQID\n', 'data'))).toEqual([1, 2, 3]);
  });

  it('failures carry kyso’s code and the Vietnamese then English message; unknown errors are INTERNAL without their text', () => {
    expect(pluginFailure(new KysoError('USER_CANCELLED'))).toEqual({
      code: 'USER_CANCELLED',
      message: 'Người dùng đã huỷ thao tác ký. / The user cancelled signing.',
    });
    expect(pluginFailure(new Error('pdf-lib: Expected instance of PDFDict'))).toEqual({
      code: 'INTERNAL',
      message: 'Lỗi nội bộ của kyso. / An internal kyso error occurred.',
    });
  });

  it('knows tax returns and e-invoices by their root element, past declarations and comments', () => {
    expect(
      xmlRootName(
        '<?xml version="1.0"?><!-- x --><HSoThueDTu xmlns="http://kekhaithue.gdt.gov.vn/TKhaiThue"/>',
      ),
    ).toBe('HSoThueDTu');
    expect(xmlProfileOf('\uFEFF<inv:HDon xmlns:inv="x"><DLHDon/></inv:HDon>')).toBe('einvoice');
    expect(xmlProfileOf('<DU_LIEU_HOC_BA Id="data"/>')).toBeUndefined();
  });

  it('answers without any signing for malformed, unknown and unsupported calls (no extension needed)', async () => {
    const context = { pageUrl: 'https://portal.example.vn/' };
    expect(JSON.parse(await answerVgca('SignPDF', '{', context))).toMatchObject({
      Status: 1,
      ErrorCode: 'BAD_REQUEST',
    });
    expect(JSON.parse(await answerVgca('SignPDF', 42, context))).toMatchObject({
      Status: 1,
      ErrorCode: 'BAD_REQUEST',
    });
    expect(JSON.parse(await answerVgca('NoSuchEndpoint', '{}', context))).toMatchObject({
      Status: 1,
      ErrorCode: 'NOT_SUPPORTED',
    });
    expect(JSON.parse(await answerVgca('SignOffice', '{}', context))).toMatchObject({
      Status: 1,
      ErrorCode: 'NOT_SUPPORTED',
    });
    expect(JSON.parse(await answerVgca('SignFiles', '{"Files":[]}', context))).toMatchObject({
      Status: 1,
      ErrorCode: 'BAD_REQUEST',
    });
    expect(
      JSON.parse(await answerVgca('SignMsg', '{"HashAlg":"MD5","HashValue":"AA=="}', context)),
    ).toMatchObject({ Status: 1, ErrorCode: 'BAD_REQUEST' });

    expect(await answerVnpt(JSON.stringify({ functionID: 7, funcCallback: 'cb' }))).toBe('1*cb');
    const [office, callback] = (
      await answerVnpt(JSON.stringify({ functionID: 3, funcCallback: 'signCallback', args: ['AA=='] }))
    ).split('*');
    expect(callback).toBe('signCallback');
    expect(JSON.parse(office!)).toMatchObject({ code: 5, kysoCode: 'OFFICE_NOT_SUPPORTED' });
    // The callback name the library will call on window must be a plain identifier.
    expect(
      (await answerVnpt(JSON.stringify({ functionID: 7, funcCallback: 'alert(1)' }))).endsWith(
        '*callbackDefault',
      ),
    ).toBe(true);
    expect(JSON.parse((await answerVnpt('{not json')).split('*')[0]!)).toMatchObject({
      code: 1,
      kysoCode: 'BAD_REQUEST',
    });
  });
});

describe('xmlRootId (which element a detached VGCA signature names)', () => {
  it('reads the root element’s Id, ID or id past the declaration and comments; none otherwise', () => {
    expect(xmlRootId('<DU_LIEU_HOC_BA Id="data">x</DU_LIEU_HOC_BA>')).toBe('data');
    expect(
      xmlRootId("<?xml version='1.0'?><!-- c --><ns:A xmlns:ns='urn:a' ID='a1'><B Id='b'/></ns:A>"),
    ).toBe('a1');
    expect(xmlRootId('<A x="1" id="z"/>')).toBe('z');
    // An Id further down is not the root's: the whole document stays signed (URI="").
    expect(xmlRootId('<A><B Id="b"/></A>')).toBeUndefined();
    expect(xmlRootId('<A data-Id="q"/>')).toBeUndefined();
  });
});

describe('downloadedFileName (the name a VGCA download is shown and uploaded under)', () => {
  const url = new URL('https://vanban.example.vn/api/file/download?id=123');
  it('the server’s Content-Disposition: filename* (UTF-8 or ISO-8859-1) before filename, quoted, bare or in raw UTF-8', () => {
    expect(
      downloadedFileName(
        `attachment; filename="cong van.pdf"; filename*=UTF-8''C%C3%B4ng%20v%C4%83n%2045.pdf`,
        url,
      ),
    ).toBe('Công văn 45.pdf');
    expect(downloadedFileName(`inline; filename*=iso-8859-1'vi'caf%E9.pdf`, url)).toBe('café.pdf');
    expect(downloadedFileName('attachment; filename="QD \\"45\\".pdf"', url)).toBe('QD "45".pdf');
    expect(downloadedFileName('attachment;filename=to-khai.xml', url)).toBe('to-khai.xml');
    // ASP.NET and others write UTF-8 bytes straight into the header; scripts see one character per byte.
    const raw = String.fromCharCode(...new TextEncoder().encode('Quyết định.pdf'));
    expect(downloadedFileName(`attachment; filename="${raw}"`, url)).toBe('Quyết định.pdf');
    // A folder before the name is dropped; so are control characters.
    expect(downloadedFileName('attachment; filename="C:\\\\tmp\\\\a.pdf"', url)).toBe('a.pdf');
    expect(downloadedFileName(`attachment; filename*=UTF-8''..%2F..%2Fb%0D%0A.pdf`, url)).toBe('b.pdf');
  });

  it('else the URL’s last path segment, decoded; "document" when nothing visible is left', () => {
    expect(downloadedFileName(null, url)).toBe('download');
    expect(downloadedFileName('attachment', new URL('https://x.vn/files/c%C3%B4ng-v%C4%83n.pdf'))).toBe(
      'công-văn.pdf',
    );
    expect(downloadedFileName(`attachment; filename*=UTF-8''%E2%80%8B`, new URL('https://x.vn/'))).toBe(
      'document',
    );
  });
});

describe('pageGivenFileName / nameEndingAs (vgca_sign_files: FileName beside URL)', () => {
  const url = 'https://motcua.example.vn/documents/7f3a';
  it('a title beside the address is the name: "/" and "\\" become "-", control characters go; none when FileName is the address again', () => {
    expect(pageGivenFileName('Giấy khai sinh số 12/UBND', url)).toBe('Giấy khai sinh số 12-UBND');
    expect(pageGivenFileName('  Biên bản\r\n họp  ', url)).toBe('Biên bản họp');
    expect(pageGivenFileName('QĐ:12', url)).toBe('QĐ:12');
    // Most portals repeat the address in FileName, absolute or from the site's root.
    expect(pageGivenFileName(url, url)).toBeUndefined();
    expect(pageGivenFileName('https://motcua.example.vn/files/a.pdf', url)).toBeUndefined();
    expect(pageGivenFileName('/files/a.pdf', url)).toBeUndefined();
    expect(pageGivenFileName('', url)).toBeUndefined();
    expect(pageGivenFileName('\u200B', url)).toBeUndefined();
    expect(pageGivenFileName(42, url)).toBeUndefined();
    expect(pageGivenFileName('Tờ khai', undefined)).toBeUndefined();
  });

  it('the name ends as the signed bytes are: their extension is added unless it is already there', () => {
    expect(nameEndingAs('Giấy khai sinh', '.pdf')).toBe('Giấy khai sinh.pdf');
    expect(nameEndingAs('Hop dong.PDF', '.pdf')).toBe('Hop dong.PDF');
    expect(nameEndingAs('hoa-don.pdf', '.xml')).toBe('hoa-don.pdf.xml');
    expect(nameEndingAs('x'.repeat(200), '.pdf')).toHaveLength(200);
    expect(nameEndingAs('ghi-chu', undefined)).toBe('ghi-chu');
  });
});
