/** Native-messaging host registration: locations, manifests, launcher, installer, sandbox advice. */
export * from './locations.js';
export * from './manifest.js';
export * from './launcher.js';
export * from './installer.js';
export * from './windows-registry.js';
export * from './sandboxed-browsers.js';
export * from './program-location.js';
export * from './created-folders.js';
