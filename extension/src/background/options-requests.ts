/** What the options page (an extension page) asks the background: the host's state, and the PKCS#11 modules. */
import { OptionsRequestSchema } from '../../../shared/protocol/consent.js';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import type { OptionsModules, OptionsRequest, OptionsStatus } from './messages.js';
import type { NativeHostClient } from './native-host.js';

/** The options page asks for the host's state and the certificates present. */
async function optionsStatus(host: NativeHostClient): Promise<OptionsStatus> {
  try {
    const hello = await host.connect();
    const { certificates, skipped } = await host.call(
      'list-certificates',
      {},
      LIMITS.tokenOperationTimeoutMs,
    );
    return { ok: true, hostVersion: hello.hostVersion, certificates, skipped };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

/** The options page lists the PKCS#11 modules and sets the user's extra ones (only it may: loading a library runs its code). */
async function optionsModules(host: NativeHostClient, request: OptionsRequest): Promise<OptionsModules> {
  try {
    await host.connect();
    const report =
      request.options === 'set-modules'
        ? await host.call('set-modules', { configured: request.configured }, LIMITS.tokenOperationTimeoutMs)
        : await host.call('modules', {}, LIMITS.tokenOperationTimeoutMs);
    return { ok: true, report };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

/** The options page's request, answered; undefined when the message is not one (another listener's). */
export function answerOptionsMessage(
  host: NativeHostClient,
  message: unknown,
): Promise<OptionsStatus | OptionsModules> | undefined {
  if ((message as { options?: unknown } | null)?.options === undefined) return undefined;
  const request = OptionsRequestSchema.safeParse(message);
  if (!request.success)
    return Promise.resolve({ ok: false, error: toWireError(new KysoError('BAD_REQUEST')) });
  return request.data.options === 'status' ? optionsStatus(host) : optionsModules(host, request.data);
}
