#!/usr/bin/env bash
# Builds small base images as OCI image layouts with umoci, from the host's own files, so that tests,
# demos and benchmarks never need a container registry on the internet.
#
# Usage: tools/make-base-image.sh VARIANT [--out DIR] [--force] [--push HOST:PORT/REPO:TAG]
#                                 [--format oci|docker] [--modules M1,M2,...]
#   VARIANT   minimal  /bin/sh (dash) + coreutils basics and their shared libraries, /etc/passwd, /tmp
#             busybox  a static busybox (Debian's busybox-static) and its applets: no C library at all
#             busybox-arm64  the same for linux/arm64, Debian's arm64 busybox-static fetched from Debian's
#                      archive by debootstrap --foreign (needs root; on other machines its smoke test
#                      runs under proot -q qemu-aarch64-static: apt-get install qemu-user-static proot)
#             bullseye|bookworm|trixie  Debian 11, 12 or 13 made by debootstrap --variant=minbase from
#                      Debian's archive (needs root and Debian's package mirror)
#             jre      minimal + a Java 17 runtime (jlink from the host JDK's jmods, else a copy of it)
#             big      jre + four layers of host files, jars and random data: six layers, ~300 MB
#                      unpacked (for the pull benchmark)
#   --out     directory holding one OCI layout per variant
#             (default: $LADING_BASE_IMAGES, else ${XDG_CACHE_HOME:-~/.cache}/lading/base-images)
#   --force   rebuild the variant and the variants it builds on, even when cached
#   --push    copy the image to a registry (plain HTTP, no TLS verification) with skopeo
#   --format  manifest format for --push: oci (default) or docker (Docker v2 schema 2)
#   --modules jlink module set for the JRE (default: java.se without java.desktop, plus a few jdk.*)
#
# Prints the layout reference (oci:DIR:latest) on stdout; progress goes to stderr.
# Environment: JDK17_HOME (host JDK, default /usr/lib/jvm/java-17-openjdk-<arch>),
#              SOURCE_DATE_EPOCH (timestamps in the image, default 2024-01-01T00:00:00Z),
#              LADING_JRE_METHOD=jlink|copy (default: jlink when the JDK has jmods).
set -Eeuo pipefail
trap 'echo "make-base-image: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
umask 022
export LC_ALL=C

readonly TAG=latest
# java.se minus java.desktop: java.desktop links X11, freetype, ALSA and friends, which a server base
# image does not want. Pass --modules java.se to get them (their libraries are then copied too).
readonly DEFAULT_MODULES=java.base,java.compiler,java.instrument,java.logging,java.management,java.management.rmi,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.sql.rowset,java.transaction.xa,java.xml,java.xml.crypto,jdk.crypto.ec,jdk.unsupported,jdk.zipfs,jdk.jfr,jdk.management
# What a shell script in the minimal image can count on.
readonly MINIMAL_TOOLS=(sh dash ls cat echo mkdir rmdir env rm cp mv ln chmod chown touch head tail wc sort
  uniq tr cut tee printf sleep id pwd basename dirname date uname readlink realpath stat mktemp true false
  test '[' sha256sum du df expr seq whoami sed grep find xargs mkfifo)

die() { echo "make-base-image: $*" >&2; exit 1; }
log() { echo "make-base-image: $*" >&2; }

usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit "${1:-2}"; }

# ---------------------------------------------------------------------------------------------- options
VARIANT=""
OUT="${LADING_BASE_IMAGES:-${XDG_CACHE_HOME:-$HOME/.cache}/lading/base-images}"
FORCE=0
PUSH=""
FORMAT=oci
MODULES="$DEFAULT_MODULES"
while [ $# -gt 0 ]; do
  case "$1" in
    minimal|jre|big|busybox|busybox-arm64|bullseye|bookworm|trixie) [ -z "$VARIANT" ] || die "only one variant at a time (got $VARIANT and $1)"; VARIANT=$1 ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT=$2; shift ;;
    --out=*) OUT=${1#--out=} ;;
    --force) FORCE=1 ;;
    --push) [ $# -ge 2 ] || die "--push needs HOST:PORT/REPO:TAG"; PUSH=$2; shift ;;
    --push=*) PUSH=${1#--push=} ;;
    --format) [ $# -ge 2 ] || die "--format needs oci or docker"; FORMAT=$2; shift ;;
    --format=*) FORMAT=${1#--format=} ;;
    --modules) [ $# -ge 2 ] || die "--modules needs a comma-separated module list"; MODULES=$2; shift ;;
    --modules=*) MODULES=${1#--modules=} ;;
    -h|--help) usage 0 ;;
    *) echo "make-base-image: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
[ -n "$VARIANT" ] || { echo "make-base-image: which variant? minimal, jre, big, busybox, bullseye, bookworm or trixie" >&2; usage; }
case "$FORMAT" in
  oci) SKOPEO_FORMAT=oci ;;
  docker|v2s2) SKOPEO_FORMAT=v2s2 ;;
  *) die "--format must be oci or docker, not '$FORMAT'" ;;
esac

for tool in umoci tar ldd flock; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed (Debian: apt-get install umoci tar libc-bin util-linux)"
done
[ -z "$PUSH" ] || command -v skopeo >/dev/null || die "--push needs skopeo (apt-get install skopeo)"

case "$(uname -m)" in
  x86_64) ARCH=amd64 ;;
  aarch64) ARCH=arm64 ;;
  ppc64le) ARCH=ppc64le ;;
  s390x) ARCH=s390x ;;
  riscv64) ARCH=riscv64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac
EPOCH="${SOURCE_DATE_EPOCH:-1704067200}"
CREATED="$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
JDK="${JDK17_HOME:-/usr/lib/jvm/java-17-openjdk-$ARCH}"
# The runtime sits where Debian puts it, so `chroot ROOTFS /usr/lib/jvm/.../bin/java` reads naturally.
IMAGE_JAVA_HOME="/usr/lib/jvm/java-17-openjdk-$ARCH"
readonly BASE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Root unpacks with real ownership and can run the chroot smoke test; anyone else goes rootless.
if [ "$(id -u)" -eq 0 ]; then ROOTLESS=(); else ROOTLESS=(--rootless); fi

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd -P)"

# Temporary directories of this run, removed on exit whatever happens.
WORK="$(mktemp -d "$OUT/.work.XXXXXX")"
trap '[ -n "${LADING_KEEP_WORK:-}" ] && echo "make-base-image: work left in $WORK" >&2 || rm -rf "$WORK"' EXIT

# ------------------------------------------------------------------------------------- rootfs helpers
# copy_host_path ROOTFS PATH: copies PATH from the host into ROOTFS at the same path, following a
# chain of symlinks (each link is recreated as a link, its target copied too). Paths already present in
# ROOTFS are left alone, so lower layers are not duplicated.
copy_host_path() {
  local rootfs=$1 path=$2 dir target
  dir="$(readlink -f "${path%/*}/")" || die "cannot resolve the directory of $path"
  path="${dir%/}/${path##*/}"
  if [ -e "$rootfs$path" ] || [ -L "$rootfs$path" ]; then
    return 0
  fi
  mkdir -p "$rootfs$dir"
  if [ -L "$path" ]; then
    target="$(readlink "$path")"
    ln -s "$target" "$rootfs$path"
    case "$target" in
      /*) copy_host_path "$rootfs" "$target" ;;
      *) copy_host_path "$rootfs" "$dir/$target" ;;
    esac
  elif [ -f "$path" ]; then
    cp -p "$path" "$rootfs$path"
  else
    die "cannot copy $path: not a regular file or symlink"
  fi
}

# copy_libraries ROOTFS SKIP_PREFIX FILE...: copies the shared libraries (and the dynamic loader) that
# FILE... link, as ldd resolves them on the host. Libraries under SKIP_PREFIX (the runtime itself) are
# not copied; unresolved ones are reported, except those found under SKIP_PREFIX (libjvm.so, which the
# runtime's own libraries find at run time rather than through their ELF search path).
copy_libraries() {
  local rootfs=$1 skip=$2 kind lib file
  shift 2
  # One ldd for all files (it prints a "FILE:" header before each); static binaries and scripts make
  # it exit non-zero and need nothing, so its status is ignored.
  { ldd "$@" 2>/dev/null || true; } | awk -v file="$1" '
      /^[^ \t].*:$/ { file = substr($0, 1, length($0) - 1); next }
      /=> not found/ { print "missing\t" $1 "\t" file; next }
      { for (i = 1; i <= NF; i++) if ($i ~ /^\//) print "lib\t" $i "\t" }' \
    | sort -u >"$WORK/ldd.out"
  while IFS=$'\t' read -r kind lib file; do
    if [ "$kind" = lib ]; then
      if [ -z "$skip" ] || [[ "$lib" != "$skip"/* ]]; then
        copy_host_path "$rootfs" "$lib"
      fi
    elif [ -z "$skip" ] || [ -z "$(find "$skip" -name "$lib" -print -quit)" ]; then
      log "warning: $file needs $lib, which the host does not have; left out"
    fi
  done <"$WORK/ldd.out"
}

# copy_budget SRC DEST BUDGET_MB [find tests...]: copies regular files and symlinks under the host
# directory SRC to DEST inside the rootfs, in path order, until BUDGET_MB is reached. Gives a realistic
# mix of many small and some large files that is stable on a given host.
copy_budget() {
  local src=$1 dest=$2 budget=$(( $3 * 1024 * 1024 )) list
  shift 3
  [ -d "$src" ] || { log "note: $src does not exist on this host, skipped"; return 0; }
  list="$WORK/budget.list"
  (cd "$src" && find . -xdev \( -type f -o -type l \) "$@" -printf '%s\t%p\n') \
    | sort -t "$(printf '\t')" -k2 \
    | awk -F '\t' -v budget="$budget" '
        full { next }
        total + $1 > budget { full = 1; next }
        { total += $1; print $2 }' >"$list"
  mkdir -p "$ROOTFS$dest"
  tar -C "$src" --no-recursion -cf - -T "$list" | tar -C "$ROOTFS$dest" -xpf -
}

# ---------------------------------------------------------------------------------- layer populators
populate_minimal() {
  local d tool path
  # Mirror the host's merged-/usr links (/bin -> usr/bin ...) so library paths resolve the same way.
  for d in bin sbin lib lib32 lib64 libx32; do
    if [ -L "/$d" ]; then
      ln -s "$(readlink "/$d")" "$ROOTFS/$d"
    elif [ -d "/$d" ]; then
      mkdir -p "$ROOTFS/$d"
    fi
  done
  mkdir -p "$ROOTFS"/{etc,root,home,proc,sys,dev,run,var/tmp,usr/local/bin,usr/bin,usr/sbin}
  chmod 700 "$ROOTFS/root"
  mkdir -p "$ROOTFS/tmp"
  chmod 1777 "$ROOTFS/tmp" "$ROOTFS/var/tmp"
  local paths=()
  for tool in "${MINIMAL_TOOLS[@]}"; do
    # type -P: the file, even for names that are also shell builtins (echo, test, [ ...).
    path="$(PATH=$BASE_PATH type -P "$tool" || true)"
    [ -n "$path" ] || die "the host has no '$tool' to put in the minimal image"
    copy_host_path "$ROOTFS" "$path"
    paths+=("$path")
  done
  copy_libraries "$ROOTFS" "" "${paths[@]}"
  [ -e "$ROOTFS/bin/sh" ] || die "the minimal image has no /bin/sh (the host's sh is $(PATH=$BASE_PATH type -P sh))"
  cat >"$ROOTFS/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
  cat >"$ROOTFS/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
  cat >"$ROOTFS/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
  cat >"$ROOTFS/etc/os-release" <<'EOF'
NAME="Lading test base"
ID=lading-base
PRETTY_NAME="Lading test base image (built from host files by tools/make-base-image.sh)"
EOF
  chmod 644 "$ROOTFS"/etc/{passwd,group,nsswitch.conf,os-release}
  mkdir -p "$ROOTFS/etc/ld.so.conf.d"
  echo 'include /etc/ld.so.conf.d/*.conf' >"$ROOTFS/etc/ld.so.conf"
  local conf
  for conf in libc.conf "$(uname -m)-linux-gnu.conf"; do
    [ ! -f "/etc/ld.so.conf.d/$conf" ] || cp -p "/etc/ld.so.conf.d/$conf" "$ROOTFS/etc/ld.so.conf.d/"
  done
  update_ld_cache
}

# update_ld_cache: regenerates the image's /etc/ld.so.cache. The java launcher finds libjli.so through
# $ORIGIN, which glibc resolves with /proc/self/exe; the cache lets it run where /proc is not mounted
# (a plain chroot).
populate_busybox() {
  local busybox applet
  busybox=$(command -v busybox) || die "busybox is not installed (Debian: apt-get install busybox-static)"
  file -b "$busybox" 2>/dev/null | grep -q 'statically linked' \
    || ldd "$busybox" 2>&1 | grep -q 'not a dynamic executable' \
    || die "$busybox is not static; install busybox-static"
  install_busybox "$busybox" "$busybox"
}

# populate_busybox_arm64: Debian's arm64 busybox-static. debootstrap's first stage (--foreign) fetches
# a release's packages for another architecture and runs none of them; only busybox is kept.
populate_busybox_arm64() {
  local download="$WORK/arm64-download" deb list=()
  [ "$(id -u)" -eq 0 ] || die "$VARIANT: debootstrap needs root"
  command -v debootstrap >/dev/null || die "debootstrap is not installed (Debian: apt-get install debootstrap)"
  if [ "$ARCH" != arm64 ]; then
    command -v qemu-aarch64-static >/dev/null \
      || die "$VARIANT: listing busybox's applets needs qemu-aarch64-static (apt-get install qemu-user-static)"
    list=(qemu-aarch64-static)
  fi
  rm -rf "$download"
  debootstrap --arch=arm64 --foreign --variant=minbase --include=busybox-static bookworm "$download" \
      >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 20 "$WORK/debootstrap.log" >&2
    die "$VARIANT: debootstrap --foreign failed (its last lines are above)"
  }
  deb=$(find "$download/var/cache/apt/archives" -name 'busybox-static_*_arm64.deb' | head -n1)
  [ -n "$deb" ] || die "$VARIANT: debootstrap fetched no busybox-static for arm64"
  dpkg-deb -x "$deb" "$WORK/arm64-busybox"
  rm -rf "$download"
  install_busybox "$WORK/arm64-busybox/bin/busybox" "${list[@]}" "$WORK/arm64-busybox/bin/busybox"
  rm -rf "$WORK/arm64-busybox"
}

# install_busybox BUSYBOX RUN...: BUSYBOX as /bin/busybox with a link per applet (RUN... --list lists
# them), passwd and group.
install_busybox() {
  local busybox=$1 applet
  shift
  mkdir -p "$ROOTFS"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev}
  chmod 700 "$ROOTFS/root"
  chmod 1777 "$ROOTFS/tmp"
  cp "$busybox" "$ROOTFS/bin/busybox"
  for applet in $("$@" --list); do
    [ -e "$ROOTFS/bin/$applet" ] || ln -s busybox "$ROOTFS/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ROOTFS/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOTFS/etc/group"
}

populate_debian() {
  [ "$(id -u)" -eq 0 ] || die "$VARIANT: debootstrap needs root"
  command -v debootstrap >/dev/null || die "debootstrap is not installed (Debian: apt-get install debootstrap)"
  # Into an empty directory: debootstrap refuses a tree it did not make.
  find "$ROOTFS" -mindepth 1 -delete
  debootstrap --variant=minbase "$VARIANT" "$ROOTFS" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 20 "$WORK/debootstrap.log" >&2
    die "$VARIANT: debootstrap failed (its last lines are above)"
  }
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/*
}

update_ld_cache() {
  if command -v ldconfig >/dev/null; then
    ldconfig -X -r "$ROOTFS"
  else
    log "note: no ldconfig on the host; the image has no /etc/ld.so.cache"
  fi
}

populate_jre() {
  local method="${LADING_JRE_METHOD:-}" java_home="$ROOTFS$IMAGE_JAVA_HOME"
  [ -x "$JDK/bin/java" ] || die "no Java 17 JDK at $JDK (apt-get install openjdk-17-jdk-headless, or set JDK17_HOME)"
  if [ -z "$method" ]; then
    if [ -x "$JDK/bin/jlink" ] && [ -f "$JDK/jmods/java.base.jmod" ]; then method=jlink; else method=copy; fi
  fi
  mkdir -p "$(dirname "$java_home")"
  case "$method" in
    jlink)
      log "jre: jlink --add-modules $MODULES"
      "$JDK/bin/jlink" --module-path "$JDK/jmods" --add-modules "$MODULES" \
        --strip-debug --no-man-pages --no-header-files --compress=2 --output "$java_home"
      ;;
    copy)
      # No jmods (Debian: openjdk-17-jmods): copy the runtime parts of the JDK. Debian links several of
      # them into /etc/java-17-openjdk and /etc/ssl; -h stores the files the links point to.
      log "jre: copying the runtime of $JDK (no jmods; apt-get install openjdk-17-jmods for a smaller jlink runtime)"
      mkdir -p "$java_home"
      tar -C "$JDK" -chf - --ignore-failed-read --warning=no-failed-read \
          --exclude=src.zip --exclude=ct.sym --exclude='*.debuginfo' --exclude=libatk-wrapper.so \
          --exclude=jmods --exclude=include --exclude=demo --exclude=man --exclude=legal \
          bin/java bin/keytool lib conf release \
        | tar -C "$java_home" -xpf -
      ;;
    *) die "LADING_JRE_METHOD must be jlink or copy, not '$method'" ;;
  esac
  local elves=()
  mapfile -t elves < <(find "$java_home" -type f \( -path '*/bin/*' -o -name '*.so' \))
  copy_libraries "$ROOTFS" "$java_home" "${elves[@]}"
  mkdir -p "$ROOTFS/etc/ld.so.conf.d"
  echo "$IMAGE_JAVA_HOME/lib" >"$ROOTFS/etc/ld.so.conf.d/java-17.conf"
  update_ld_cache
}

# The budgets below add up, with minimal + jre, to about 300 MB unpacked across six layers.
populate_big_share() {
  copy_budget /usr/share/doc /usr/share/doc 40
  copy_budget /usr/share/locale /usr/share/locale 30
  copy_budget /usr/share/zoneinfo /usr/share/zoneinfo 10
  copy_budget /usr/share/perl /usr/share/perl 15
}

populate_big_libs() {
  local multiarch
  multiarch="/usr/lib/$(uname -m)-linux-gnu"
  copy_budget "$multiarch" "$multiarch" 60
  copy_budget /usr/lib/python3.11 /usr/lib/python3.11 25 -not -name '*.pyc'
}

populate_big_app() {
  # Jars are already deflated: they compress badly, as an application's dependencies do.
  copy_budget /usr/share/java /app/lib/system 15 -name '*.jar'
  copy_budget "$HOME/.m2/repository" /app/lib/maven 40 -name '*.jar'
}

populate_big_data() {
  # 60 MB of incompressible data, the same on every run (AES-CTR keystream), else urandom.
  local size=$((60 * 1024 * 1024)) random="$ROOTFS/app/data/random.bin"
  mkdir -p "$ROOTFS/app/data"
  if command -v openssl >/dev/null; then
    # openssl fails with a broken pipe once head has enough; the size check below is the real test.
    { openssl enc -aes-256-ctr -nosalt -pbkdf2 -pass pass:lading-bench -in /dev/zero 2>/dev/null || true; } \
      | head -c "$size" >"$random"
  else
    head -c "$size" /dev/urandom >"$random"
  fi
  [ "$(stat -c %s "$random")" -eq "$size" ] || die "could not write $size bytes of random data"
  # A few hundred small generated files, text-like and compressible.
  mkdir -p "$ROOTFS/app/config"
  awk -v dir="$ROOTFS/app/config" 'BEGIN {
    for (i = 1; i <= 300; i++) {
      f = sprintf("%s/part-%03d.properties", dir, i)
      for (j = i; j <= i * 40; j += 7) printf "config.%d.key%d = value-%d\n", i, j, j * 31 > f
      close(f)
    }
  }'
}

# ---------------------------------------------------------------------------------------- image steps
# add_layer NAME POPULATE: runs POPULATE against $ROOTFS and repacks what it changed as one new layer.
add_layer() {
  local name=$1 populate=$2 marker="$WORK/marker.$1"
  touch "$marker"
  sleep 0.01
  "$populate"
  # Everything this layer created or changed gets the same timestamp, so rebuilding gives the same tar.
  find "$ROOTFS" -cnewer "$marker" -exec touch -h -d "@$EPOCH" {} +
  log "$VARIANT: repacking layer '$name'"
  umoci repack --image "$LAYOUT_TMP:$TAG" --refresh-bundle \
    --history.created "$CREATED" --history.created_by "tools/make-base-image.sh $VARIANT: $name" \
    --history.comment "$name" "$BUNDLE"
}

# configure ARGS...: sets the image configuration (no history entry: it adds no layer).
configure() {
  umoci config --image "$LAYOUT_TMP:$TAG" --no-history --created "$CREATED" \
    --os linux --architecture "${IMAGE_ARCH:-$ARCH}" "$@"
}

# smoke_test LAYOUT CMD...: unpacks the finished image afresh and runs CMD in a chroot of it.
smoke_test() {
  local layout=$1 check="$WORK/check"
  shift
  if [ "$(id -u)" -ne 0 ]; then
    log "note: not root, so the chroot smoke test is skipped"
    return 0
  fi
  rm -rf "$check"
  umoci unpack --image "$layout:$TAG" "$check" >/dev/null
  local run=(chroot "$check/rootfs")
  if [ "${IMAGE_ARCH:-$ARCH}" != "$ARCH" ]; then
    # Another machine's programs: the kernel here may have no binfmt_misc entry for them.
    run=(proot -q qemu-aarch64-static -w / -r "$check/rootfs")
  fi
  if ! timeout 60 "${run[@]}" "$@" >"$WORK/smoke.out" 2>&1; then
    cat "$WORK/smoke.out" >&2
    die "$VARIANT: the image does not run: chroot ROOTFS $* failed (output above)"
  fi
  log "$VARIANT: chroot ROOTFS $* -> $(head -n1 "$WORK/smoke.out")"
  SMOKE_SIZE="$(du -sh "$check/rootfs" | cut -f1)"
  rm -rf "$check"
}

# build VARIANT: makes $OUT/VARIANT unless it is cached (and --force is off). Builds its parent first.
build() {
  local variant=$1 parent="" final="$OUT/$1"
  case "$variant" in
    minimal) ;;
    jre) parent=minimal ;;
    big) parent=jre ;;
  esac
  [ -z "$parent" ] || build "$parent"
  if [ -f "$final/index.json" ] && [ "$FORCE" -eq 0 ]; then
    log "$variant: cached in $final (--force rebuilds)"
    return 0
  fi
  VARIANT=$variant
  LAYOUT_TMP="$WORK/$variant.layout"
  BUNDLE="$WORK/$variant.bundle"
  ROOTFS="$BUNDLE/rootfs"
  rm -rf "$LAYOUT_TMP" "$BUNDLE"
  if [ -z "$parent" ]; then
    umoci init --layout "$LAYOUT_TMP"
    umoci new --image "$LAYOUT_TMP:$TAG"
  else
    cp -a "$OUT/$parent" "$LAYOUT_TMP"
  fi
  umoci unpack "${ROOTLESS[@]}" --image "$LAYOUT_TMP:$TAG" "$BUNDLE" >/dev/null

  # shellcheck disable=SC2016 # expanded by the image's shell, not this one
  local smoke=(/bin/sh -c 'echo ok from $(ls / | wc -l) top-level entries')
  case "$variant" in
    busybox-arm64)
      IMAGE_ARCH=arm64
      add_layer base populate_busybox_arm64
      configure --clear config.env --config.env "PATH=$BASE_PATH" --config.cmd /bin/sh \
        --config.label org.opencontainers.image.title=lading-busybox-arm64
      ;;
    busybox)
      add_layer base populate_busybox
      configure --clear config.env --config.env "PATH=$BASE_PATH" --config.cmd /bin/sh \
        --config.label org.opencontainers.image.title=lading-busybox
      ;;
    bullseye|bookworm|trixie)
      add_layer debootstrap populate_debian
      configure --clear config.env --config.env "PATH=$BASE_PATH" --config.cmd /bin/bash \
        --config.label "org.opencontainers.image.title=lading-debian-$variant"
      smoke=(/bin/sh -c 'echo Debian $(cat /etc/debian_version)')
      ;;
    minimal)
      add_layer base populate_minimal
      configure --clear config.env --config.env "PATH=$BASE_PATH" --config.cmd /bin/sh \
        --config.label org.opencontainers.image.title=lading-minimal
      ;;
    jre)
      add_layer java-runtime populate_jre
      configure --clear config.env --config.env "PATH=$IMAGE_JAVA_HOME/bin:$BASE_PATH" \
        --config.env "JAVA_HOME=$IMAGE_JAVA_HOME" --config.env LANG=C.UTF-8 \
        --clear config.cmd --config.cmd java --config.cmd -version \
        --config.label org.opencontainers.image.title=lading-jre
      smoke=("$IMAGE_JAVA_HOME/bin/java" -version)
      ;;
    big)
      add_layer share-files populate_big_share
      add_layer libraries populate_big_libs
      add_layer application populate_big_app
      add_layer data populate_big_data
      configure --config.label org.opencontainers.image.title=lading-big \
        --config.workingdir /app
      smoke=(/bin/sh -c "echo \$(find / -xdev -type f | wc -l) files, \$($IMAGE_JAVA_HOME/bin/java -version 2>&1 | head -n1)")
      ;;
  esac
  umoci gc --layout "$LAYOUT_TMP"
  SMOKE_SIZE="?"
  smoke_test "$LAYOUT_TMP" "${smoke[@]}"
  rm -rf "$BUNDLE"
  # Appear complete or not at all: move the finished layout into place in one rename.
  if [ -e "$final" ]; then
    mv "$final" "$WORK/$variant.old"
  fi
  mv "$LAYOUT_TMP" "$final"
  sync -f "$final/index.json" 2>/dev/null || true
  summarize "$final" "$SMOKE_SIZE"
}

# summarize LAYOUT SIZE: one line per layer (compressed size) and the unpacked size.
summarize() {
  local layout=$1 manifest total=0 size n=0
  command -v jq >/dev/null || return 0
  manifest="$(jq -r --arg t "$TAG" \
    '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
    "$layout/index.json" 2>/dev/null | cut -d: -f2)" || return 0
  [ -n "$manifest" ] || return 0
  while read -r size; do
    n=$((n + 1)); total=$((total + size))
  done < <(jq -r '.layers[].size' "$layout/blobs/sha256/$manifest")
  log "$VARIANT: $n layers, $((total / 1024 / 1024)) MB compressed, $2 unpacked, manifest sha256:$manifest"
}

(
  # One builder at a time per output directory: parallel test runs share the cache safely.
  flock 9
  build "$VARIANT"
) 9>"$OUT/.lock"

REF="oci:$OUT/$VARIANT:$TAG"
if [ -n "$PUSH" ]; then
  log "pushing $REF to docker://$PUSH ($FORMAT)"
  timeout 600 skopeo --insecure-policy copy --quiet --dest-tls-verify=false --format "$SKOPEO_FORMAT" \
    "$REF" "docker://$PUSH" >&2
fi
echo "$REF"
