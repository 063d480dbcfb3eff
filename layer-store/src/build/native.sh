#!/usr/bin/env bash
# Builds Lading's two native parts into the classes directory, under dev/lading/exec/native/ARCH/
# (ARCH as uname -m names it), for this machine's architecture and for the other of x86_64 and
# aarch64 where its cross compiler (ARCH-linux-gnu-gcc) is installed:
# - libowner-log.so (src/main/c/owner-log.c, OwnerLog), preloaded into the image's programs under
#   plain proot (also an emulated image's, hence both architectures). Freestanding: no libc at link
#   time, so it loads into glibc and musl programs alike.
# - lading-step (src/main/c/step-helper.c, StepHelper), the init and system-call filter each step
#   runs behind on the host. Static, so that it runs on any Linux host of its architecture.
# Without a compiler the jar lacks them for that architecture (plain proot steps record no chown,
# steps run without the init and filter; the build log says so); CI must have both
# (tools/install-deps.sh).
set -euo pipefail
src="$1"
classes="$2"
host="$(uname -m)"

build() { # COMPILER ARCH
  local out="$classes/dev/lading/exec/native/$2"
  mkdir -p "$out"
  # The same bytes on every build: no build id, no symbols beyond the dynamic ones.
  "$1" -O2 -fPIC -shared -nostdlib -fno-stack-protector -fno-builtin -U_FORTIFY_SOURCE -fvisibility=hidden \
    -Wall -Wextra -Werror -Wl,--build-id=none -Wl,-z,now -s \
    -o "$out/libowner-log.so.tmp" "$src/owner-log.c"
  mv "$out/libowner-log.so.tmp" "$out/libowner-log.so"
  "$1" -O2 -static -Wall -Wextra -Werror -Wl,--build-id=none -s \
    -o "$out/lading-step.tmp" "$src/step-helper.c"
  mv "$out/lading-step.tmp" "$out/lading-step"
}

missing() { # COMPILER ARCH PACKAGE
  if [ "${CI:-}" = true ]; then
    echo "native.sh: no C compiler for $2 ($1) to build owner-log.c and step-helper.c; apt-get install $3" >&2
    exit 1
  fi
  echo "[WARNING] no C compiler for $2 ($1): no owner-log library and step helper for it (plain proot steps of $2 programs will not record chown; on a $2 host, steps run without the init and system-call filter)" >&2
}

cc="${CC:-cc}"
if command -v "$cc" >/dev/null 2>&1; then
  build "$cc" "$host"
else
  missing "$cc" "$host" gcc
fi
for arch in x86_64 aarch64; do
  [ "$arch" != "$host" ] || continue
  cross="$arch-linux-gnu-gcc"
  if command -v "$cross" >/dev/null 2>&1; then
    build "$cross" "$arch"
  else
    missing "$cross" "$arch" "gcc-${arch//_/-}-linux-gnu"
  fi
done
