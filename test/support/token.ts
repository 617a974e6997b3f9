import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { issueTestCertificate } from './openssl.js';
import { MASTER_TOKEN_DIR, SOFTHSM_MODULE, TOKEN_LABEL, TOKEN_PIN } from './paths.js';

export interface TestToken {
  dir: string;
  /** SOFTHSM2_CONF for this copy only: concurrent writers would corrupt a shared token store. */
  conf: string;
  caPem: string;
  /** The test CA's certificate, DER. */
  caDer(): Buffer;
  module: string;
  label: string;
  pin: string;
  certDer(id: '01' | '02' | '03' | '04' | '05'): Buffer;
  certPemPath(id: '01' | '02' | '03' | '04' | '05'): string;
  env: Record<string, string>;
  remove(): void;
}

/** A private copy of the master test token (made by global-setup), in `dir` or a new temporary folder. */
export function copyTestToken(dir = mkdtempSync(path.join(tmpdir(), 'kyso-token-'))): TestToken {
  cpSync(MASTER_TOKEN_DIR, dir, { recursive: true });
  const conf = path.join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    readFileSync(conf, 'utf8').replace(
      /^directories\.tokendir = .*$/m,
      `directories.tokendir = ${dir}/tokens`,
    ),
  );
  return {
    dir,
    conf,
    caPem: path.join(dir, 'ca.pem'),
    caDer: () => execFileSync('openssl', ['x509', '-in', path.join(dir, 'ca.pem'), '-outform', 'DER']),
    module: SOFTHSM_MODULE,
    label: TOKEN_LABEL,
    pin: TOKEN_PIN,
    certDer: (id) => readFileSync(path.join(dir, `cert-${id}.der`)),
    certPemPath: (id) => path.join(dir, `cert-${id}.pem`),
    // KYSO_CONFIG: a host under test never reads or writes the real ~/.config/kyso/config.json.
    // KYSO_LOCK_DIR: copies share the master's serial; each copy's hosts queue among themselves only.
    env: {
      SOFTHSM2_CONF: conf,
      KYSO_PKCS11_MODULES: SOFTHSM_MODULE,
      KYSO_CONFIG: path.join(dir, 'kyso-config.json'),
      KYSO_LOCK_DIR: path.join(dir, 'token-locks'),
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs OpenSC's pkcs11-tool logged in to the token (user PIN): to change its objects behind kyso's back. */
export function pkcs11Tool(token: TestToken, ...args: string[]): void {
  execFileSync(
    'pkcs11-tool',
    ['--module', token.module, '--token-label', token.label, '--login', '--pin', token.pin, ...args],
    { env: { ...process.env, SOFTHSM2_CONF: token.conf }, stdio: 'ignore' },
  );
}

/**
 * Writes certificate 02 again as an object labelled `cert-long-id` with a 100-byte CKA_ID: an id
 * longer than the worker's answer allows, which the host must skip without hiding the token's others.
 */
export function writeLongIdCertificate(token: TestToken): void {
  writeCertificateObject(token, token.certPemPath('02'), 'cert-long-id', 'ab'.repeat(100));
}

/**
 * Writes two certificate objects a listing must leave out, and count: one with no CKA_ID (nothing
 * ties it to a key) and one of an Ed25519 key (kyso signs with RSA and EC keys).
 */
export function writeUnlistableCertificates(token: TestToken): void {
  writeCertificateObject(token, token.certPemPath('01'), 'cert-no-id');
  const work = mkdtempSync(path.join(tmpdir(), 'kyso-ed25519-'));
  try {
    const pem = path.join(work, 'cert.pem');
    execFileSync('openssl', [
      ...['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', path.join(work, 'key.pem')],
      ...['-out', pem, '-subj', '/C=VN/CN=Khóa Ed25519', '-days', '30'],
    ]);
    writeCertificateObject(token, pem, 'cert-ed25519', 'ed');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Writes a certificate object alone (no key), labelled `label`, with CKA_ID `id` (hex) or none. */
export function writeCertificateObject(token: TestToken, pemPath: string, label: string, id?: string): void {
  pkcs11Tool(
    token,
    '--write-object',
    pemPath,
    '--type',
    'cert',
    ...(id === undefined ? [] : ['--id', id]),
    '--label',
    label,
  );
}

/**
 * Puts a software-made key and its certificate on the token under CKA_ID `id` (as make-token.sh
 * does for id 05): for certificates from another test CA, e.g. one naming an OCSP responder and a CRL.
 */
export function importIntoToken(
  token: TestToken,
  id: string,
  keyPemPath: string,
  certificateDer: Uint8Array,
): void {
  const work = mkdtempSync(path.join(tmpdir(), 'kyso-token-import-'));
  try {
    const keyDer = path.join(work, 'key.p8.der');
    const certDer = path.join(work, 'cert.der');
    execFileSync('openssl', [
      'pkcs8',
      '-topk8',
      '-nocrypt',
      '-in',
      keyPemPath,
      '-outform',
      'DER',
      '-out',
      keyDer,
    ]);
    writeFileSync(certDer, certificateDer);
    for (const [file, type] of [
      [keyDer, 'privkey'],
      [certDer, 'cert'],
    ] as const)
      pkcs11Tool(token, '--write-object', file, '--type', type, '--id', id, '--label', `${type}-${id}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A signing certificate with `subject`, issued by the token's own test CA for a new software key
 * (RSA of `rsaBits`, default 2048), put on the token under CKA_ID `id`: for a holder the master
 * token does not have (a 1024-bit key, a name in another script). Returns its DER.
 */
export function issueOntoToken(
  token: TestToken,
  id: string,
  subject: string,
  { rsaBits }: { rsaBits?: number } = {},
): Buffer {
  const work = mkdtempSync(path.join(tmpdir(), 'kyso-token-issue-'));
  try {
    const { keyFile, certFile } = issueTestCertificate({
      base: path.join(work, id),
      subject,
      caFile: token.caPem,
      caKeyFile: path.join(token.dir, 'ca.key'),
      serialHex: `${id}${Date.now().toString(16)}`,
      days: 30,
      extensions: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
      ...(rsaBits !== undefined && { rsaBits }),
    });
    const der = execFileSync('openssl', ['x509', '-in', certFile, '-outform', 'DER']);
    importIntoToken(token, id, keyFile, der);
    return der;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A licensed CA under the token's test CA (the root), its certificate on the token under CKA_ID
 * `caId` (as Vietnamese CAs' tokens often hold their CA's), and a signer it issued for a new
 * software key under CKA_ID `id`, named `subject`. Returns the CA's PEM file (in `work`).
 */
export function addSignerUnderLicensedCa(
  token: TestToken,
  work: string,
  { id, caId, subject }: { id: string; caId: string; subject: string },
): { caPem: string } {
  const ca = issueTestCertificate({
    base: path.join(work, `licensed-ca-${caId}`),
    subject: `/C=VN/O=kyso thử nghiệm/CN=CA cấp dưới thử nghiệm ${caId}`,
    caFile: token.caPem,
    caKeyFile: path.join(token.dir, 'ca.key'),
    serialHex: `ca${caId}${Date.now().toString(16)}`,
    days: 30,
    extensions:
      'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  });
  const signer = issueTestCertificate({
    base: path.join(work, `signer-${id}`),
    subject,
    caFile: ca.certFile,
    caKeyFile: ca.keyFile,
    serialHex: `${id}${Date.now().toString(16)}`,
    days: 30,
    extensions:
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  });
  importIntoToken(
    token,
    id,
    signer.keyFile,
    execFileSync('openssl', ['x509', '-in', signer.certFile, '-outform', 'DER']),
  );
  writeCertificateObject(token, ca.certFile, `licensed-ca-${caId}`, caId);
  return { caPem: ca.certFile };
}

/**
 * A second token in the copy's SoftHSM store (its own label and serial), holding a software-made
 * key and its certificate under CKA_ID `id`: for a user with two tokens plugged in at once.
 */
export function addSecondToken(
  token: TestToken,
  label: string,
  id: string,
  keyPemPath: string,
  certificateDer: Uint8Array,
): void {
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--so-pin', '12345678', '--pin', token.pin],
    { env: { ...process.env, SOFTHSM2_CONF: token.conf }, stdio: 'ignore' },
  );
  importIntoToken({ ...token, label }, id, keyPemPath, certificateDer);
}
