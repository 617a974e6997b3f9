/** What the host does for each command of the extension ⇄ host protocol. */
import { randomUUID } from 'node:crypto';
import { summarizeCertificate, usabilityProblems } from '../../shared/certificate/profile.js';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import { bytesToBase64 } from '../../shared/encoding.js';
import { KysoError } from '../../shared/protocol/errors.js';
import type {
  HostCommand,
  HostParams,
  HostResult,
  ModuleReport,
  SignItem,
} from '../../shared/protocol/host.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import {
  configFilePath,
  describeModules,
  modulesToLoad,
  readConfiguredModules,
  writeConfiguredModules,
  type DiscoveryContext,
} from './modules/discovery.js';
import { QueuedTokens, certificateBytes } from './signing/certificates.js';
import {
  CertificateChanged,
  SigningOperation,
  cmsItem,
  cmsOf,
  rawItem,
  signOnce,
  signatureOf,
  type SigningOptions,
} from './signing/signing-operation.js';
import type { LeaseOptions, TokenLease, WaitReason } from './signing/token-queue.js';
import { hello } from './hello.js';
import { ViettelListener } from './viettel/listener.js';
import { WebSocketEndpoint } from './websocket/endpoint.js';
import { benchMark } from './bench-marks.js';

/** What a handler may tell its caller while the request runs. */
export interface RequestContext {
  /** The request waits for its token (another request, or another program, is using it). */
  onWaiting?: (reason: WaitReason) => void;
}

export type CommandHandlers = {
  [C in HostCommand]: (params: HostParams<C>, context?: RequestContext) => Promise<HostResult<C>>;
};

export interface CommandOptions {
  now?: () => Date;
  /** The local WebSocket mode's listener (off until the extension turns it on). */
  websocket?: WebSocketEndpoint;
  /** The Viettel-CA SignPlugin's loopback address (off until a site is set to "use kyso"). */
  viettel?: ViettelListener;
  /** Where module discovery looks (tests); the process environment otherwise. */
  discovery?: Pick<DiscoveryContext, 'env' | 'platform'>;
  /** Per-operation token timeout; LIMITS.tokenOperationTimeoutMs unless a slow token needs more. */
  tokenTimeoutMs?: number;
  /** How long a request waits for a token in use; LIMITS.tokenWaitMs. */
  tokenWaitMs?: number;
  batchIdleTimeoutMs?: number;
  /** The time for all of a B-LT's validation data; LIMITS.validationDataTimeoutMs. */
  validationDataMs?: number | undefined;
}

interface OpenBatch {
  id: string;
  operation: SigningOperation;
  /** The token is this batch's until it ends: other requests queue behind it. */
  lease: TokenLease;
  idleTimer: NodeJS.Timeout;
  /** sign-batch calls in flight: the batch is idle only when none is (the extension sends two at once). */
  calls: number;
}

/** How many idle-ended batches are remembered (a page has one batch at a time; a few tabs, a few). */
const EXPIRED_BATCHES_KEPT = 16;

export function createCommandHandlers(tokens: QueuedTokens, options: CommandOptions = {}): CommandHandlers {
  const { worker } = tokens;
  const now = options.now ?? (() => new Date());
  const websocket = options.websocket ?? new WebSocketEndpoint();
  const viettel = options.viettel ?? new ViettelListener();
  const tokenTimeoutMs = options.tokenTimeoutMs ?? LIMITS.tokenOperationTimeoutMs;
  const tokenWaitMs = options.tokenWaitMs ?? LIMITS.tokenWaitMs;
  const batchIdleTimeoutMs = options.batchIdleTimeoutMs ?? LIMITS.batchIdleTimeoutMs;
  const batches = new Map<string, OpenBatch>();
  /**
   * Batches ended for being idle, most recent last (a few kept): a later call on one is told its
   * time ran out (TIMEOUT), not that it sent a bad request.
   */
  const expiredBatches: string[] = [];

  const waiting = (context: RequestContext | undefined): LeaseOptions => ({
    waitMs: tokenWaitMs,
    ...(context?.onWaiting && { onWaiting: context.onWaiting }),
  });
  const discovery = options.discovery ?? {};
  const configFile = () =>
    configFilePath(discovery.env ?? process.env, discovery.platform ?? process.platform);

  /** What discovery finds, and which of those the worker could load (loading errors come from its last listing). */
  async function moduleReport(context?: RequestContext): Promise<ModuleReport> {
    const { moduleErrors } = await tokens.list(waiting(context));
    const env = discovery.env ?? process.env;
    return {
      environmentOverride: Boolean(env.KYSO_PKCS11_MODULES),
      configured: readConfiguredModules(configFile()).slice(0, LIMITS.maxConfiguredModules),
      modules: describeModules(discovery).map((m) => {
        const errors = moduleErrors.filter((e) => e.module === m.path);
        // One of its slots failing (see ModuleError) leaves a module loaded: its other tokens are listed.
        const loaded = m.present && errors.every((e) => e.slot !== undefined);
        const error = m.present ? errors.map((e) => e.error).join('; ') || undefined : 'file not found';
        return { ...m, loaded, ...(error !== undefined && { error: error.slice(0, 500) }) };
      }),
    };
  }

  /** The certificate as last listed (the worker checks the token still holds it), refused before any PIN is asked if it cannot sign. */
  function usable(entry: CertificateEntry | undefined): CertificateEntry {
    if (!entry)
      throw new KysoError('TOKEN_NOT_PRESENT', undefined, { reason: 'certificate not found on any token' });
    const problems = usabilityProblems(summarizeCertificate(certificateBytes(entry)), now());
    if (problems.length > 0)
      throw new KysoError('CERTIFICATE_NOT_USABLE', undefined, { problem: problems.join(',') });
    if (entry.token.pinLocked) throw new KysoError('PIN_LOCKED');
    return entry;
  }

  /** For `entry`: its CMS carry the CA certificates its token holds above it. */
  const signingOptions = (
    entry: CertificateEntry,
    pin: string | null,
    tsaUrl: string | undefined,
  ): SigningOptions => ({
    loginTimeoutMs: pin === null ? LIMITS.protectedLoginTimeoutMs : tokenTimeoutMs,
    timeoutMs: tokenTimeoutMs,
    now,
    ...(tsaUrl && { tsaUrl }),
    chain: tokens.issuersOf(entry),
  });

  /**
   * One item, one login, one worker call, the token held throughout: the common case. The
   * certificate comes from the last listing; if the token holds another under the id by now, it is
   * listed again and the item prepared again, once.
   */
  async function signSingle(
    params: { certificateId: string; pin: string | null; tsaUrl?: string },
    item: SignItem,
    context: RequestContext | undefined,
  ) {
    const acquired = await tokens.acquire(params.certificateId, waiting(context));
    benchMark('host:token-held');
    const { lease } = acquired;
    let { entry } = acquired;
    try {
      for (let attempt = 1; ; attempt++) {
        const certificate = usable(entry);
        try {
          const [result] = await signOnce(
            worker,
            certificate,
            params.pin,
            [item],
            signingOptions(certificate, params.pin, params.tsaUrl),
          );
          return { result, entry: certificate };
        } catch (error) {
          if (!(error instanceof CertificateChanged)) throw error;
          if (attempt === 2)
            throw new KysoError('TOKEN_NOT_PRESENT', undefined, { reason: 'certificate changed' });
          await tokens.relist(lease.serial);
          entry = tokens.entry(params.certificateId);
        }
      }
    } finally {
      // After the answer is written (it is, in the microtasks that follow): the lock file's
      // lstat + unlink (~25 µs) is then not on the signature's way back to the page.
      setImmediate(() => lease.release());
    }
  }

  function currentBatch(batchId: string): OpenBatch {
    const open = batches.get(batchId);
    if (open) return open;
    if (expiredBatches.includes(batchId))
      throw new KysoError('TIMEOUT', undefined, { reason: 'batch idle', afterMs: batchIdleTimeoutMs });
    throw new KysoError('BAD_REQUEST', 'no such batch (ended)');
  }

  async function endBatch(open: OpenBatch): Promise<number> {
    clearTimeout(open.idleTimer);
    if (!batches.delete(open.id)) return open.operation.signed;
    try {
      await open.operation.close();
    } finally {
      open.lease.release();
    }
    return open.operation.signed;
  }

  const expire = (open: OpenBatch) => {
    if (!batches.has(open.id)) return;
    expiredBatches.push(open.id);
    if (expiredBatches.length > EXPIRED_BATCHES_KEPT) expiredBatches.shift();
    void endBatch(open); // ends by itself; its errors are the next call's
  };
  const armIdleTimer = (open: OpenBatch) => setTimeout(() => expire(open), batchIdleTimeoutMs).unref();

  return {
    hello,

    async 'list-certificates'(_params, context) {
      const { certificates, skippedObjects } = await tokens.list(waiting(context));
      // How many, on which token: the reasons are kyso-host doctor's to give.
      const skipped = skippedObjects
        .slice(0, LIMITS.maxSkippedTokens)
        .map(({ tokenLabel, count }) => ({ tokenLabel, count: Math.min(count, LIMITS.maxSkippedCount) }));
      return { certificates, skipped };
    },

    async 'sign-cms'(params, context) {
      const item = cmsItem({
        digest: params.digest,
        digestAlgorithm: params.digestAlgorithm,
        signingTime: true,
        timestamp: params.tsaUrl !== undefined,
        ...(params.rsaScheme && { rsaScheme: params.rsaScheme }),
      });
      const { result, entry } = await signSingle(params, item, context);
      return { cms: cmsOf(result), certificate: entry.certificate };
    },

    async 'sign-raw'(params, context) {
      const item = rawItem({
        digest: params.digest,
        digestAlgorithm: params.digestAlgorithm,
        ...(params.rsaScheme && { rsaScheme: params.rsaScheme }),
      });
      const { result, entry } = await signSingle(params, item, context);
      return {
        signature: signatureOf(result),
        signatureAlgorithm:
          entry.keyType === 'EC'
            ? 'ECDSA-P1363'
            : params.rsaScheme === 'PSS'
              ? 'RSASSA-PSS'
              : 'RSASSA-PKCS1-v1_5',
        certificate: entry.certificate,
      };
    },

    async 'begin-batch'(params, context) {
      const { lease, entry } = await tokens.acquire(params.certificateId, waiting(context), true);
      let operation: SigningOperation;
      let options: SigningOptions;
      try {
        const certificate = usable(entry);
        options = signingOptions(certificate, params.pin, params.tsaUrl);
        operation = await SigningOperation.open(worker, certificate, params.pin, options);
      } catch (error) {
        lease.release();
        throw error;
      }
      const open: OpenBatch = {
        id: randomUUID(),
        operation,
        lease,
        idleTimer: setTimeout(() => undefined, 0),
        calls: 0,
      };
      open.idleTimer = armIdleTimer(open);
      batches.set(open.id, open);
      return {
        batchId: open.id,
        certificate: operation.entry.certificate,
        issuers: (options.chain ?? []).map(bytesToBase64),
      };
    },

    async 'sign-batch'(params) {
      const open = currentBatch(params.batchId);
      clearTimeout(open.idleTimer);
      open.calls++;
      try {
        return { results: await open.operation.signItems(params.items) };
      } finally {
        open.calls--;
        if (open.calls === 0 && batches.get(open.id) === open) open.idleTimer = armIdleTimer(open);
      }
    },

    async 'end-batch'(params) {
      return { signed: await endBatch(currentBatch(params.batchId)) };
    },

    async websocket(params) {
      return websocket.serve(params.serve);
    },

    async 'websocket-answer'(params) {
      const delivered =
        'answer' in params
          ? websocket.answer(params.requestId, params.answer)
          : websocket.answerPart(params.requestId, params.part, params.last);
      return { delivered };
    },

    async 'viettel-listener'(params) {
      return viettel.serve(params.origins);
    },

    async 'viettel-answer'(params) {
      return { delivered: viettel.answer(params.requestId, params.text) };
    },

    modules: (_params, context) => moduleReport(context),

    async 'set-modules'(params, context) {
      if (batches.size > 0)
        throw new KysoError('BUSY', undefined, { reason: 'a batch is open', retryAfterMs: 1000 });
      writeConfiguredModules([...new Set(params.configured)], configFile());
      worker.setModulePaths(modulesToLoad(discovery));
      return moduleReport(context);
    },

    // long-term.ts (pkijs) loaded for these two only: a host that lists and signs never loads it
    'validation-data': async (params) =>
      (await import('./long-term.js')).validationData(params, { totalMs: options.validationDataMs }),

    'document-timestamp': async (params) => (await import('./long-term.js')).documentTimestamp(params),
  };
}
