/**
 * Errors read across version skew: a portal's SDK, the extension and the host are updated apart,
 * so one side may send a code the other does not know yet. The answer must still be read (as
 * INTERNAL, the code kept), or the caller would wait for its timeout.
 */
import { describe, expect, it } from 'vitest';
import { WireErrorSchema } from '../../shared/protocol/common.js';
import { HostResponseSchema } from '../../shared/protocol/host.js';
import { PAGE_CHANNEL, PageResponseEnvelopeSchema } from '../../shared/protocol/page.js';
import { ERROR_CODES, KysoError } from '../../shared/protocol/errors.js';

const newerCode = { code: 'TOKEN_ON_FIRE', message: 'A code from a newer kyso', details: { slot: 3 } };

describe('wire errors from another kyso version', () => {
  it('a page answer with a code this SDK does not know is read, as INTERNAL with the code kept', () => {
    const parsed = PageResponseEnvelopeSchema.parse({
      channel: PAGE_CHANNEL,
      kind: 'response',
      id: 'r1',
      ok: false,
      error: newerCode,
    });
    expect(parsed).toMatchObject({
      kind: 'response',
      ok: false,
      error: {
        code: 'INTERNAL',
        message: newerCode.message,
        details: { slot: 3, unknownCode: 'TOKEN_ON_FIRE' },
      },
    });
  });

  it('so does a host answer read by an older extension', () => {
    const parsed = HostResponseSchema.parse({ id: 7, ok: false, error: { code: 'NEW_CODE', message: 'm' } });
    expect(parsed).toEqual({
      id: 7,
      ok: false,
      error: { code: 'INTERNAL', message: 'm', details: { unknownCode: 'NEW_CODE' } },
    });
  });

  it('every known code reads back unchanged, details or not', () => {
    for (const code of ERROR_CODES) {
      const wire = new KysoError(code).toWire();
      expect(WireErrorSchema.parse(wire)).toEqual(wire);
      const detailed = new KysoError(code, 'm', { reason: 'r' }).toWire();
      expect(WireErrorSchema.parse(detailed)).toEqual(detailed);
    }
  });

  it('what is not an error code at all is still refused', () => {
    for (const code of ['', 'lower_case', 'HAS SPACE', 'A'.repeat(65), '_LEADING', 42, null])
      expect(WireErrorSchema.safeParse({ code, message: 'm' }).success, String(code)).toBe(false);
    expect(WireErrorSchema.safeParse({ code: 'INTERNAL', message: 'm', extra: 1 }).success).toBe(false);
    expect(WireErrorSchema.safeParse({ code: 'INTERNAL', message: 'x'.repeat(1001) }).success).toBe(false);
  });
});
