/**
 * Entry point of the packaged single executable (scripts/package/): one binary is the browser's
 * host, the `kyso`/`kyso-host` command line and, started again by itself, the PKCS#11 worker.
 */
import v8 from 'node:v8';
import { HOST_RUNTIME_V8_FLAGS, WORKER_ARGUMENT, isBrowserInvocation } from './runtime.js';

const asWorker = process.argv[2] === WORKER_ARGUMENT;
// The browser's host and its worker run as the development host does with HOST_NODE_FLAGS, as far
// as V8 allows once running; the command line (PDF, XML) keeps V8's defaults.
if (asWorker || isBrowserInvocation(process.argv.slice(2)))
  for (const flag of HOST_RUNTIME_V8_FLAGS) v8.setFlagsFromString(flag);

// Each module runs itself once loaded; a failed load is an unhandled rejection, which ends the process.
if (asWorker) void import('./worker/worker-main.js');
else void import('./main.js');
