#!/usr/bin/env bash
# Builds the fault-injecting PKCS#11 module into .kyso/fault-module/ (only when the source changed).
# Needs gcc and pkcs11.h from Debian's libp11-kit-dev.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/.kyso/fault-module/libkysofault.so
src=$here/kyso-fault-pkcs11.c
header=/usr/include/p11-kit-1/p11-kit/pkcs11.h
[ -f "$header" ] || { echo "missing $header: apt-get install libp11-kit-dev" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
if [ ! -f "$out" ] || [ "$src" -nt "$out" ]; then
  gcc -shared -fPIC -O2 -Wall -Wextra -Werror -I/usr/include/p11-kit-1 -o "$out" "$src" -ldl
fi
