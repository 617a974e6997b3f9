/** The handshake: the one command a host answers before it has loaded anything else (start-up is what a user waits on). */
import { KysoError } from '../../shared/protocol/errors.js';
import type { HostParams, HostResult } from '../../shared/protocol/host.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';

export async function hello(params: HostParams<'hello'>): Promise<HostResult<'hello'>> {
  if (params.protocolVersion !== PROTOCOL_VERSION) {
    throw new KysoError('VERSION_MISMATCH', undefined, {
      hostProtocol: PROTOCOL_VERSION,
      extensionProtocol: params.protocolVersion,
      update: params.protocolVersion < PROTOCOL_VERSION ? 'extension' : 'host',
    });
  }
  return { protocolVersion: PROTOCOL_VERSION, hostVersion: KYSO_VERSION };
}
