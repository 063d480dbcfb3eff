#!/usr/bin/env bash
# Benchmark: pull a ~300 MB, six-layer image from a local registry and unpack it into a root
# filesystem, with lading side by side with `skopeo copy` + `umoci unpack`: both as two commands
# (`lading copy` + `lading unpack`) and as the one command a user runs for the job
# (`lading unpack docker://...`, which pulls into the store and unpacks, overlapping the two).
# Prints a table of the median times and the ratios lading/(skopeo+umoci); the aim is a ratio of 1.00
# or less. Both unpacked trees are checked to hold the same files with the same contents.
#
# Usage: bench/pull-unpack.sh [--runs N] [--format oci|docker] [--jar PATH] [--step-timeout SEC]
#                             [--workdir DIR] [--drop-caches] [--keep] [--baseline-only]
#   --runs N          repetitions, each from fresh directories; medians are reported (default 3)
#   --format          manifest format pushed to the registry: oci (default) or docker (v2s2)
#   --jar PATH        the lading CLI jar (default: $LADING_JAR, else mirror-server/target/lading.jar)
#   --step-timeout    seconds any one step may take before the benchmark fails (default 600)
#   --workdir DIR     where the registry, stores and trees go (default: a new dir under ${TMPDIR:-/tmp})
#   --drop-caches     drop the kernel page cache before each step (root only; slower, colder)
#   --keep            keep the work directory (and do not stop the registry) for inspection
#   --baseline-only   time skopeo + umoci only, without the lading jar
# Environment: LADING_BASE_IMAGES (image cache, see tools/make-base-image.sh), JAVA (default: java),
#              LADING_JAVA_OPTS (extra JVM options for the CLI).
set -Eeuo pipefail
trap 'echo "pull-unpack: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
export LC_ALL=C

die() { echo "pull-unpack: $*" >&2; exit 1; }
log() { echo "pull-unpack: $*" >&2; }
usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit "$1"; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
RUNS=3
FORMAT=oci
JAR="${LADING_JAR:-$ROOT/mirror-server/target/lading.jar}"
STEP_TIMEOUT=600
WORKDIR=""
DROP_CACHES=0
KEEP=0
BASELINE_ONLY=0
JAVA="${JAVA:-java}"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; shift ;;
    --format) [ $# -ge 2 ] || die "--format needs oci or docker"; FORMAT=$2; shift ;;
    --jar) [ $# -ge 2 ] || die "--jar needs a path"; JAR=$2; shift ;;
    --step-timeout) [ $# -ge 2 ] || die "--step-timeout needs seconds"; STEP_TIMEOUT=$2; shift ;;
    --workdir) [ $# -ge 2 ] || die "--workdir needs a directory"; WORKDIR=$2; shift ;;
    --drop-caches) DROP_CACHES=1 ;;
    --keep) KEEP=1 ;;
    --baseline-only) BASELINE_ONLY=1 ;;
    -h|--help) usage 0 ;;
    *) echo "pull-unpack: unknown argument '$1'" >&2; usage 2 ;;
  esac
  shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number, not '$RUNS'"
[[ "$STEP_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "--step-timeout must be a positive number of seconds"
case "$FORMAT" in oci|docker) ;; *) die "--format must be oci or docker, not '$FORMAT'" ;; esac

# Fail before any slow work when something is missing.
for tool in skopeo umoci docker-registry curl diff timeout; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed (Debian: apt-get install skopeo umoci docker-registry curl diffutils coreutils)"
done
if [ "$BASELINE_ONLY" -eq 0 ]; then
  [ -f "$JAR" ] || die "no lading CLI jar at $JAR. Build it first:
    mvn -B -q -pl mirror-server -am package -DskipTests
or pass --jar PATH, or --baseline-only to time skopeo + umoci alone."
  command -v "$JAVA" >/dev/null || die "no '$JAVA' to run the lading CLI (Java 17+; set JAVA=/path/to/java)"
fi
if [ "$DROP_CACHES" -eq 1 ] && ! [ -w /proc/sys/vm/drop_caches ]; then
  die "--drop-caches needs root and a writable /proc/sys/vm/drop_caches"
fi

if [ -n "$WORKDIR" ]; then
  mkdir -p "$WORKDIR"
  WORK="$(cd "$WORKDIR" && pwd -P)"
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/lading-bench.XXXXXX")"
fi
cleanup() {
  if [ "$KEEP" -eq 1 ]; then
    log "kept $WORK (registry still running: tools/local-registry.sh stop $WORK/registry)"
    return
  fi
  "$ROOT/tools/local-registry.sh" stop "$WORK/registry" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# ----------------------------------------------------------------------------------------- the image
log "building (or reusing) the 'big' base image"
timeout "$STEP_TIMEOUT" "$ROOT/tools/make-base-image.sh" big >/dev/null
REGISTRY="$("$ROOT/tools/local-registry.sh" start "$WORK/registry")"
IMAGE="$REGISTRY/bench/big:1"
timeout "$STEP_TIMEOUT" "$ROOT/tools/make-base-image.sh" big --push "$IMAGE" --format "$FORMAT" >/dev/null

# ------------------------------------------------------------------------------------------- timing
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

drop_caches() {
  if [ "$DROP_CACHES" -eq 1 ]; then
    sync
    echo 3 >/proc/sys/vm/drop_caches
  fi
}

# timed NAME CMD...: runs CMD under the step timeout, output to $WORK/NAME.log; sets ELAPSED (ms).
timed() {
  local name=$1 start status=0
  shift
  drop_caches
  start=$(now_ms)
  timeout --kill-after=10 "$STEP_TIMEOUT" "$@" >"$WORK/$name.log" 2>&1 || status=$?
  ELAPSED=$(( $(now_ms) - start ))
  if [ "$status" -ne 0 ]; then
    tail -n 20 "$WORK/$name.log" >&2
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
      die "$name took longer than ${STEP_TIMEOUT}s: $*"
    fi
    die "$name failed (exit $status): $*"
  fi
}

# run_baseline DIR: skopeo copy + umoci unpack into DIR; sets T_COPY, T_UNPACK.
run_baseline() {
  local dir=$1
  rm -rf "$dir"
  mkdir -p "$dir"
  timed skopeo-copy skopeo --insecure-policy copy --quiet --src-tls-verify=false \
    "docker://$IMAGE" "oci:$dir/oci:x"
  T_COPY=$ELAPSED
  timed umoci-unpack umoci unpack --rootless --image "$dir/oci:x" "$dir/bundle"
  T_UNPACK=$ELAPSED
}

# run_lading DIR: lading copy into a fresh store + lading unpack into DIR; sets T_COPY, T_UNPACK.
run_lading() {
  local dir=$1 java_opts=()
  rm -rf "$dir"
  mkdir -p "$dir"
  # shellcheck disable=SC2206 # LADING_JAVA_OPTS is a space-separated option list, split on purpose
  java_opts=(${LADING_JAVA_OPTS:-})
  timed lading-copy "$JAVA" "${java_opts[@]}" -jar "$JAR" \
    copy "docker://$IMAGE" store:bench/big:1 --store "$dir/store"
  T_COPY=$ELAPSED
  timed lading-unpack "$JAVA" "${java_opts[@]}" -jar "$JAR" \
    unpack store:bench/big:1 "$dir/rootfs" --store "$dir/store"
  T_UNPACK=$ELAPSED
}

# run_lading_one DIR: `lading unpack docker://...` pulls into a fresh store and unpacks in one command
# (downloads overlap extraction); sets T_ONE.
run_lading_one() {
  local dir=$1 java_opts=()
  rm -rf "$dir"
  mkdir -p "$dir"
  # shellcheck disable=SC2206 # LADING_JAVA_OPTS is a space-separated option list, split on purpose
  java_opts=(${LADING_JAVA_OPTS:-})
  timed lading-pull-unpack "$JAVA" "${java_opts[@]}" -jar "$JAR" \
    unpack "docker://$IMAGE" "$dir/rootfs" --store "$dir/store"
  T_ONE=$ELAPSED
}

# listing TREE: one line per entry (type, permission bits, path, symlink target), sorted. Owners are
# left out: rootless umoci and lading may map them differently on purpose.
listing() {
  (cd "$1" && find . -mindepth 1 -printf '%y %m %p -> %l\n' | sort)
}

# same_trees A B: the two unpacked trees hold the same entries and the same file contents.
same_trees() {
  local a=$1 b=$2
  listing "$a" >"$WORK/listing.skopeo-umoci"
  listing "$b" >"$WORK/listing.lading"
  if ! diff -u "$WORK/listing.skopeo-umoci" "$WORK/listing.lading" >"$WORK/listing.diff"; then
    head -n 40 "$WORK/listing.diff" >&2
    die "the trees differ in entries, types, modes or link targets (above: - skopeo+umoci, + lading; full diff in $WORK/listing.diff with --keep)"
  fi
  # --no-dereference: compare symlinks as links; following them would read the host's files.
  if ! diff -r --no-dereference -q "$a" "$b" >"$WORK/content.diff" 2>&1; then
    head -n 40 "$WORK/content.diff" >&2
    die "the trees differ in file contents (above)"
  fi
  log "verified: both trees have the same $(wc -l <"$WORK/listing.lading") entries and contents"
}

# median MS...: the median of the numbers, in milliseconds.
median() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }

B_COPY=() B_UNPACK=() B_TOTAL=() L_COPY=() L_UNPACK=() L_TOTAL=() L_ONE=()
for run in $(seq 1 "$RUNS"); do
  # Alternate which tool goes first, so neither always meets the warmer page cache.
  order=(baseline lading lading-one)
  if [ $((run % 2)) -eq 0 ]; then order=(lading-one lading baseline); fi
  for who in "${order[@]}"; do
    if [ "$who" = baseline ]; then
      run_baseline "$WORK/baseline"
      B_COPY+=("$T_COPY") B_UNPACK+=("$T_UNPACK") B_TOTAL+=($((T_COPY + T_UNPACK)))
      log "run $run: skopeo copy $(secs "$T_COPY")s + umoci unpack $(secs "$T_UNPACK")s"
    elif [ "$BASELINE_ONLY" -eq 1 ]; then
      continue
    elif [ "$who" = lading-one ]; then
      run_lading_one "$WORK/lading-one"
      L_ONE+=("$T_ONE")
      log "run $run: lading unpack docker://... $(secs "$T_ONE")s"
    else
      run_lading "$WORK/lading"
      L_COPY+=("$T_COPY") L_UNPACK+=("$T_UNPACK") L_TOTAL+=($((T_COPY + T_UNPACK)))
      log "run $run: lading copy $(secs "$T_COPY")s + lading unpack $(secs "$T_UNPACK")s"
    fi
  done
  if [ "$run" -eq 1 ]; then
    [ -n "$(ls -A "$WORK/baseline/bundle/rootfs")" ] || die "umoci unpacked an empty tree"
    UNPACKED="$(du -sh "$WORK/baseline/bundle/rootfs" | cut -f1)"
    FILES="$(find "$WORK/baseline/bundle/rootfs" -type f | wc -l)"
    if [ "$BASELINE_ONLY" -eq 0 ]; then
      same_trees "$WORK/baseline/bundle/rootfs" "$WORK/lading/rootfs"
      same_trees "$WORK/baseline/bundle/rootfs" "$WORK/lading-one/rootfs"
    fi
  fi
done

# ------------------------------------------------------------------------------------------- report
COMPRESSED="$(du -sh "$WORK/baseline/oci/blobs" | cut -f1)"
echo
echo "image: $IMAGE ($FORMAT), $COMPRESSED of blobs, $UNPACKED unpacked, $FILES files"
echo "runs: $RUNS, median seconds, fresh directories each run$([ "$DROP_CACHES" -eq 1 ] && echo ", page cache dropped")"
printf '%-16s %10s %10s %10s\n' "" copy unpack total
bc=$(median "${B_COPY[@]}"); bu=$(median "${B_UNPACK[@]}"); bt=$(median "${B_TOTAL[@]}")
printf '%-16s %10s %10s %10s\n' "skopeo+umoci" "$(secs "$bc")" "$(secs "$bu")" "$(secs "$bt")"
if [ "$BASELINE_ONLY" -eq 0 ]; then
  lc=$(median "${L_COPY[@]}"); lu=$(median "${L_UNPACK[@]}"); lt=$(median "${L_TOTAL[@]}")
  printf '%-16s %10s %10s %10s\n' "lading" "$(secs "$lc")" "$(secs "$lu")" "$(secs "$lt")"
  lo=$(median "${L_ONE[@]}")
  printf '%-16s %10s %10s %10s\n' "lading, 1 step" "" "" "$(secs "$lo")"
  awk -v l="$lt" -v b="$bt" 'BEGIN { printf "ratio lading copy+unpack/(skopeo+umoci) = %.2f\n", l / b }'
  awk -v l="$lo" -v b="$bt" 'BEGIN { printf "ratio lading unpack docker:///(skopeo+umoci) = %.2f\n", l / b }'
fi
