import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { verifyCms, type CmsVerification, type CmsVerifyOptions } from '../../shared/cms/verify.js';

/**
 * Poppler (pdfsig, pdftotext; pdftoppm in pdf-raster.ts), qpdf and NSS (certutil) around PDFs written to
 * a scratch folder, and the signatures' CMS read from the bytes.
 */

/** An NSS database trusting the given CA certificates (PEM files): pdfsig checks chains against it. */
export function makeNssDb(dir: string, caPemFiles: string[]): string {
  const db = path.join(dir, 'nssdb');
  execFileSync('mkdir', ['-p', db]);
  execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  caPemFiles.forEach((pem, i) => {
    execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', `kyso-test-ca-${i}`, '-t', 'CT,C,C', '-i', pem]);
  });
  return db;
}

/** Puts a certificate and its key (PEM files) into an NSS database under `nick`, for `pdfsig -add-signature` / `-sign`. */
export function addNssSigner(nssDb: string, files: { pemPath: string; keyPath: string }, nick: string): void {
  const p12 = path.join(path.dirname(nssDb), `${nick}.p12`);
  execFileSync('openssl', [
    'pkcs12',
    '-export',
    '-in',
    files.pemPath,
    '-inkey',
    files.keyPath,
    '-name',
    nick,
    '-out',
    p12,
    '-passout',
    'pass:',
  ]);
  execFileSync('pk12util', ['-i', p12, '-d', `sql:${nssDb}`, '-W', ''], { stdio: 'ignore' });
}

export interface PdfsigSignature {
  valid: boolean;
  trusted: boolean;
  /** Its signer certificate's common name. */
  signer?: string;
  /** Its signing time as pdfsig prints it, in UTC ("Jan 04 2021 19:11:51"). */
  signingTime?: string;
  /** "Total document signed": its ByteRange covers the whole file. */
  wholeDocument: boolean;
  text: string;
}

/** Runs pdfsig (its times in UTC) and splits its report per signature. */
export function pdfsig(file: string, nssDb: string): { output: string; signatures: PdfsigSignature[] } {
  const run = spawnSync('pdfsig', ['-nssdir', `sql:${nssDb}`, file], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
  return pdfsigReport(`${run.stdout}${run.stderr}`);
}

/**
 * pdfsig without OCSP requests of its own, run asynchronously: a test's OCSP responder answers from
 * the test's process, which a synchronous run would block.
 */
export async function pdfsigNoOcsp(
  file: string,
  nssDb: string,
): Promise<{ output: string; signatures: PdfsigSignature[] }> {
  const { stdout } = await promisify(execFile)('pdfsig', ['-no-ocsp', '-nssdir', `sql:${nssDb}`, file], {
    encoding: 'utf8',
  });
  return pdfsigReport(stdout);
}

function pdfsigReport(output: string): { output: string; signatures: PdfsigSignature[] } {
  const signatures = output
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .map((text) => ({
      text,
      valid: /Signature Validation: Signature is Valid\./.test(text),
      trusted: /Certificate Validation: Certificate is Trusted\./.test(text),
      signer: /Signer Certificate Common Name: (.*)$/m.exec(text)?.[1],
      signingTime: /Signing Time: (.*)$/m.exec(text)?.[1],
      wholeDocument: /^ *- Total document signed$/m.test(text),
    }));
  return { output, signatures };
}

/**
 * A long-term (B-LTA) PDF as independent tools see it, written to `dir`: qpdf's objects (see
 * qpdfLongTermObjects) and whether pdfsig, trusting `caPemFiles`, finds the first signature valid.
 */
export async function longTermPdfSeenByTools(
  pdf: Uint8Array,
  dir: string,
  caPemFiles: string[],
): Promise<ReturnType<typeof qpdfLongTermObjects> & { firstSignatureValid: boolean; pdfsigOutput: string }> {
  const file = writePdf(dir, 'b-lta.pdf', pdf);
  // -no-ocsp: with its own OCSP checks NSS gives a test CA the status "unknown issuer".
  const report = await pdfsigNoOcsp(file, makeNssDb(dir, caPemFiles));
  return {
    ...qpdfLongTermObjects(file),
    firstSignatureValid: report.signatures[0]?.valid === true,
    pdfsigOutput: report.output,
  };
}

/** What qpdf lists in a long-term PDF: a /DSS on the catalog, each /OCSPs array's size, document time-stamps. */
export function qpdfLongTermObjects(file: string): {
  catalogDss: boolean;
  ocspCounts: number[];
  documentTimestamps: number;
} {
  type PdfObject = { '/Type'?: string; '/DSS'?: string; '/OCSPs'?: string[]; '/SubFilter'?: string };
  const json = JSON.parse(
    execFileSync('qpdf', ['--json=1', '--json-key=objects', file], { encoding: 'utf8' }),
  ) as { objects: Record<string, PdfObject> };
  const objects = Object.values(json.objects);
  return {
    catalogDss: objects.some((o) => o['/Type'] === '/Catalog' && typeof o['/DSS'] === 'string'),
    ocspCounts: objects.flatMap((o) => (Array.isArray(o['/OCSPs']) ? [o['/OCSPs'].length] : [])),
    documentTimestamps: objects.filter((o) => o['/SubFilter'] === '/ETSI.RFC3161').length,
  };
}

export function pdftotext(file: string, page = 1): string {
  return execFileSync('pdftotext', ['-f', String(page), '-l', String(page), '-enc', 'UTF-8', file, '-'], {
    encoding: 'utf8',
  });
}

export function writePdf(dir: string, name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Each signature's CMS (DER, placeholder padding cut) and its ByteRange, in file order. */
export function extractPdfSignatures(pdf: Uint8Array): Array<{ byteRange: number[]; cms: Uint8Array }> {
  const text = Buffer.from(pdf).toString('latin1');
  return [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)].map((match) => {
    const byteRange = match.slice(1, 5).map(Number);
    const hex = text.slice(byteRange[1]! + 1, byteRange[2]! - 1);
    const der = Buffer.from(hex, 'hex');
    // DER SEQUENCE with a long-form length: 0x30 0x8N then N length bytes.
    const lengthBytes = der[1]! & 0x7f;
    const length =
      der[1]! & 0x80 ? der.subarray(2, 2 + lengthBytes).reduce((n, b) => n * 256 + b, 0) : der[1]!;
    return {
      byteRange,
      cms: new Uint8Array(der.subarray(0, (der[1]! & 0x80 ? 2 + lengthBytes : 2) + length)),
    };
  });
}

/** SHA-256 over the two parts a ByteRange names (what the CMS messageDigest must equal). */
function byteRangeDigest(pdf: Uint8Array, byteRange: number[]): Uint8Array {
  const [a, b, c, d] = byteRange as [number, number, number, number];
  return new Uint8Array(
    createHash('sha256')
      .update(pdf.subarray(a, a + b))
      .update(pdf.subarray(c, c + d))
      .digest(),
  );
}

/**
 * Signature `index` of `pdf` (the first unless said) verified as CMS over the bytes its ByteRange
 * covers, with the given roots.
 */
export function verifyPdfSignatureCms(
  pdf: Uint8Array,
  roots: Omit<CmsVerifyOptions, 'cms' | 'contentDigest'>,
  index = 0,
): Promise<CmsVerification> {
  const signature = extractPdfSignatures(pdf)[index];
  if (!signature) throw new Error(`the PDF has no signature ${index + 1}`);
  return verifyCms({
    ...roots,
    cms: signature.cms,
    contentDigest: byteRangeDigest(pdf, signature.byteRange),
  });
}
