import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MASTER_TOKEN_DIR, SOFTHSM_MODULE, TOKEN_LABEL, TOKEN_PIN } from './paths.js';

export interface TestToken {
  dir: string;
  /** SOFTHSM2_CONF for this copy only: concurrent writers would corrupt a shared token store. */
  conf: string;
  caPem: string;
  module: string;
  label: string;
  pin: string;
  certDer(id: '01' | '02' | '03' | '04' | '05'): Buffer;
  certPemPath(id: '01' | '02' | '03' | '04' | '05'): string;
  env: Record<string, string>;
  remove(): void;
}

/** A private copy of the master test token (made by global-setup). */
export function copyTestToken(): TestToken {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-token-'));
  cpSync(MASTER_TOKEN_DIR, dir, { recursive: true });
  const conf = path.join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    readFileSync(conf, 'utf8').replace(
      /^directories\.tokendir = .*$/m,
      `directories.tokendir = ${dir}/tokens`,
    ),
  );
  return {
    dir,
    conf,
    caPem: path.join(dir, 'ca.pem'),
    module: SOFTHSM_MODULE,
    label: TOKEN_LABEL,
    pin: TOKEN_PIN,
    certDer: (id) => readFileSync(path.join(dir, `cert-${id}.der`)),
    certPemPath: (id) => path.join(dir, `cert-${id}.pem`),
    // KYSO_CONFIG: a host under test never reads or writes the real ~/.config/kyso/config.json.
    // KYSO_LOCK_DIR: copies share the master's serial; each copy's hosts queue among themselves only.
    env: {
      SOFTHSM2_CONF: conf,
      KYSO_PKCS11_MODULES: SOFTHSM_MODULE,
      KYSO_CONFIG: path.join(dir, 'kyso-config.json'),
      KYSO_LOCK_DIR: path.join(dir, 'token-locks'),
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
