/**
 * The validation data a long-term signature embeds (PAdES B-LT DSS, CAdES-LT values): every
 * certificate from the signer (and each time-stamping authority) up to its root, and an OCSP
 * response or CRL for each certificate but the root. Fetching needs the network: the host or a
 * server calls this, never a page.
 */
import * as pkijs from 'pkijs';
import { issuedBy } from '../certificate/signature.js';
import { bytesToHex, toArrayBuffer } from '../encoding.js';
import { collectRevocation, subjectText, type FetchOptions } from './revocation-data.js';
import { parseSignedData } from './long-term.js';
import { signatureTimestampTokens } from './verify-timestamp.js';
import { certificateForSid } from './signer-id.js';

export interface ValidationData {
  certificates: Uint8Array[];
  ocsps: Uint8Array[];
  crls: Uint8Array[];
  /** Certificates with no revocation evidence (no URL, or nothing answered), with why. */
  missing: string[];
}

export interface GatherOptions extends FetchOptions {
  /** Certificates the signatures may not carry (intermediates, roots) to complete the chains. */
  certificates?: Uint8Array[];
  /**
   * The trust anchors whose chains are checked online: a chain is when one of its certificates is one
   * of them (a root, or an intermediate trusted as an anchor). When given, any other chain is not:
   * its OCSP and CRL addresses are whoever made its certificates' to choose, and a server would be
   * sent to any address it can reach. Its certificates are in `missing`, saying why.
   */
  onlineRoots?: Uint8Array[];
}

const der = (certificate: pkijs.Certificate) => new Uint8Array(certificate.toSchema().toBER());
const isSelfIssued = (c: pkijs.Certificate) => c.subject.isEqual(c.issuer);

async function issuerOf(
  certificate: pkijs.Certificate,
  pool: pkijs.Certificate[],
): Promise<pkijs.Certificate | undefined> {
  for (const candidate of pool) {
    if (candidate === certificate || !candidate.subject.isEqual(certificate.issuer)) continue;
    if (await issuedBy(certificate, candidate)) return candidate;
  }
  return undefined;
}

/** The signer certificates of a CMS and of its signature time-stamps, with every certificate they carry. */
async function certificatesOf(
  cms: Uint8Array,
): Promise<{ signers: pkijs.Certificate[]; carried: pkijs.Certificate[] }> {
  const parsed = parseSignedData(cms);
  if (!parsed) return { signers: [], carried: [] };
  const carried = (parsed.signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
  const signers: pkijs.Certificate[] = [];
  const signer = await certificateForSid(carried, parsed.signerInfo.sid);
  if (signer) signers.push(signer);
  for (const token of signatureTimestampTokens(parsed.signerInfo)) {
    const inner = await certificatesOf(token);
    signers.push(...inner.signers);
    carried.push(...inner.carried);
  }
  return { signers, carried };
}

/** Gathers chains and revocation evidence for the signers of `cmsList` (PAdES /Contents, CAdES, time-stamp tokens). */
export async function gatherValidationData(
  cmsList: Uint8Array[],
  options: GatherOptions = {},
): Promise<ValidationData> {
  const extra = (options.certificates ?? []).map((d) => pkijs.Certificate.fromBER(toArrayBuffer(d)));
  const signers: pkijs.Certificate[] = [];
  const pool: pkijs.Certificate[] = [...extra];
  for (const cms of cmsList) {
    const found = await certificatesOf(cms);
    signers.push(...found.signers);
    pool.push(...found.carried);
  }
  const chainCertificates = new Map<string, pkijs.Certificate>();
  const pairs: Array<{ certificate: pkijs.Certificate; issuer: pkijs.Certificate }> = [];
  // Each certificate walked, and whether its chain may be checked online (passes through one of onlineRoots).
  const online = new Map<string, boolean>();
  const onlineRoots = options.onlineRoots && new Set(options.onlineRoots.map(bytesToHex));
  const missing: string[] = [];
  for (const signer of signers) {
    const walked: Array<{ key: string; certificate: pkijs.Certificate; issuer?: pkijs.Certificate }> = [];
    let current: pkijs.Certificate | undefined = signer;
    let verdict: boolean | undefined;
    while (current) {
      const key = bytesToHex(der(current));
      verdict = online.get(key);
      if (verdict !== undefined) break; // joins a chain already walked
      if (walked.some((w) => w.key === key)) break; // certificates that issued each other
      chainCertificates.set(key, current);
      if (isSelfIssued(current)) {
        walked.push({ key, certificate: current });
        break;
      }
      const issuer = await issuerOf(current, pool);
      walked.push({ key, certificate: current, issuer });
      current = issuer;
    }
    verdict ??= !onlineRoots || walked.some((w) => onlineRoots.has(w.key));
    for (const { key, certificate, issuer } of walked) {
      online.set(key, verdict);
      if (isSelfIssued(certificate)) continue;
      // No issuer, no OCSP request or CRL check for it: say so, or the chain looks complete.
      if (!issuer)
        missing.push(
          `${subjectText(certificate)}: its issuer's certificate was not found (not carried, not fetched)`,
        );
      else if (!verdict)
        missing.push(`${subjectText(certificate)}: not checked online: its chain ends in no trusted root`);
      else pairs.push({ certificate, issuer });
    }
  }
  const revocation = await collectRevocation(pairs, options);
  return {
    certificates: [...chainCertificates.values()].map(der),
    ocsps: revocation.ocsps,
    crls: revocation.crls,
    missing: [...missing, ...revocation.missing],
  };
}
