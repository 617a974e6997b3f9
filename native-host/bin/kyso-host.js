#!/usr/bin/env node
// Entry point for browsers and people; the bundled host lives in dist/host (npm run build:host).
import '../../dist/host/kyso-host.js';
