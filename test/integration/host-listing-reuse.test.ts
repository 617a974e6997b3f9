/**
 * The certificate listing the consent window showed serves the signature that follows (no second
 * listing; host-warm-path.test.ts shows the certificate itself checked on the token), while the
 * private key is still looked for on the token at signing time. The key is deleted from the token
 * by another process (pkcs11-tool), as another program would.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostProcess } from '../support/host-process.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { pkcs11Tool, type TestToken } from '../support/token.js';

const document = Buffer.from('Tờ khai thuế giá trị gia tăng — quý 4/2026\n');

function deleteFromToken(token: TestToken, type: 'cert' | 'privkey', id: string): void {
  pkcs11Tool(token, '--delete-object', '--type', type, '--id', id);
}

describe('a signature after the consent listing', () => {
  let session: HostSession;
  let token: TestToken;
  let host: HostProcess;

  beforeAll(async () => {
    // The listing taken here stands for the consent window's.
    session = await startHostSession();
    ({ token, host } = session);
  });
  afterAll(async () => {
    await session.close();
  });

  const signCms = (keyId: string) =>
    host.request('sign-cms', {
      certificateId: session.certificate(keyId).id,
      pin: token.pin,
      digest: createHash('sha256').update(document).digest('base64'),
      digestAlgorithm: 'SHA-256',
      origin: 'https://thuedientu.gdt.gov.vn',
    });

  it('still finds the private key on the token at signing time', async () => {
    deleteFromToken(token, 'privkey', '02');
    const response = await signCms('02');
    expect(response.ok).toBe(false);
    if (!response.ok) expect(response.error.code).toBe('NO_CERTIFICATE');
  });
});
