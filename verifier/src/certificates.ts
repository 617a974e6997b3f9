/** Certificates as the verifier needs them: parsing, the issuer, revocation URLs, the chain to trusted roots. */
import * as pkijs from 'pkijs';
import { toArrayBuffer } from '../../shared/encoding.js';

export const parseCertificate = (der: Uint8Array) => pkijs.Certificate.fromBER(toArrayBuffer(der));

const hex = (bytes: ArrayBuffer) => Buffer.from(bytes).toString('hex');
const nameKey = (name: pkijs.RelativeDistinguishedNames) => hex(name.toSchema().toBER());

/** The certificate in `pool` that issued `certificate` (same name, and its key verifies the signature). */
export async function findIssuer(certificate: pkijs.Certificate, pool: pkijs.Certificate[]): Promise<pkijs.Certificate | undefined> {
  for (const candidate of pool) {
    if (nameKey(candidate.subject) !== nameKey(certificate.issuer)) continue;
    if (await certificate.verify(candidate).catch(() => false)) return candidate;
  }
  return undefined;
}

const GENERAL_NAME_URI = 6;
const OCSP_METHOD = '1.3.6.1.5.5.7.48.1';

/** The OCSP responders named in the Authority Information Access extension. */
export function ocspUrls(certificate: pkijs.Certificate): string[] {
  const extension = certificate.extensions?.find((e) => e.extnID === '1.3.6.1.5.5.7.1.1');
  const access = extension?.parsedValue as pkijs.InfoAccess | undefined;
  return (access?.accessDescriptions ?? [])
    .filter((d) => d.accessMethod === OCSP_METHOD && d.accessLocation.type === GENERAL_NAME_URI)
    .map((d) => String(d.accessLocation.value));
}

/** The CRLs named in the CRL Distribution Points extension. */
export function crlUrls(certificate: pkijs.Certificate): string[] {
  const extension = certificate.extensions?.find((e) => e.extnID === '2.5.29.31');
  const points = (extension?.parsedValue as pkijs.CRLDistributionPoints | undefined)?.distributionPoints ?? [];
  return points
    .flatMap((p) => (Array.isArray(p.distributionPoint) ? p.distributionPoint : []))
    .filter((n) => n.type === GENERAL_NAME_URI)
    .map((n) => String(n.value));
}

/** Whether `certificate` chains to one of `roots` (through `intermediates`) at time `at`. */
export async function chainValid(
  certificate: pkijs.Certificate,
  intermediates: pkijs.Certificate[],
  roots: pkijs.Certificate[],
  at: Date,
): Promise<{ valid: boolean; message: string }> {
  const engine = new pkijs.CertificateChainValidationEngine({ trustedCerts: roots, certs: [certificate, ...intermediates], checkDate: at });
  const result = await engine.verify();
  return { valid: result.result === true, message: result.resultMessage ?? '' };
}

export const certificateDer = (certificate: pkijs.Certificate) => new Uint8Array(certificate.toSchema().toBER());
