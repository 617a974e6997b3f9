/**
 * The extension's identity in each browser. The Chromium ID is derived from the public key in the
 * manifest's "key" (so unpacked dev builds and the store build share one ID); Firefox uses the gecko id.
 * The native host's manifest allows exactly these.
 */
export const EXTENSION_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnFhr5ROfpFHFjB0j/G+JxJIHd2hjKOg68+DHsz0IrWZsb/LXpg4xKA4gLQpEc1iexqpTDMOPI2tlHZ/zfpfB5EXkbPTm1JQLwaicReU/0i58+tFXJu8SOQVGN27qLT/dAKEO1Lb/pTMwtALZ+bzW6B8OHmA17MAFlEOSNWiyxep7gI2SWOXCR+Dt70pwgjuLkMX+BjW5fAQxhrmcSeuz1jiPdyPjXoMrPpO9iqWwyogjoNog1MN1JA9E/DK1B8C/qpvYxXDh/c5IhJ+WgTBvnwvYMzoMAJeuejU70Qo/nZnSR9Zspx/ngIUa/9R8nCobmJScDqzAHfE1mVQghXUbCwIDAQAB';
export const CHROMIUM_EXTENSION_ID = 'anlcenadaodlpbpalpicanppjiejhbpp';
export const FIREFOX_EXTENSION_ID = 'kyso@kyso.vn';
