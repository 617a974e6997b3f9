import {
  holderName,
  summarizeCertificate,
  usabilityProblems,
  type CertificateSummary,
  type UsabilityProblem,
} from '../../../shared/certificate/profile.js';
import { base64ToBytes } from '../../../shared/encoding.js';
import type { CertificateEntry } from '../../../shared/protocol/common.js';

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
