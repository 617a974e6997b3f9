/**
 * kyso verify: the server-side verifier from the command line, as an HTTP service (--serve), and
 * its extend operation (B-LT / B-LTA for PDFs, CAdES-LT for CMS).
 * Exit codes: 0 TOTAL-PASSED, 1 TOTAL-FAILED, 3 INDETERMINATE, 2 bad usage or input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseCommandLine, reportUsageProblem } from '../../shared/command-line.js';
import { KysoError } from '../../shared/protocol/errors.js';
import { VERIFY_OPTION_TYPES, verifyCommand } from './cli-options.js';

export const VERIFY_USAGE = `Usage:
  kyso verify FILE [--detached DATA] [--roots DIR|PEM] [--tsa-roots DIR|PEM] [--intermediates DIR|PEM]
                   [--revocation require|prefer|off] [--offline] [--at ISO-TIME] [--json]
        FILE: a signed PDF, XML (HTKK, e-invoice) or CMS (DER, base64 or PEM; --detached: the signed data)
  kyso verify --serve [--port N] [--host 127.0.0.1] [--max-bytes N] [--roots …] [--tsa URL]
        HTTP: POST /verify → JSON report; POST /extend?level=B-LT|B-LTA → the document made long-term
  kyso verify --extend B-LT|B-LTA FILE --out FILE [--tsa URL] [--roots …]   add long-term validation data
        (PDF: DSS, and a document time-stamp for B-LTA; CMS: CAdES-LT certificate and revocation values)
  Without --roots nothing is trusted: every chain is INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND.
  An option the mode (FILE, --serve, --extend) does not use is refused (exit 2), never ignored.
  Exit: 0 TOTAL-PASSED, 1 TOTAL-FAILED, 3 INDETERMINATE, 2 bad usage or input.
`;

const EXIT = { 'TOTAL-PASSED': 0, 'TOTAL-FAILED': 1, INDETERMINATE: 3 } as const;

export async function runVerifyCli(
  args: string[],
  print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const parsed = parseCommandLine(args, VERIFY_OPTION_TYPES, VERIFY_USAGE);
  if (!parsed) return 2;
  if (parsed.values.help) {
    print(VERIFY_USAGE);
    return 0;
  }
  const checked = verifyCommand(parsed.values, parsed.positionals);
  if ('problem' in checked) return reportUsageProblem(checked.problem, VERIFY_USAGE);
  const command = checked.command;
  const verifier = await import('./index.js');
  const load = (paths: string[]) => paths.flatMap((p) => verifier.loadCertificates(p));
  let options;
  try {
    const roots = load(command.roots);
    const tsaRoots = load(command.tsaRoots);
    options = {
      trustedRoots: roots,
      // One --roots for both unless told otherwise: the same national root often anchors the TSAs.
      timestampRoots: tsaRoots.length ? tsaRoots : roots,
      intermediates: load(command.intermediates),
      ...(command.mode !== 'extend' && {
        revocation: { policy: command.revocation, ...(command.offline && { offline: true }) },
        ...(command.at && { validationTime: command.at }),
      }),
    } as const;
  } catch (error) {
    // loadCertificates' own errors name the file; anything else is not for people to read.
    const ours = error instanceof verifier.CertificateFileError;
    process.stderr.write(
      `cannot read certificates: ${ours ? error.message : 'a certificate file is not usable'}\n`,
    );
    return 2;
  }

  if (command.mode === 'serve') {
    const server = verifier.createVerifierService({
      verify: options,
      ...(command.maxBytes && { maxBodyBytes: command.maxBytes }),
      ...(command.tsaUrl && { extend: { tsaUrl: command.tsaUrl } }),
    });
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(command.port, command.host, () => resolve(true));
    });
    if (!listening) {
      // Node's text ("listen EADDRINUSE …") and its stack are not for people.
      process.stderr.write(
        `kyso verify: cannot listen on ${command.host}:${command.port} (the port is in use, or the address is not this machine's)\n`,
      );
      return 2;
    }
    const address = server.address() as AddressInfo;
    print(`kyso verify: listening on http://${command.host}:${address.port}/verify`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  }

  const file = command.file;
  let document: Uint8Array;
  let detached: Uint8Array | undefined;
  let reading = file;
  try {
    document = readFileSync(file);
    if (command.mode === 'verify' && command.detached !== undefined)
      detached = readFileSync((reading = command.detached));
  } catch {
    // Node's text ("ENOENT: no such file or directory, open …") is not for people: the path says enough.
    process.stderr.write(`${reading}: cannot be read (no such file, a folder, or no permission)\n`);
    return 2;
  }

  if (command.mode === 'extend') {
    const level = command.level;
    const extendOptions = {
      certificates: [...options.trustedRoots, ...options.intermediates],
      ...(command.tsaUrl && { tsaUrl: command.tsaUrl }),
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
      writeFileSync(command.out, 'pdf' in result ? result.pdf : result.cms);
    } catch {
      process.stderr.write(`${command.out}: cannot be written (no such folder, or no permission)\n`);
      return 2;
    }
    for (const line of result.missing) process.stderr.write(`warning: no revocation evidence for ${line}\n`);
    print(`${command.out}: ${format === 'pdf' ? `PAdES ${level}` : 'CAdES-LT'}`);
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
  if (command.json) print(JSON.stringify(verifier.reportToJson(report), null, 2));
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
        `#${i + 1} ${s.kind === 'document-timestamp' ? 'document time-stamp' : `${s.format} ${s.level ?? ''}${s.claimedLevel ? ` (claims ${s.claimedLevel}, not achieved)` : ''}`.trim()}: ${s.indication}${s.subIndication ? ` / ${s.subIndication}` : ''}`,
      );
      if (s.signer) print(`   signer: ${s.signer.name}${ids ? ` (${ids})` : ''}`);
      if (s.party?.role === 'tax-authority')
        print(
          `   signs for: the tax authority, ${s.party.invoiceCode ? `invoice code ${s.party.invoiceCode}` : 'no invoice code'}`,
        );
      else if (s.party)
        print(
          `   signs for: the ${s.party.role}, ${s.party.taxCodes.join(' or ')} — ${s.party.signerCarries ? "on the signer's certificate" : "not on the signer's certificate"}`,
        );
      if (s.signingTime) print(`   time: ${s.signingTime.toISOString()} (${s.timeSource})`);
      if (s.timestamp?.renewBefore)
        print(
          `   renew before: ${s.timestamp.renewBefore.toISOString()} (the TSA's certificate expires: kyso verify --extend B-LTA)`,
        );
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
