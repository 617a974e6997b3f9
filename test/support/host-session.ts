import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { HostResult } from '../../shared/protocol/host.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import { HostProcess } from './host-process.js';
import { useSharedSession } from './shared-session.js';
import { copyTestToken, type TestToken } from './token.js';

/** What the host integration tests start from: a private token copy, the real host on it, greeted, its certificates listed. */
export interface HostSession {
  token: TestToken;
  host: HostProcess;
  /** The host's answer to the handshake. */
  hello: HostResult<'hello'> | undefined;
  /** What list-certificates answered at the start (empty when `listCertificates: false`). */
  certificates: CertificateEntry[];
  /** The listed certificate of key `keyId` ('01'…'05'). */
  certificate(keyId: string): CertificateEntry;
  /** Stops the host (its exit code) and removes the token copy. */
  close(): Promise<number | null>;
}

export async function startHostSession(
  options: {
    /** The host's environment (default: the token's). */
    env?: (token: TestToken) => Record<string, string>;
    /** Send hello first (default); false leaves the handshake to the test. */
    greet?: boolean;
    /** List the certificates after hello (default). */
    listCertificates?: boolean;
  } = {},
): Promise<HostSession> {
  const token = copyTestToken();
  const host = new HostProcess(options.env?.(token) ?? token.env);
  let hello: HostResult<'hello'> | undefined;
  if (options.greet ?? true) {
    const greeted = await host.request('hello', {
      protocolVersion: PROTOCOL_VERSION,
      extensionVersion: KYSO_VERSION,
    });
    if (!greeted.ok)
      throw new Error(`hello failed: ${JSON.stringify(greeted.error)}; stderr: ${host.stderr}`);
    hello = greeted.result as HostResult<'hello'>;
  }
  let certificates: CertificateEntry[] = [];
  if (hello && (options.listCertificates ?? true)) {
    const listed = await host.request('list-certificates', {});
    if (!listed.ok) throw new Error(`list-certificates failed: ${JSON.stringify(listed.error)}`);
    certificates = (listed.result as HostResult<'list-certificates'>).certificates;
  }
  return {
    token,
    host,
    hello,
    certificates,
    certificate(keyId) {
      const found = certificates.find((c) => c.id.endsWith(`/${keyId}`));
      if (!found) throw new Error(`no certificate for key ${keyId}`);
      return found;
    },
    async close() {
      const code = await host.close();
      token.remove();
      return code;
    },
  };
}

/** The host session one describe block's tests share (see useSharedSession). */
export function useHostSession(options?: Parameters<typeof startHostSession>[0]): HostSession {
  return useSharedSession(() => startHostSession(options));
}
