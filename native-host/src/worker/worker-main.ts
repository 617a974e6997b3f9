/**
 * The PKCS#11 worker process. The host forks it with stdout going nowhere (drivers that print
 * cannot corrupt frames) and talks to it over IPC; if a driver hangs or crashes, only this dies.
 *
 * It ends only between calls (requests run synchronously, so a signal or the host's disconnect is
 * handled after the call in flight): every open login is logged out and each module finalised,
 * so a file-backed token (SoftHSM, some CAs' software tokens) is never left half-written.
 */
import { writeSync } from 'node:fs';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import { WorkerRequestSchema, type WorkerRequest, type WorkerResponse } from './messages.js';
import { TokenAccess } from './token-access.js';
import { LISTING_FD } from './listing-fd.js';
import { BENCH_MARKS_ENABLED, benchMark, benchMarkProcessStart, takeBenchMarks } from '../bench-marks.js';

benchMarkProcessStart('worker:process-start');
const modulePaths = JSON.parse(process.env.KYSO_WORKER_MODULES ?? '[]') as string[];
const reinitializeMs = Number(process.env.KYSO_MODULE_REINITIALIZE_MS);
const tokens = new TokenAccess([], {
  reinitializeAfterMs: Number.isInteger(reinitializeMs) && reinitializeMs >= 0 ? reinitializeMs : undefined,
  listing: tellListingModule,
});

/**
 * Writes the module a listing is in (a line with its path; an empty line once out of it) to fd
 * LISTING_FD, which the host reads (worker-process.ts). Written synchronously, before the driver
 * is called: when the driver then crashes the process or never returns, the host knows which
 * module it was, and leaves that one out instead of losing every token at every listing.
 */
function tellListingModule(module: string | undefined): void {
  try {
    writeSync(LISTING_FD, `${module ?? ''}\n`);
  } catch {
    // no such pipe (a worker started by hand): nothing to tell
  }
}

/**
 * Each module is named to the host before it is loaded (and the message is written before the
 * load starts): a driver that crashes in its load or C_Initialize takes this process with it, and
 * the host then starts a worker without that module instead of losing every token (worker-process.ts).
 */
async function loadModules(): Promise<void> {
  for (const path of modulePaths) {
    await new Promise<void>((resolve) => process.send!({ loading: path }, () => resolve()));
    tokens.load(path);
  }
  benchMark('worker:modules-loaded');
}

function run(request: WorkerRequest): unknown {
  switch (request.op) {
    case 'tokens':
      return { serials: tokens.tokenSerials(), moduleErrors: tokens.moduleErrors };
    case 'list':
      return { ...tokens.listCertificates(request.serials), moduleErrors: tokens.moduleErrors };
    case 'sign':
      return tokens.signOnce(request.certificateId, request.pin, request.items, request.certificate);
    case 'open-signing':
      return tokens.openSigning(request.certificateId, request.pin);
    case 'sign-with':
      return tokens.signGroup(request.handle, request.group);
    case 'close-signing':
      tokens.closeSigning(request.handle);
      return {};
  }
}

function handle(message: unknown): WorkerResponse {
  const response = answer(message);
  if (BENCH_MARKS_ENABLED) {
    benchMark('worker:answered');
    response.marks = takeBenchMarks();
  }
  return response;
}

function answer(message: unknown): WorkerResponse {
  benchMark('worker:received');
  const id = (message as { id?: unknown })?.id;
  const parsed = WorkerRequestSchema.safeParse(message);
  if (!parsed.success) {
    const error = new KysoError('BAD_REQUEST', 'malformed worker request').toWire();
    return { id: typeof id === 'number' ? id : 0, ok: false, error };
  }
  try {
    return { id: parsed.data.id, ok: true, result: run(parsed.data) };
  } catch (error) {
    return { id: parsed.data.id, ok: false, error: toWireError(error) };
  }
}

let ending = false;
function finish(): void {
  if (ending) return;
  ending = true;
  tokens.close();
  process.exit(0);
}

process.on('message', (message: unknown) => {
  if (ending) return;
  const response = handle(message);
  // A host killed during the call is noticed only now (the call blocked the event loop): the
  // answer cannot go, and an unhandled send error would end this process before it logs out and
  // finalises. It ends as on a disconnect instead.
  if (!process.connected) return finish();
  process.send?.(response, undefined, {}, (error) => error && finish());
});
// The host stops us (idle, exit, module change) by disconnecting; a host that died disconnects too.
process.on('disconnect', finish);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, finish);
void loadModules().then(() => {
  if (!ending) process.send!({ ready: true });
});
