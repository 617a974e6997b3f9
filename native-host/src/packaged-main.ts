/**
 * Entry point of the packaged single executable (scripts/package/): one binary is the browser's
 * host, the `kyso`/`kyso-host` command line and, started again by itself, the PKCS#11 worker.
 */
import { WORKER_ARGUMENT } from './runtime.js';

// Each module runs itself once loaded; a failed load is an unhandled rejection, which ends the process.
if (process.argv[2] === WORKER_ARGUMENT) void import('./worker/worker-main.js');
else void import('./main.js');
