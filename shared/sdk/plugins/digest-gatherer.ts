/**
 * Bare signatures of digests that a page asks for all at once. Portals written for the plugins sign
 * each selected record with a call of its own and start them together (a school-records portal
 * signs one hash per student and waits for all of them): the plugin's PIN cache let those through
 * with one PIN. kyso gathers calls that arrive together into one request, so one consent window
 * lists them all and one PIN signs them; each call still gets its own answer.
 */
import { LIMITS } from '../../protocol/limits.js';
import type { DigestAlgorithm } from '../../protocol/common.js';
import type { Language } from '../../protocol/errors.js';
import { KysoError } from '../../protocol/errors.js';
import { signHash, signMany } from '../index.js';
import { BLIND_DIGEST_DESCRIPTION } from './common.js';

/** Calls a page starts together arrive within a few milliseconds (one WebSocket each). */
export const DIGEST_GATHER_MS = 50;

export interface DigestSignature {
  /** base64 */
  signature: string;
  /** base64 DER */
  certificate: string;
}

/** As the page SDK takes it: bytes or base64. */
type Digest = Parameters<typeof signHash>[0]['digest'];

interface WaitingCall {
  digest: Digest;
  digestAlgorithm: DigestAlgorithm;
  resolve: (result: DigestSignature) => void;
  reject: (error: unknown) => void;
}

/** What the gatherer asks kyso (the page SDK's calls; replaceable for a test of the gathering alone). */
export interface DigestSigningCalls {
  signHash: typeof signHash;
  signMany: typeof signMany;
}

const manyDigestsDescription = (count: number) =>
  `Ký ${count} mã băm do trang gửi — kyso không thể hiển thị nội dung đã ký / ` +
  `${count} digests sent by the site — kyso cannot show what is signed`;

export class DigestGatherer {
  private waiting: WaitingCall[] = [];
  private lang: Language | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly calls: DigestSigningCalls = { signHash, signMany },
    private readonly gatherMs = DIGEST_GATHER_MS,
  ) {}

  /** The bare signature of `digest`, signed with the calls that arrive within `gatherMs` of each other. */
  sign(digest: Digest, digestAlgorithm: DigestAlgorithm, lang?: Language): Promise<DigestSignature> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ digest, digestAlgorithm, resolve, reject });
      this.lang ??= lang;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.signWaiting(), this.gatherMs);
    });
  }

  private async signWaiting(): Promise<void> {
    const calls = this.waiting;
    const lang = this.lang ?? 'vi';
    this.waiting = [];
    this.lang = undefined;
    // Beyond what one request may carry, the rest is another consent (one at a time, as the page's queue would be).
    for (let i = 0; i < calls.length; i += LIMITS.maxBatchDocuments)
      await this.signTogether(calls.slice(i, i + LIMITS.maxBatchDocuments), lang);
  }

  private async signTogether(calls: WaitingCall[], lang: Language): Promise<void> {
    try {
      if (calls.length === 1) {
        const [only] = calls as [WaitingCall];
        only.resolve(
          await this.calls.signHash({
            digest: only.digest,
            digestAlgorithm: only.digestAlgorithm,
            description: BLIND_DIGEST_DESCRIPTION,
            lang,
          }),
        );
        return;
      }
      const { certificate, results } = await this.calls.signMany({
        documents: calls.map((call, i) => ({
          kind: 'raw' as const,
          name: `Mã băm ${i + 1}/${calls.length} / Digest ${i + 1} of ${calls.length}`,
          digest: call.digest,
          digestAlgorithm: call.digestAlgorithm,
        })),
        description: manyDigestsDescription(calls.length),
        lang,
      });
      calls.forEach((call, i) => {
        const result = results[i];
        if (result?.ok && 'signature' in result) call.resolve({ signature: result.signature, certificate });
        else call.reject(result?.ok === false ? result.error : new KysoError('INTERNAL', 'no signature'));
      });
    } catch (error) {
      // Cancelled, wrong token, no answer…: every call of the request gets the same failure.
      for (const call of calls) call.reject(error);
    }
  }
}
