#!/usr/bin/env node
// Entry point for browsers and people; the bundled host lives in dist/host (npm run build:host).
// CommonJS (see package.json here): started without the ES-module loader.
require('../../dist/host/kyso-host.cjs');
