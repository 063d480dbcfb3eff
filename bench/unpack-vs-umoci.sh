#!/usr/bin/env bash
# Benchmark: `lading unpack oci:DIR:x ROOTFS` against `umoci unpack --rootless --image DIR:x BUNDLE`
# from the same OCI layout: wall time, CPU time (user + system) and peak RSS, medians over the runs,
# ratios lading/umoci (aims: wall <= 0.50; lading's peak RSS <= 150 MB whatever the image size).
# Also `lading unpack store:...` (the layers already in lading's store: nothing to verify first).
# The image is `make-base-image.sh big` (~190 MB, 6 gzip layers, ~300 MB unpacked), or with --big a
# 2 GiB single-layer image made locally (memory must stay as flat as for the small one). The first
# run checks that both trees hold the same entries and contents.
#
# Usage: bench/unpack-vs-umoci.sh [--runs N] [--big] [--lading PATH] [--step-timeout SEC]
#                                 [--workdir DIR] [--keep]
#   --runs N        repetitions, alternating which tool goes first; medians are reported (default 3)
#   --big           the 2 GiB single-layer image instead of the 6-layer one
#   --lading PATH   the launcher (default: $LADING, else mirror-server/target/lading-dist/bin/lading)
#   --step-timeout  seconds any one step may take before the benchmark fails (default 600)
#   --workdir DIR   where the layouts and trees go (default: a new dir under ${TMPDIR:-/tmp})
#   --keep          keep the work directory
# Environment: LADING_OPTS (extra JVM options for lading), LADING_BASE_IMAGES (image cache).
set -Eeuo pipefail
trap 'echo "unpack-vs-umoci: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
NAME=unpack-vs-umoci
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while [ $# -gt 0 ]; do
  common_option "$@"
  [ "$SHIFT" -gt 0 ] || { echo "$NAME: unknown argument '$1'" >&2; usage 2; }
  shift "$SHIFT"
done
check_common
for tool in skopeo umoci docker-registry curl openssl diff timeout; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed"
done
make_work

LAYOUT=$WORK/layout
if [ "$BIG" -eq 1 ]; then
  make_big_layout "$LAYOUT"
else
  log "building (or reusing) the 'big' base image"
  timeout "$STEP_TIMEOUT" "$ROOT/tools/make-base-image.sh" big >/dev/null
  REG=$(registry "$WORK/reg")
  timeout "$STEP_TIMEOUT" "$ROOT/tools/make-base-image.sh" big --push "$REG/bench/big:1" >/dev/null
  timeout "$STEP_TIMEOUT" skopeo --insecure-policy copy --quiet --src-tls-verify=false \
    "docker://$REG/bench/big:1" "oci:$LAYOUT:x"
  registry_stop "$WORK/reg"
fi
# The store for `unpack store:`: filled once, untimed.
"$LADING" copy --quiet "oci:$LAYOUT:x" store:bench/unpack:1 --store "$WORK/store" >/dev/null

# one WHO RUN: one timed unpack into a fresh directory; appends to WHO_{wall,cpu,rss}.
one() {
  local who=$1 run=$2 out=$WORK/out-$1
  rm -rf "$out"
  case "$who" in
    umoci) measure umoci umoci unpack --rootless --image "$LAYOUT:x" "$out" ;;
    lading) measure lading "$LADING" unpack --quiet "oci:$LAYOUT:x" "$out" --store "$WORK/store-oci" ;;
    store) measure store "$LADING" unpack --quiet store:bench/unpack:1 "$out" --store "$WORK/store" ;;
  esac
  eval "${who}_wall+=($WALL) ${who}_cpu+=($CPU) ${who}_rss+=($RSS)"
  log "run $run $who: $(secs "$WALL") s wall, $(secs "$CPU") s CPU, $(mb "$RSS") MB"
}

listing() { (cd "$1" && find . -mindepth 1 -printf '%y %m %p -> %l\n' | sort); }
same_trees() {
  listing "$1" >"$WORK/listing.umoci"
  listing "$2" >"$WORK/listing.lading"
  diff -u "$WORK/listing.umoci" "$WORK/listing.lading" >&2 || die "the trees differ (- umoci, + lading)"
  diff -r --no-dereference -q "$1" "$2" >&2 || die "the trees differ in file contents"
  log "verified: the same $(wc -l <"$WORK/listing.lading") entries and contents"
}

umoci_wall=() umoci_cpu=() umoci_rss=() lading_wall=() lading_cpu=() lading_rss=()
store_wall=() store_cpu=() store_rss=()
for run in $(seq 1 "$RUNS"); do
  order=(umoci lading store)
  [ $((run % 2)) -eq 0 ] && order=(store lading umoci)
  for who in "${order[@]}"; do one "$who" "$run"; done
  if [ "$run" -eq 1 ]; then
    same_trees "$WORK/out-umoci/rootfs" "$WORK/out-lading"
  fi
  rm -rf "$WORK"/out-*
done

echo
echo "image: $(du -sh "$LAYOUT/blobs" | cut -f1) of blobs$([ "$BIG" -eq 1 ] && echo ', 2 GiB single uncompressed layer')"
echo "runs: $RUNS, medians; CPU = user + system; RSS = peak resident set"
printf '%-30s %8s %8s %8s %8s\n' "" "wall s" "CPU s" "RSS MB" "wall/umoci"
uw=$(median "${umoci_wall[@]}")
for who in umoci lading store; do
  eval "w=\$(median \"\${${who}_wall[@]}\") c=\$(median \"\${${who}_cpu[@]}\") r=\$(median \"\${${who}_rss[@]}\")"
  case "$who" in
    umoci) label="umoci unpack --rootless" ;;
    lading) label="lading unpack oci:" ;;
    store) label="lading unpack store:" ;;
  esac
  # shellcheck disable=SC2154 # set by the eval above
  printf '%-30s %8s %8s %8s %8s\n' "$label" "$(secs "$w")" "$(secs "$c")" "$(mb "$r")" "$(ratio "$w" "$uw")"
done
echo "aims: lading wall/umoci <= 0.50; lading peak RSS <= 150 MB"
