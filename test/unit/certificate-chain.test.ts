/**
 * Chains to trusted roots (shared/certificate/chain.ts) where pkijs's path validation alone says no:
 * a signer's certificate trusted as itself. Certificates made by openssl, an independent producer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildChain } from '../../shared/certificate/chain.js';
import { toArrayBuffer } from '../../shared/encoding.js';

const DAY = 24 * 60 * 60 * 1000;

/** A self-signed X.509 v1 certificate (no extensions, so no basicConstraints), as Acrobat's self-made IDs are. */
function selfSignedV1(dir: string, name: string): pkijs.Certificate {
  const base = path.join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl([
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${base}.key`,
    '-subj',
    `/CN=${name}`,
    '-out',
    `${base}.csr`,
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    `${base}.csr`,
    '-signkey',
    `${base}.key`,
    '-days',
    '30',
    '-outform',
    'DER',
    '-out',
    `${base}.der`,
  ]);
  return pkijs.Certificate.fromBER(toArrayBuffer(new Uint8Array(readFileSync(`${base}.der`))));
}

describe('a certificate trusted as itself', () => {
  let signer: pkijs.Certificate;
  let sameNameOtherKey: pkijs.Certificate;
  beforeAll(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-chain-'));
    signer = selfSignedV1(dir, 'Nguoi Ky');
    sameNameOtherKey = selfSignedV1(mkdtempSync(path.join(tmpdir(), 'kyso-chain-')), 'Nguoi Ky');
  });

  it('is a trust anchor: a path of itself, though it is no CA certificate (pkijs alone refuses it)', async () => {
    expect(signer.version).toBe(0);
    const chain = await buildChain(signer, [], [signer], new Date());
    expect(chain).toMatchObject({ valid: true, path: [signer] });
  });

  it('only within its validity', async () => {
    const after = new Date(signer.notAfter.value.getTime() + DAY);
    expect((await buildChain(signer, [], [signer], after)).valid).toBe(false);
  });

  it('only as the same certificate: another of the same name and a key of its own, trusted, gives no path', async () => {
    expect((await buildChain(signer, [], [sameNameOtherKey], new Date())).valid).toBe(false);
  });
});
