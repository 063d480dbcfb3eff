#!/usr/bin/env bash
# Benchmark: Dockerfiles with RUN steps built cold by `lading build` as nobody (no root, no daemon,
# no user namespaces) and by buildah as root (`bud --layers --isolation chroot`, vfs storage, the
# reference), side by side in one run; then a no-change rebuild by Lading (every step from its step
# cache). Prints the median times and the ratios lading/buildah.
# Aims (issue 9): cold at most 0.50x buildah's time; a no-change rebuild under 2 s.
#
# The Dockerfiles (bases made by tools/make-base-image.sh, cached):
#   files     minimal base: a RUN that creates 20,000 files, then a RUN that deletes and changes some
#   apt       Debian 12 base: apt-get update && apt-get install -y curl (reaches Debian's archive)
#   apt13     the same on a Debian 13 base (a newer glibc than a Debian 12 host's: proot with the
#             host's libfakeroot instead of fakechroot); only with --only apt13
#   apt11     the same on a Debian 11 base (an older glibc: proot with Debian 11's own libfakeroot);
#             only with --only apt11
#
# Lading runs through the distribution's launcher (bin/lading, its JVM settings and class-data
# archive), as users run it; --jar runs `java -jar PATH` instead. LADING_WORK_DIR, when set, is
# passed to Lading (where it unpacks and runs the stages, e.g. /dev/shm).
#
# Usage: bench/run-vs-buildah.sh [--runs N] [--only files|apt|apt13|apt11] [--dist DIR | --jar PATH] [--keep]
#                                [--fresh-fs] [--build-flag FLAG]...
#   (as root: buildah needs it, and Lading is run as nobody through runuser)
#   --fresh-fs  run everything on a new 16 GiB ext4 file system (a loop-mounted sparse file under
#               /var/tmp): a disk that has seen many trees created and removed makes creating
#               files several times slower (ext4 skips recently freed inodes), for both tools, and
#               by how much drifts from minute to minute
#   --build-flag  one more word for Lading's build command, e.g. --build-flag --compression-level
#               --build-flag 1 (repeatable; shown in the table's header)
set -Eeuo pipefail
trap 'echo "run-vs-buildah: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
export LC_ALL=C

die() { echo "run-vs-buildah: $*" >&2; exit 1; }
log() { echo "run-vs-buildah: $*" >&2; }
usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit "$1"; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
RUNS=3
ONLY=""
JAR=""
DIST="${LADING_DIST:-$ROOT/mirror-server/target/lading-dist}"
KEEP=0
FRESH_FS=0
BUILD_FLAGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; shift ;;
    --only) [ $# -ge 2 ] || die "--only needs files, apt, apt13 or apt11"; ONLY=$2; shift ;;
    --jar) [ $# -ge 2 ] || die "--jar needs a path"; JAR=$2; shift ;;
    --dist) [ $# -ge 2 ] || die "--dist needs a directory"; DIST=$2; shift ;;
    --keep) KEEP=1 ;;
    --fresh-fs) FRESH_FS=1 ;;
    --build-flag) [ $# -ge 2 ] || die "--build-flag needs a word"; BUILD_FLAGS+=("$2"); shift ;;
    -h|--help) usage 0 ;;
    *) echo "run-vs-buildah: unknown argument '$1'" >&2; usage 2 ;;
  esac
  shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number, not '$RUNS'"
[ "$(id -u)" -eq 0 ] || die "run as root (buildah needs it; Lading runs as nobody through runuser)"
for tool in buildah runuser java umoci; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed (Debian: apt-get install buildah util-linux default-jre umoci)"
done
if [ -n "$JAR" ]; then
  [ -f "$JAR" ] || die "$JAR is missing"
else
  [ -x "$DIST/bin/lading" ] || die "$DIST/bin/lading is missing: run 'mvn -B -o -q -pl layer-store,mirror-server -am package -DskipTests' first"
fi

MOUNT=""
if [ "$FRESH_FS" = 1 ]; then
  command -v mkfs.ext4 >/dev/null || die "--fresh-fs needs mkfs.ext4 (Debian: apt-get install e2fsprogs)"
  IMAGE=$(mktemp /var/tmp/lading-bench-fs.XXXXXX)
  MOUNT=$(mktemp -d /var/tmp/lading-bench-mnt.XXXXXX)
  truncate -s 16G "$IMAGE"
  mkfs.ext4 -q -F "$IMAGE"
  mount -o loop "$IMAGE" "$MOUNT" || { rm -f "$IMAGE"; rmdir "$MOUNT"; die "could not mount a loop file system (no loop devices here?); run without --fresh-fs"; }
  chmod 1777 "$MOUNT"
  WORK=$(mktemp -d "$MOUNT/lading-run-vs-buildah.XXXXXX")
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/lading-run-vs-buildah.XXXXXX")
fi
chmod 755 "$WORK"
cleanup() {
  if [ "$KEEP" = 1 ]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  if [ -n "$MOUNT" ] && [ "$KEEP" != 1 ]; then
    umount "$MOUNT" && rmdir "$MOUNT" && rm -f "$IMAGE"
  fi
}
trap cleanup EXIT
if [ -n "$JAR" ]; then
  cp "$JAR" "$WORK/lading.jar"
  chmod 644 "$WORK/lading.jar"
  LADING=(java -jar "$WORK/lading.jar")
else
  # A copy nobody can read, with its class-data archive made again for the copy's jar path (the
  # launcher checks the path, and nobody has no cache to make one in).
  cp -a "$DIST" "$WORK/dist"
  java -Xshare:dump -XX:SharedClassListFile="$WORK/dist/lib/lading.classlist" \
    -XX:SharedArchiveFile="$WORK/dist/lib/lading.jsa" -cp "$WORK/dist/lib/lading.jar" >/dev/null 2>&1 \
    || die "could not make the class-data archive for $WORK/dist"
  LADING_CDS=key "$WORK/dist/bin/lading" >"$WORK/dist/lib/lading.jsa.key"
  chmod -R a+rX "$WORK/dist"
  LADING=("$WORK/dist/bin/lading")
fi

# Bases in a directory nobody can read (root's home cannot be), cached between runs.
BASES="${LADING_BASE_IMAGES:-/var/tmp/lading-base-images}"
layout() { bash "$ROOT/tools/make-base-image.sh" "$1" --out "$BASES" | tail -n 1; }

# make_case NAME BASE-VARIANT: writes $WORK/NAME/Dockerfile.
make_case() {
  local name=$1 base
  base=$(layout "$2")
  local dir="$WORK/$name"
  mkdir -p "$dir"
  case "$name" in
    files)
      cat >"$dir/Dockerfile" <<EOF
FROM $base
RUN mkdir -p /data && cd /data && for d in \$(seq 1 100); do mkdir d\$d; for f in \$(seq 1 200); do echo "\$d \$f" > d\$d/f\$f; done; done
RUN cd /data && rm -r d1 d2 d3 d4 d5 && for f in \$(seq 1 200); do echo changed >> d50/f\$f; done && chmod -R go-w d60
EOF
      ;;
    apt|apt13|apt11)
      cat >"$dir/Dockerfile" <<EOF
FROM $base
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
EOF
      ;;
  esac
  chmod -R a+rX "$WORK" "$BASES"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

lading() {  # lading STORE ARGS...: as nobody, home /nonexistent
  local store=$1
  shift
  runuser -u nobody -- env HOME=/nonexistent LADING_STORE="$store" ${LADING_WORK_DIR:+LADING_WORK_DIR="$LADING_WORK_DIR"} \
    ${LADING_OPTS:+LADING_OPTS="$LADING_OPTS"} "${LADING[@]}" "$@"
}

cases=(files apt)
[ -z "$ONLY" ] || cases=("$ONLY")
printf '%-8s %12s %12s %8s %14s\n' case "lading (s)" "buildah (s)" ratio "rebuild (s)" >"$WORK/table"
for name in "${cases[@]}"; do
  case "$name" in
    files) make_case files minimal ;; apt) make_case apt bookworm ;; apt13) make_case apt13 trixie ;; apt11) make_case apt11 bullseye ;;
    *) die "no case '$name'" ;;
  esac
  : >"$WORK/$name.lading"
  : >"$WORK/$name.buildah"
  : >"$WORK/$name.rebuild"
  for run in $(seq 1 "$RUNS"); do
    store="$WORK/store-$name-$run"
    mkdir -p "$store" && chown nobody "$store"
    sync # the previous run's dirty pages are written back before the clock starts, not during
    start=$(now)
    lading "$store" build -q "${BUILD_FLAGS[@]}" -t "$name:$run" "$WORK/$name" >/dev/null 2>"$WORK/$name.lading.log" \
      || { cat "$WORK/$name.lading.log" >&2; die "lading build of $name failed"; }
    elapsed "$start" "$(now)" >>"$WORK/$name.lading"
    start=$(now)
    lading "$store" build -q "${BUILD_FLAGS[@]}" -t "$name:$run" "$WORK/$name" >/dev/null 2>>"$WORK/$name.lading.log"
    elapsed "$start" "$(now)" >>"$WORK/$name.rebuild"

    storage="$WORK/buildah-$name-$run"
    sync
    start=$(now)
    buildah --storage-driver vfs --root "$storage/root" --runroot "$storage/run" bud --layers \
      --isolation chroot -q -t "$name" "$WORK/$name" >/dev/null 2>"$WORK/$name.buildah.log" \
      || { cat "$WORK/$name.buildah.log" >&2; die "buildah bud of $name failed"; }
    elapsed "$start" "$(now)" >>"$WORK/$name.buildah"
    # Removed at the end, not here: ext4 skips inodes freed in the last minutes when it allocates,
    # so removing a run's trees right before the next run made file creation several times slower
    # for whichever tool ran next.
    log "$name run $run: lading $(tail -n1 "$WORK/$name.lading") s, buildah $(tail -n1 "$WORK/$name.buildah") s, rebuild $(tail -n1 "$WORK/$name.rebuild") s"
  done
  l=$(median <"$WORK/$name.lading")
  b=$(median <"$WORK/$name.buildah")
  r=$(median <"$WORK/$name.rebuild")
  printf '%-8s %12s %12s %8s %14s\n' "$name" "$l" "$b" "$(awk -v l="$l" -v b="$b" 'BEGIN { printf "%.2f", l / b }')" "$r" >>"$WORK/table"
done
echo
echo "lading: ${LADING[*]}${BUILD_FLAGS[*]:+ build ${BUILD_FLAGS[*]}}${LADING_WORK_DIR:+, LADING_WORK_DIR=$LADING_WORK_DIR}${LADING_OPTS:+, LADING_OPTS=$LADING_OPTS}${MOUNT:+; on a fresh ext4 file system}"
echo "median of $RUNS cold builds each; ratio = lading / buildah (aim <= 0.50); rebuild = no change (aim < 2 s)"
cat "$WORK/table"
