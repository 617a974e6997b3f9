/**
 * A warm signature is one worker round trip: the host prepares it with the certificate of its last
 * listing and the worker checks the token still holds that certificate before any login. These
 * tests change the token behind the host's back (a renewed certificate, a removed one) and sign
 * without listing again: the host must notice, never sign with the old certificate's attributes.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostProcess } from '../support/host-process.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT } from '../support/paths.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { pkcs11Tool, type TestToken } from '../support/token.js';

const document = Buffer.from('Hoá đơn điện tử số 0000123 — ký lại sau khi gia hạn chứng thư\n');
const digest = createHash('sha256').update(document).digest('base64');

describe('host warm path: the certificate the host remembers is checked on the token', () => {
  let session: HostSession;
  let token: TestToken;
  let host: HostProcess;
  let work: string;

  const sign = (certificateId: string) =>
    host.request('sign-cms', {
      certificateId,
      pin: token.pin,
      digest,
      digestAlgorithm: 'SHA-256',
      origin: 'https://hoadondientu.gdt.gov.vn',
    });

  /** The CA renews key 02's certificate: same key, same CKA_ID, a new certificate. */
  function renewCertificate02(): Buffer {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    const file = (name: string) => path.join(work, name);
    openssl('x509', '-in', token.certPemPath('02'), '-pubkey', '-noout', '-out', file('pub.pem'));
    openssl(
      'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('placeholder.key'),
      '-out', file('renewed.csr'), '-utf8',
      '-subj', '/C=VN/ST=Thành phố Hồ Chí Minh/O=Công ty TNHH Ký Số Việt/CN=Công ty TNHH Ký Số Việt (gia hạn)/UID=MST:0312345678',
    ); // prettier-ignore
    openssl(
      'x509', '-req', '-in', file('renewed.csr'), '-CA', token.caPem, '-CAkey', path.join(token.dir, 'ca.key'),
      '-force_pubkey', file('pub.pem'), '-days', '30', '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-extfile', path.join(REPO_ROOT, 'test/token/signing.ext'), '-outform', 'DER', '-out', file('renewed.der'),
    ); // prettier-ignore
    pkcs11Tool(token, '--delete-object', '--type', 'cert', '--id', '02');
    pkcs11Tool(
      token,
      '--write-object',
      file('renewed.der'),
      '--type',
      'cert',
      '--id',
      '02',
      '--label',
      'cert-02',
    );
    return readFileSync(file('renewed.der'));
  }

  beforeAll(async () => {
    session = await startHostSession();
    ({ token, host } = session);
    work = mkdtempSync(path.join(tmpdir(), 'kyso-warm-path-'));
  });
  afterAll(async () => {
    await session?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('signs again and again with the listed certificate, each signature verifying', async () => {
    const entry = session.certificate('02');
    for (let i = 0; i < 3; i++) {
      const response = await sign(entry.id);
      if (!response.ok) throw new Error(JSON.stringify(response.error));
      const { cms, certificate } = response.result as { cms: string; certificate: string };
      expect(certificate).toBe(entry.certificate);
      const verified = opensslCmsVerify({
        cms: Buffer.from(cms, 'base64'),
        content: document,
        caFile: token.caPem,
      });
      expect(verified.ok).toBe(true);
    }
  });

  it('a certificate renewed on the token since the listing: the signature carries the new one', async () => {
    const entry = session.certificate('02');
    expect((await sign(entry.id)).ok).toBe(true); // the worker now knows the old certificate
    const renewed = renewCertificate02();
    const response = await sign(entry.id); // no listing in between
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    const { cms, certificate } = response.result as { cms: string; certificate: string };
    expect(Buffer.from(certificate, 'base64')).toEqual(renewed);
    const cmsBytes = Buffer.from(cms, 'base64');
    // openssl also checks the ESS signing-certificate-v2 hash against the certificate it uses
    expect(opensslCmsVerify({ cms: cmsBytes, content: document, caFile: token.caPem }).ok).toBe(true);
    expect(cmsBytes.includes(renewed)).toBe(true);
    expect(cmsBytes.includes(Buffer.from(entry.certificate, 'base64'))).toBe(false);
  });

  it('a certificate removed from the token since the listing: TOKEN_NOT_PRESENT, and the others still sign', async () => {
    const entry = session.certificate('02');
    pkcs11Tool(token, '--delete-object', '--type', 'cert', '--id', '02');
    expect(await sign(entry.id)).toMatchObject({ ok: false, error: { code: 'TOKEN_NOT_PRESENT' } });
    const other = await sign(session.certificate('01').id);
    expect(other.ok).toBe(true);
  });
});
