#!/usr/bin/env node
/** kyso-verify: the @kyso/verifier package's command line (the same as `kyso verify`). */
import { runVerifyCli } from './cli.js';

process.exitCode = await runVerifyCli(process.argv.slice(2));
