import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface OpensslVerifyResult {
  ok: boolean;
  output: string;
}

export interface OpensslCmsVerifyResult extends OpensslVerifyResult {
  /** What the CMS signs, as openssl wrote it out (when verified). */
  signedContent?: Buffer;
}

/**
 * The arguments of `openssl cms -verify` for a DER CMS (detached when `contentPath` is given),
 * trusting `caFile` for any purpose; the verified content goes to `outPath`. Also used by bench/soak.ts.
 */
export function opensslCmsVerifyArgs(files: {
  cmsPath: string;
  contentPath?: string;
  caFile: string;
  outPath: string;
  /** More checks, such as `-crl_check` against CRLs in `caFile`. */
  extra?: string[];
}): string[] {
  return [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    files.cmsPath,
    ...(files.contentPath === undefined ? [] : ['-content', files.contentPath]),
    '-CAfile',
    files.caFile,
    ...(files.extra ?? []),
    '-purpose',
    'any',
    '-out',
    files.outPath,
  ];
}

/** `openssl cms -verify`: the independent verifier for CMS signatures. */
export function opensslCmsVerify(options: {
  cms: Uint8Array;
  content?: Uint8Array;
  caFile: string;
  extra?: string[];
}): OpensslCmsVerifyResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-openssl-'));
  try {
    const cmsPath = path.join(dir, 'sig.p7s');
    writeFileSync(cmsPath, options.cms);
    let contentPath: string | undefined;
    if (options.content) {
      contentPath = path.join(dir, 'content.bin');
      writeFileSync(contentPath, options.content);
    }
    const args = opensslCmsVerifyArgs({
      cmsPath,
      contentPath,
      caFile: options.caFile,
      outPath: path.join(dir, 'out.bin'),
      extra: options.extra,
    });
    const run = spawnSync('openssl', args, { encoding: 'utf8' });
    const ok = run.status === 0;
    return {
      ok,
      output: `${run.stdout}${run.stderr}`,
      ...(ok && { signedContent: readFileSync(path.join(dir, 'out.bin')) }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl ts -verify` of a time-stamp token against the data it should cover, or a precomputed SHA-256. */
export function opensslTsVerify(options: {
  token: Uint8Array;
  over: { data: Uint8Array } | { sha256: Uint8Array };
  caFile: string;
}): OpensslVerifyResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-openssl-ts-'));
  const write = (name: string, bytes: Uint8Array) => {
    writeFileSync(path.join(dir, name), bytes);
    return path.join(dir, name);
  };
  try {
    const { over } = options;
    const source =
      'data' in over
        ? ['-data', write('data.bin', over.data)]
        : ['-digest', Buffer.from(over.sha256).toString('hex')];
    const tokenIn = ['-in', write('token.tsr', options.token), '-token_in'];
    const run = spawnSync('openssl', ['ts', '-verify', ...source, ...tokenIn, '-CAfile', options.caFile], {
      encoding: 'utf8',
    });
    return {
      ok: run.status === 0 && /Verification: OK/.test(run.stdout),
      output: `${run.stdout}${run.stderr}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `openssl cms -sign` (binary, DER) of a file with a PEM certificate and key; `flags` adds -nodetach,
 * -noattr, -md …; `keyopts` are the signer's -keyopt (rsa_padding_mode:pss, …), which openssl reads after -inkey.
 */
export async function opensslCmsSign(options: {
  contentFile: string;
  certificateFile: string;
  keyFile: string;
  outFile: string;
  flags?: string[];
  keyopts?: string[];
}): Promise<Buffer> {
  const args = [
    'cms',
    '-sign',
    '-binary',
    ...(options.flags ?? []),
    '-outform',
    'DER',
    '-out',
    options.outFile,
  ];
  args.push('-in', options.contentFile, '-signer', options.certificateFile, '-inkey', options.keyFile);
  for (const keyopt of options.keyopts ?? []) args.push('-keyopt', keyopt);
  await promisify(execFile)('openssl', args);
  return readFileSync(options.outFile);
}

/** `openssl dgst -sha256 -verify`: a bare signature over `content` checked with the certificate's public key. */
export function opensslVerifyRawSignature(options: {
  certificatePem: string;
  content: Uint8Array;
  signature: Uint8Array;
}): OpensslVerifyResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-openssl-'));
  try {
    const file = (name: string) => path.join(dir, name);
    writeFileSync(file('content'), options.content);
    writeFileSync(file('sig'), options.signature);
    execFileSync('openssl', [
      'x509',
      '-in',
      options.certificatePem,
      '-pubkey',
      '-noout',
      '-out',
      file('pub.pem'),
    ]);
    const run = spawnSync(
      'openssl',
      ['dgst', '-sha256', '-verify', file('pub.pem'), '-signature', file('sig'), file('content')],
      { encoding: 'utf8' },
    );
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A self-signed RSA-2048 test CA made by openssl (an independent producer), valid 30 days:
 * `keyFile` and `certFile` (PEM) are written. `keyUsage` defaults to what a CA signs with.
 */
export function makeTestCa(
  keyFile: string,
  certFile: string,
  commonName: string,
  keyUsage = 'keyCertSign,cRLSign',
): void {
  selfSigned({
    keyFile,
    certFile,
    subject: `/C=VN/O=kyso thử nghiệm/CN=${commonName}`,
    days: 30,
    extensions: ['basicConstraints=critical,CA:TRUE', `keyUsage=critical,${keyUsage}`],
  });
}

/**
 * A new key (RSA-2048, or EC on `ecCurve`) and a self-signed certificate for it made by openssl,
 * with the given X.509v3 extensions; PEM unless `der`.
 */
export function selfSigned(options: {
  keyFile: string;
  certFile: string;
  subject: string;
  days: number;
  extensions: string[];
  ecCurve?: string;
  /** RSA modulus bits (default 2048). */
  rsaBits?: number;
  der?: boolean;
  /** An openssl config file of its own (e.g. another string mask). */
  config?: string;
  /** Its serial number (hex); random otherwise. */
  serialHex?: string;
}): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-new',
      '-newkey',
      ...(options.ecCurve
        ? ['ec', '-pkeyopt', `ec_paramgen_curve:${options.ecCurve}`]
        : [`rsa:${options.rsaBits ?? 2048}`]),
      '-nodes',
      '-keyout',
      options.keyFile,
      ...(options.der ? ['-outform', 'DER'] : []),
      '-out',
      options.certFile,
      '-days',
      String(options.days),
      '-utf8',
      ...(options.config ? ['-config', options.config] : []),
      '-subj',
      options.subject,
      ...(options.serialHex ? ['-set_serial', `0x${options.serialHex}`] : []),
      ...options.extensions.flatMap((extension) => ['-addext', extension]),
    ],
    { stdio: 'ignore' },
  );
}

/**
 * A key and certificate issued by a test CA with openssl (an independent producer): `<base>.key`,
 * `<base>.csr` and `<base>.pem` are written. `extensions` is an openssl extfile's text.
 */
export function issueTestCertificate(options: {
  base: string;
  subject: string;
  caFile: string;
  caKeyFile: string;
  serialHex: string;
  days: number;
  extensions: string;
  keyType?: 'RSA' | 'EC';
  /** RSA modulus bits (default 2048). */
  rsaBits?: number;
  /** Issued as if this many days ago (openssl under faketime): with fewer `days`, expired already. */
  backdateDays?: number;
  /** How the CA signs it (`-sigopt`: rsa_padding_mode:pss, rsa_mgf1_md:sha1, …). */
  sigopts?: string[];
  /** The hash the CA signs the certificate with (openssl's default: sha256), e.g. 'sha1' for a legacy one. */
  signatureDigest?: string;
}): { keyFile: string; certFile: string } {
  const keyFile = `${options.base}.key`;
  const certFile = `${options.base}.pem`;
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  writeFileSync(`${options.base}.ext`, options.extensions);
  openssl([
    'req',
    '-new',
    '-newkey',
    ...(options.keyType === 'EC'
      ? ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : [`rsa:${options.rsaBits ?? 2048}`]),
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    `${options.base}.csr`,
    '-utf8',
    '-subj',
    options.subject,
  ]);
  const backdated = options.backdateDays
    ? (args: string[]) =>
        execFileSync('faketime', ['-f', `-${options.backdateDays}d`, 'openssl', ...args], { stdio: 'ignore' })
    : openssl;
  backdated([
    'x509',
    '-req',
    '-in',
    `${options.base}.csr`,
    '-CA',
    options.caFile,
    '-CAkey',
    options.caKeyFile,
    '-set_serial',
    `0x${options.serialHex}`,
    '-days',
    String(options.days),
    '-extfile',
    `${options.base}.ext`,
    ...(options.sigopts ?? []).flatMap((option) => ['-sigopt', option]),
    ...(options.signatureDigest ? [`-${options.signatureDigest}`] : []),
    '-out',
    certFile,
  ]);
  return { keyFile, certFile };
}

/** A throwaway self-signed certificate for https://localhost (2 days), written under `dir`; PEM texts. */
export function localhostTls(dir: string): { key: string; cert: string } {
  mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  selfSigned({
    keyFile,
    certFile,
    subject: '/CN=localhost',
    days: 2,
    extensions: ['subjectAltName=DNS:localhost'],
  });
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}
