/** What `kyso` prints when something fails: kyso's words and code, never a library's or Node's text. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { KysoError, errorMessage } from '../../shared/protocol/errors.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { runCli } from '../../native-host/src/cli/index.js';
import { runInstall } from '../../native-host/src/cli/install.js';
import { describeError } from '../../native-host/src/cli/sign.js';
import { xmlSigning } from '../../native-host/src/cli/sign-documents.js';
import { HTKK_RETURN } from '../support/fixtures.js';

// Stands in for a library failing inside the summary (its text must not reach the terminal).
const summaryFails = vi.hoisted(() => ({ with: undefined as Error | undefined }));
vi.mock('../../shared/xml/summary.js', async (original) => {
  const actual = await original<typeof import('../../shared/xml/summary.js')>();
  return {
    ...actual,
    summarizeXml: (...args: Parameters<typeof actual.summarizeXml>) => {
      if (summaryFails.with) throw summaryFails.with;
      return actual.summarizeXml(...args);
    },
  };
});

const dir = mkdtempSync(path.join(tmpdir(), 'kyso-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('describeError', () => {
  it('anything not a KysoError is INTERNAL in kyso words, without its own message', () => {
    const printed = describeError(new RangeError('Maximum call stack size exceeded'));
    expect(printed).toBe(`${errorMessage('INTERNAL', 'vi')} / ${errorMessage('INTERNAL', 'en')} (INTERNAL)`);
    expect(describeError('ENOENT: no such file')).not.toContain('ENOENT');
  });

  it('a KysoError keeps its message, code and details', () => {
    expect(describeError(new KysoError('BAD_REQUEST', 'cannot read x', { field: 'in' }))).toBe(
      `${errorMessage('BAD_REQUEST', 'vi')} / cannot read x (BAD_REQUEST) {"field":"in"}`,
    );
  });
});

describe('kyso sign, XML', () => {
  it("a library's exception while the document is read is a typed refusal", async () => {
    const file = path.join(dir, 'to-khai.xml');
    writeFileSync(file, HTKK_RETURN);
    summaryFails.with = new TypeError("Cannot read properties of null (reading 'localName')");
    try {
      const refusal = await xmlSigning(file, { profile: 'htkk', sha1: false }).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(KysoError);
      expect(describeError(refusal)).not.toContain('localName');
    } finally {
      summaryFails.with = undefined;
    }
    await expect(xmlSigning(file, { profile: 'htkk', sha1: false })).resolves.toBeDefined();
  });

  it('a document nested 30,000 levels is XML_NOT_ACCEPTED, not a stack overflow', async () => {
    const file = path.join(dir, 'deep.xml');
    writeFileSync(file, HTKK_RETURN.replace('<mst>', `<mst>${'<b>'.repeat(30_000)}${'</b>'.repeat(30_000)}`));
    const refusal = await xmlSigning(file, { profile: 'htkk', sha1: false }).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: 'XML_NOT_ACCEPTED', problem: 'INVALID_XML' });
    expect(describeError(refusal)).toContain('XML_NOT_ACCEPTED');
  });
});

describe('kyso-host install', () => {
  const install = (userDataDir: string, browsers?: string) =>
    runInstall(
      { scope: 'user', dryRun: false, home: dir, userDataDir, ...(browsers && { browsers }) },
      () => {},
    ).catch((e: unknown) => e);

  it('an unknown browser is refused in kyso words that name the known ones', async () => {
    const refusal = await install(path.join(dir, 'profile'), 'netscape');
    expect(refusal).toBeInstanceOf(KysoError);
    expect(describeError(refusal)).toContain('unknown browser netscape (known: chrome');
  });

  it('--browser naming no browser at all (",") is refused, not an install for none', async () => {
    const refusal = await install(path.join(dir, 'profile-none'), ' , ');
    expect(refusal).toBeInstanceOf(KysoError);
    expect(describeError(refusal)).toContain('--browser names no browser (known: chrome');
    expect(existsSync(path.join(dir, 'profile-none'))).toBe(false);
  });

  it('a place it cannot write is named by path and code, not by Node', async () => {
    const notADirectory = path.join(dir, 'a-file');
    writeFileSync(notADirectory, '');
    const refusal = await install(path.join(notADirectory, 'profile'));
    expect(refusal).toBeInstanceOf(KysoError);
    expect(describeError(refusal)).toMatch(/cannot change .*a-file.* \(E[A-Z]+\) \(BAD_REQUEST\)/);
  });
});

describe('the command line', () => {
  /**
   * runCli's exit code and the first line it wrote to stderr (the usage follows), split as kyso's
   * terminal lines are: Vietnamese / English (first: the English).
   */
  async function run(args: string[]) {
    const { code, stderr } = await runCaught(args);
    const [vi, ...en] = stderr.split('\n')[0]!.split(' / ');
    return { code, vi, first: en.join(' / ') };
  }
  async function runCaught(args: string[]) {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      return { code: await runCli(args), stderr: written.join('') };
    } finally {
      spy.mockRestore();
    }
  }
  /** A usage problem as the first line gives it, exit 2: its English, after some Vietnamese. */
  const refused = (english: string) => ({ code: 2, vi: expect.stringMatching(/\S/), first: english });

  it('an option it does not know, or one missing its value, is named in kyso words; exit 2', async () => {
    expect(await run(['install', '--browsers', 'chrome'])).toEqual(refused('unknown option --browsers'));
    expect(await run(['doctor', '--user-data-dir'])).toEqual(refused('option --user-data-dir needs a value'));
    expect(await run(['install', '--dry-run=yes'])).toEqual(refused('option --dry-run takes no value'));
    expect(await run(['list', '-x'])).toEqual(refused('unknown option -x'));
  });

  // Files that do not exist: an option wrongly let through ends in exit 1 (cannot read), before any token.
  const sign = (...args: string[]) =>
    run(['sign', '--in', path.join(dir, 'khong-co'), '--out', path.join(dir, 'out'), ...args]);

  it('an option the command or the format does not use is named (exit 2), never dropped while signing', async () => {
    const refusals: Array<[() => ReturnType<typeof run>, string]> = [
      [
        () => sign('--format', 'xml-htkk', '--stamp', 'Số: 1'),
        '--stamp does not apply to --format xml-htkk (only to pades)',
      ],
      [
        () => sign('--level', 'B-T', '--tsa', 'http://tsa.example.vn'),
        '--level does not apply to --format cms (only to pades)',
      ],
      [
        () => sign('--format', 'pades', '--digest', 'SHA-384'),
        '--digest does not apply to --format pades (only to cms, cms-attached)',
      ],
      [
        () => sign('--format', 'xml-einvoice', '--tsa', 'http://tsa.example.vn'),
        '--tsa does not apply to --format xml-einvoice (only to cms, cms-attached, pades)',
      ],
      [
        () => sign('--format', 'cms-attached', '--sha1'),
        '--sha1 does not apply to --format cms-attached (only to xml-htkk, xml-einvoice, xml-einvoice-buyer)',
      ],
      [
        () => sign('--format', 'pades', '--tsa', 'http://tsa.example.vn'),
        '--tsa with --format pades needs --level B-T, B-LT or B-LTA (B-B has no time-stamp)',
      ],
      [
        () => sign('--format', 'pades', '--level', 'B-LT'),
        '--level B-LT needs --tsa URL (B-T and above are time-stamped)',
      ],
      [
        () => sign('--format', 'pades', '--stamp', 'Số: 1', '--seal', 'dau.png', '--rect', '1,1,10,10'),
        '--stamp and --image/--seal are two appearances: a signature has one',
      ],
      [
        () => sign('--format', 'pades', '--page', '2'),
        '--page places --stamp or --image/--seal: give one, or leave --page out',
      ],
      [
        () => sign('--format', 'pades', '--stamp', 'Số: 1', '--rect', '1,1,10,10'),
        '--rect places --image/--seal: give one, or leave --rect out',
      ],
      [
        () => sign('--format', 'cms', '--field', 'Ky'),
        '--field does not apply to --format cms (only to pades)',
      ],
      [
        () => sign('--format', 'pades', '--field', 'Ky', '--image', 'ky.png', '--rect', '1,1,10,10'),
        "--field signs into the field's own box: leave out --rect and --page",
      ],
      [
        () => sign('--format', 'pades', '--field', 'Ky', '--image', 'ky.png', '--page', '2'),
        "--field signs into the field's own box: leave out --rect and --page",
      ],
      [
        () => sign('--format', 'pades', '--field', 'Ky', '--stamp', 'Số: 1'),
        '--stamp has its own place (top right); --field takes --image/--seal',
      ],
      [
        () => sign('--format', 'pades', '--field', '   '),
        `--field: a field's full name, at most ${LIMITS.maxPdfFieldNameChars} characters`,
      ],
      [
        () => sign('--format', 'docx'),
        '--format docx: one of cms, cms-attached, pades, xml-htkk, xml-einvoice, xml-einvoice-buyer',
      ],
      [() => sign('extra.pdf'), 'kyso sign: unexpected extra.pdf'],
      [() => run(['list', '--in', 'a.pdf']), '--in does not apply to kyso list'],
      [() => run(['install', '--format', 'pades']), '--format does not apply to kyso install'],
      [() => run(['doctor', '--scope', 'system']), '--scope does not apply to kyso doctor'],
      [() => run(['frobnicate']), 'unknown command frobnicate'],
    ];
    for (const [outcome, problem] of refusals) expect(await outcome()).toEqual(refused(problem));
  });

  it('a usage problem is one line in Vietnamese / English, as the typed errors are, then the usage', async () => {
    const lines = async (args: string[]) => (await runCaught(args)).stderr.split('\n');
    const unknown = await lines(['sign', '--in', 'a.xml', '--out', 'b.p7s', '--fromat', 'cms']);
    expect(unknown[0]).toBe('không có tuỳ chọn --fromat / unknown option --fromat');
    expect(unknown[1]).toMatch(/^kyso .* — ký số bằng USB token \/ sign with your USB token$/);
    expect(
      (await lines(['sign', '--in', 'a.pdf', '--out', 'b.pdf', '--format', 'pades', '--certify', '4']))[0],
    ).toBe('--certify 4: 1, 2 hoặc 3 / --certify 4: 1, 2 or 3');
    expect((await lines(['list', '--in', 'a.pdf']))[0]).toBe(
      '--in không dùng cho kyso list / --in does not apply to kyso list',
    );
    const verify = await lines(['verify', 'a.pdf', '--revocation', 'maybe']);
    expect(verify[0]).toBe(
      '--revocation maybe: require, prefer hoặc off / --revocation maybe: require, prefer or off',
    );
    expect(verify[1]).toBe('Usage:');
  });

  it('kyso verify: a value out of range, a FILE missing or extra, an option its mode does not use, each named (exit 2)', async () => {
    const missing = path.join(dir, 'khong-co.pdf');
    const tsaLimit = `an http(s) address of at most ${LIMITS.maxUrlChars} characters`;
    const refusals: Array<[string[], string]> = [
      [[missing, '--revocation', 'maybe'], '--revocation maybe: require, prefer or off'],
      [[missing, '--at', 'hôm qua'], '--at hôm qua: a time in ISO 8601 (e.g. 2025-06-30T17:00:00+07:00)'],
      [[], 'kyso verify: FILE missing'],
      [[missing, 'b.pdf'], 'kyso verify: unexpected b.pdf'],
      [
        [missing, '--out', 'b.pdf'],
        '--out does not apply to kyso verify FILE (only to kyso verify --extend)',
      ],
      [
        [missing, '--tsa', 'http://tsa.example.vn'],
        '--tsa does not apply to kyso verify FILE (only to kyso verify --serve, kyso verify --extend)',
      ],
      [['--serve', missing], 'kyso verify --serve: unexpected ' + missing],
      [['--serve', '--port', '70000'], '--port 70000: a port from 0 to 65535'],
      [['--serve', '--port', ''], '--port : a port from 0 to 65535'],
      [['--serve', '--max-bytes', '0'], '--max-bytes 0: a number of bytes, at least 1'],
      [['--serve', '--json'], '--json does not apply to kyso verify --serve (only to kyso verify FILE)'],
      [['--serve', '--tsa', 'file:///etc/passwd'], `--tsa file:///etc/passwd: ${tsaLimit}`],
      [['--serve', '--extend', 'B-LT'], '--serve and --extend: one at a time'],
      [['--extend', 'B-T', missing, '--out', 'b.pdf'], '--extend B-T: B-LT or B-LTA'],
      [['--extend', 'B-LT', missing], 'kyso verify --extend needs --out FILE'],
      [['--extend', 'B-LT', '--out', 'b.pdf'], 'kyso verify --extend: FILE missing'],
      [
        ['--extend', 'B-LTA', missing, '--out', 'b.pdf', '--revocation', 'off'],
        '--revocation does not apply to kyso verify --extend (only to kyso verify FILE, kyso verify --serve)',
      ],
      [['--bogus'], 'unknown option --bogus'],
    ];
    for (const [args, problem] of refusals)
      expect(await run(['verify', ...args]), problem).toEqual(refused(problem));
    // Right: on to the file (which does not exist), named by its path.
    const read = await runCaught([
      'verify',
      missing,
      '--revocation',
      'off',
      '--at',
      '2025-06-30T17:00:00+07:00',
    ]);
    expect(read).toEqual({
      code: 2,
      stderr: `${missing}: cannot be read (no such file, a folder, or no permission)\n`,
    });
  });

  it("--stamp, --reason and --location within the limits the page's schema applies", async () => {
    const stamp = (lines: string[]) => sign('--format', 'pades', ...lines.flatMap((l) => ['--stamp', l]));
    const tooLong = `--stamp: at most ${LIMITS.maxStampLines} lines, each some visible text of at most ${LIMITS.maxPdfTextChars} characters`;
    const longest = 'Đ'.repeat(LIMITS.maxPdfTextChars);
    expect(await stamp(Array(LIMITS.maxStampLines + 1).fill('Số: 1'))).toEqual(refused(tooLong));
    expect(await stamp([`${longest}x`])).toEqual(refused(tooLong));
    expect(await stamp(['   '])).toEqual(refused(tooLong));
    expect(await sign('--format', 'pades', '--reason', `${longest}x`)).toEqual(
      refused(`--reason: some visible text of at most ${LIMITS.maxPdfTextChars} characters`),
    );
    // As long as allowed: on to the file (which does not exist).
    const allowed = await stamp(Array(LIMITS.maxStampLines).fill(longest));
    expect(allowed).toMatchObject({ code: 1, first: expect.stringContaining('cannot read') });
    // A field's image needs no --rect: the field's widget says where.
    expect(await sign('--format', 'pades', '--field', 'Ky', '--image', 'ky.png')).toMatchObject({
      code: 1,
      first: expect.stringContaining('cannot read'),
    });
  });
});
