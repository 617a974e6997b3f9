#!/usr/bin/env bash
# Builds the fault-injecting PKCS#11 module into .kyso/fault-module/libkysofault.so (only when the
# source or this script changed). Needs gcc and pkcs11.h from Debian's libp11-kit-dev.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/.kyso/fault-module/libkysofault.so
src=$here/kyso-fault-pkcs11.c
header=/usr/include/p11-kit-1/p11-kit/pkcs11.h
[ -f "$header" ] || { echo "build.sh: missing $header (PKCS#11 header): apt-get install libp11-kit-dev" >&2; exit 1; }
command -v gcc >/dev/null || { echo "build.sh: gcc not found: apt-get install gcc" >&2; exit 1; }
if [ -f "$out" ] && [ ! "$src" -nt "$out" ] && [ ! "$here/build.sh" -nt "$out" ]; then exit 0; fi
mkdir -p "$(dirname "$out")"
# Several test files build at once: compile to a private name and rename, so that nobody
# dlopen()s a half-written library.
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -I/usr/include/p11-kit-1 -o "$tmp" "$src" -ldl
chmod 755 "$tmp"
mv -f "$tmp" "$out"
