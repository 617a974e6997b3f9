/**
 * Our fault-injecting PKCS#11 module (test/fault-module) around SoftHSM, for faults SoftHSM cannot
 * produce: built once per test file, then put in a host's environment with its control file.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, SOFTHSM_MODULE } from './paths.js';

export const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');

/** Builds the module (only when its source changed). */
export function buildFaultModule(): void {
  execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
}

/**
 * A host's environment for the fault module in front of SoftHSM: the faults are read from
 * `control` (one a line), and each driver call is written to `trace` when given.
 */
export function faultModuleEnv(control: string, trace?: string): Record<string, string> {
  return {
    KYSO_PKCS11_MODULES: FAULT_MODULE,
    KYSO_FAULT_TARGET: SOFTHSM_MODULE,
    KYSO_FAULT_CONTROL: control,
    ...(trace === undefined ? {} : { KYSO_FAULT_TRACE: trace }),
  };
}
