/**
 * Chains to trusted roots (shared/certificate/chain.ts) where pkijs's path validation alone says no:
 * a signer's certificate trusted as itself, a trusted X.509 v1 root. Certificates made by openssl, an
 * independent producer, whose own `openssl verify` is the reference.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildChain } from '../../shared/certificate/chain.js';
import { toArrayBuffer } from '../../shared/encoding.js';
import { verifyCmsSignature } from '../../verifier/src/index.js';
import { issueTestCertificate, opensslCmsSign, opensslCmsVerify } from '../support/openssl.js';

const DAY = 24 * 60 * 60 * 1000;

const openssl = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' });
const readDer = (file: string) =>
  pkijs.Certificate.fromBER(toArrayBuffer(new Uint8Array(readFileSync(file))));

/** A self-signed X.509 v1 certificate (no extensions, so no basicConstraints), as Acrobat's self-made IDs are. */
function selfSignedV1(dir: string, name: string): pkijs.Certificate {
  const base = path.join(dir, name);
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
  openssl(['x509', '-inform', 'DER', '-in', `${base}.der`, '-out', `${base}.pem`]);
  return readDer(`${base}.der`);
}

/**
 * A certificate for `name` issued by `issuer` (made by selfSignedV1 or this, in `dir`): a v3 CA's
 * (basicConstraints cA) when `ca`, else a signer's; with `v1`, an X.509 v1 one (openssl writes v1
 * when given no extension); valid for `days` (openssl lets it outlive its issuer).
 */
function issued(
  dir: string,
  name: string,
  issuer: string,
  how: { ca?: boolean; v1?: boolean; days?: number } = {},
) {
  const base = path.join(dir, name);
  issueTestCertificate({
    base,
    subject: `/CN=${name}`,
    caFile: path.join(dir, `${issuer}.pem`),
    caKeyFile: path.join(dir, `${issuer}.key`),
    serialHex: randomBytes(8).toString('hex'),
    days: how.days ?? 20,
    extensions: how.v1
      ? ''
      : how.ca
        ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n'
        : 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
  });
  openssl(['x509', '-in', `${base}.pem`, '-outform', 'DER', '-out', `${base}.der`]);
  return readDer(`${base}.der`);
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

describe('a trusted X.509 v1 root (no basicConstraints) that issues', () => {
  let dir: string;
  let root: pkijs.Certificate;
  let signer: pkijs.Certificate;
  let ca: pkijs.Certificate;
  let signerBelowCa: pkijs.Certificate;
  let v1Ca: pkijs.Certificate;
  let signerBelowV1Ca: pkijs.Certificate;
  /** `openssl verify` of `name` against the root alone, `untrusted` carried: its verdict, as kyso's should be. */
  const opensslAccepts = (name: string, untrusted?: string) => {
    const carried = untrusted ? ['-untrusted', path.join(dir, `${untrusted}.pem`)] : [];
    try {
      openssl([
        'verify',
        '-CAfile',
        path.join(dir, 'Root V1.pem'),
        ...carried,
        path.join(dir, `${name}.pem`),
      ]);
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-chain-v1-root-'));
    root = selfSignedV1(dir, 'Root V1');
    signer = issued(dir, 'Signer', 'Root V1', { days: 60 }); // outlives the root (30 days)
    ca = issued(dir, 'CA V3', 'Root V1', { ca: true });
    signerBelowCa = issued(dir, 'Signer Below CA', 'CA V3');
    v1Ca = issued(dir, 'CA V1', 'Root V1', { v1: true });
    signerBelowV1Ca = issued(dir, 'Signer Below V1 CA', 'CA V1');
  });

  it('a signer directly: a path to it, as openssl and NSS take a v1 trust anchor for a CA (pkijs alone refuses it)', async () => {
    expect([root.version, signer.version]).toEqual([0, 2]);
    expect(opensslAccepts('Signer')).toBe(true);
    const chain = await buildChain(signer, [], [root], new Date());
    expect(chain).toMatchObject({ valid: true, path: [signer, root] });
    // The root in the path is the trusted certificate itself, with no extension of kyso's making.
    expect(chain.path[1]).toBe(root);
    expect(root.extensions).toBeUndefined();
  });

  it('a v3 CA that issues the signer: a path through it', async () => {
    expect(opensslAccepts('Signer Below CA', 'CA V3')).toBe(true);
    const chain = await buildChain(signerBelowCa, [ca], [root], new Date());
    expect(chain).toMatchObject({ valid: true, path: [signerBelowCa, ca, root] });
  });

  it('a v1 certificate below the root is no CA: no path through it, as openssl says', async () => {
    expect(v1Ca.version).toBe(0);
    expect(opensslAccepts('Signer Below V1 CA', 'CA V1')).toBe(false);
    expect((await buildChain(signerBelowV1Ca, [v1Ca], [root], new Date())).valid).toBe(false);
  });

  it('a CMS that openssl signs with the signer passes in kyso verify, the root named in its chain as it is; openssl cms -verify agrees', async () => {
    const content = path.join(dir, 'content.txt');
    writeFileSync(content, 'Tờ khai ký dưới một gốc X.509 v1\n');
    const cms = await opensslCmsSign({
      contentFile: content,
      certificateFile: path.join(dir, 'Signer.pem'),
      keyFile: path.join(dir, 'Signer.key'),
      outFile: path.join(dir, 'signed.p7s'),
      flags: ['-cades'],
    });
    const signed = new Uint8Array(readFileSync(content));
    expect(opensslCmsVerify({ cms, content: signed, caFile: path.join(dir, 'Root V1.pem') }).ok).toBe(true);
    const rootDer = readFileSync(path.join(dir, 'Root V1.der'));
    const report = await verifyCmsSignature(
      { cms, content: signed },
      { trustedRoots: [new Uint8Array(rootDer)], revocation: { policy: 'off' } },
    );
    expect(report.signatures[0]).toMatchObject({ indication: 'TOTAL-PASSED', signer: { name: 'Signer' } });
    expect(report.signatures[0]!.chain!.map((member) => member.sha256)).toEqual([
      createHash('sha256')
        .update(readFileSync(path.join(dir, 'Signer.der')))
        .digest('hex'),
      createHash('sha256').update(rootDer).digest('hex'),
    ]);
  });

  it("only within the root's validity: the signer's, still valid, is not enough", async () => {
    const before = new Date(root.notAfter.value.getTime() - DAY);
    const after = new Date(root.notAfter.value.getTime() + DAY);
    expect(signer.notAfter.value > after).toBe(true);
    expect((await buildChain(signer, [], [root], before)).valid).toBe(true);
    expect((await buildChain(signer, [], [root], after)).valid).toBe(false);
  });
});
