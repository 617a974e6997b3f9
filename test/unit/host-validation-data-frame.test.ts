/** The host's validation-data answer stays within one native-messaging frame, and says what it left out. */
import { describe, expect, it } from 'vitest';
import { withinFrame } from '../../native-host/src/long-term.js';
import { hostCommands } from '../../shared/protocol/host.js';
import { LIMITS } from '../../shared/protocol/limits.js';

const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);

describe('validation-data within one frame', () => {
  it('keeps OCSP responses first, then CRLs while they fit; a CRL over the budget is named in missing', () => {
    const certificate = bytes(1200, 1);
    const ocsp = bytes(2000, 2);
    const bigCrl = bytes(300 * 1024, 3); // 400 KiB in base64: fits once
    const answer = withinFrame({
      certificates: [certificate],
      ocsps: [ocsp],
      crls: [bigCrl, bytes(300 * 1024, 4)],
      missing: ['kyso TSA: names no OCSP responder or CRL'],
    });
    expect(answer.certificates).toHaveLength(1);
    expect(answer.ocsps).toHaveLength(1);
    expect(answer.crls).toHaveLength(1);
    expect(answer.missing).toEqual([
      'kyso TSA: names no OCSP responder or CRL',
      `CRL of ${300 * 1024} bytes: too large to pass to the browser`,
    ]);
    const size = [...answer.certificates, ...answer.ocsps, ...answer.crls].reduce((n, s) => n + s.length, 0);
    expect(size).toBeLessThanOrEqual(LIMITS.maxValidationDataBase64Chars);
    // What the extension checks it against, and a frame the browser accepts.
    expect(hostCommands['validation-data'].result.parse(answer)).toEqual(answer);
    expect(JSON.stringify({ id: 1, ok: true, result: answer }).length).toBeLessThan(
      LIMITS.maxFrameFromHostBytes,
    );
  });

  it('a single CRL larger than the whole budget is left out', () => {
    const answer = withinFrame({ certificates: [], ocsps: [], crls: [bytes(600 * 1024, 5)], missing: [] });
    expect(answer.crls).toEqual([]);
    expect(answer.missing[0]).toMatch(/too large/);
  });
});
