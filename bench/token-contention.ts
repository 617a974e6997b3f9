/**
 * The token's own rate (C_Sign through pkcs11js, as bench (1)) alone, and while another process
 * keeps the second core busy: with plain JavaScript arithmetic, and with hashing (what a host does
 * between signatures: buffers, SHA-256). On a two-core machine a batch's host and client always
 * run beside the token, so this is the rate a batch can actually be measured against.
 * `npm run bench:contention` (writes bench/results/token-contention.json).
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { measureTokenRateAsWorker } from './token-rate.js';
import { ROOT, SOFTHSM_MODULE } from './paths.js';

const PIN = '123456';
const SIGNATURES = 5000;

/** Another process busy for `ms` on the other core: arithmetic only, or SHA-256 over fresh 4 KiB buffers. */
const BUSY = {
  arithmetic: 'let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1);',
  hashing:
    "const { createHash } = require('node:crypto'); while (Date.now() < end) createHash('sha256').update(Buffer.alloc(4096)).digest();",
};

async function withBusyCore<T>(kind: keyof typeof BUSY, measure: () => T): Promise<T> {
  const busy = spawn(process.execPath, ['-e', `const end = Date.now() + 60_000; ${BUSY[kind]}`], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => setTimeout(resolve, 300)); // running before the first signature
  try {
    return measure();
  } finally {
    busy.kill();
  }
}

const dir = path.join(ROOT, '.kyso/bench-token');
execFileSync('bash', [path.join(ROOT, 'test/token/make-token.sh'), dir], { stdio: 'inherit' });
process.env.SOFTHSM2_CONF = path.join(dir, 'softhsm2.conf');
const rate = () => measureTokenRateAsWorker(SOFTHSM_MODULE, PIN, '02', SIGNATURES).perSecond;

const result = {
  date: new Date().toISOString(),
  signatures: SIGNATURES,
  key: 'P-256 (CKM_ECDSA)',
  perSecond: {
    alone: rate(),
    besideArithmetic: await withBusyCore('arithmetic', rate),
    besideHashing: await withBusyCore('hashing', rate),
  },
};
for (const [when, perSecond] of Object.entries(result.perSecond))
  console.log(`${when.padEnd(18)} ${Math.round(perSecond).toLocaleString('en-US')} signatures/s`);
writeFileSync(path.join(ROOT, 'bench/results/token-contention.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('written: bench/results/token-contention.json');
