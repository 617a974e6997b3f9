import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  writeFileSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCms } from '../../shared/cms/verify.js';
import { errorMessage } from '../../shared/protocol/errors.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT } from '../support/paths.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { copyTestToken, type TestToken } from '../support/token.js';

const KYSO = path.join(REPO_ROOT, 'native-host/bin/kyso.js');
const taxReturn =
  '<HSoThueDTu><HSoKhaiThue id="_NODE_TO_SIGN"><mst>0312345678</mst><kyKKhai>10/2026</kyKKhai></HSoKhaiThue></HSoThueDTu>\n';

describe('kyso sign (command line)', () => {
  let token: TestToken;
  let dir: string;
  let input: string;
  beforeAll(() => {
    token = copyTestToken();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-cli-'));
    input = path.join(dir, 'to-khai-01-GTGT.xml');
    writeFileSync(input, taxReturn);
  });
  afterAll(() => token.remove());

  const run = (args: string[], stdin: string) =>
    spawnSync(process.execPath, [KYSO, ...args], {
      input: stdin,
      env: { ...process.env, ...token.env },
      encoding: 'utf8',
    });

  it('signs detached and attached CMS that openssl verifies', () => {
    const detached = path.join(dir, 'out.p7s');
    const r1 = run(
      ['sign', '--in', input, '--out', detached, '--cert', 'MST:0312345678', '--pin-stdin'],
      `${token.pin}\n`,
    );
    expect(r1.status, r1.stderr).toBe(0);
    expect(r1.stderr).toContain('Công ty TNHH Ký Số Việt');
    expect(
      opensslCmsVerify({ cms: readFileSync(detached), content: Buffer.from(taxReturn), caFile: token.caPem })
        .ok,
    ).toBe(true);
    expect(
      opensslCmsVerify({
        cms: readFileSync(detached),
        content: Buffer.from(taxReturn.replace('10/2026', '11/2026')),
        caFile: token.caPem,
      }).ok,
    ).toBe(false);

    const attached = path.join(dir, 'out.p7m');
    const r2 = run(
      [
        'sign',
        '--in',
        input,
        '--out',
        attached,
        '--format',
        'cms-attached',
        '--cert',
        'Nguyễn Văn Ân',
        '--digest',
        'SHA-384',
        '--pin-stdin',
      ],
      `${token.pin}\n`,
    );
    expect(r2.status, r2.stderr).toBe(0);
    expect(opensslCmsVerify({ cms: readFileSync(attached), caFile: token.caPem }).ok).toBe(true);
  });

  it('attached CMS of an empty file and of one over 16 MiB: openssl verifies each and gives the content back; kyso verify agrees', () => {
    const documents: Array<[string, Buffer]> = [
      ['empty.bin', Buffer.alloc(0)],
      ['large.bin', randomBytes(17 * 1024 * 1024)],
    ];
    for (const [name, bytes] of documents) {
      const file = path.join(dir, name);
      const out = `${file}.p7m`;
      writeFileSync(file, bytes);
      const signed = run(
        [
          'sign',
          '--in',
          file,
          '--out',
          out,
          '--format',
          'cms-attached',
          '--cert',
          'Nguyễn Văn Ân',
          '--pin-stdin',
        ],
        `${token.pin}\n`,
      );
      expect(signed.status, signed.stderr).toBe(0);
      const judged = opensslCmsVerify({ cms: readFileSync(out), caFile: token.caPem });
      expect(judged.ok, `${name}: ${judged.output}`).toBe(true);
      expect(judged.signedContent?.equals(bytes), name).toBe(true);
      const verified = run(['verify', out, '--roots', token.caPem, '--revocation', 'off'], '');
      expect(verified.status, `${name}: ${verified.stdout}${verified.stderr}`).toBe(0);
    }
  });

  it('without --cert and several usable certificates, it lists them and signs nothing', () => {
    const r = run(
      ['sign', '--in', input, '--out', path.join(dir, 'none.p7s'), '--pin-stdin'],
      `${token.pin}\n`,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--cert');
    expect(r.stderr).toContain('MST:0312345678');
  });

  it('cms-attached of a file larger than can be held (2 GiB, sparse): DOCUMENT_TOO_LARGE pointing to detached, before the PIN, not "cannot read"', () => {
    const file = path.join(dir, 'sao-luu.bin');
    writeFileSync(file, '');
    truncateSync(file, 2 ** 31);
    try {
      const r = run(
        [
          'sign',
          '--in',
          file,
          '--out',
          `${file}.p7m`,
          '--format',
          'cms-attached',
          '--cert',
          'Nguyễn Văn Ân',
          '--pin-stdin',
        ],
        '',
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `${errorMessage('DOCUMENT_TOO_LARGE', 'vi')} / cms-attached holds at most 2047 MiB: sign ${file} detached (--format cms) (DOCUMENT_TOO_LARGE)`,
      );
      expect(existsSync(`${file}.p7m`)).toBe(false);
    } finally {
      rmSync(file);
    }
  });

  it('a wrong PIN fails with PIN_INCORRECT and writes no file', () => {
    const out = path.join(dir, 'wrong.p7s');
    const r = run(
      ['sign', '--in', input, '--out', out, '--cert', 'MST:0312345678', '--pin-stdin'],
      '000000\n',
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('PIN_INCORRECT');
    expect(() => readFileSync(out)).toThrow();
  });

  it('an empty, short or overlong PIN is PIN_INVALID in kyso words (as the consent window refuses it), not a worker request error', () => {
    const out = path.join(dir, 'short-pin.p7s');
    for (const pin of ['', '123', '1'.repeat(LIMITS.maxPinChars + 1)]) {
      const r = run(
        ['sign', '--in', input, '--out', out, '--cert', 'MST:0312345678', '--pin-stdin'],
        `${pin}\n`,
      );
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `${errorMessage('PIN_INVALID', 'vi')} / a PIN has ${LIMITS.minPinChars} to ${LIMITS.maxPinChars} characters (PIN_INVALID)`,
      );
      expect(r.stderr).not.toContain('worker');
    }
    expect(() => readFileSync(out)).toThrow();
  });

  it('a missing file or a directory as --in: BAD_REQUEST naming it, in every format, before the token', () => {
    const missing = path.join(dir, 'khong-co.bin');
    for (const input of [missing, dir]) {
      for (const format of ['cms', 'cms-attached', 'pades', 'xml-htkk']) {
        const out = path.join(dir, `unread-${format}`);
        const r = run(['sign', '--in', input, '--out', out, '--format', format, '--pin-stdin'], '');
        expect(r.status, `${format} ${input}: ${r.stderr}`).toBe(1);
        expect(r.stderr.trim()).toBe(
          `${errorMessage('BAD_REQUEST', 'vi')} / cannot read ${input} (BAD_REQUEST)`,
        );
        expect(() => readFileSync(out)).toThrow();
      }
    }
  });

  /**
   * `kyso sign --format cms-attached` with the PIN typed once the certificate is chosen, after
   * `meanwhile` did something to the input file; the exit code, stderr and what was written.
   */
  async function signAttachedWhile(file: string, out: string, meanwhile: () => void) {
    const child = spawn(
      process.execPath,
      [
        KYSO,
        'sign',
        '--in',
        file,
        '--out',
        out,
        '--format',
        'cms-attached',
        '--cert',
        'Nguyễn Văn Ân',
        '--pin-stdin',
      ],
      { env: { ...process.env, ...token.env } },
    );
    let stderr = '';
    const chosen = new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('Signing with:')) resolve();
      }),
    );
    const exited = once(child, 'exit');
    await Promise.race([chosen, exited]);
    meanwhile();
    child.stdin.end(`${token.pin}\n`);
    const [code] = (await exited) as [number];
    return {
      code,
      stderr,
      written: (() => {
        try {
          return readFileSync(out);
        } catch {
          return undefined;
        }
      })(),
    };
  }

  it('cms-attached: a file removed or changed while the PIN is typed is signed as it was read before (not INTERNAL, not a digest of other bytes)', async () => {
    const meanwhile: Array<[string, (file: string) => void]> = [
      ['removed-meanwhile.xml', (file) => rmSync(file)],
      ['changed-meanwhile.xml', (file) => writeFileSync(file, taxReturn.replace('10/2026', '11/2026'))],
    ];
    for (const [name, change] of meanwhile) {
      const file = path.join(dir, name);
      writeFileSync(file, taxReturn);
      const signed = await signAttachedWhile(file, `${file}.p7m`, () => change(file));
      expect(signed.code, `${name}: ${signed.stderr}`).toBe(0);
      // The content attached is the content whose digest the token signed: openssl finds it intact.
      const judged = opensslCmsVerify({ cms: signed.written!, caFile: token.caPem });
      expect(judged.ok, `${name}: ${judged.output}`).toBe(true);
      expect(judged.signedContent?.toString(), name).toBe(taxReturn);
    }
  });

  it('an --out in a folder that does not exist: BAD_REQUEST naming it, in every format, before the PIN is asked', () => {
    const out = path.join(dir, 'khong-co-thu-muc', 'out.bin');
    for (const format of ['cms', 'cms-attached', 'xml-htkk']) {
      // The right PIN on stdin: had the token been opened, it would have signed.
      const r = run(
        ['sign', '--in', input, '--out', out, '--format', format, '--cert', 'MST:0312345678', '--pin-stdin'],
        `${token.pin}\n`,
      );
      expect(r.status, `${format}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim(), format).toBe(
        `${errorMessage('BAD_REQUEST', 'vi')} / cannot write ${out} (BAD_REQUEST)`,
      );
    }
  });

  it('an --out that is the input itself (same path, another spelling, a link): BAD_REQUEST before the PIN, the input intact', async () => {
    const document = path.join(dir, 'ban-goc.xml');
    writeFileSync(document, taxReturn);
    const link = path.join(dir, 'lien-ket.xml');
    symlinkSync(document, link);
    mkdirSync(path.join(dir, 'khac'));
    const spellings = [document, path.join(dir, '.', 'khac', '..', 'ban-goc.xml'), link];
    const pdf = path.join(dir, 'ban-goc.pdf');
    writeFileSync(pdf, await onePagePdf('Quyet dinh so 123'));
    const original = readFileSync(pdf);
    const cases = [
      ...['cms', 'cms-attached', 'xml-htkk'].flatMap((format) =>
        spellings.map((out) => [format, document, out]),
      ),
      ['pades', pdf, pdf],
    ];
    for (const [format, input, out] of cases) {
      // The right PIN on stdin: had the token been opened, it would have signed over the document.
      const r = run(
        [
          'sign',
          '--in',
          input!,
          '--out',
          out!,
          '--format',
          format!,
          '--cert',
          'MST:0312345678',
          '--pin-stdin',
        ],
        `${token.pin}\n`,
      );
      expect(r.status, `${format} ${out}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim(), `${format} ${out}`).toBe(
        `${errorMessage('BAD_REQUEST', 'vi')} / --out ${out} is the file being signed: choose another name (BAD_REQUEST)`,
      );
      expect(readFileSync(document, 'utf8'), `${format} ${out}`).toBe(taxReturn);
    }
    expect(readFileSync(pdf).equals(original)).toBe(true);
  });

  it('reads the PIN from the terminal without echoing it', async () => {
    const out = path.join(dir, 'tty.p7s');
    const command = [process.execPath, KYSO, 'sign', '--in', input, '--out', out, '--cert', 'MST:0312345678']
      .map((a) => `'${a}'`)
      .join(' ');
    // `script` gives the program a real pseudo-terminal; like a person, we type once the prompt shows.
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { ...process.env, ...token.env },
    });
    let screen = '';
    const typed = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString();
        if (screen.includes('Mã PIN / PIN:') && !child.stdin.writableEnded) {
          child.stdin.end(`${token.pin}\r`);
          resolve();
        }
      }),
    );
    const [code] = (await once(child, 'exit')) as [number];
    await typed;
    expect(code, screen).toBe(0);
    expect(screen).toContain('Đã ký');
    // (the MST 0312345678 contains 123456, so look only at what the terminal showed after the prompt)
    expect(screen.slice(screen.indexOf('Mã PIN / PIN:')), screen).not.toContain(token.pin);
    const verification = await verifyCms({ cms: readFileSync(out), content: Buffer.from(taxReturn) });
    expect(verification.valid).toBe(true);
  });
});
