/**
 * FieldMDP locks of approval signatures, judged by `kyso verify`: kyso signs the Ghostscript form
 * (test/fixtures/signature-fields/form.pdf) into NguoiDeNghi, whose /Lock (Include HoTen) becomes
 * the signature's FieldMDP reference; a later incremental update (kyso's own writer,
 * appendIncrementalUpdate) changes HoTen's value, and kyso signs TiepNhan.CanBo after it. The first
 * signature is FIELDMDP_VIOLATION (Acrobat: "a field locked by this signature was modified");
 * pdfsig has no opinion on FieldMDP: it finds both signatures valid. Without the change, both pass.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PDFDict, PDFHexString, PDFName } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendIncrementalUpdate, serializePdfObject } from '../../shared/pdf/incremental.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { previousXref } from '../../shared/pdf/pades.js';
import { formFields } from '../../shared/pdf/signature-field.js';
import { makeNssDb, pdfsig } from '../support/pdf-tools.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { KYSO_CLI, kysoSignPades } from '../support/verifier-service.js';

const FORM = fileURLToPath(new URL('../fixtures/signature-fields/form.pdf', import.meta.url));
const RSA_SIGNER = 'CCCD:001099012345'; // key 01
const EC_SIGNER = 'MST:0312345678'; // key 02

interface Report {
  indication: string;
  signatures: { indication: string; problems: string[]; details: string[] }[];
}

describe('kyso verify: the fields an approval signature locks (FieldMDP)', () => {
  let token: TestToken;
  let dir: string;
  let roots: string;
  let nssDb: string;
  let once: string;

  const file = (name: string) => path.join(dir, name);
  const sign = async (input: string, output: string, cert: string, field: string) => {
    const r = await kysoSignPades(token.env, {
      input,
      output,
      cert,
      extra: ['--field', field],
      pin: token.pin,
    });
    expect(r.status, r.stderr).toBe(0);
    return output;
  };
  const verify = async (pdf: string) => {
    const args = [KYSO_CLI, 'verify', pdf, '--roots', roots, '--revocation', 'off', '--json'];
    const result = await promisify(execFile)(process.execPath, args).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    return { ...result, report: JSON.parse(result.stdout) as Report };
  };

  beforeAll(async () => {
    token = copyTestToken();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-fieldmdp-'));
    nssDb = makeNssDb(dir, [token.caPem]);
    roots = file('roots');
    mkdirSync(roots);
    copyFileSync(token.caPem, path.join(roots, 'token-ca.pem'));
    once = await sign(FORM, file('once.pdf'), RSA_SIGNER, 'NguoiDeNghi');
  });
  afterAll(() => {
    token.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a field the signature did not lock, signed after it: both signatures pass', async () => {
    const twice = await sign(once, file('twice.pdf'), EC_SIGNER, 'TiepNhan.CanBo');
    const verified = await verify(twice);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.report.signatures.map((s) => s.problems)).toEqual([[], []]);
  });

  it('the locked field HoTen changed in a later update, then another signature: the first is FIELDMDP_VIOLATION; pdfsig finds both valid', async () => {
    const bytes = new Uint8Array(readFileSync(once));
    const model = await openPdfModel(bytes);
    const hoTen = formFields(model).find((f) => f.name === 'HoTen')!;
    const field = model.context.lookup(hoTen.ref, PDFDict);
    field.set(PDFName.of('V'), PDFHexString.fromText('Người Khác'));
    const update = [{ ref: hoTen.ref!, body: serializePdfObject(field) }];
    writeFileSync(
      file('changed.pdf'),
      appendIncrementalUpdate(bytes, model.context, update, previousXref(model)).pdf,
    );
    const after = await sign(file('changed.pdf'), file('changed-signed.pdf'), EC_SIGNER, 'TiepNhan.CanBo');
    const seen = pdfsig(after, nssDb);
    expect(
      seen.signatures.map((s) => s.valid && s.trusted),
      seen.output,
    ).toEqual([true, true]);
    const verified = await verify(after);
    expect(verified.code).toBe(1);
    const [first, second] = verified.report.signatures;
    expect(first).toMatchObject({ indication: 'TOTAL-FAILED', problems: ['FIELDMDP_VIOLATION'] });
    expect(first!.details).toContainEqual(
      expect.stringContaining('(FieldMDP) were changed after it: "HoTen"'),
    );
    expect(second!.problems).toEqual([]);
  });
});
