import { issueTestCertificate, makeTestCa } from './openssl.js';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, privateEncrypt, constants, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as asn1js from 'asn1js';
import path from 'node:path';
import { DIGEST_INFO_PREFIX } from '../../shared/cms/algorithms.js';
import { signCades, type DigestSigner } from '../../shared/cms/cades.js';
import { digest } from '../../shared/cms/digest.js';
import type { DigestAlgorithm } from '../../shared/protocol/common.js';

/**
 * A software key and certificate issued by openssl, for format tests that need no token. The
 * token path is tested separately against SoftHSM.
 */
export interface SoftwareIdentity {
  signer: DigestSigner;
  certificateDer: Buffer;
  certificatePem: string;
  /** The test CA that issued it (shared by identities made in the same folder). */
  caPem: string;
  caDer: Buffer;
  key: KeyObject;
}

function ensureCa(dir: string): { caPem: string; caKey: string } {
  const caPem = path.join(dir, 'sw-ca.pem');
  const caKey = path.join(dir, 'sw-ca.key');
  if (!existsSync(caPem)) {
    makeTestCa(caKey, caPem, 'kyso Software Test CA');
  }
  return { caPem, caKey };
}

export function makeSoftwareIdentity(dir: string, keyType: 'RSA' | 'EC', subject: string): SoftwareIdentity {
  const name = keyType === 'RSA' ? 'sw-rsa' : 'sw-ec';
  const keyPath = path.join(dir, `${name}.key`);
  const certPem = path.join(dir, `${name}.pem`);
  const { caPem, caKey } = ensureCa(dir);
  issueTestCertificate({
    base: path.join(dir, name),
    subject,
    caFile: caPem,
    caKeyFile: caKey,
    serialHex: Date.now().toString(16),
    days: 30,
    extensions: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
    keyType,
  });
  const key = createPrivateKey(readFileSync(keyPath));
  const certificateDer = execFileSync('openssl', ['x509', '-in', certPem, '-outform', 'DER']);
  const signer: DigestSigner = {
    keyType,
    async signDigest(digest: Uint8Array, algorithm: DigestAlgorithm) {
      if (keyType === 'RSA') return rsaSignDigest(key, digest, algorithm);
      // `pkeyutl -sign` on an EC key signs the given bytes as the digest, as CKM_ECDSA does
      // (node:crypto always hashes first).
      const der = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', keyPath], { input: digest });
      return ecdsaDerToRaw(der, 32);
    },
  };
  const caDer = execFileSync('openssl', ['x509', '-in', caPem, '-outform', 'DER']);
  return { signer, certificateDer, certificatePem: certPem, caPem, caDer, key };
}

/**
 * `signPdf`'s signing step for a certificate and its software key (an issued test certificate): a
 * CAdES signature over the digest with no claimed signing time (PAdES has it in the dictionary).
 */
export function padesSignerOf(certificate: {
  der: Uint8Array;
  signer: DigestSigner;
}): (digest: Uint8Array) => Promise<Uint8Array> {
  return (digest) =>
    signCades(
      {
        contentDigest: digest,
        digestAlgorithm: 'SHA-256',
        signerCertificate: certificate.der,
        signingTime: null,
      },
      certificate.signer,
    );
}

/** A CAdES-BES signature of `content` by a software identity: detached unless `attached`. */
export async function signContentCades(
  identity: SoftwareIdentity,
  content: Uint8Array,
  {
    digestAlgorithm = 'SHA-256',
    attached = false,
  }: { digestAlgorithm?: DigestAlgorithm; attached?: boolean } = {},
): Promise<Uint8Array> {
  return signCades(
    {
      contentDigest: await digest(digestAlgorithm, content),
      digestAlgorithm,
      signerCertificate: identity.certificateDer,
      ...(attached && { content }),
    },
    identity.signer,
  );
}

/** RSA PKCS#1 v1.5 over a DigestInfo as given (CKM_RSA_PKCS: node:crypto would hash again). */
export function rsaSignDigestInfo(key: KeyObject, digestInfo: Uint8Array): Uint8Array {
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo));
}

/** RSA PKCS#1 v1.5 over a digest already computed, wrapped in its DigestInfo (as CKM_RSA_PKCS is used). */
export function rsaSignDigest(key: KeyObject, digest: Uint8Array, algorithm: DigestAlgorithm): Uint8Array {
  return rsaSignDigestInfo(key, Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[algorithm], 'hex'), digest]));
}

/** DER Ecdsa-Sig-Value → r‖s, each left-padded to the curve size (the PKCS#11 CKM_ECDSA output). */
function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array {
  const sequence = asn1js.fromBER(new Uint8Array(der).buffer).result as asn1js.Sequence;
  const out = new Uint8Array(2 * size);
  sequence.valueBlock.value.forEach((value, i) => {
    let bytes = new Uint8Array((value as asn1js.Integer).valueBlock.valueHexView);
    while (bytes.length > size && bytes[0] === 0) bytes = bytes.subarray(1);
    out.set(bytes, i * size + size - bytes.length);
  });
  return out;
}
