// The host ships as two bundles (the host, and the PKCS#11 worker it forks): one file each starts
// far faster than hundreds of ES modules (zod, pkijs). pkcs11js is a native addon, kept external.
const common = { platform: 'node', external: ['pkcs11js'] };

export default [
  { ...common, input: 'dist/node/native-host/src/main.js', output: { file: 'dist/host/kyso-host.js', format: 'esm' } },
  { ...common, input: 'dist/node/native-host/src/worker/worker-main.js', output: { file: 'dist/host/worker-main.js', format: 'esm' } },
];
