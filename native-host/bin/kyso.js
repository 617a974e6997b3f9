#!/usr/bin/env node
// The user-facing command line (sign, list); same program as kyso-host, started by a person.
// CommonJS (see package.json here): started without the ES-module loader.
require('../../dist/host/kyso-host.cjs');
