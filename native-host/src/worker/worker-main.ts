/**
 * The PKCS#11 worker process. The host forks it with stdout going nowhere (drivers that print
 * cannot corrupt frames) and talks to it over IPC; if a driver hangs or crashes, only this dies.
 */
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import type { WorkerRequest, WorkerResponse } from './messages.js';
import { TokenAccess } from './token-access.js';

const modulePaths = JSON.parse(process.env.KYSO_WORKER_MODULES ?? '[]') as string[];
const tokens = new TokenAccess(modulePaths);

function handle(request: WorkerRequest): WorkerResponse {
  try {
    switch (request.op) {
      case 'list':
        return {
          id: request.id,
          ok: true,
          result: { certificates: tokens.listCertificates(), moduleErrors: tokens.moduleErrors },
        };
      case 'open-signing':
        return { id: request.id, ok: true, result: tokens.openSigning(request.certificateId, request.pin) };
      case 'sign-with':
        return {
          id: request.id,
          ok: true,
          result: {
            results: request.items.map((item) => {
              try {
                return { ok: true, ...tokens.signWith(request.handle, item.digest, item.digestAlgorithm, item.data, item.rsaScheme) };
              } catch (error) {
                return { ok: false, error: toWireError(error) };
              }
            }),
          },
        };
      case 'close-signing':
        tokens.closeSigning(request.handle);
        return { id: request.id, ok: true, result: {} };
      default:
        throw new KysoError('BAD_REQUEST', 'unknown worker operation');
    }
  } catch (error) {
    return { id: request.id, ok: false, error: toWireError(error) };
  }
}

process.on('message', (request: WorkerRequest) => {
  process.send!(handle(request));
});
// The host is gone: nothing else can ever talk to us.
process.on('disconnect', () => {
  tokens.close();
  process.exit(0);
});
process.send!({ ready: true });
