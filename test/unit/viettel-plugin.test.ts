/** The Viettel-CA SignPlugin emulation's pure parts (its addresses: plugin-emulation.test.ts): its form bodies, and the answers that need no consent. */
import { describe, expect, it } from 'vitest';
import { PAGE_SDK_CALLS } from '../../shared/sdk/plugins/common.js';
import { PAGE_VIETTEL_READERS } from '../../shared/sdk/plugins/viettel-readers.js';
import { parseViettelForm, ViettelPlugin } from '../../shared/sdk/plugins/viettel.js';

describe('Viettel-CA form bodies', () => {
  it('keeps base64 as pages send it (unencoded + / =), names case-insensitive, escapes decoded when well formed', () => {
    const form = parseViettelForm('sessionID=ab12&inData=VOG7nSBraGFp+/w==&HashOpt=2&x=%41%42&bad=%zz');
    expect(form.get('sessionid')).toBe('ab12');
    expect(form.get('indata')).toBe('VOG7nSBraGFp+/w==');
    expect(form.get('hashopt')).toBe('2');
    expect(form.get('x')).toBe('AB');
    expect(form.get('bad')).toBe('%zz');
    expect(parseViettelForm('').size).toBe(0);
  });
});

describe('Viettel-CA answers without consent', () => {
  it('getSession gives a session; failures answer "" and getLastErr then gives kyso’s code and a vi/en message', async () => {
    // As the page-world emulation builds it: with the certificate and CMS readers.
    const plugin = new ViettelPlugin('vi', PAGE_SDK_CALLS, PAGE_VIETTEL_READERS);
    expect(await plugin.answer('getLastErr', undefined)).toBe('0');
    const session = await plugin.answer('getSession', 'liblist=viettel-ca_v6.dll');
    expect(session).toMatch(/^[0-9a-f]{32}$/);

    expect(await plugin.answer('fileSign', `sessionID=${session}&inputFile=C:\\a.pdf`)).toBe('');
    expect(await plugin.answer('getLastErr', undefined)).toMatch(
      /^NOT_SUPPORTED: kyso chưa hỗ trợ .+ \/ kyso does not support /,
    );
    // SHA-1 (the plugin's default) and MD5 digests are not signed blind.
    expect(await plugin.answer('signHash', `sessionID=${session}&HashVal=${'00'.repeat(20)}&HashOpt=0`)).toBe(
      '',
    );
    expect(await plugin.answer('getLastErr', undefined)).toMatch(/^NOT_SUPPORTED: /);
    expect(await plugin.answer('signHash', `sessionID=other&HashVal=${'00'.repeat(32)}&HashOpt=2`)).toBe('');
    expect(await plugin.answer('getLastErr', undefined)).toBe(
      'BAD_REQUEST: Yêu cầu không hợp lệ. / The request is not valid.',
    );
    expect(await plugin.answer('signHash', `sessionID=${session}&HashVal=xyz&HashOpt=2`)).toBe('');
    expect(await plugin.answer('signHash', `sessionID=${session}&HashVal=00&HashOpt=7`)).toBe('');
    expect(await plugin.answer('getLastErr', undefined)).toMatch(/^BAD_REQUEST: /);
    expect(await plugin.answer('Sign', new Blob(['x']))).toBe('');
    expect(await plugin.answer('getLastErr', undefined)).toMatch(/^BAD_REQUEST: /);
    expect(await plugin.answer('getCertSNB', undefined)).toBe('');
    expect(await plugin.answer('getLastErr', undefined)).toMatch(/^NO_CERTIFICATE: /);
    expect(await plugin.answer('Verify', `sessionID=${session}&signature=MAA=&inData=dGVzdA==`)).toBe('');
    expect(await plugin.answer('getLastErr', undefined)).toMatch(/^BAD_REQUEST: /);
    expect(await plugin.answer('getSession', 'a'.repeat(30_000_000))).toBe('');
    expect(await plugin.answer('getLastErr', undefined)).toMatch(/^BAD_REQUEST: /);
    // A success resets the last error.
    expect(await plugin.answer('getSession', '')).toMatch(/^[0-9a-f]{32}$/);
    expect(await plugin.answer('getLastErr', undefined)).toBe('0');
  });

  it('without the readers (the extension background, for the loopback listener) Verify answers NOT_SUPPORTED', async () => {
    const plugin = new ViettelPlugin();
    const session = await plugin.answer('getSession', '');
    expect(await plugin.answer('Verify', `sessionID=${session}&signature=MAA=&inData=dGVzdA==`)).toBe('');
    expect(await plugin.answer('getLastErr', undefined)).toMatch(/^NOT_SUPPORTED: /);
  });
});
