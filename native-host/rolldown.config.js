// The host ships as two bundles (the host, and the PKCS#11 worker it forks): one file each starts
// far faster than hundreds of ES modules (zod, pkijs). pkcs11js is a native addon, kept external.
// Minified: a loaded module's source stays in memory for as long as the process lives (and source
// with any non-ASCII character is kept at two bytes a character); the idle host is ~0.5 MiB smaller.
// KYSO_NO_MINIFY=1 keeps the names, for readable CPU profiles (bench/README.md).
const minify = !process.env.KYSO_NO_MINIFY;
const common = { platform: 'node', external: ['pkcs11js'] };

export default [
  // The CLI and the WebSocket mode are dynamic imports: separate chunks, loaded only when used.
  // CommonJS (with native-host/bin/package.json): a host without Node's ES-module loader, which
  // alone keeps ~1.8 MiB resident (its modules pull in fs/promises, readline, fs watchers).
  {
    ...common,
    input: { 'kyso-host': 'dist/node/native-host/src/main.js' },
    output: {
      dir: 'dist/host',
      format: 'cjs',
      entryFileNames: '[name].cjs',
      chunkFileNames: 'chunk-[name]-[hash].cjs',
      minify,
    },
  },
  {
    ...common,
    input: 'dist/node/native-host/src/worker/worker-main.js',
    // CommonJS: the worker starts without the ES-module loader (worker/worker-process.ts).
    output: { file: 'dist/host/worker-main.cjs', format: 'cjs', minify },
  },
];
