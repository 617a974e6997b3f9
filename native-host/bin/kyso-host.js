#!/usr/bin/env node
// Entry point for browsers and people; the compiled host lives in dist/host (npm run build:host).
import '../../dist/host/native-host/src/main.js';
