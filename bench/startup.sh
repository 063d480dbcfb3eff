#!/usr/bin/env bash
# Benchmark: start-up of the CLI. Wall and CPU time (user + system) of `lading --version` and of
# `lading inspect store:...` (a small image in a local store: no network), medians over the runs, in
# three ways: the launcher with its class-data-sharing archive, the launcher without it
# (LADING_CDS=off: the JDK's default archive only) and plain `java -jar lading.jar`.
#
# Usage: bench/startup.sh [--runs N] [--lading PATH] [--jar PATH] [--workdir DIR] [--keep]
#   --runs N        repetitions, alternating the order of the three ways (default 5)
#   --lading PATH   the launcher (default: $LADING, else mirror-server/target/lading-dist/bin/lading)
#   --jar PATH      the jar for `java -jar` (default: lib/lading.jar next to the launcher)
#   --workdir DIR   where the store goes (default: a new dir under ${TMPDIR:-/tmp})
#   --keep          keep the work directory
# Environment: JAVA (default: java) for the `java -jar` way.
set -Eeuo pipefail
trap 'echo "startup: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
NAME=startup
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=5
JAR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) [ $# -ge 2 ] || die "--jar needs a path"; JAR=$2; shift 2; continue ;;
  esac
  common_option "$@"
  [ "$SHIFT" -gt 0 ] || { echo "$NAME: unknown argument '$1'" >&2; usage 2; }
  shift "$SHIFT"
done
check_common
JAR=${JAR:-$(cd "$(dirname "$LADING")/../lib" && pwd -P)/lading.jar}
[ -f "$JAR" ] || die "no jar at $JAR (--jar PATH)"
JAVA=${JAVA:-java}
make_work

# A small image in a store, from a tiny OCI layout: one layer with one file.
mkdir -p "$WORK/layout/blobs/sha256" "$WORK/content/etc"
echo hello >"$WORK/content/etc/greeting"
tar -C "$WORK/content" --owner=0 --group=0 --numeric-owner -cf "$WORK/layer.tar" etc
layer=$(layout_blob "$WORK/layout" "$WORK/layer.tar")
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}' "${layer%% *}" \
  >"$WORK/config.json"
config=$(layout_blob "$WORK/layout" "$WORK/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
  "${config%% *}" "${config#* }" "${layer%% *}" "${layer#* }" >"$WORK/manifest.json"
manifest=$(layout_blob "$WORK/layout" "$WORK/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"x"}}]}' \
  "${manifest%% *}" "${manifest#* }" >"$WORK/layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$WORK/layout/oci-layout"
STORE=$WORK/store
"$LADING" copy --quiet "oci:$WORK/layout:x" store:bench/startup:1 --store "$STORE" >/dev/null

WAYS=(cds nocds jar)
CASES=(version inspect)
run_way() { # run_way WAY ARGS...
  local way=$1
  shift
  case "$way" in
    cds) "$LADING" "$@" ;;
    nocds) LADING_CDS=off "$LADING" "$@" ;;
    jar) "$JAVA" -jar "$JAR" "$@" ;;
  esac
}
export -f run_way
export LADING JAVA JAR
# One untimed run of each way first (a per-user archive, if the launcher makes one, is made here).
for w in "${WAYS[@]}"; do run_way "$w" --version >/dev/null; done

for w in "${WAYS[@]}"; do for c in "${CASES[@]}"; do eval "${w}_${c}_wall=() ${w}_${c}_cpu=()"; done; done
for run in $(seq 1 "$RUNS"); do
  order=("${WAYS[@]}")
  [ $((run % 2)) -eq 0 ] && order=(jar nocds cds)
  for w in "${order[@]}"; do
    measure "$w-version" bash -c 'run_way "$0" --version' "$w"
    eval "${w}_version_wall+=($WALL) ${w}_version_cpu+=($CPU)"
    measure "$w-inspect" bash -c 'run_way "$0" inspect store:bench/startup:1 --store "$1"' "$w" "$STORE"
    grep -q 'sha256:' "$WORK/$w-inspect.log" || die "inspect printed no digest: $(cat "$WORK/$w-inspect.log")"
    eval "${w}_inspect_wall+=($WALL) ${w}_inspect_cpu+=($CPU)"
  done
done

echo
echo "runs: $RUNS, medians in seconds; CPU = user + system"
printf '%-32s %10s %10s %10s %10s\n' "" "version" "" "inspect" ""
printf '%-32s %10s %10s %10s %10s\n' "" wall CPU wall CPU
for w in "${WAYS[@]}"; do
  case "$w" in
    cds) label="bin/lading (CDS archive)" ;;
    nocds) label="bin/lading, LADING_CDS=off" ;;
    jar) label="java -jar lading.jar" ;;
  esac
  eval "vw=\$(median \"\${${w}_version_wall[@]}\") vc=\$(median \"\${${w}_version_cpu[@]}\")"
  eval "iw=\$(median \"\${${w}_inspect_wall[@]}\") ic=\$(median \"\${${w}_inspect_cpu[@]}\")"
  # shellcheck disable=SC2154 # set by the evals above
  printf '%-32s %10s %10s %10s %10s\n' "$label" "$(secs "$vw")" "$(secs "$vc")" "$(secs "$iw")" "$(secs "$ic")"
done
