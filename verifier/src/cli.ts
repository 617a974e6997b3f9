/**
 * kyso verify: the server-side verifier from the command line, as an HTTP service (--serve), and
 * its extend operation (B-LT / B-LTA for PDFs, CAdES-LT for CMS).
 * Exit codes: 0 TOTAL-PASSED, 1 TOTAL-FAILED, 3 INDETERMINATE, 2 bad usage or input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseCommandLine } from '../../shared/command-line.js';
import { KysoError } from '../../shared/protocol/errors.js';

export const VERIFY_USAGE = `Usage:
  kyso verify FILE [--detached DATA] [--roots DIR|PEM] [--tsa-roots DIR|PEM] [--intermediates DIR|PEM]
                   [--revocation require|prefer|off] [--offline] [--at ISO-TIME] [--json]
        FILE: a signed PDF, XML (HTKK, e-invoice) or CMS (DER, base64 or PEM; --detached: the signed data)
  kyso verify --serve [--port N] [--host 127.0.0.1] [--max-bytes N] [--roots …] [--tsa URL]
        HTTP: POST /verify → JSON report; POST /extend?level=B-LT|B-LTA → the document made long-term
  kyso verify --extend B-LT|B-LTA FILE --out FILE [--tsa URL] [--roots …]   add long-term validation data
        (PDF: DSS, and a document time-stamp for B-LTA; CMS: CAdES-LT certificate and revocation values)
  Without --roots nothing is trusted: every chain is INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND.
  Exit: 0 TOTAL-PASSED, 1 TOTAL-FAILED, 3 INDETERMINATE, 2 bad usage or input.
`;

const EXIT = { 'TOTAL-PASSED': 0, 'TOTAL-FAILED': 1, INDETERMINATE: 3 } as const;

export async function runVerifyCli(
  args: string[],
  print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const parsed = parseCommandLine(
    args,
    {
      detached: { type: 'string' },
      roots: { type: 'string', multiple: true },
      'tsa-roots': { type: 'string', multiple: true },
      intermediates: { type: 'string', multiple: true },
      revocation: { type: 'string', default: 'prefer' },
      offline: { type: 'boolean', default: false },
      at: { type: 'string' },
      json: { type: 'boolean', default: false },
      serve: { type: 'boolean', default: false },
      port: { type: 'string', default: '8089' },
      host: { type: 'string', default: '127.0.0.1' },
      'max-bytes': { type: 'string' },
      extend: { type: 'string' },
      out: { type: 'string' },
      tsa: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    VERIFY_USAGE,
  );
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    print(VERIFY_USAGE);
    return 0;
  }
  const verifier = await import('./index.js');
  const load = (paths: string[] | undefined) => (paths ?? []).flatMap((p) => verifier.loadCertificates(p));
  const policy = values.revocation;
  const at = values.at === undefined ? undefined : new Date(values.at);
  if (
    (policy !== 'require' && policy !== 'prefer' && policy !== 'off') ||
    (at && Number.isNaN(at.getTime()))
  ) {
    process.stderr.write(VERIFY_USAGE);
    return 2;
  }
  let options;
  try {
    const roots = load(values.roots);
    const tsaRoots = load(values['tsa-roots']);
    options = {
      trustedRoots: roots,
      // One --roots for both unless told otherwise: the same national root often anchors the TSAs.
      timestampRoots: tsaRoots.length ? tsaRoots : roots,
      intermediates: load(values.intermediates),
      revocation: { policy, ...(values.offline && { offline: true }) },
      ...(at && { validationTime: at }),
    } as const;
  } catch (error) {
    // loadCertificates' own errors name the file; anything else is not for people to read.
    const ours = error instanceof verifier.CertificateFileError;
    process.stderr.write(
      `cannot read certificates: ${ours ? error.message : 'a certificate file is not usable'}\n`,
    );
    return 2;
  }

  if (values.serve) {
    const port = Number(values.port);
    const maxBytes = values['max-bytes'] === undefined ? undefined : Number(values['max-bytes']);
    if (!Number.isInteger(port) || port < 0 || port > 65535 || (maxBytes !== undefined && !(maxBytes > 0))) {
      process.stderr.write(VERIFY_USAGE);
      return 2;
    }
    const server = verifier.createVerifierService({
      verify: options,
      ...(maxBytes && { maxBodyBytes: maxBytes }),
      ...(values.tsa && { extend: { tsaUrl: values.tsa } }),
    });
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, values.host, () => resolve(true));
    });
    if (!listening) {
      // Node's text ("listen EADDRINUSE …") and its stack are not for people.
      process.stderr.write(
        `kyso verify: cannot listen on ${values.host}:${port} (the port is in use, or the address is not this machine's)\n`,
      );
      return 2;
    }
    const address = server.address() as AddressInfo;
    print(`kyso verify: listening on http://${values.host}:${address.port}/verify`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  }

  const file = positionals[0];
  if (!file) {
    process.stderr.write(VERIFY_USAGE);
    return 2;
  }
  let document: Uint8Array;
  let detached: Uint8Array | undefined;
  let reading = file;
  try {
    document = readFileSync(file);
    if (values.detached !== undefined) detached = readFileSync((reading = values.detached));
  } catch {
    // Node's text ("ENOENT: no such file or directory, open …") is not for people: the path says enough.
    process.stderr.write(`${reading}: cannot be read (no such file, a folder, or no permission)\n`);
    return 2;
  }

  if (values.extend !== undefined) {
    const level = values.extend;
    if ((level !== 'B-LT' && level !== 'B-LTA') || !values.out) {
      process.stderr.write(VERIFY_USAGE);
      return 2;
    }
    const extendOptions = {
      certificates: [...options.trustedRoots, ...options.intermediates],
      ...(values.tsa && { tsaUrl: values.tsa }),
    };
    const format = verifier.detectFormat(document);
    if (format === 'xml') {
      process.stderr.write('XMLDSig has no long-term level here: extend PDFs (PAdES) or CMS (CAdES)\n');
      return 2;
    }
    let result;
    try {
      result =
        format === 'pdf'
          ? await verifier.extendPdf(document, level, extendOptions)
          : await verifier.extendCms(document, extendOptions);
    } catch (error) {
      // Bad input: 2; the time-stamping server failed: 1. Either way one line of ours, not a stack
      // or a library's words.
      const ours = error instanceof verifier.InputError || error instanceof KysoError;
      process.stderr.write(
        `${ours ? (error as Error).message : 'the long-term data could not be added (a CA or TSA did not answer as expected)'}\n`,
      );
      return error instanceof verifier.InputError ? 2 : 1;
    }
    try {
      writeFileSync(values.out, 'pdf' in result ? result.pdf : result.cms);
    } catch {
      process.stderr.write(`${values.out}: cannot be written (no such folder, or no permission)\n`);
      return 2;
    }
    for (const line of result.missing) process.stderr.write(`warning: no revocation evidence for ${line}\n`);
    print(`${values.out}: ${format === 'pdf' ? `PAdES ${level}` : 'CAdES-LT'}`);
    return 0;
  }

  let report;
  try {
    report = await verifier.verifyDocument(document, { ...options, ...(detached && { detached }) });
  } catch (error) {
    // Not a verdict: bad input (kyso's sentence), or a failure of ours — one line, never a stack.
    const ours = error instanceof verifier.InputError;
    process.stderr.write(
      `${ours ? error.message : 'the document could not be verified (an internal error)'}\n`,
    );
    return 2;
  }
  if (values.json) print(JSON.stringify(verifier.reportToJson(report), null, 2));
  else {
    print(
      `${report.indication} (${report.signatures.length} signature${report.signatures.length === 1 ? '' : 's'}, validated at ${report.validationTime.toISOString()})`,
    );
    for (const [i, s] of report.signatures.entries()) {
      const ids = [
        ...(s.signer?.mst ?? []).map((m) => `MST ${m}`),
        ...(s.signer?.cccd ?? []).map((c) => `CCCD ${c}`),
      ].join(', ');
      print(
        `#${i + 1} ${s.kind === 'document-timestamp' ? 'document time-stamp' : `${s.format} ${s.level ?? ''}`.trim()}: ${s.indication}${s.subIndication ? ` / ${s.subIndication}` : ''}`,
      );
      if (s.signer) print(`   signer: ${s.signer.name}${ids ? ` (${ids})` : ''}`);
      if (s.signingTime) print(`   time: ${s.signingTime.toISOString()} (${s.timeSource})`);
      if (s.coverage)
        print(
          `   covers ${s.coverage.coveredBytes} of ${s.coverage.fileBytes} bytes${s.coverage.bytesAfter ? ` (after: ${s.coverage.after})` : ''}`,
        );
      if (s.revocation)
        print(
          `   revocation: ${s.revocation.status}${s.revocation.source ? ` by ${s.revocation.source.toUpperCase()} (${s.revocation.origin})` : ''}`,
        );
      for (const detail of s.details) print(`   - ${detail}`);
    }
  }
  return EXIT[report.indication];
}
