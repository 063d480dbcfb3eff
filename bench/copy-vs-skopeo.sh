#!/usr/bin/env bash
# Benchmark: `lading copy` against `skopeo copy` in three directions, wall and CPU time (user +
# system) and peak RSS, medians over the runs, ratios lading/skopeo (aims: wall <= 1.0, CPU <= 1.2):
#   registry -> layout    docker://A/img -> oci:DIR:x (lading: into a fresh store, hardlinked out)
#   registry -> registry  docker://A/img -> docker://B/img (B a fresh registry each time: no mounts)
#   layout -> registry    oci:DIR:x -> docker://B/img (B fresh each time)
# The image is `make-base-image.sh big` (~190 MB, 6 gzip layers), or with --big a 2 GiB single-layer
# image made locally (gzip -1 of incompressible bytes; to show that memory stays flat). Each result is checked: the layouts and
# registries hold the image's manifest digest.
#
# Usage: bench/copy-vs-skopeo.sh [--runs N] [--big] [--lading PATH] [--step-timeout SEC]
#                                [--workdir DIR] [--keep]
#   --runs N        repetitions, alternating which tool goes first; medians are reported (default 3)
#   --big           the 2 GiB single-layer image instead of the 6-layer one
#   --lading PATH   the launcher (default: $LADING, else mirror-server/target/lading-dist/bin/lading)
#   --step-timeout  seconds any one step may take before the benchmark fails (default 600)
#   --workdir DIR   where registries, stores and layouts go (default: a new dir under ${TMPDIR:-/tmp})
#   --keep          keep the work directory and registries
# Environment: LADING_OPTS (extra JVM options for lading), LADING_BASE_IMAGES (image cache).
set -Eeuo pipefail
trap 'echo "copy-vs-skopeo: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
NAME=copy-vs-skopeo
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while [ $# -gt 0 ]; do
  common_option "$@"
  [ "$SHIFT" -gt 0 ] || { echo "$NAME: unknown argument '$1'" >&2; usage 2; }
  shift "$SHIFT"
done
check_common
for tool in skopeo docker-registry curl jq openssl timeout; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed"
done
make_work

# ----------------------------------------------------------------------------- the source image
REG_A=$(registry "$WORK/reg-a")
SRC=$REG_A/bench/img:1
SRC_LAYOUT=$WORK/src-layout
if [ "$BIG" -eq 1 ]; then
  make_big_layout "$SRC_LAYOUT" gzip
  timeout "$STEP_TIMEOUT" skopeo --insecure-policy copy --quiet --dest-tls-verify=false \
    "oci:$SRC_LAYOUT:x" "docker://$SRC"
else
  log "building (or reusing) the 'big' base image"
  timeout "$STEP_TIMEOUT" "$ROOT/tools/make-base-image.sh" big --push "$SRC" >/dev/null
  timeout "$STEP_TIMEOUT" skopeo --insecure-policy copy --quiet --src-tls-verify=false \
    "docker://$SRC" "oci:$SRC_LAYOUT:x"
fi
DIGEST=$(skopeo inspect --raw --tls-verify=false "docker://$SRC" | sha256sum | cut -d' ' -f1)
BLOBS=$(du -sh "$SRC_LAYOUT/blobs" | cut -f1)

# has_image LOCATION: the copy arrived with the same manifest (skopeo reads both ends).
has_image() {
  local got
  got=$(skopeo inspect --raw --tls-verify=false "$1" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$DIGEST" ] || die "$1 holds manifest sha256:$got, not sha256:$DIGEST"
}

# one WHO DIRECTION RUN: one timed copy; appends to the WHO_DIRECTION_{WALL,CPU,RSS} arrays.
one() {
  local who=$1 dir=$2 run=$3 dst reg_b out=$WORK/out-$1-$2
  rm -rf "$out" "$WORK/store-$who"
  case "$dir" in
    r2l) dst="oci:$out:x" ; reg_b= ;;
    r2r|l2r) reg_b=$(registry "$WORK/reg-b"); dst="docker://$reg_b/copy/img:1" ;;
  esac
  local src="docker://$SRC"
  [ "$dir" = l2r ] && src="oci:$SRC_LAYOUT:x"
  if [ "$who" = skopeo ]; then
    measure "$who-$dir" skopeo --insecure-policy copy --quiet --src-tls-verify=false \
      --dest-tls-verify=false "$src" "$dst"
  else
    # A fresh store each time: every blob comes over the wire (r2l) or is read from the layout.
    measure "$who-$dir" "$LADING" copy --quiet "$src" "$dst" --store "$WORK/store-$who"
  fi
  has_image "$dst"
  [ -n "$reg_b" ] && registry_stop "$WORK/reg-b"
  eval "${who}_${dir}_wall+=($WALL) ${who}_${dir}_cpu+=($CPU) ${who}_${dir}_rss+=($RSS)"
  log "run $run $dir $who: $(secs "$WALL") s wall, $(secs "$CPU") s CPU, $(mb "$RSS") MB"
}

DIRS=(r2l r2r l2r)
for d in "${DIRS[@]}"; do
  eval "skopeo_${d}_wall=() skopeo_${d}_cpu=() skopeo_${d}_rss=() lading_${d}_wall=() lading_${d}_cpu=() lading_${d}_rss=()"
done
for run in $(seq 1 "$RUNS"); do
  order=(skopeo lading)
  [ $((run % 2)) -eq 0 ] && order=(lading skopeo)
  for d in "${DIRS[@]}"; do
    for who in "${order[@]}"; do one "$who" "$d" "$run"; done
  done
done

# ------------------------------------------------------------------------------------- report
echo
echo "image: $SRC ($BLOBS of blobs$([ "$BIG" -eq 1 ] && echo ', one 2 GiB layer'))"
echo "runs: $RUNS, medians; CPU = user + system; RSS = peak resident set"
printf '%-20s %8s %8s %6s   %8s %8s %6s   %7s %7s\n' direction "skopeo" "lading" ratio \
  "skopeo" "lading" ratio "skopeo" "lading"
printf '%-20s %8s %8s %6s   %8s %8s %6s   %7s %7s\n' "" "wall s" "wall s" "" "CPU s" "CPU s" "" "MB" "MB"
label() { case "$1" in r2l) echo "registry -> layout" ;; r2r) echo "registry -> registry" ;; l2r) echo "layout -> registry" ;; esac; }
for d in "${DIRS[@]}"; do
  eval "sw=\$(median \"\${skopeo_${d}_wall[@]}\") lw=\$(median \"\${lading_${d}_wall[@]}\")"
  eval "sc=\$(median \"\${skopeo_${d}_cpu[@]}\") lc=\$(median \"\${lading_${d}_cpu[@]}\")"
  eval "sr=\$(median \"\${skopeo_${d}_rss[@]}\") lr=\$(median \"\${lading_${d}_rss[@]}\")"
  # shellcheck disable=SC2154 # set by the evals above
  printf '%-20s %8s %8s %6s   %8s %8s %6s   %7s %7s\n' "$(label "$d")" "$(secs "$sw")" "$(secs "$lw")" \
    "$(ratio "$lw" "$sw")" "$(secs "$sc")" "$(secs "$lc")" "$(ratio "$lc" "$sc")" "$(mb "$sr")" "$(mb "$lr")"
done
echo "aims: wall ratio <= 1.00, CPU ratio <= 1.20"
