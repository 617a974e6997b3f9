import {
  holderName,
  summarizeCertificate,
  usabilityProblems,
  type CertificateSummary,
  type UsabilityProblem,
} from '../../../shared/certificate/profile.js';
import { base64ToBytes } from '../../../shared/encoding.js';
import type { CertificateEntry } from '../../../shared/protocol/common.js';
import type { SkippedObjects } from '../worker/messages.js';

/** What the CLI prints about a listed certificate: its holder, its identities (MST:…, CCCD:…), what makes it unusable. */
export function describeForCli(entry: CertificateEntry): {
  summary: CertificateSummary;
  holder: string;
  ids: string;
  problems: UsabilityProblem[];
} {
  const summary = summarizeCertificate(base64ToBytes(entry.certificate));
  const ids = Object.entries(summary.identities)
    .map(([k, v]) => `${k}:${v.join(',')}`)
    .join(' ');
  return { summary, holder: holderName(summary), ids, problems: usabilityProblems(summary) };
}

/**
 * What the CLI says of one token's certificate objects a listing left out (a certificate the user
 * expects and does not see): how many, on which token, and why; Vietnamese / English on one line.
 */
export function skippedObjectsLine(skipped: SkippedObjects): string {
  const { count, tokenLabel, tokenSerial } = skipped;
  const token = `«${tokenLabel}» (${tokenSerial})`;
  const reasons = skipped.reasons.join('; ');
  const en = `${count} object${count === 1 ? '' : 's'} on token ${token} ${count === 1 ? 'was' : 'were'} skipped`;
  return `${count} đối tượng chứng thư số trên token ${token} bị bỏ qua / ${en}: ${reasons}`;
}
