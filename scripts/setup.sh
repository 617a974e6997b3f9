#!/usr/bin/env bash
# Installs what kyso needs on a fresh Debian machine (system packages, then npm dependencies).
# Safe to run again: apt-get and npm ci skip what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  chromium firefox-esr          # the browsers the e2e tests drive (Debian builds, via puppeteer-core)
  softhsm2 opensc               # the test/demo PKCS#11 token and pkcs11-tool
  openssl faketime              # test CA; faketime issues the deliberately expired test certificate
  poppler-utils xmlsec1         # independent verifiers: pdfsig, xmlsec1
  poppler-data                  # CMaps for PDFs with non-embedded CJK fonts (the preview test compares with poppler); not pulled in by poppler-utils
  libnss3-tools                 # certutil: the NSS trust store pdfsig reads
  qpdf                          # reads the PAdES DSS (B-LT/B-LTA); --check judges the signed PDF corpus; builds object-stream PDFs
  libp11-kit-dev gcc make g++ python3  # pkcs11.h for the fault-injecting module; node-gyp for pkcs11js
  xvfb xauth                    # a display for headed browser runs
  fonts-dejavu-core             # a font with Vietnamese glyphs for screenshots
  zip unzip binutils            # npm run package: extension zips, strip; the package tests unpack them
  time                          # GNU time: a process's peak memory (the stream-bomb test)
  libopenjp2-tools              # opj_compress: a JPEG 2000 image for the consent window's preview test
  openjdk-17-jdk-headless php-cli php-curl  # run docs/clients' Java and PHP verifier clients (verifier-clients test)
  mono-mcs mono-runtime libmono-system-net-http4.0-cil libmono-system-runtime-serialization4.0-cil  # … and the C# one
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
npm ci --no-audit --no-fund
