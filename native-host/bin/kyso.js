#!/usr/bin/env node
// The user-facing command line (sign, list); same program as kyso-host, started by a person.
import '../../dist/host/kyso-host.js';
