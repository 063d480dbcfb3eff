# Shared by bench/copy-vs-skopeo.sh, bench/unpack-vs-umoci.sh and bench/startup.sh (sourced, not
# run): option defaults, the work directory, timing with GNU time, medians, the 2 GB image.
# The sourcing script sets NAME (for messages) before sourcing.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
export LC_ALL=C

die() { echo "$NAME: $*" >&2; exit 1; }
log() { echo "$NAME: $*" >&2; }
usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit "$1"; }

RUNS=3
LADING="${LADING:-$ROOT/mirror-server/target/lading-dist/bin/lading}"
STEP_TIMEOUT=600
WORKDIR=""
KEEP=0
BIG=0

# common_option ARGS...: handles one option shared by all scripts; sets SHIFT to how many it took, or
# 0 when the option is not a common one.
common_option() {
  SHIFT=1
  case "$1" in
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; SHIFT=2 ;;
    --lading) [ $# -ge 2 ] || die "--lading needs a path"; LADING=$2; SHIFT=2 ;;
    --step-timeout) [ $# -ge 2 ] || die "--step-timeout needs seconds"; STEP_TIMEOUT=$2; SHIFT=2 ;;
    --workdir) [ $# -ge 2 ] || die "--workdir needs a directory"; WORKDIR=$2; SHIFT=2 ;;
    --keep) KEEP=1 ;;
    --big) BIG=1 ;;
    -h|--help) usage 0 ;;
    *) SHIFT=0 ;;
  esac
}

check_common() {
  [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number, not '$RUNS'"
  [[ "$STEP_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "--step-timeout must be a positive number of seconds"
  [ -x /usr/bin/time ] || die "GNU time is needed for CPU and memory (apt-get install time)"
  [ -x "$LADING" ] || die "no lading launcher at $LADING. Build it first:
    mvn -B -q -pl layer-store,mirror-server -am package -DskipTests
or pass --lading PATH"
}

# make_work: the work directory, removed on exit with the registries started in it (unless --keep).
make_work() {
  if [ -n "$WORKDIR" ]; then
    mkdir -p "$WORKDIR"
    WORK="$(cd "$WORKDIR" && pwd -P)"
  else
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/lading-bench.XXXXXX")"
  fi
  trap cleanup EXIT
}
cleanup() {
  if [ "$KEEP" -eq 1 ]; then
    log "kept $WORK (registries still running: tools/local-registry.sh stop DIR for each $WORK/reg*)"
    return
  fi
  local r
  for r in "$WORK"/reg*; do
    [ -d "$r" ] && "$ROOT/tools/local-registry.sh" stop "$r" >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}

# registry DIR: starts a fresh registry storing in DIR; prints HOST:PORT.
registry() {
  "$ROOT/tools/local-registry.sh" start "$1"
}
registry_stop() {
  "$ROOT/tools/local-registry.sh" stop "$1" >/dev/null 2>&1 || true
  rm -rf "$1"
}

# measure NAME CMD...: runs CMD under GNU time and the step timeout, output to $WORK/NAME.log; sets
# WALL and CPU (ms, user + system) and RSS (KB, the peak resident set of the largest process).
measure() {
  local name=$1 status=0 e u s m
  shift
  timeout --kill-after=10 "$STEP_TIMEOUT" /usr/bin/time -f '%e %U %S %M' -o "$WORK/$name.time" \
    "$@" >"$WORK/$name.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 20 "$WORK/$name.log" >&2
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
      die "$name took longer than ${STEP_TIMEOUT}s: $*"
    fi
    die "$name failed (exit $status): $*"
  fi
  read -r e u s m < <(tail -n 1 "$WORK/$name.time")
  WALL=$(awk -v v="$e" 'BEGIN { printf "%d", v * 1000 }')
  CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }')
  RSS=$m
}

# median N...: the median of the numbers.
median() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.0f", kb / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# make_big_layout DIR [gzip]: a 2 GiB single-layer image as an OCI layout (tag x): one tar layer
# holding one file of pseudo-random bytes (incompressible; made locally and fast: AES-CTR of zeros
# with a constant key rather than /dev/urandom). Uncompressed unless `gzip` (gzip -1): skopeo
# compresses an uncompressed layer it pushes to a registry, which would change the image.
make_big_layout() {
  local dir=$1 compress=${2:-} content=$WORK/big-content diff_id layer config manifest
  local type=application/vnd.oci.image.layer.v1.tar
  mkdir -p "$dir/blobs/sha256" "$content/data"
  log "making a 2 GiB single-layer image in $dir"
  head -c $((2048 * 1024 * 1024)) /dev/zero \
    | openssl enc -aes-128-ctr -nosalt -pass pass:lading-bench -pbkdf2 2>/dev/null >"$content/data/blob.bin"
  tar -C "$content" --owner=0 --group=0 --numeric-owner -cf "$WORK/big-layer.tar" data
  rm -rf "$content"
  diff_id=sha256:$(sha256sum "$WORK/big-layer.tar" | cut -d' ' -f1)
  if [ "$compress" = gzip ]; then
    gzip -1 -n "$WORK/big-layer.tar"
    mv "$WORK/big-layer.tar.gz" "$WORK/big-layer.tar"
    type=$type+gzip
  fi
  layer=$(layout_blob "$dir" "$WORK/big-layer.tar")
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}' "$diff_id" \
    >"$WORK/big-config.json"
  config=$(layout_blob "$dir" "$WORK/big-config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"%s","digest":"%s","size":%s}]}' \
    "${config%% *}" "${config#* }" "$type" "${layer%% *}" "${layer#* }" >"$WORK/big-manifest.json"
  manifest=$(layout_blob "$dir" "$WORK/big-manifest.json")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"x"}}]}' \
    "${manifest%% *}" "${manifest#* }" >"$dir/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
}

# layout_blob DIR FILE: moves FILE into the layout DIR under its digest; prints "DIGEST SIZE".
layout_blob() {
  local d s
  d=$(sha256sum "$2" | cut -d' ' -f1)
  s=$(stat -c %s "$2")
  mv "$2" "$1/blobs/sha256/$d"
  echo "sha256:$d $s"
}
