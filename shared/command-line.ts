/** The command lines' one way to read their options and say a usage problem (kyso, kyso-host, kyso verify). Node only. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What is wrong with a command line, naming the option (or command), in kyso's two languages. */
export interface UsageProblem {
  vi: string;
  en: string;
}

export const usageProblem = (vi: string, en: string): UsageProblem => ({ vi, en });

/**
 * Writes the problem on the first line, then the usage; gives the exit code (2). Vietnamese / English
 * on one line as the CLI's typed errors are (describeError): not chosen from LANG, which on the
 * machines kyso runs on is often C.UTF-8 or en_US whatever the person reads.
 */
export function reportUsageProblem(problem: UsageProblem, usage: string): 2 {
  process.stderr.write(`${problem.vi} / ${problem.en}\n${usage}`);
  return 2;
}

/**
 * Options and positionals of `args`; an unknown or malformed option is reported with the usage
 * (reportUsageProblem), and gives undefined (the caller exits with 2).
 */
export function parseCommandLine<const Options extends OptionsConfig>(
  args: string[],
  options: Options,
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: Options }>> | undefined {
  const problem = optionProblem(args, options);
  if (problem) {
    reportUsageProblem(problem, usage);
    return undefined;
  }
  try {
    return parseArgs({ args, allowPositionals: true, options });
  } catch {
    // Node's sentence would mention its own syntax; optionProblem should have caught every case.
    reportUsageProblem(usageProblem('không đọc được các tuỳ chọn', 'cannot read the options'), usage);
    return undefined;
  }
}

/** An option not known, or used without its value or with one it does not take, in kyso's words. */
function optionProblem(args: string[], options: OptionsConfig): UsageProblem | undefined {
  const { tokens } = parseArgs({ args, allowPositionals: true, options, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const type = options[token.name]?.type;
    const name = token.rawName;
    if (!type) return usageProblem(`không có tuỳ chọn ${name}`, `unknown option ${name}`);
    if (type === 'string' && token.value === undefined)
      return usageProblem(`tuỳ chọn ${name} cần một giá trị`, `option ${name} needs a value`);
    if (type === 'boolean' && token.inlineValue)
      return usageProblem(`tuỳ chọn ${name} không nhận giá trị`, `option ${name} takes no value`);
  }
  return undefined;
}
