/**
 * kyso-host: started by a browser it is the native-messaging host; started by a person it is the
 * command line (install, uninstall, list, version).
 *
 * This entry stays small on purpose: a browser's host forks its PKCS#11 worker first, then loads
 * its own code (zod, the protocol, the services) while the worker boots — on a cold start the
 * first signature waits for whichever of the two is ready last, and that was the worker.
 */
import { modulesToLoad } from './modules/discovery.js';
import { isBrowserInvocation } from './runtime.js';
import { forkWorker } from './worker/worker-process.js';

const args = process.argv.slice(2);
if (isBrowserInvocation(args)) {
  const modulePaths = modulesToLoad();
  const firstWorker = forkWorker(modulePaths);
  // A failed load is an unhandled rejection, which ends the process (the browser sees the port close).
  void import('./host-main.js').then((host) => host.runHost(modulePaths, firstWorker));
}
// The command line (PDF, XML, installers) loads only when a person runs it: the browser's host starts lean.
// A promise chain, not top-level await: the packaged single executable is a CommonJS bundle.
else
  void import('./cli/index.js')
    .then((cli) => cli.runCli(args))
    .then((code) => {
      process.exitCode = code;
    });
