#!/usr/bin/env node
// Entry point for browsers and people; the compiled host lives in dist/node (npm run build:host).
import '../../dist/node/native-host/src/main.js';
