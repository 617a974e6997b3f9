/** The command lines' one way to read their options (kyso, kyso-host, kyso verify). Node only. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * Options and positionals of `args`; an unknown or malformed option is written to stderr with
 * the usage, and gives undefined (the caller exits with 2).
 */
export function parseCommandLine<const Options extends OptionsConfig>(
  args: string[],
  options: Options,
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: Options }>> | undefined {
  try {
    return parseArgs({ args, allowPositionals: true, options });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}`);
    return undefined;
  }
}
