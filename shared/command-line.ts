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
  const problem = optionProblem(args, options);
  if (problem) {
    process.stderr.write(`${problem}\n${usage}`);
    return undefined;
  }
  try {
    return parseArgs({ args, allowPositionals: true, options });
  } catch {
    // Node's sentence would mention its own syntax; optionProblem should have caught every case.
    process.stderr.write(`cannot read the options\n${usage}`);
    return undefined;
  }
}

/** An option not known, or used without its value or with one it does not take, in kyso's words. */
function optionProblem(args: string[], options: OptionsConfig): string | undefined {
  const { tokens } = parseArgs({ args, allowPositionals: true, options, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const type = options[token.name]?.type;
    if (!type) return `unknown option ${token.rawName}`;
    if (type === 'string' && token.value === undefined) return `option ${token.rawName} needs a value`;
    if (type === 'boolean' && token.inlineValue) return `option ${token.rawName} takes no value`;
  }
  return undefined;
}
