/**
 * A signature field's seed value (/SV, ISO 32000-1 §12.7.4.5): what the form's author required of
 * the signature that goes into it — a SubFilter, a digest, a reason from a list, a certification, a
 * time-stamp, a certificate from a given CA or of a given holder. Acrobat and kyso refuse to sign
 * what breaks a required constraint; other tools (pdfsig) sign anyway. A portal that put the
 * requirement in its form learns here that a signature breaks it: SEED_VALUE_NOT_MET.
 *
 * The requirement is read from the field in the revision the signature signed. A signer can change
 * a form before signing it (in its own revision, or an unsigned one before it): a portal that needs
 * its requirement kept checks that the signed revision begins with its own form's bytes. Constraints
 * not required (their Ff bit clear) are hints and are not judged; V asks things of the signing
 * software. LockDocument (PDF 2.0) is judged as pyHanko judges it: /true asks the signature's own
 * certification, or its field's /Lock, to allow no change (/P 1), /false that they do not.
 */
import { createHash } from 'node:crypto';
import { PDFDict, PDFName, PDFNumber, PDFString, PDFHexString, type PDFDocument } from 'pdf-lib';
import type * as pkijs from 'pkijs';
import { OID } from '../../shared/cms/algorithms.js';
import { KysoError } from '../../shared/protocol/errors.js';
import { seedProblems } from '../../shared/certificate/seed-match.js';
import { readCertificateSeed } from '../../shared/pdf/certificate-seed.js';
import type { DocMdpPermissions } from '../../shared/pdf/docmdp.js';
import { seedValueMisses, type SignatureFacts } from '../../shared/pdf/seed-value.js';
import { signedField } from './fieldmdp.js';
import type { CertificateInfo } from './report.js';

/** adbe-revocationInfoArchival (ISO 32000-1 §12.8.3.3.2): revocation data as a signed attribute. */
const REVOCATION_INFO_ARCHIVAL = '1.2.840.113583.1.1.8';

/** The digest algorithms /DigestMethod names (Table 234), by OID. */
const DIGEST_METHOD: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA1',
  '2.16.840.1.101.3.4.2.1': 'SHA256',
  '2.16.840.1.101.3.4.2.2': 'SHA384',
  '2.16.840.1.101.3.4.2.3': 'SHA512',
  '1.3.36.3.2.1': 'RIPEMD160',
};

export interface SignatureInFile {
  byteRange: number[];
  signedData: pkijs.SignedData;
  signerInfo: pkijs.SignerInfo;
  /** The signer's certificate (DER), when the verifier found it. */
  certificate?: Uint8Array;
  /** The path the verifier built, signer first; its CAs are the issuers a form's /Cert /Issuer may name. */
  chain: CertificateInfo[];
  /** Set when the document's certification is this signature. */
  certify?: DocMdpPermissions;
}

export interface SeedValueJudgement {
  /** The required constraints the signature breaks (Cert's as "Cert (issuer)"…), empty when none. */
  broken: string[];
  /** What could not be judged, for the report's details. */
  warnings: string[];
}

const textOf = (dict: PDFDict, key: string) => {
  const value = dict.lookup(PDFName.of(key));
  return value instanceof PDFString || value instanceof PDFHexString ? value.decodeText() : undefined;
};
const nameOf = (dict: PDFDict, key: string) => {
  const value = dict.lookup(PDFName.of(key));
  return value instanceof PDFName ? value.decodeText() : '';
};
const sha256Hex = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/** The CA certificates of the verifier's path (signer excluded), as DER, from the certificates at hand. */
function pathCas(chain: CertificateInfo[], candidates: Uint8Array[]): Uint8Array[] {
  const byHash = new Map(candidates.map((der) => [sha256Hex(der), der]));
  return chain.slice(1).flatMap((info) => byHash.get(info.sha256) ?? []);
}

/**
 * The field's required seed value constraints the signature breaks, read in `signed`, the revision
 * it signed; `certificates`: every certificate at hand (the CMS's, the DSS's, the verifier's options).
 */
export function judgeSeedValue(
  signed: PDFDocument,
  signature: SignatureInFile,
  certificates: Uint8Array[],
): SeedValueJudgement {
  const judgement: SeedValueJudgement = { broken: [], warnings: [] };
  const found = signedField(signed, signature.byteRange);
  if (!found) return judgement;
  const fieldDict = found.field.dict;
  const sv = fieldDict.lookup(PDFName.of('SV'));
  if (!(sv instanceof PDFDict)) return judgement;
  const attributes = (set: pkijs.SignedAndUnsignedAttributes | undefined) =>
    (set?.attributes ?? []).map((a) => a.type);
  const reason = textOf(found.signature, 'Reason');
  const lock = fieldDict.lookup(PDFName.of('Lock'));
  const p = lock instanceof PDFDict ? lock.lookup(PDFName.of('P')) : undefined;
  const lockPermissions = p instanceof PDFNumber ? p.asNumber() : undefined;
  const facts: SignatureFacts = {
    filter: nameOf(found.signature, 'Filter'),
    subFilter: nameOf(found.signature, 'SubFilter'),
    digestMethod: DIGEST_METHOD[signature.signerInfo.digestAlgorithm.algorithmId] ?? '',
    revocationInfo: attributes(signature.signerInfo.signedAttrs).includes(REVOCATION_INFO_ARCHIVAL),
    timestamp: attributes(signature.signerInfo.unsignedAttrs).includes(OID.signatureTimeStampToken),
    ...(reason !== undefined && { reason }),
    ...(signature.certify !== undefined && { certify: signature.certify }),
    ...(lockPermissions !== undefined && { fieldLockPermissions: lockPermissions }),
  };
  judgement.broken.push(...seedValueMisses(sv, facts));
  judgeCertificate(judgement, { name: found.field.name, field: fieldDict }, signature, certificates);
  return judgement;
}

function judgeCertificate(
  judgement: SeedValueJudgement,
  field: { name: string; field: PDFDict },
  signature: SignatureInFile,
  certificates: Uint8Array[],
): void {
  let seed;
  try {
    seed = readCertificateSeed(field);
  } catch (error) {
    if (!(error instanceof KysoError)) throw error;
    judgement.warnings.push(
      'the seed value’s certificate requirements (Cert) were not judged: they cannot be read',
    );
    return;
  }
  if (!seed || seed.required.length === 0) return;
  if (!signature.certificate) {
    judgement.broken.push('Cert (no signer certificate)');
    return;
  }
  const issuers = pathCas(signature.chain, certificates);
  const { required } = seedProblems(seed, signature.certificate, issuers);
  if (required.length > 0) judgement.broken.push(`Cert (${required.join(', ')})`);
}
