/** What the host does for each command of the extension ⇄ host protocol. */
import { randomUUID } from 'node:crypto';
import { summarizeCertificate, usabilityProblems } from '../../shared/certificate/profile.js';
import { base64ToBytes } from '../../shared/encoding.js';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import { KysoError } from '../../shared/protocol/errors.js';
import type { HostCommand, HostParams, HostResult, ModuleReport } from '../../shared/protocol/host.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import { configFilePath, describeModules, modulesToLoad, readConfiguredModules, writeConfiguredModules, type DiscoveryContext } from './modules/discovery.js';
import { listTokenCertificates } from './signing/certificates.js';
import { SigningOperation } from './signing/signing-operation.js';
import type { TokenWorker } from './worker/client.js';
import { WebSocketEndpoint } from './websocket/endpoint.js';

export type CommandHandlers = { [C in HostCommand]: (params: HostParams<C>) => Promise<HostResult<C>> };

export interface CommandOptions {
  now?: () => Date;
  /** The local WebSocket mode's listener (off until the extension turns it on). */
  websocket?: WebSocketEndpoint;
  /** Where module discovery looks (tests); the process environment otherwise. */
  discovery?: Pick<DiscoveryContext, 'env' | 'platform'>;
  /** Per-operation token timeout; LIMITS.tokenOperationTimeoutMs unless a slow token needs more. */
  tokenTimeoutMs?: number;
  batchIdleTimeoutMs?: number;
}

interface OpenBatch {
  id: string;
  operation: SigningOperation;
  idleTimer: NodeJS.Timeout;
}

export function createCommandHandlers(worker: TokenWorker, options: CommandOptions = {}): CommandHandlers {
  const now = options.now ?? (() => new Date());
  const websocket = options.websocket ?? new WebSocketEndpoint();
  const tokenTimeoutMs = options.tokenTimeoutMs ?? LIMITS.tokenOperationTimeoutMs;
  const batchIdleTimeoutMs = options.batchIdleTimeoutMs ?? LIMITS.batchIdleTimeoutMs;
  /** At most one logged-in batch; while it is open nothing else may sign (it would skip the PIN). */
  let batch: OpenBatch | undefined;

  const listCertificates = async () => (await listTokenCertificates(worker, tokenTimeoutMs)).certificates;
  const discovery = options.discovery ?? {};
  const configFile = () => configFilePath(discovery.env ?? process.env, discovery.platform ?? process.platform);

  /** What discovery finds, and which of those the worker could load (loading errors come from its last listing). */
  async function moduleReport(): Promise<ModuleReport> {
    const { moduleErrors } = await listTokenCertificates(worker, tokenTimeoutMs);
    const env = discovery.env ?? process.env;
    return {
      environmentOverride: Boolean(env.KYSO_PKCS11_MODULES),
      configured: readConfiguredModules(configFile()).slice(0, LIMITS.maxConfiguredModules),
      modules: describeModules(discovery).map((m) => {
        const error = m.present ? moduleErrors.find((e) => e.module === m.path)?.error : 'file not found';
        return { ...m, loaded: m.present && error === undefined, ...(error !== undefined && { error: error.slice(0, 500) }) };
      }),
    };
  }

  /** The certificate as the token has it now, refused before any PIN is asked if it cannot sign. */
  async function usableCertificate(id: string): Promise<CertificateEntry> {
    const entry = (await listCertificates()).find((c) => c.id === id);
    if (!entry) throw new KysoError('TOKEN_NOT_PRESENT', undefined, { reason: 'certificate not found on any token' });
    const problems = usabilityProblems(summarizeCertificate(base64ToBytes(entry.certificate)), now());
    if (problems.length > 0) throw new KysoError('CERTIFICATE_NOT_USABLE', undefined, { problem: problems.join(',') });
    if (entry.token.pinLocked) throw new KysoError('PIN_LOCKED');
    return entry;
  }

  async function openOperation(certificateId: string, pin: string | null, tsaUrl?: string): Promise<SigningOperation> {
    if (batch) throw new KysoError('BUSY');
    const entry = await usableCertificate(certificateId);
    return SigningOperation.open(worker, entry, pin, {
      loginTimeoutMs: pin === null ? LIMITS.protectedLoginTimeoutMs : tokenTimeoutMs,
      timeoutMs: tokenTimeoutMs,
      now,
      ...(tsaUrl && { tsaUrl }),
    });
  }

  /** One item, one login: the common case. */
  async function signOnce<T>(certificateId: string, pin: string | null, sign: (op: SigningOperation) => Promise<T>, tsaUrl?: string) {
    const operation = await openOperation(certificateId, pin, tsaUrl);
    try {
      return { result: await sign(operation), entry: operation.entry };
    } finally {
      await operation.close();
    }
  }

  function currentBatch(batchId: string): OpenBatch {
    if (!batch || batch.id !== batchId) throw new KysoError('BAD_REQUEST', 'no such batch (ended or timed out)');
    return batch;
  }

  async function endBatch(open: OpenBatch): Promise<number> {
    clearTimeout(open.idleTimer);
    if (batch === open) batch = undefined;
    await open.operation.close();
    return open.operation.signed;
  }

  const armIdleTimer = (open: OpenBatch) =>
    // An abandoned batch is closed in the background; endBatch settles on its own.
    setTimeout(() => void endBatch(open), batchIdleTimeoutMs).unref();

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
      const { result, entry } = await signOnce(
        params.certificateId,
        params.pin,
        (op) => op.signCms(params.digest, params.digestAlgorithm, true, params.rsaScheme, params.tsaUrl !== undefined),
        params.tsaUrl,
      );
      return { cms: result, certificate: entry.certificate };
    },

    async 'sign-raw'(params) {
      const { result, entry } = await signOnce(params.certificateId, params.pin, (op) => op.signRaw(params.digest, params.digestAlgorithm, params.rsaScheme));
      return {
        signature: result,
        signatureAlgorithm: entry.keyType === 'EC' ? 'ECDSA-P1363' : params.rsaScheme === 'PSS' ? 'RSASSA-PSS' : 'RSASSA-PKCS1-v1_5',
        certificate: entry.certificate,
      };
    },

    async 'begin-batch'(params) {
      const operation = await openOperation(params.certificateId, params.pin, params.tsaUrl);
      const open: OpenBatch = { id: randomUUID(), operation, idleTimer: setTimeout(() => undefined, 0) };
      open.idleTimer = armIdleTimer(open);
      batch = open;
      return { batchId: open.id, certificate: operation.entry.certificate };
    },

    async 'sign-batch'(params) {
      const open = currentBatch(params.batchId);
      clearTimeout(open.idleTimer);
      try {
        return { results: await open.operation.signItems(params.items) };
      } finally {
        if (batch === open) open.idleTimer = armIdleTimer(open);
      }
    },

    async 'end-batch'(params) {
      return { signed: await endBatch(currentBatch(params.batchId)) };
    },

    async websocket(params) {
      return websocket.serve(params.serve);
    },

    async 'websocket-answer'(params) {
      return { delivered: websocket.answer(params.requestId, params.answer) };
    },

    modules: () => moduleReport(),

    async 'set-modules'(params) {
      if (batch) throw new KysoError('BUSY');
      writeConfiguredModules([...new Set(params.configured)], configFile());
      worker.setModulePaths(modulesToLoad(discovery));
      return moduleReport();
    },
  };
}
