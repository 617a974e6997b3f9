#!/usr/bin/env bash
# The main job in one command, on a fresh Debian machine: install what kyso needs, build it, make a
# SoftHSM demo token, register the host for a private Chromium profile, start the demo portal and
# sign on it. With a display, Chromium opens for you to click "Ký số" yourself; without one, the
# demo walks through the signing headless and prints what the portal verified.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build
node dist/node/demo/run.js "$@"
