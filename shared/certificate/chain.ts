/**
 * The path from a certificate to trusted roots, and its validation (dates, key usages, name and
 * path-length constraints, critical extensions): for signers' chains and TSAs' alike.
 * Isomorphic: pkijs and WebCrypto, no Node APIs (the time-stamp check runs in the extension too).
 */
import * as pkijs from 'pkijs';
import { bytesToHex } from '../encoding.js';
import { issuedBy, signatureAlgorithmProblem } from './signature.js';

/** A path longer than this is no CA hierarchy (Vietnam's: root, licensed CA, signer). */
const MAX_PATH_CERTIFICATES = 8;
/** Paths tried before giving up: a CA renewed with its key, cross-certified by an old and a new root. */
const MAX_PATHS = 8;
/**
 * Issuer signatures checked in one search: carried certificates issuing each other in a ring (two
 * names, one key, anyone can make them) offer paths without end, and ever more of them per certificate.
 */
const MAX_ISSUER_CHECKS = 128;

/**
 * The intermediates of each path from `certificate` up to a root issuer, depth first. pkijs's own
 * search gives up on the whole chain at the first dead end: a carried certificate with the issuing
 * CA's name and key but issued by a root not trusted here (a cross-certificate, or a copy anyone
 * can add to the unsigned certificate set) made a good chain unfound.
 */
async function issuerPaths(
  certificate: pkijs.Certificate,
  pool: pkijs.Certificate[],
  roots: pkijs.Certificate[],
  above: pkijs.Certificate[] = [],
  budget = { checks: MAX_ISSUER_CHECKS },
): Promise<pkijs.Certificate[][]> {
  const issues = async (issuer: pkijs.Certificate) =>
    issuer.subject.isEqual(certificate.issuer) &&
    budget.checks-- > 0 &&
    (await issuedBy(certificate, issuer));
  const paths: pkijs.Certificate[][] = [];
  for (const root of roots) if (await issues(root)) return [[]];
  if (above.length + 2 >= MAX_PATH_CERTIFICATES) return paths;
  for (const candidate of pool) {
    if (candidate === certificate || above.includes(candidate) || !(await issues(candidate))) continue;
    for (const rest of await issuerPaths(candidate, pool, roots, [...above, candidate], budget)) {
      paths.push([candidate, ...rest]);
      if (paths.length >= MAX_PATHS) return paths;
    }
  }
  return paths;
}

/** Whether `certificate` chains to one of `roots` (through `intermediates`) at time `at`, and the path. */
export async function buildChain(
  certificate: pkijs.Certificate,
  intermediates: pkijs.Certificate[],
  roots: pkijs.Certificate[],
  at: Date,
): Promise<{ valid: boolean; message: string; path: pkijs.Certificate[]; constraint?: string }> {
  if (roots.some((root) => derHex(root) === derHex(certificate))) return trustedItself(certificate, at);
  // Each path found is validated alone (dates, key usages, constraints); none found: the signer
  // alone (issued by a trusted root).
  let last: Awaited<ReturnType<typeof validatePath>> | undefined;
  for (const path of await issuerPaths(certificate, intermediates, roots)) {
    last = await validatePath(certificate, path, roots, at);
    if (last.valid) return last;
  }
  const unverifiable = last ? undefined : unverifiableOnPath(certificate, intermediates);
  if (unverifiable) return { valid: false, message: unverifiable, path: [], constraint: unverifiable };
  return last ?? validatePath(certificate, [], roots, at);
}

const derHex = (certificate: pkijs.Certificate) => bytesToHex(new Uint8Array(certificate.toSchema().toBER()));

/**
 * A certificate that is itself one of the trusted roots: a trust anchor, whose own CA-ness no path
 * check asks for (RFC 5280 §6.1.1 d: the anchor is input to the path, not on it). pkijs checks a
 * trusted certificate as it checks an intermediate, so a signer's certificate trusted directly (a
 * self-signed v1 certificate, as Acrobat signers use and NSS and openssl accept) had no path.
 * Only its dates and critical extensions are judged.
 */
function trustedItself(
  certificate: pkijs.Certificate,
  at: Date,
): { valid: boolean; message: string; path: pkijs.Certificate[]; constraint?: string } {
  const inValidity = certificate.notBefore.value <= at && at <= certificate.notAfter.value;
  const constraint = pathConstraintProblem([certificate]);
  if (constraint) return { valid: false, message: constraint, path: [], constraint };
  return inValidity
    ? { valid: true, message: '', path: [certificate] }
    : { valid: false, message: `the certificate is not valid at ${at.toISOString()}`, path: [] };
}

/**
 * The certificate, up the names from `certificate` through `intermediates`, whose signature cannot
 * be checked as declared (signature.ts): why no path was found, in words a person can act on.
 */
function unverifiableOnPath(
  certificate: pkijs.Certificate,
  intermediates: pkijs.Certificate[],
): string | undefined {
  const seen: pkijs.Certificate[] = [];
  for (
    let current: pkijs.Certificate | undefined = certificate;
    current && !seen.includes(current) && seen.length < MAX_PATH_CERTIFICATES;
    current = intermediates.find((c) => c.subject.isEqual(current.issuer))
  ) {
    seen.push(current);
    const problem = signatureAlgorithmProblem(current);
    if (problem) return `the certificate ${distinguishedName(current.subject)} cannot be checked: ${problem}`;
  }
  return undefined;
}

/**
 * pkijs's issuer search for validating one path: each certificate's issuer is the next of the path
 * (issuerPaths checked its signature), the last one's a trusted root. pkijs's own search follows
 * every certificate of a matching name, endlessly when two issue each other.
 */
function followingPath(path: pkijs.Certificate[], roots: pkijs.Certificate[]) {
  return async (certificate: pkijs.Certificate): Promise<pkijs.Certificate[]> => {
    const next = path[path.indexOf(certificate) + 1];
    if (path.includes(certificate) && next) return [next];
    const issuers: pkijs.Certificate[] = [];
    for (const root of roots)
      if (root.subject.isEqual(certificate.issuer) && (await issuedBy(certificate, root))) issuers.push(root);
    return issuers;
  };
}

/**
 * An X.509 v1 trust anchor as pkijs's path validation can take it: the same certificate (its bytes,
 * key and names) seen with basicConstraints cA. pkijs asks every certificate above the signer, the
 * trusted root too, to say it is a CA by its extensions, and a v1 certificate has none. RFC 5280
 * §6.1.1 d makes the anchor input to the path, not a certificate on it, and mozilla::pkix (NSS) and
 * openssl take a v1 trust anchor as a CA; a v1 certificate below the anchor stays refused.
 */
function asTrustAnchor(root: pkijs.Certificate): pkijs.Certificate {
  if (root.version !== 0 || root.extensions?.length) return root;
  const constraints = new pkijs.BasicConstraints({ cA: true });
  const anchor = Object.assign(
    Object.create(Object.getPrototypeOf(root) as object) as pkijs.Certificate,
    root,
  );
  anchor.extensions = [
    new pkijs.Extension({
      extnID: '2.5.29.19',
      critical: true,
      extnValue: constraints.toSchema().toBER(),
      parsedValue: constraints,
    }),
  ];
  return anchor;
}

async function validatePath(
  certificate: pkijs.Certificate,
  intermediates: pkijs.Certificate[],
  roots: pkijs.Certificate[],
  at: Date,
): Promise<{ valid: boolean; message: string; path: pkijs.Certificate[]; constraint?: string }> {
  const anchors = new Map(roots.map((root) => [asTrustAnchor(root), root]));
  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: [...anchors.keys()],
    certs: [...intermediates, certificate],
    checkDate: at,
    findIssuer: followingPath([certificate, ...intermediates], [...anchors.keys()]),
  }); // pkijs validates the last one
  const result = await engine.verify().catch((error: unknown) => ({
    result: false,
    resultMessage: String((error as Error)?.message ?? error),
    certificatePath: undefined,
  }));
  // The trusted roots themselves, not pkijs's view of them, to whoever reads the path.
  const path = (result.certificatePath ?? []).map((member) => anchors.get(member) ?? member);
  const constraint = result.result === true ? pathConstraintProblem(path) : undefined;
  return {
    valid: result.result === true && !constraint,
    message: constraint ?? result.resultMessage ?? '',
    path: constraint ? [] : path,
    ...(constraint && { constraint }),
  };
}

/**
 * Extensions kyso (pkijs's path validation, the checks of judge.ts and revocation.ts) or every
 * reader of a certificate understands; RFC 5280 §4.2: a critical one not understood rejects the certificate.
 */
const UNDERSTOOD_EXTENSIONS = new Set([
  '2.5.29.9', // subjectDirectoryAttributes
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.18', // issuerAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.30', // nameConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.36', // policyConstraints
  '2.5.29.37', // extKeyUsage
  '2.5.29.46', // freshestCRL
  '2.5.29.54', // inhibitAnyPolicy
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
  '1.3.6.1.5.5.7.1.3', // qcStatements
  '2.16.840.1.113730.1.1', // netscapeCertType
]);

/**
 * What pkijs's path validation does not check and openssl does (RFC 5280 §6.1): a critical
 * extension not understood, on any certificate of the path, and a CA's pathLenConstraint (how
 * many CAs may follow it). `path` is the signer's first, the root last.
 */
function pathConstraintProblem(path: pkijs.Certificate[]): string | undefined {
  for (const [index, certificate] of path.entries()) {
    const name = () => distinguishedName(certificate.subject);
    const unknown = (certificate.extensions ?? []).find(
      (extension) => extension.critical && !UNDERSTOOD_EXTENSIONS.has(extension.extnID),
    );
    if (unknown)
      return `the certificate ${name()} has a critical extension kyso does not know (${unknown.extnID})`;
    if (index === 0) continue;
    const constraints = certificate.extensions?.find((e) => e.extnID === '2.5.29.19')?.parsedValue as
      pkijs.BasicConstraints | undefined;
    const limit = constraints?.pathLenConstraint;
    const max = typeof limit === 'number' ? limit : limit?.valueBlock.valueDec;
    // The CAs below this one on the path (the signer is not one).
    if (max !== undefined && index - 1 > max)
      return `the CA certificate ${name()} allows ${max} CA certificates below it, and the path has ${index - 1}`;
  }
  return undefined;
}

/** A name as people read it: CN=…, O=…, C=… (the most specific first). */
export const distinguishedName = (name: pkijs.RelativeDistinguishedNames) =>
  name.typesAndValues
    .map((t) => `${SHORT_NAMES[t.type] ?? t.type}=${String(t.value.valueBlock.value)}`)
    .reverse()
    .join(', ');
const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.1': 'UID',
};
