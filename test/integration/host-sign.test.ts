import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCms } from '../../shared/cms/verify.js';
import { PROTOCOL_VERSION, KYSO_VERSION } from '../../shared/version.js';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { HostProcess } from '../support/host-process.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import type { TestToken } from '../support/token.js';
import { readFileSync } from 'node:fs';

const document = Buffer.from('Tờ khai đăng ký hộ kinh doanh — Hà Nội, 2026\n');
const digestOf = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('base64');

describe('native host against SoftHSM', () => {
  let session: HostSession;
  let token: TestToken;
  let host: HostProcess;
  let certificates: CertificateEntry[];
  const byKeyId = (keyId: string) => session.certificate(keyId);

  beforeAll(async () => {
    session = await startHostSession();
    ({ token, host, certificates } = session);
    expect(session.hello).toMatchObject({ protocolVersion: PROTOCOL_VERSION, hostVersion: KYSO_VERSION });
  });
  afterAll(async () => {
    expect(await session.close()).toBe(0);
  });

  it('lists every certificate on the token, tied to its key by CKA_ID, with token state', () => {
    expect(certificates.map((c) => c.id.split('/')[2]).sort()).toEqual(['01', '02', '03', '04', '05']);
    expect(byKeyId('01').keyType).toBe('RSA');
    expect(byKeyId('02').keyType).toBe('EC');
    expect(Buffer.from(byKeyId('02').certificate, 'base64')).toEqual(token.certDer('02'));
    expect(byKeyId('01').token).toMatchObject({
      label: 'kyso-test',
      protectedAuthPath: false,
      pinLocked: false,
    });
  });

  it.each([
    ['01', 'SHA-256', 'sha256'],
    ['01', 'SHA-512', 'sha512'],
    ['02', 'SHA-256', 'sha256'],
    ['02', 'SHA-384', 'sha384'],
    ['05', 'SHA-384', 'sha384'], // ECDSA P-384
    ['01', 'SHA-256', 'sha256', 'PSS'],
    ['01', 'SHA-512', 'sha512', 'PSS'],
  ] as const)(
    'key %s signs a %s digest into CAdES-BES that openssl verifies (%s)',
    async (keyId, algorithm, nodeHash, rsaScheme?: 'PSS') => {
      const response = await host.request('sign-cms', {
        certificateId: byKeyId(keyId).id,
        pin: token.pin,
        digest: digestOf(nodeHash, document),
        digestAlgorithm: algorithm,
        origin: 'https://dichvucong.gov.vn',
        ...(rsaScheme && { rsaScheme }),
      });
      if (!response.ok) throw new Error(JSON.stringify(response.error));
      const { cms, certificate } = response.result as { cms: string; certificate: string };
      const cmsBytes = Buffer.from(cms, 'base64');
      expect(certificate).toBe(byKeyId(keyId).certificate);
      expect(opensslCmsVerify({ cms: cmsBytes, content: document, caFile: token.caPem }).ok).toBe(true);
      const tampered = Buffer.from(document);
      tampered[3]! ^= 0x20;
      expect(opensslCmsVerify({ cms: cmsBytes, content: tampered, caFile: token.caPem }).ok).toBe(false);
      const ours = await verifyCms({
        cms: cmsBytes,
        content: document,
        trustedRoots: [pemToDer(token.caPem)],
      });
      expect(ours.problems).toEqual([]);
      expect(ours.digestAlgorithm).toBe(algorithm);
      // the signature algorithm is what was asked for: RSASSA-PSS (1.2.840.113549.1.1.10) only on request
      expect(cmsBytes.includes(Buffer.from('06092a864886f70d01010a', 'hex'))).toBe(rsaScheme === 'PSS');
    },
  );

  it('a wrong PIN is PIN_INCORRECT with no signature, and the right PIN then works', async () => {
    const params = {
      certificateId: byKeyId('02').id,
      digest: digestOf('sha256', document),
      digestAlgorithm: 'SHA-256' as const,
      origin: 'https://thuedientu.gdt.gov.vn',
    };
    const wrong = await host.request('sign-cms', { ...params, pin: '000000' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'PIN_INCORRECT' } });
    expect(JSON.stringify(wrong)).not.toContain('cms');
    const right = await host.request('sign-cms', { ...params, pin: token.pin });
    expect(right.ok).toBe(true);
  });

  it.each([
    ['03', 'expired'],
    ['04', 'not-for-signing'],
  ])('certificate %s (%s) is refused before the PIN is tried', async (keyId, problem) => {
    const response = await host.request('sign-cms', {
      certificateId: byKeyId(keyId).id,
      pin: '000000', // a wrong PIN: CERTIFICATE_NOT_USABLE proves the token was never asked
      digest: digestOf('sha256', document),
      digestAlgorithm: 'SHA-256',
      origin: 'https://dichvucong.gov.vn',
    });
    expect(response).toMatchObject({
      ok: false,
      error: { code: 'CERTIFICATE_NOT_USABLE', details: { problem } },
    });
  });

  it('an unknown certificate is TOKEN_NOT_PRESENT; a malformed id is BAD_REQUEST', async () => {
    const base = {
      pin: token.pin,
      digest: digestOf('sha256', document),
      digestAlgorithm: 'SHA-256' as const,
      origin: 'https://a.vn',
    };
    const unknown = await host.request('sign-cms', {
      ...base,
      certificateId: byKeyId('02').id.replace(/02$/, '7f'),
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'TOKEN_NOT_PRESENT' } });
  });

  it('answers bad requests with typed errors and keeps serving', async () => {
    host.send({
      id: 90,
      command: 'sign-cms',
      params: {
        certificateId: 'x',
        pin: '123456',
        digest: 'AAAA',
        digestAlgorithm: 'SHA-256',
        origin: 'https://a.vn',
      },
    });
    expect(await host.nextFrame()).toMatchObject({
      id: 90,
      ok: false,
      error: { code: 'BAD_REQUEST', details: { field: 'digest' } },
    });
    host.send({ id: 91, command: 'format-disk', params: {} });
    expect(await host.nextFrame()).toMatchObject({ id: 91, ok: false, error: { code: 'BAD_REQUEST' } });
    host.send({
      id: 92,
      command: 'hello',
      params: { protocolVersion: PROTOCOL_VERSION + 1, extensionVersion: '9.0.0' },
    });
    expect(await host.nextFrame()).toMatchObject({
      id: 92,
      ok: false,
      error: { code: 'VERSION_MISMATCH', details: { update: 'host' } },
    });

    const header = Buffer.alloc(4);
    header.writeUInt32LE(10 * 1024 * 1024);
    host.sendRaw(header);
    host.sendRaw(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(await host.nextFrame()).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'BAD_REQUEST', details: { limit: 65536 } },
    });
    const junk = Buffer.from('{"id": 5, oops');
    const junkHeader = Buffer.alloc(4);
    junkHeader.writeUInt32LE(junk.length);
    host.sendRaw(Buffer.concat([junkHeader, junk]));
    expect(await host.nextFrame()).toMatchObject({ id: null, ok: false, error: { code: 'BAD_REQUEST' } });

    const hello = await host.request('hello', {
      protocolVersion: PROTOCOL_VERSION,
      extensionVersion: KYSO_VERSION,
    });
    expect(hello.ok).toBe(true);
  });
});

function pemToDer(file: string): Buffer {
  const pem = readFileSync(file, 'utf8');
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}
