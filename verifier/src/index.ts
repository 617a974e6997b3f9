/**
 * kyso's server-side verifier, for portal backends: checks a CMS (CAdES), every signature of a
 * PDF (PAdES) or an XML document (XMLDSig: HTKK returns, e-invoices), and says who signed (name,
 * MST, CCCD), whether the chain reaches the roots the portal trusts, whether the certificate was
 * revoked (OCSP, then CRL), and whether the signing time is within bounds.
 *
 *   const report = await verifyCmsSignature({ cms, content }, { trustedRoots, revocation: { policy: 'require' } });
 *   if (!report.valid) reject(report.signatures[0].problems);
 */
import { readFileSync } from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import * as pkijs from 'pkijs';
import { SignedXml } from 'xml-crypto';
import { holderName, summarizeCertificate } from '../../shared/certificate/profile.js';
import { verifyCms } from '../../shared/cms/verify.js';
import { PDFHexString } from 'pdf-lib';
import { chainValid, certificateDer, findIssuer, parseCertificate } from './certificates.js';
import { checkRevocation, type RevocationOptions, type RevocationResult } from './revocation.js';

export type { RevocationOptions, RevocationPolicy, RevocationResult } from './revocation.js';

/** Stable codes for what is wrong with a signature. */
export type Problem =
  | 'SIGNATURE_INVALID'
  | 'DIGEST_MISMATCH'
  | 'SIGNER_CERTIFICATE_MISMATCH'
  | 'UNTRUSTED_CHAIN'
  | 'REVOKED'
  | 'REVOCATION_UNKNOWN'
  | 'CERT_NOT_VALID_AT_SIGNING'
  | 'SIGNING_TIME_OUT_OF_BOUNDS'
  | 'TIMESTAMP_INVALID'
  | 'DOCUMENT_MODIFIED_AFTER_SIGNING'
  | 'MALFORMED';

export interface VerifyOptions {
  /** DER certificates of the roots to trust (the Vietnam National Root CA, the Government CA G2 root, …). */
  trustedRoots: Uint8Array[];
  /** Intermediate CA certificates the signatures may not carry. */
  intermediates?: Uint8Array[];
  /** TSA roots for CAdES-T / PAdES B-T time-stamps. */
  timestampRoots?: Uint8Array[];
  revocation?: RevocationOptions;
  /** The signing time must be within these bounds. */
  notBefore?: Date;
  notAfter?: Date;
}

export interface SignatureReport {
  valid: boolean;
  problems: Problem[];
  /** What the problems are, for people and logs. */
  details: string[];
  signer?: { name: string; mst?: string[]; cccd?: string[]; certificate: Uint8Array };
  /** From the time-stamp when there is one, else the signed attribute, the PDF's /M or the invoice's SigningTime. */
  signingTime?: Date;
  timeSource?: 'timestamp' | 'signed-attribute' | 'claimed';
  revocation?: RevocationResult;
  /** PAdES: how many bytes of the file this signature covers. */
  coveredBytes?: number;
}

export interface VerificationReport {
  valid: boolean;
  signatures: SignatureReport[];
}

/** PEM file(s) → DER certificates (for configuring roots). */
export function loadCertificates(pemFile: string): Uint8Array[] {
  const pem = readFileSync(pemFile, 'utf8');
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g)].map(
    (m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s/g, ''), 'base64')),
  );
}

/** The checks every format shares once the signature itself is known good or bad. */
async function judge(report: SignatureReport, signerDer: Uint8Array, carried: pkijs.Certificate[], options: VerifyOptions): Promise<SignatureReport> {
  const add = (problem: Problem, detail: string) => {
    if (!report.problems.includes(problem)) report.problems.push(problem);
    report.details.push(detail);
  };
  const summary = summarizeCertificate(signerDer);
  report.signer = {
    name: holderName(summary),
    certificate: signerDer,
    ...(summary.identities.MST && { mst: summary.identities.MST }),
    ...(summary.identities.CCCD && { cccd: summary.identities.CCCD }),
  };
  const certificate = parseCertificate(signerDer);
  const roots = options.trustedRoots.map(parseCertificate);
  const intermediates = [...carried, ...(options.intermediates ?? []).map(parseCertificate)];
  const at = report.signingTime ?? new Date();
  const chain = await chainValid(certificate, intermediates, roots, at);
  if (!chain.valid) add('UNTRUSTED_CHAIN', `chain: ${chain.message || 'no path to a trusted root'}`);
  if (at < certificate.notBefore.value || at > certificate.notAfter.value) add('CERT_NOT_VALID_AT_SIGNING', `certificate not valid at ${at.toISOString()}`);
  if (options.notBefore && at < options.notBefore) add('SIGNING_TIME_OUT_OF_BOUNDS', `signed before ${options.notBefore.toISOString()}`);
  if (options.notAfter && at > options.notAfter) add('SIGNING_TIME_OUT_OF_BOUNDS', `signed after ${options.notAfter.toISOString()}`);

  const policy = options.revocation?.policy ?? 'prefer';
  if (policy !== 'off') {
    const issuer = await findIssuer(certificate, [...intermediates, ...roots]);
    if (!issuer) {
      report.revocation = { status: 'unknown', source: null, notes: ['issuer certificate not found'] };
    } else {
      report.revocation = await checkRevocation(certificate, issuer, options.revocation);
    }
    const revocation = report.revocation;
    if (revocation.status === 'revoked') {
      // A time-stamp proves signing came first; without one, any revocation counts.
      const before = revocation.revokedAt && report.timeSource === 'timestamp' && report.signingTime && report.signingTime < revocation.revokedAt;
      if (!before) add('REVOKED', `revoked${revocation.revokedAt ? ` at ${revocation.revokedAt.toISOString()}` : ''} (${revocation.source})`);
    } else if (revocation.status !== 'good') {
      if (policy === 'require') add('REVOCATION_UNKNOWN', `revocation status unknown: ${revocation.notes.join('; ')}`);
      else report.details.push(`warning: revocation not checked: ${revocation.notes.join('; ')}`);
    }
  }
  report.valid = report.problems.length === 0;
  return report;
}

async function cmsReport(
  cms: Uint8Array,
  content: { content?: Uint8Array; contentDigest?: Uint8Array },
  options: VerifyOptions,
  claimedTime?: Date,
): Promise<SignatureReport> {
  const report: SignatureReport = { valid: false, problems: [], details: [] };
  let core;
  try {
    core = await verifyCms({ cms, ...content, ...(options.timestampRoots && { timestampRoots: options.timestampRoots }) });
  } catch (error) {
    report.problems.push('MALFORMED');
    report.details.push(`not a CMS signature: ${(error as Error).message}`);
    return report;
  }
  for (const problem of core.problems) {
    report.details.push(problem);
    const code: Problem = /messageDigest|digest/i.test(problem)
      ? 'DIGEST_MISMATCH'
      : /signingCertificate/i.test(problem)
        ? 'SIGNER_CERTIFICATE_MISMATCH'
        : /time-stamp/i.test(problem)
          ? 'TIMESTAMP_INVALID'
          : 'SIGNATURE_INVALID';
    if (!report.problems.includes(code)) report.problems.push(code);
  }
  if (core.timestamp?.valid && core.timestamp.time) Object.assign(report, { signingTime: core.timestamp.time, timeSource: 'timestamp' });
  else if (core.signingTime) Object.assign(report, { signingTime: core.signingTime, timeSource: 'signed-attribute' });
  else if (claimedTime) Object.assign(report, { signingTime: claimedTime, timeSource: 'claimed' });
  if (!core.signerCertificate) {
    if (!report.problems.includes('MALFORMED')) report.problems.push('MALFORMED');
    return report;
  }
  return judge(report, core.signerCertificate, (core.certificates ?? []).map(parseCertificate), options);
}

const single = async (signature: SignatureReport): Promise<VerificationReport> => ({ valid: signature.valid, signatures: [signature] });

/** A detached (give the content or its digest) or attached CMS / CAdES signature. */
export async function verifyCmsSignature(
  input: { cms: Uint8Array; content?: Uint8Array; contentDigest?: Uint8Array },
  options: VerifyOptions,
): Promise<VerificationReport> {
  return single(
    await cmsReport(
      input.cms,
      { ...(input.content && { content: input.content }), ...(input.contentDigest && { contentDigest: input.contentDigest }) },
      options,
    ),
  );
}

/** Every signature dictionary of a PDF: its ByteRange, its CMS over that range, and its /M. */
function pdfSignatures(pdf: Uint8Array): Array<{ byteRange: number[]; cms: Uint8Array; claimed?: Date }> {
  const text = Buffer.from(pdf).toString('latin1');
  const found: Array<{ byteRange: number[]; cms: Uint8Array; claimed?: Date }> = [];
  for (const match of text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)) {
    const byteRange = match.slice(1, 5).map(Number);
    const hex = text.slice(byteRange[1]! + 1, byteRange[2]! - 1).replace(/(00)+$/, '');
    const dictionary = text.slice(Math.max(0, match.index - 2000), match.index + 200);
    const m = /\/M\s*(?:\(([^)]*)\)|<([0-9A-Fa-f]+)>)/.exec(dictionary);
    const claimed = m ? pdfDate(m[1] ?? PDFHexString.of(m[2]!).decodeText()) : undefined;
    found.push({ byteRange, cms: new Uint8Array(Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex')), ...(claimed && { claimed }) });
  }
  return found;
}

/** A PDF date, D:YYYYMMDDHHmmSS with an optional offset (+07'00'). */
function pdfDate(value: string): Date | undefined {
  const d = /D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:([+-])(\d{2})'?(\d{2})?)?/.exec(value);
  if (!d) return undefined;
  const [, y, mo, da, h, mi, s, sign, oh, om] = d;
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh ?? 0) * 60 + Number(om ?? 0)) : 0;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s)) - offset * 60_000);
}

/**
 * Every signature of a PDF. The last one must cover the whole file: bytes appended after it are
 * reported (DOCUMENT_MODIFIED_AFTER_SIGNING); earlier ones cover their own revision.
 */
export async function verifyPdfSignatures(pdf: Uint8Array, options: VerifyOptions): Promise<VerificationReport> {
  const found = pdfSignatures(pdf);
  const signatures: SignatureReport[] = [];
  for (const [index, { byteRange, cms, claimed }] of found.entries()) {
    const [a, b, c, d] = byteRange as [number, number, number, number];
    const covered = c + d;
    if (a !== 0 || covered > pdf.length || b > c) {
      signatures.push({ valid: false, problems: ['MALFORMED'], details: ['ByteRange outside the file'] });
      continue;
    }
    const signed = Buffer.concat([pdf.subarray(0, b), pdf.subarray(c, c + d)]);
    const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', signed));
    const report = await cmsReport(cms, { contentDigest: digest }, options, claimed);
    report.coveredBytes = covered;
    if (index === found.length - 1 && covered !== pdf.length) {
      report.problems.push('DOCUMENT_MODIFIED_AFTER_SIGNING');
      report.details.push(`${pdf.length - covered} bytes were added after the last signature`);
      report.valid = false;
    }
    signatures.push(report);
  }
  return { valid: signatures.length > 0 && signatures.every((s) => s.valid), signatures };
}

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** Every XMLDSig Signature in the document (HTKK: in CKyDTu; e-invoices: under DSCKS). */
export async function verifyXmlSignature(xml: string, options: VerifyOptions): Promise<VerificationReport> {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const nodes = Array.from(document.getElementsByTagNameNS(DSIG_NS, 'Signature'));
  const signatures: SignatureReport[] = [];
  for (const node of nodes) {
    const report: SignatureReport = { valid: false, problems: [], details: [] };
    const certText = Array.from((node as unknown as Element).getElementsByTagNameNS(DSIG_NS, 'X509Certificate'))[0]?.textContent?.replace(/\s/g, '');
    if (!certText) {
      signatures.push({ valid: false, problems: ['MALFORMED'], details: ['no X509Certificate in KeyInfo'] });
      continue;
    }
    const certificate = new Uint8Array(Buffer.from(certText, 'base64'));
    const pem = `-----BEGIN CERTIFICATE-----\n${certText.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
    const signed = new SignedXml({ publicCert: pem, getCertFromKeyInfo: () => null });
    try {
      signed.loadSignature(node as unknown as Node);
      if (!signed.checkSignature(xml)) throw new Error('signature does not verify');
      report.details.push(
        `signed: ${signed
          .getReferences()
          .map((r) => r.uri)
          .join(', ')}`,
      );
    } catch (error) {
      report.problems.push('SIGNATURE_INVALID');
      report.details.push((error as Error).message);
    }
    const time = Array.from((node as unknown as Element).getElementsByTagNameNS(DSIG_NS, 'SigningTime'))[0]?.textContent?.trim();
    if (time) {
      // e-invoices write Vietnam local time, often without an offset.
      const parsed = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(time) ? time : `${time}+07:00`);
      if (!Number.isNaN(parsed.getTime())) Object.assign(report, { signingTime: parsed, timeSource: 'signed-attribute' });
    }
    signatures.push(await judge(report, certificate, [], options));
  }
  return { valid: signatures.length > 0 && signatures.every((s) => s.valid), signatures };
}

export { certificateDer };
