#!/usr/bin/env bash
# Benchmark: build and push the sample application of bench/app with our Maven plugin
# (`mvn package image:build image:push`) side by side with Jib (`mvn package jib:build`,
# jib-maven-plugin 3.5.2), both from the same base image to the same local registry. Two cases:
#   cold         fresh target/ directory, fresh lading store / fresh Jib caches, a new repository
#   incremental  one line of a source file changed, warm store / caches, same repository
# Prints a table of median seconds and the ratios lading/jib; the aims are cold <= 1.00 and
# incremental <= 0.70. `mvn package` alone is timed alongside, so the table also shows the image
# steps alone (each command minus that shared part; an estimate, noisy on a busy machine). Checks that both images are in the registry and that our incremental build
# changed only the classes layer.
#
# Usage: bench/plugin-vs-jib.sh [--runs N] [--step-timeout SEC] [--workdir DIR] [--keep]
#   --runs N          timed builds per tool and case, in alternating order; medians are reported (default 3)
#   --step-timeout    seconds any one step may take before the benchmark fails (default 600)
#   --workdir DIR     where the registry, Maven repository, app copies and caches go
#                     (default: a new dir under ${TMPDIR:-/tmp})
#   --keep            keep the work directory (and do not stop the registry) for inspection
# Environment: MVN (default: mvn), MAVEN_OPTS (passed to every timed build, e.g. a JFR recording),
#              BENCH_OUTER_REPO (the local Maven repository to copy artifacts from, default ~/.m2/repository),
#              LADING_BASE_IMAGES (base image cache, see tools/make-base-image.sh).
#
# The plugin is built from this working tree and installed into a Maven repository inside the work
# directory (never into ~/.m2), so the numbers are always those of the code checked out here. Other
# artifacts come from ~/.m2/repository (as a file:// repository), else Maven Central; one untimed
# build of each tool fetches them before any timing starts.
set -Eeuo pipefail
trap 'echo "plugin-vs-jib: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
export LC_ALL=C

die() { echo "plugin-vs-jib: $*" >&2; exit 1; }
log() { echo "plugin-vs-jib: $*" >&2; }
usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit "$1"; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
RUNS=3
STEP_TIMEOUT=600
WORKDIR=""
KEEP=0
MVN="${MVN:-mvn}"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; shift ;;
    --step-timeout) [ $# -ge 2 ] || die "--step-timeout needs seconds"; STEP_TIMEOUT=$2; shift ;;
    --workdir) [ $# -ge 2 ] || die "--workdir needs a directory"; WORKDIR=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage 0 ;;
    *) echo "plugin-vs-jib: unknown argument '$1'" >&2; usage 2 ;;
  esac
  shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number, not '$RUNS'"
[[ "$STEP_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "--step-timeout must be a positive number of seconds"

# Fail before any slow work when something is missing.
for tool in skopeo docker-registry curl jq timeout; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed (Debian: apt-get install skopeo docker-registry curl jq coreutils)"
done
command -v "$MVN" >/dev/null || die "no '$MVN' (Maven 3.8+; set MVN=/path/to/mvn)"

if [ -n "$WORKDIR" ]; then
  mkdir -p "$WORKDIR"
  WORK="$(cd "$WORKDIR" && pwd -P)"
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/lading-jib-bench.XXXXXX")"
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

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# CPU time (user + system of the build and its children) as well as wall time, when GNU time is
# installed: on a busy machine wall times swing with the load, CPU times much less.
TIME_BIN=""
if [ -x /usr/bin/time ] && /usr/bin/time -f %U -o /dev/null true 2>/dev/null; then TIME_BIN=/usr/bin/time; fi

# step NAME CMD...: runs CMD under the step timeout, output to $WORK/logs/NAME.log; sets ELAPSED
# (wall ms) and CPU (user + system ms, 0 without GNU time).
step() {
  local name=$1 start status=0
  shift
  mkdir -p "$WORK/logs"
  local timing=()
  if [ -n "$TIME_BIN" ]; then timing=("$TIME_BIN" -f '%U %S' -o "$WORK/logs/$name.cpu"); fi
  start=$(now_ms)
  timeout --kill-after=10 "$STEP_TIMEOUT" "${timing[@]}" "$@" >"$WORK/logs/$name.log" 2>&1 || status=$?
  ELAPSED=$(( $(now_ms) - start ))
  CPU=0
  if [ -n "$TIME_BIN" ] && [ "$status" -eq 0 ]; then
    CPU=$(awk 'END { printf "%d", ($1 + $2) * 1000 }' "$WORK/logs/$name.cpu")
  fi
  if [ "$status" -ne 0 ]; then
    tail -n 30 "$WORK/logs/$name.log" >&2
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
      die "$name took longer than ${STEP_TIMEOUT}s: $*"
    fi
    die "$name failed (exit $status): $* (log: $WORK/logs/$name.log; keep it with --keep)"
  fi
}

# ------------------------------------------------------------------------- Maven repository + plugin
OUTER_REPO="${BENCH_OUTER_REPO:-$HOME/.m2/repository}"
SETTINGS="$WORK/settings.xml"
cat >"$SETTINGS" <<EOF
<settings>
  <localRepository>$WORK/m2</localRepository>
  <profiles><profile><id>outer</id>
    <repositories><repository><id>outer-local</id><url>file://$OUTER_REPO</url></repository></repositories>
    <pluginRepositories><pluginRepository><id>outer-local</id><url>file://$OUTER_REPO</url></pluginRepository></pluginRepositories>
  </profile></profiles>
  <activeProfiles><activeProfile>outer</activeProfile></activeProfiles>
</settings>
EOF
LADING_VERSION="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -n 1)"
[ -n "$LADING_VERSION" ] || die "cannot read the project version from $ROOT/pom.xml"
log "building image-maven-plugin $LADING_VERSION from $ROOT into $WORK/m2"
step install-plugin "$MVN" -B -q -s "$SETTINGS" -f "$ROOT/pom.xml" -pl maven-plugin -am install -DskipTests

# ------------------------------------------------------------------------------ registry + base image
log "building (or reusing) the 'jre' base image"
step base-image "$ROOT/tools/make-base-image.sh" jre
REGISTRY="$("$ROOT/tools/local-registry.sh" start "$WORK/registry")"
step push-base "$ROOT/tools/make-base-image.sh" jre --push "$REGISTRY/library/jre:17"

# The builds never read the developer's real registry credentials (neither tool needs any here).
export DOCKER_CONFIG="$WORK/no-docker-config"
mkdir -p "$DOCKER_CONFIG"

for who in lading jib mvn; do
  rm -rf "$WORK/app-$who"
  cp -r "$ROOT/bench/app" "$WORK/app-$who"
  rm -rf "$WORK/app-$who/target"
done

# build WHO NAME REPO STORE_OR_CACHE: one build of the app copy of WHO (lading|jib) pushing to
# REPO, timed as step NAME; WHO=mvn is `mvn package` alone, the part both commands share. Jib refuses to push in Maven offline mode, so neither build is offline;
# every artifact is in the work repository by then, so Maven does not download anything.
build() {
  local who=$1 name=$2 repo=$3 state=$4
  local common=("$MVN" -B -q -s "$SETTINGS" -f "$WORK/app-$who/pom.xml" "-Dbench.registry=$REGISTRY"
    "-Dbench.ladingVersion=$LADING_VERSION")
  if [ "$who" = lading ]; then
    step "$name" "${common[@]}" "-Dbench.ladingRepo=$repo" "-Dimage.store=$state" \
      package image:build image:push
  elif [ "$who" = mvn ]; then
    step "$name" "${common[@]}" package
  else
    step "$name" "${common[@]}" "-Dbench.jibRepo=$repo" "-Djib.baseImageCache=$state/base" \
      "-Djib.applicationCache=$state/app" -Djib.disableUpdateChecks=true \
      -Djib.allowInsecureRegistries=true package jib:build
  fi
}

# cold WHO NAME REPO: a build from nothing: no target/, no store or caches, a repository not used before.
cold() {
  local who=$1 name=$2 repo=$3
  rm -rf "$WORK/app-$who/target" "$WORK/state-$name"
  build "$who" "$name" "$repo" "$WORK/state-$name"
  rm -rf "$WORK/state-$name"
}

# change_line WHO STAMP: the one-line code change of an incremental build.
change_line() {
  sed -i "s/^  static final String STAMP = .*/  static final String STAMP = \"$2\";/" \
    "$WORK/app-$1/src/main/java/bench/app/Greeting.java"
  grep -q "\"$2\"" "$WORK/app-$1/src/main/java/bench/app/Greeting.java" || die "could not change the STAMP line"
}

# Untimed: fetches both plugins' artifacts into the work repository and warms the disk cache.
log "untimed warm-up builds (fetch Maven artifacts)"
cold lading warmup-lading bench/warmup-lading
cold jib warmup-jib bench/warmup-jib
cold mvn warmup-mvn -

# Untimed: the incremental builds start from one build with warm store / caches.
log "untimed priming builds for the incremental case"
rm -rf "$WORK/app-lading/target" "$WORK/app-jib/target"
build lading prime-lading bench/lading-inc "$WORK/inc-lading"
build jib prime-jib bench/jib-inc "$WORK/inc-jib"
build mvn prime-mvn - -

inspect_raw() { skopeo inspect --tls-verify=false --raw "docker://$REGISTRY/$1"; }
inspect_config() { skopeo inspect --tls-verify=false --config --raw "docker://$REGISTRY/$1"; }

median() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }

L_COLD=() J_COLD=() M_COLD=() L_INC=() J_INC=() M_INC=()
L_COLD_CPU=() J_COLD_CPU=() M_COLD_CPU=() L_INC_CPU=() J_INC_CPU=() M_INC_CPU=()
# record CASE WHO: appends ELAPSED and CPU to the arrays of CASE (COLD|INC) and WHO.
record() {
  local letter
  case "$2" in lading) letter=L ;; jib) letter=J ;; *) letter=M ;; esac
  eval "${letter}_$1+=(\"\$ELAPSED\") ${letter}_$1_CPU+=(\"\$CPU\")"
}
for run in $(seq 1 "$RUNS"); do
  # Rotate which tool goes first, so neither always meets the warmer page cache.
  case $((run % 3)) in 1) order=(lading jib mvn) ;; 2) order=(jib mvn lading) ;; *) order=(mvn lading jib) ;; esac
  for who in "${order[@]}"; do
    cold "$who" "cold-$who-$run" "bench/$who-cold-$run"
    record COLD "$who"
    log "run $run: cold $who $(secs "$ELAPSED")s (cpu $(secs "$CPU")s)"
  done
  for who in "${order[@]}"; do
    if [ "$who" = lading ] && [ "$run" -eq "$RUNS" ]; then
      inspect_raw bench/lading-inc:1.0 >"$WORK/lading-inc.before.json"
    fi
    change_line "$who" "stamp-$run"
    build "$who" "inc-$who-$run" "bench/$who-inc" "$WORK/inc-$who"
    record INC "$who"
    log "run $run: incremental $who $(secs "$ELAPSED")s (cpu $(secs "$CPU")s)"
  done
done

# ------------------------------------------------------------------------------------------ checks
for image in "bench/lading-cold-$RUNS:1.0" "bench/jib-cold-$RUNS:1.0" bench/lading-inc:1.0 \
    bench/lading-inc:latest bench/jib-inc:1.0 bench/jib-inc:latest; do
  skopeo inspect --tls-verify=false "docker://$REGISTRY/$image" >/dev/null 2>&1 \
    || die "$image is not in the registry after the builds"
done
log "verified: both tools' images are in the registry"

# Our last incremental build must have replaced exactly one layer: the one made as "lading: classes".
inspect_raw bench/lading-inc:1.0 >"$WORK/lading-inc.after.json"
inspect_config bench/lading-inc:1.0 >"$WORK/lading-inc.config.json"
changed="$(jq -r --slurpfile before "$WORK/lading-inc.before.json" \
  '[.layers | to_entries[] | select(.value.digest != $before[0].layers[.key].digest) | .key] | join(" ")' \
  "$WORK/lading-inc.after.json")"
[ "$(jq '.layers | length' "$WORK/lading-inc.after.json")" = "$(jq '.layers | length' "$WORK/lading-inc.before.json")" ] \
  || die "the incremental build changed the number of layers"
classes="$(jq -r '[.history[] | select(.empty_layer != true)] | map(.created_by) | index("lading: classes")' \
  "$WORK/lading-inc.config.json")"
[ "$changed" = "$classes" ] \
  || die "the incremental build changed layer(s) [$changed], expected only the classes layer [$classes]"
log "verified: our incremental build changed only the classes layer (layer $classes)"

# ------------------------------------------------------------------------------------------- report
base_layers="$(inspect_raw library/jre:17 | jq '.layers | length')"
app_bytes="$(jq --argjson n "$base_layers" '[.layers[$n:][].size] | add' "$WORK/lading-inc.after.json")"
echo
echo "app: bench/app, $(awk -v b="$app_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MB in $(( $(jq '.layers | length' "$WORK/lading-inc.after.json") - base_layers )) app layers (gzip), base $REGISTRY/library/jre:17 ($base_layers layers), $(nproc) CPUs"
echo "runs: $RUNS, median seconds of the whole mvn command (JVM start, compile, jar, image, push); cpu = user + system"
echo "  lading: mvn -B -q package image:build image:push   ($LADING_VERSION)"
echo "  jib:    mvn -B -q package jib:build                (jib-maven-plugin 3.5.2)"
row() { # NAME LADING_MS JIB_MS AIM
  awk -v n="$1" -v l="$2" -v j="$3" -v a="$4" 'BEGIN { printf "%-18s %10.2f %10.2f %8.2f %8s\n", n, l / 1000, j / 1000, l / j, a }'
}
printf '%-18s %10s %10s %8s %8s\n' "" lading jib ratio aim
lc=$(median "${L_COLD[@]}"); jc=$(median "${J_COLD[@]}")
li=$(median "${L_INC[@]}"); ji=$(median "${J_INC[@]}")
row "cold" "$lc" "$jc" "<= 1.00"
row "incremental" "$li" "$ji" "<= 0.70"
mc=$(median "${M_COLD[@]}"); mi=$(median "${M_INC[@]}")
printf '%-18s %10.2f %10s   (the part both commands share)\n' "mvn package alone" "$(secs "$mc")" ""
printf '%-18s %10.2f %10s\n' "  incremental" "$(secs "$mi")" ""
row "cold image steps" "$((lc - mc))" "$((jc - mc))" ""
row "  incremental" "$((li - mi))" "$((ji - mi))" ""
if [ -n "$TIME_BIN" ]; then
  row "cold (cpu)" "$(median "${L_COLD_CPU[@]}")" "$(median "${J_COLD_CPU[@]}")" ""
  row "incremental (cpu)" "$(median "${L_INC_CPU[@]}")" "$(median "${J_INC_CPU[@]}")" ""
fi
awk -v l="$lc" -v j="$jc" 'BEGIN { printf "cold lading/jib = %.2f\n", l / j }'
awk -v l="$li" -v j="$ji" 'BEGIN { printf "incremental lading/jib = %.2f\n", l / j }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wall ms: cold lading ${L_COLD[*]} | cold jib ${J_COLD[*]} | cold mvn ${M_COLD[*]}"
echo "         inc lading ${L_INC[*]} | inc jib ${J_INC[*]} | inc mvn ${M_INC[*]}"
