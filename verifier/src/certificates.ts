/** Certificates as the verifier needs them: parsing, loading, the issuer, the chain to trusted roots. */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { toArrayBuffer } from '../../shared/encoding.js';
import { distinguishedName } from '../../shared/certificate/chain.js';
import { issuedBy } from '../../shared/certificate/signature.js';
import type { CertificateInfo } from './report.js';

export { buildChain } from '../../shared/certificate/chain.js';

export const parseCertificate = (der: Uint8Array) => pkijs.Certificate.fromBER(toArrayBuffer(der));
export const certificateDer = (certificate: pkijs.Certificate) =>
  new Uint8Array(certificate.toSchema().toBER());

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** A certificate file kyso cannot use: the message names the file and what is wrong, never a parser's words. */
export class CertificateFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'CertificateFileError';
  }
}

/** `der` as a certificate, or the error naming `file` (and the block, in a PEM of several). */
function certificateIn(file: string, der: Uint8Array, block?: number): Uint8Array {
  try {
    parseCertificate(der);
    return der;
  } catch {
    const which = block === undefined ? 'the file' : `PEM block ${block}`;
    throw new CertificateFileError(file, `${which} is not an X.509 certificate`);
  }
}

/**
 * Certificates from a file (PEM with one or more certificates, or one DER certificate) or from
 * every *.pem / *.crt / *.cer / *.der file of a directory; returns DER. For `trustedRoots`.
 * Each is parsed here, so a bad file fails when it is loaded (at the service's start), not in
 * every verification after; throws CertificateFileError.
 */
export function loadCertificates(fileOrDirectory: string): Uint8Array[] {
  let bytes: Buffer;
  try {
    if (statSync(fileOrDirectory).isDirectory()) {
      return readdirSync(fileOrDirectory)
        .filter((name) => /\.(pem|crt|cer|der)$/i.test(name))
        .sort()
        .flatMap((name) => loadCertificates(path.join(fileOrDirectory, name)));
    }
    bytes = readFileSync(fileOrDirectory);
  } catch (error) {
    if (error instanceof CertificateFileError) throw error;
    throw new CertificateFileError(fileOrDirectory, 'cannot be read (no such file, or no permission)');
  }
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) {
    const blocks = [...text.matchAll(PEM_BLOCK)];
    const certificates = blocks.filter((m) => m[1] === 'CERTIFICATE' || m[1] === 'X509 CERTIFICATE');
    if (certificates.length === 0)
      throw new CertificateFileError(
        fileOrDirectory,
        `no CERTIFICATE block in the PEM (${blocks.map((m) => m[1]).join(', ') || 'none complete'})`,
      );
    return certificates.map((m, i) =>
      certificateIn(fileOrDirectory, new Uint8Array(Buffer.from(m[2]!.replace(/\s/g, ''), 'base64')), i + 1),
    );
  }
  return [certificateIn(fileOrDirectory, new Uint8Array(bytes))];
}

/** The certificate in `pool` that issued `certificate` (same name, and its key verifies the signature). */
export async function findIssuer(
  certificate: pkijs.Certificate,
  pool: pkijs.Certificate[],
): Promise<pkijs.Certificate | undefined> {
  for (const candidate of pool) {
    if (!candidate.subject.isEqual(certificate.issuer)) continue;
    if (await issuedBy(certificate, candidate)) return candidate;
  }
  return undefined;
}

export function describeCertificate(certificate: pkijs.Certificate): CertificateInfo {
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    serialNumber: Buffer.from(certificate.serialNumber.valueBlock.valueHexView).toString('hex'),
    notBefore: certificate.notBefore.value,
    notAfter: certificate.notAfter.value,
    sha256: createHash('sha256').update(certificateDer(certificate)).digest('hex'),
  };
}
