/** `status`: the versions of the extension and the host (connecting to the host proves it is installed). */
import { KYSO_VERSION } from '../../../../shared/version.js';
import type { RequestHandler } from './context.js';

export const status: RequestHandler<'status'> = async (_params, { host }) => {
  const hello = await host.connect();
  return {
    extensionVersion: KYSO_VERSION,
    hostVersion: hello.hostVersion,
    protocolVersion: hello.protocolVersion,
  };
};
