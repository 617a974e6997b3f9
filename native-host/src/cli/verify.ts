/** kyso verify: the verifier's command line (verifier/src/cli.ts), loaded only when used. */
export { runVerifyCli, VERIFY_USAGE } from '../../../verifier/src/cli.js';
