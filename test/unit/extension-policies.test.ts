import { describe, expect, it } from 'vitest';
import { isOriginAllowed } from '../../extension/src/background/origin-policy.js';
import { OriginRateLimiter } from '../../extension/src/background/rate-limit.js';
import { ERROR_CODES, errorMessage } from '../../shared/protocol/errors.js';

describe('origin policy', () => {
  it('allows https origins only, and localhost over http only in developer mode', () => {
    const off = { developerMode: false };
    const on = { developerMode: true };
    expect(isOriginAllowed('https://dichvucong.gov.vn', off)).toBe(true);
    expect(isOriginAllowed('https://xn--dchvcng-9xa4b.vn', off)).toBe(true);
    expect(isOriginAllowed('http://dichvucong.gov.vn', on)).toBe(false);
    expect(isOriginAllowed('http://localhost:8443', off)).toBe(false);
    expect(isOriginAllowed('http://localhost:8443', on)).toBe(true);
    expect(isOriginAllowed('http://127.0.0.1:3000', on)).toBe(true);
    expect(isOriginAllowed('http://localhost.evil.vn', on)).toBe(false);
    expect(isOriginAllowed('https://dichvucong.gov.vn/path', off)).toBe(false);
    expect(isOriginAllowed('null', on)).toBe(false);
    expect(isOriginAllowed('file:///etc/passwd', on)).toBe(false);
    expect(isOriginAllowed('chrome-extension://abc', on)).toBe(false);
  });
});

describe('rate limiter', () => {
  it('allows the budget per origin per window, then says how long to wait', () => {
    let now = 1_000_000;
    const limiter = new OriginRateLimiter(3, 60_000, () => now);
    expect([1, 2, 3].map(() => limiter.take('https://a.vn').allowed)).toEqual([true, true, true]);
    expect(limiter.take('https://a.vn')).toEqual({ allowed: false, retryAfterMs: 60_000 });
    expect(limiter.take('https://b.vn').allowed).toBe(true); // other origins are not affected
    now += 30_000;
    expect(limiter.take('https://a.vn')).toEqual({ allowed: false, retryAfterMs: 30_000 });
    now += 30_001;
    expect(limiter.take('https://a.vn').allowed).toBe(true);
  });
});

describe('error catalogue', () => {
  it('has a Vietnamese and an English message for every code', () => {
    for (const code of ERROR_CODES) {
      expect(errorMessage(code, 'vi').length).toBeGreaterThan(5);
      expect(errorMessage(code, 'en').length).toBeGreaterThan(5);
      expect(errorMessage(code, 'vi')).not.toBe(errorMessage(code, 'en'));
    }
  });
});

describe('site permission decision', () => {
  it('managed policy wins over the user, the user over asking', async () => {
    const { decide } = await import('../../extension/src/background/site-decision.js');
    const site = 'https://dichvucong.gov.vn';
    expect(decide(site, {}, {})).toEqual({ permission: 'ask', managed: false });
    expect(decide(site, {}, { [site]: 'allowed' })).toEqual({ permission: 'allowed', managed: false });
    expect(decide(site, {}, { [site]: 'blocked' })).toEqual({ permission: 'blocked', managed: false });
    expect(decide(site, { allowedOrigins: [site] }, { [site]: 'blocked' })).toEqual({
      permission: 'allowed',
      managed: true,
    });
    expect(decide(site, { blockedOrigins: [site], allowedOrigins: [site] }, { [site]: 'allowed' })).toEqual({
      permission: 'blocked',
      managed: true,
    });
    expect(decide('https://other.vn', { allowedOrigins: [site] }, {})).toEqual({
      permission: 'ask',
      managed: false,
    });
  });
});

describe('site permission decision in a private window', () => {
  it('a site blocked in normal windows stays blocked, one allowed there is asked again, private answers apply', async () => {
    const { decide, privateView } = await import('../../extension/src/background/site-decision.js');
    const [allowed, blocked, privately] = ['https://a.gov.vn', 'https://b.gov.vn', 'https://c.gov.vn'];
    const normal = { [allowed]: 'allowed', [blocked]: 'blocked' } as const;
    const seen = privateView(normal, { [privately]: 'allowed', [blocked]: 'allowed' });
    expect(decide(allowed, {}, seen).permission).toBe('ask');
    expect(decide(blocked, {}, seen).permission).toBe('blocked');
    expect(decide(privately, {}, seen).permission).toBe('allowed');
    expect(decide(privately, {}, normal).permission).toBe('ask');
  });
});

describe('site permission decision: policy entries as administrators write them', () => {
  // The origin decide() is given is the browser's serialisation (sender.origin): lower case,
  // punycode, no default port, no trailing slash. URL.origin follows the same URL Standard.
  const sender = (url: string) => new URL(url).origin;

  it('a blocked entry with a trailing slash, capitals, the default port or a Unicode (IDN) host still blocks', async () => {
    const { decide } = await import('../../extension/src/background/site-decision.js');
    for (const [entry, page] of [
      ['https://evil.example/', 'https://evil.example/sign'],
      ['https://EVIL.Example', 'https://evil.example/'],
      ['https://evil.example:443', 'https://evil.example/'],
      ['https://thuế.vn', 'https://thuế.vn/nop-to-khai'],
      [' https://evil.example ', 'https://evil.example/'],
    ]) {
      expect(
        decide(sender(page!), { blockedOrigins: [entry!] }, { [sender(page!)]: 'allowed' }),
        entry,
      ).toEqual({
        permission: 'blocked',
        managed: true,
      });
    }
  });

  it('an allowed entry written the same ways allows, and only its own origin', async () => {
    const { decide } = await import('../../extension/src/background/site-decision.js');
    const policy = { allowedOrigins: ['https://DichVuCong.gov.vn/', 'https://thuế.vn'] };
    expect(decide(sender('https://dichvucong.gov.vn/'), policy, {})).toEqual({
      permission: 'allowed',
      managed: true,
    });
    expect(decide(sender('https://thuế.vn/'), policy, {})).toEqual({ permission: 'allowed', managed: true });
    expect(decide(sender('https://dichvucong.gov.vn:8443/'), policy, {})).toEqual({
      permission: 'ask',
      managed: false,
    });
    expect(decide(sender('http://dichvucong.gov.vn/'), policy, {})).toEqual({
      permission: 'ask',
      managed: false,
    });
    expect(decide('null', { allowedOrigins: ['null', 'not a url'] }, {})).toEqual({
      permission: 'ask',
      managed: false,
    });
  });
});

describe('_locales', () => {
  it('Vietnamese and English have the same keys: every window text and every error code', async () => {
    const { localeMessages } = await import('../../extension/locales.js');
    const vi = localeMessages('vi');
    const en = localeMessages('en');
    expect(Object.keys(vi).sort()).toEqual(Object.keys(en).sort());
    for (const code of ERROR_CODES) {
      expect(vi[`error_${code}`]!.message).toBe(errorMessage(code, 'vi'));
      expect(en[`error_${code}`]!.message).toBe(errorMessage(code, 'en'));
    }
    expect(vi.extensionName!.message).toContain('Ký số');
    expect(Object.values(vi).every((m) => m.message.length > 0)).toBe(true);
  });
});
