/** `kyso verify --serve` run by the built CLI as its own process on a free port, as a portal deploys it. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

export const KYSO_CLI = path.join(REPO_ROOT, 'native-host/bin/kyso.js');

/** `kyso sign`'s arguments for a PAdES signature of `input` with the test token's key 01, the PIN on stdin. */
export const padesSignArgs = (input: string, output: string) => [
  KYSO_CLI,
  ...['sign', '--in', input, '--out', output, '--format', 'pades', '--cert', '01', '--pin-stdin'],
];

/**
 * `kyso sign --format pades` of `input` with certificate `cert` of the token whose `env` is given,
 * the PIN on stdin (empty: none is typed); `extra`: more options.
 */
export const kysoSignPades = (
  env: NodeJS.ProcessEnv,
  options: { input: string; output: string; cert: string; extra?: string[]; pin: string },
) =>
  new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const { input, output, cert, extra = [], pin } = options;
    const args = ['sign', '--in', input, '--out', output, '--format', 'pades', '--cert', cert, ...extra];
    const child = spawn(process.execPath, [KYSO_CLI, ...args, '--pin-stdin'], {
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
    child.stdin.end(`${pin}\n`);
  });

export interface VerifierService {
  /** http://127.0.0.1:PORT (POST `${base}/verify`). */
  base: string;
  process: ChildProcess;
  stop(): void;
}

/** `args`: the options after `kyso verify --serve --port 0` (--roots …). */
export async function startVerifierService(args: string[]): Promise<VerifierService> {
  const child = spawn(process.execPath, [KYSO_CLI, 'verify', '--serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`kyso verify --serve exited with ${code}`)));
  });
  const base = /listening on (http:\/\/[^/]+)\/verify/.exec(line)?.[1];
  if (!base) throw new Error(`kyso verify --serve said: ${line}`);
  return { base, process: child, stop: () => void child.kill('SIGTERM') };
}

/** What `kyso verify FILE --json` printed, as far as the tests read it. */
export interface CliReport {
  indication: string;
  signatures: Array<{
    indication: string;
    subIndication?: string;
    problems: string[];
    details: string[];
    party?: { role: string; taxCodes: string[]; signerCarries?: boolean; invoiceCode?: string };
  }>;
}

/**
 * The one-shot CLI: `kyso verify FILE --roots ROOTS --revocation off --json` with `extra` options.
 * Its exit code (0 passed, 1 failed, 2 bad input, 3 indeterminate), stderr, and the report when it printed one.
 */
export async function kysoVerifyJson(
  file: string,
  roots: string,
  extra: string[] = [],
): Promise<{ code: number; stderr: string; report: CliReport | undefined }> {
  const args = [KYSO_CLI, 'verify', file, '--roots', roots, '--revocation', 'off', '--json', ...extra];
  const result = await promisify(execFile)(process.execPath, args).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  return {
    code: result.code,
    stderr: result.stderr,
    report: result.stdout ? (JSON.parse(result.stdout) as CliReport) : undefined,
  };
}
