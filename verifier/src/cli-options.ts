/**
 * `kyso verify`'s options, checked against each other before any file is read, as `kyso sign`'s
 * are (native-host/src/cli/sign-options.ts): a value out of range, a missing or extra FILE, or an
 * option the mode (verify, --serve, --extend) does not use is a usage problem naming it (exit 2).
 * A second FILE or an --out without --extend, silently dropped, looks like work done.
 */
import { usageProblem, type UsageProblem } from '../../shared/command-line.js';
import { TsaUrlSchema } from '../../shared/protocol/common.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import type { RevocationPolicy } from './index.js';

/** `kyso verify`'s options for parseArgs, without defaults: what is in the values was given. */
export const VERIFY_OPTION_TYPES = {
  detached: { type: 'string' },
  roots: { type: 'string', multiple: true },
  'tsa-roots': { type: 'string', multiple: true },
  intermediates: { type: 'string', multiple: true },
  revocation: { type: 'string' },
  offline: { type: 'boolean' },
  at: { type: 'string' },
  json: { type: 'boolean' },
  serve: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  'max-bytes': { type: 'string' },
  extend: { type: 'string' },
  out: { type: 'string' },
  tsa: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The options as parsed. */
export interface VerifyValues {
  detached?: string | undefined;
  roots?: string[] | undefined;
  'tsa-roots'?: string[] | undefined;
  intermediates?: string[] | undefined;
  revocation?: string | undefined;
  offline?: boolean | undefined;
  at?: string | undefined;
  json?: boolean | undefined;
  serve?: boolean | undefined;
  port?: string | undefined;
  host?: string | undefined;
  'max-bytes'?: string | undefined;
  extend?: string | undefined;
  out?: string | undefined;
  tsa?: string | undefined;
  help?: boolean | undefined;
}
type VerifyOption = keyof VerifyValues;

/** What each mode uses; any other option given is refused. */
const MODE_OPTIONS = {
  verify: ['detached', 'roots', 'tsa-roots', 'intermediates', 'revocation', 'offline', 'at', 'json'],
  serve: [
    'serve',
    'roots',
    'tsa-roots',
    'intermediates',
    'revocation',
    'offline',
    'at',
    'port',
    'host',
    'max-bytes',
    'tsa',
  ],
  // The roots and intermediates complete the chains whose evidence is fetched.
  extend: ['extend', 'out', 'tsa', 'roots', 'intermediates'],
} as const satisfies Record<string, readonly VerifyOption[]>;

/** Each mode as the usage shows it, and as the command that lacks or has one FILE too many. */
const MODE_NAMES = {
  verify: 'kyso verify FILE',
  serve: 'kyso verify --serve',
  extend: 'kyso verify --extend',
};
const COMMANDS = { verify: 'kyso verify', serve: 'kyso verify --serve', extend: 'kyso verify --extend' };

interface Trust {
  roots: string[];
  tsaRoots: string[];
  intermediates: string[];
}

export type VerifyCommand =
  | (Trust & {
      mode: 'verify';
      file: string;
      detached?: string;
      revocation: RevocationPolicy;
      offline: boolean;
      at?: Date;
      json: boolean;
    })
  | (Trust & {
      mode: 'serve';
      port: number;
      host: string;
      maxBytes?: number;
      tsaUrl?: string;
      revocation: RevocationPolicy;
      offline: boolean;
      at?: Date;
    })
  | (Trust & { mode: 'extend'; level: 'B-LT' | 'B-LTA'; file: string; out: string; tsaUrl?: string });

const problem = (vi: string, en: string) => ({ problem: usageProblem(vi, en) });

/** The command to run, or the usage problem (naming the option). */
export function verifyCommand(
  values: VerifyValues,
  positionals: string[],
): { command: VerifyCommand } | { problem: UsageProblem } {
  if (values.serve && values.extend !== undefined)
    return problem('--serve và --extend: mỗi lần một việc', '--serve and --extend: one at a time');
  const mode = values.serve ? 'serve' : values.extend !== undefined ? 'extend' : 'verify';
  const takes: readonly VerifyOption[] = MODE_OPTIONS[mode];
  const stray = (Object.keys(values) as VerifyOption[]).find(
    (o) => values[o] !== undefined && !takes.includes(o),
  );
  if (stray) {
    const modes = (Object.keys(MODE_OPTIONS) as Array<keyof typeof MODE_OPTIONS>)
      .filter((m) => (MODE_OPTIONS[m] as readonly VerifyOption[]).includes(stray))
      .map((m) => MODE_NAMES[m])
      .join(', ');
    return problem(
      `--${stray} không dùng cho ${MODE_NAMES[mode]} (chỉ cho ${modes})`,
      `--${stray} does not apply to ${MODE_NAMES[mode]} (only to ${modes})`,
    );
  }
  const files = mode === 'serve' ? 0 : 1;
  const command = COMMANDS[mode];
  if (positionals.length < files) return problem(`${command}: thiếu FILE`, `${command}: FILE missing`);
  if (positionals.length > files)
    return problem(`${command}: thừa ${positionals[files]}`, `${command}: unexpected ${positionals[files]}`);

  const trust = {
    roots: values.roots ?? [],
    tsaRoots: values['tsa-roots'] ?? [],
    intermediates: values.intermediates ?? [],
  };
  const tsa = values.tsa === undefined ? undefined : TsaUrlSchema.safeParse(values.tsa);
  if (tsa?.success === false)
    return problem(
      `--tsa ${values.tsa}: một địa chỉ http(s) tối đa ${LIMITS.maxUrlChars} ký tự`,
      `--tsa ${values.tsa}: an http(s) address of at most ${LIMITS.maxUrlChars} characters`,
    );
  const tsaUrl = tsa?.success ? { tsaUrl: tsa.data } : {};

  if (mode === 'extend') {
    const level = values.extend;
    if (level !== 'B-LT' && level !== 'B-LTA')
      return problem(`--extend ${level}: B-LT hoặc B-LTA`, `--extend ${level}: B-LT or B-LTA`);
    if (values.out === undefined)
      return problem('kyso verify --extend cần --out FILE', 'kyso verify --extend needs --out FILE');
    return { command: { mode, level, file: positionals[0]!, out: values.out, ...tsaUrl, ...trust } };
  }

  const revocation = values.revocation ?? 'prefer';
  if (revocation !== 'require' && revocation !== 'prefer' && revocation !== 'off')
    return problem(
      `--revocation ${revocation}: require, prefer hoặc off`,
      `--revocation ${revocation}: require, prefer or off`,
    );
  const at = values.at === undefined ? undefined : new Date(values.at);
  if (at && Number.isNaN(at.getTime()))
    return problem(
      `--at ${values.at}: một thời điểm ISO 8601 (ví dụ 2025-06-30T17:00:00+07:00)`,
      `--at ${values.at}: a time in ISO 8601 (e.g. 2025-06-30T17:00:00+07:00)`,
    );
  const verifying = { revocation, offline: values.offline === true, ...(at && { at }), ...trust } as const;

  if (mode === 'verify')
    return {
      command: {
        mode,
        file: positionals[0]!,
        ...(values.detached !== undefined && { detached: values.detached }),
        json: values.json === true,
        ...verifying,
      },
    };

  const port = Number(values.port ?? '8089');
  if (!/^\d{1,5}$/.test(values.port ?? '8089') || port > 65535)
    return problem(
      `--port ${values.port}: số cổng từ 0 đến 65535`,
      `--port ${values.port}: a port from 0 to 65535`,
    );
  const maxBytes = values['max-bytes'] === undefined ? undefined : Number(values['max-bytes']);
  if (maxBytes !== undefined && !(/^\d+$/.test(values['max-bytes']!) && maxBytes > 0))
    return problem(
      `--max-bytes ${values['max-bytes']}: một số byte, ít nhất 1`,
      `--max-bytes ${values['max-bytes']}: a number of bytes, at least 1`,
    );
  return {
    command: {
      mode,
      port,
      host: values.host ?? '127.0.0.1',
      ...(maxBytes && { maxBytes }),
      ...tsaUrl,
      ...verifying,
    },
  };
}
