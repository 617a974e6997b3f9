/** One version for SDK, extension and host: they are released together. */
export const KYSO_VERSION = '0.1.0';

/**
 * The wire protocol's major version. SDK, extension and host must agree on it; a mismatch is
 * VERSION_MISMATCH naming the part that needs updating (checked by extension/src/background/page-messages.ts
 * for the SDK and by the host's hello, answered in native-host/src/commands.ts).
 */
export const PROTOCOL_VERSION = 1;

/** Native-messaging host name, registered with each browser by `kyso-host install`. */
export const NATIVE_HOST_NAME = 'vn.kyso.host';
