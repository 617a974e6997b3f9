/** What the host does for each command of the extension ⇄ host protocol. */
import { signCades, type DigestSigner } from '../../shared/cms/cades.js';
import { summarizeCertificate, usabilityProblems } from '../../shared/certificate/profile.js';
import { base64ToBytes, bytesToBase64 } from '../../shared/encoding.js';
import type { HostCommand, HostParams, HostResult } from '../../shared/protocol/host.js';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import { KysoError } from '../../shared/protocol/errors.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import type { TokenWorker } from './worker/client.js';

export type CommandHandlers = { [C in HostCommand]: (params: HostParams<C>) => Promise<HostResult<C>> };

export interface CommandOptions {
  now?: () => Date;
  /** Per-operation token timeout; LIMITS.tokenOperationTimeoutMs unless a slow token needs more. */
  tokenTimeoutMs?: number;
}

export function createCommandHandlers(worker: TokenWorker, options: CommandOptions = {}): CommandHandlers {
  const now = options.now ?? (() => new Date());
  const tokenTimeoutMs = options.tokenTimeoutMs ?? LIMITS.tokenOperationTimeoutMs;
  const listCertificates = async () =>
    (await worker.call({ op: 'list' }, tokenTimeoutMs)).certificates.slice(0, LIMITS.maxCertificates);

  /** The certificate as the token has it now, refused before any PIN is asked if it cannot sign. */
  async function usableCertificate(id: string): Promise<CertificateEntry> {
    const entry = (await listCertificates()).find((c) => c.id === id);
    if (!entry) throw new KysoError('TOKEN_NOT_PRESENT', undefined, { reason: 'certificate not found on any token' });
    const problems = usabilityProblems(summarizeCertificate(base64ToBytes(entry.certificate)), now());
    if (problems.length > 0) throw new KysoError('CERTIFICATE_NOT_USABLE', undefined, { problem: problems.join(',') });
    if (entry.token.pinLocked) throw new KysoError('PIN_LOCKED');
    return entry;
  }

  return {
    async hello(params) {
      if (params.protocolVersion !== PROTOCOL_VERSION) {
        throw new KysoError('VERSION_MISMATCH', undefined, {
          hostProtocol: PROTOCOL_VERSION,
          extensionProtocol: params.protocolVersion,
          update: params.protocolVersion < PROTOCOL_VERSION ? 'extension' : 'host',
        });
      }
      return { protocolVersion: PROTOCOL_VERSION, hostVersion: KYSO_VERSION };
    },

    async 'list-certificates'() {
      return { certificates: await listCertificates() };
    },

    async 'sign-cms'(params) {
      const entry = await usableCertificate(params.certificateId);
      const signer: DigestSigner = {
        keyType: entry.keyType,
        async signDigest(digest, digestAlgorithm, data) {
          const timeout = params.pin === null ? LIMITS.protectedLoginTimeoutMs : tokenTimeoutMs;
          const { signature } = await worker.call(
            { op: 'sign-digest', certificateId: entry.id, pin: params.pin, digest, digestAlgorithm, data },
            timeout,
          );
          return signature;
        },
      };
      const certificate = base64ToBytes(entry.certificate);
      const cms = await signCades(
        {
          contentDigest: base64ToBytes(params.digest),
          digestAlgorithm: params.digestAlgorithm,
          signerCertificate: certificate,
          signingTime: now(),
        },
        signer,
      );
      return { cms: bytesToBase64(cms), certificate: entry.certificate };
    },
  };
}
