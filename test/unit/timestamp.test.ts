import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest } from '../../shared/cms/digest.js';
import {
  attachSignatureTimestamp,
  buildTimeStampRequest,
  requestTimestamp,
  signatureValue,
} from '../../shared/cms/timestamp.js';
import { verifyCms } from '../../shared/cms/verify.js';
import { signatureTimestampTokens, verifySignatureTimestamp } from '../../shared/cms/verify-timestamp.js';
import { bytesToHex, toArrayBuffer } from '../../shared/encoding.js';
import { KysoError } from '../../shared/protocol/errors.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { makeSoftwareIdentity, signContentCades, type SoftwareIdentity } from '../support/software-signer.js';

const content = new TextEncoder().encode('Hồ sơ đăng ký kinh doanh\n');
let dir: string;
let id: SoftwareIdentity;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kyso-ts-unit-'));
  id = makeSoftwareIdentity(dir, 'EC', '/C=VN/CN=Lê Thị Hoa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function opensslQueryText(query: Uint8Array): string {
  const file = path.join(dir, 'query.tsq');
  writeFileSync(file, query);
  const run = spawnSync('openssl', ['ts', '-query', '-in', file, '-text'], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe('buildTimeStampRequest', () => {
  it('is a TimeStampReq OpenSSL reads: v1, the imprint, a nonce, certificate required', async () => {
    const imprint = await digest('SHA-256', content);
    const text = opensslQueryText(
      buildTimeStampRequest(imprint, 'SHA-256', new Uint8Array([0x12, 0x34, 0x56])),
    );
    expect(text).toMatch(/Version: 1/);
    expect(text).toMatch(/Hash Algorithm: sha256/);
    const dumped = [...text.matchAll(/^\s*[0-9a-f]{4} - ([0-9a-f -]{47})/gm)]
      .map((m) => m[1]!.replace(/[ -]/g, ''))
      .join('');
    expect(dumped).toBe(bytesToHex(imprint));
    expect(text).toMatch(/Nonce: 0x123456/);
    expect(text).toMatch(/Certificate required: yes/);
    expect(text).toMatch(/Policy OID: unspecified/);
  });

  it('encodes any nonce as a positive minimal INTEGER, random by default', async () => {
    const imprint = await digest('SHA-384', content);
    const request = pkijs.TimeStampReq.fromBER(
      toArrayBuffer(buildTimeStampRequest(imprint, 'SHA-384', new Uint8Array([0, 0, 0x80, 1]))),
    );
    expect(bytesToHex(request.nonce!.valueBlock.valueHexView)).toBe('008001');
    expect(
      opensslQueryText(buildTimeStampRequest(imprint, 'SHA-384', new Uint8Array([0, 0, 0x80, 1]))),
    ).toMatch(/Nonce: 0x8001/);

    const nonces = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const random = pkijs.TimeStampReq.fromBER(
        toArrayBuffer(buildTimeStampRequest(imprint, 'SHA-384')),
      ).nonce!;
      const bytes = random.valueBlock.valueHexView;
      expect(bytes.length).toBe(16);
      expect(bytes[0]! & 0x80).toBe(0);
      expect(bytes[0]).not.toBe(0);
      nonces.add(bytesToHex(bytes));
    }
    expect(nonces.size).toBe(20);
  });

  it('names the policy when asked, refuses an imprint of the wrong length', async () => {
    const imprint = await digest('SHA-256', content);
    expect(opensslQueryText(buildTimeStampRequest(imprint, 'SHA-256', undefined, '2.999.7'))).toMatch(
      /Policy OID: 2\.999\.7/,
    );
    expect(() => buildTimeStampRequest(imprint, 'SHA-512')).toThrow(KysoError);
  });
});

describe('requestTimestamp over any fetch', () => {
  const reply = (body: BodyInit, init?: ResponseInit) =>
    (async () => new Response(body, init)) as typeof fetch;
  async function reason(fetch: typeof globalThis.fetch): Promise<unknown> {
    const error = await requestTimestamp('https://tsa.invalid/', content, { fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KysoError);
    return (error as KysoError).details?.reason;
  }

  it('posts a timestamp-query and reports malformed answers', async () => {
    let seen: RequestInit | undefined;
    const capture = (async (_url: string, init: RequestInit) => {
      seen = init;
      return new Response(new Uint8Array([0x30, 0x00]));
    }) as unknown as typeof fetch;
    expect(await reason(capture)).toBe('tsa-bad-response');
    expect(seen?.method).toBe('POST');
    expect((seen?.headers as Record<string, string>)['Content-Type']).toBe('application/timestamp-query');

    expect(await reason(reply('nope'))).toBe('tsa-bad-response');
    expect(await reason(reply('', { status: 401 }))).toBe('tsa-http-error');
    expect(await reason(async () => Promise.reject(new TypeError('fetch failed')))).toBe('tsa-unreachable');
    // A granted status without a token.
    const grantedEmpty = new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    });
    expect(await reason(reply(new Uint8Array(grantedEmpty.toSchema().toBER())))).toBe('tsa-bad-response');
  });
});

describe('attachSignatureTimestamp', () => {
  it('adds only an unsigned attribute: signature, signed attributes and certificates unchanged', async () => {
    const cms = await signContentCades(id, content);
    // Any DER stands in for a token here: attaching does not judge it, verifying does.
    const fakeToken = new Uint8Array(
      new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.1', content: new asn1js.OctetString() })
        .toSchema()
        .toBER(),
    );
    const stamped = attachSignatureTimestamp(cms, fakeToken);
    expect(opensslCmsVerify({ cms: stamped, content, caFile: id.caPem }).ok).toBe(true);
    expect(signatureValue(stamped)).toEqual(signatureValue(cms));

    const before = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(toArrayBuffer(cms)).content });
    const after = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(toArrayBuffer(stamped)).content });
    expect(new Uint8Array(after.signerInfos[0]!.signedAttrs!.encodedValue)).toEqual(
      new Uint8Array(before.signerInfos[0]!.signedAttrs!.encodedValue),
    );
    expect(signatureTimestampTokens(after.signerInfos[0]!)).toEqual([fakeToken]);
    // The whole original SignerInfo, minus its closing, is a prefix of the new one.
    const oldSignerInfo = new Uint8Array(before.signerInfos[0]!.toSchema().toBER());
    expect(bytesToHex(stamped)).toContain(bytesToHex(oldSignerInfo.subarray(4)));

    const timestamp = await verifySignatureTimestamp(stamped);
    expect(timestamp).toMatchObject({ present: true, valid: false });
    expect(timestamp.problems).toEqual(['time-stamp token is not a CMS SignedData']);
    const ours = await verifyCms({ cms: stamped, content });
    expect(ours.signatureValid).toBe(true);
    expect(ours.valid).toBe(false);

    expect(() => attachSignatureTimestamp(cms, fakeToken, 1)).toThrow(KysoError);
    expect(() => attachSignatureTimestamp(new Uint8Array([1, 2, 3]), fakeToken)).toThrow(KysoError);
  });

  it('reports absence and garbage', async () => {
    const cms = await signContentCades(id, content);
    expect(await verifySignatureTimestamp(cms)).toEqual({ present: false, valid: false, problems: [] });
    expect((await verifySignatureTimestamp(new Uint8Array([1, 2, 3]))).problems).toEqual([
      'not a CMS SignedData structure',
    ]);
  });
});
