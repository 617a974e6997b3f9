export * from './common.js';
export * from './errors.js';
export * from './host.js';
export * from './limits.js';
export * from './page.js';
export * from './validate.js';
