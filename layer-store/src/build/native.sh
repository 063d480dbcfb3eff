#!/usr/bin/env bash
# Builds the owner-log library (src/main/c/owner-log.c) for this machine's architecture into the
# classes directory, where OwnerLog finds it (dev/lading/exec/native/ARCH/libowner-log.so).
# Freestanding: no libc at link time, so it loads into glibc and musl programs alike.
# Without a C compiler the jar has no library and steps under plain proot record no chown (the log
# says so); CI must have one.
set -euo pipefail
src="$1"
classes="$2"
cc="${CC:-cc}"
if ! command -v "$cc" >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "native.sh: no C compiler ($cc) to build owner-log.c; install gcc" >&2
    exit 1
  fi
  echo "[WARNING] no C compiler ($cc): building without the owner-log library (plain proot steps will not record chown)" >&2
  exit 0
fi
out="$classes/dev/lading/exec/native/$(uname -m)"
mkdir -p "$out"
# The same bytes on every build: no build id, no debug paths.
"$cc" -O2 -fPIC -shared -nostdlib -fno-stack-protector -fno-builtin -U_FORTIFY_SOURCE -fvisibility=hidden \
  -Wall -Wextra -Werror -Wl,--build-id=none -Wl,-z,now -s \
  -o "$out/libowner-log.so.tmp" "$src/owner-log.c"
mv "$out/libowner-log.so.tmp" "$out/libowner-log.so"
