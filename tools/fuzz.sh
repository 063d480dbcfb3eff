#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers with Jazzer: runs each @FuzzTest of
# layer-store/src/test/java/dev/lading/fuzz in fuzzing mode for N seconds.
#
#   bash tools/fuzz.sh [--seconds N] [TARGET...]
#
# TARGET is a short name (extractor, manifest, config, reference, headers) or Class#method;
# default: all of them. --seconds defaults to 60 (the CI run); run longer by hand, e.g. 1800.
# Prints per target what ran and any finding; exits 1 when a target found something.
#
# Jazzer fuzzes one @FuzzTest per JVM, so the tests are compiled once and each target runs in its
# own JVM through Jazzer's command-line driver, which runs @FuzzTest methods through JUnit.
# Generated corpora stay in layer-store/target/fuzz/<target>/corpus (reused by the next run on this
# machine); crash inputs go to layer-store/target/fuzz/<target>/findings. To keep a crash as a
# regression test, copy it into the target's seed directory (printed below): plain `mvn test` runs
# every file there.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,10s/^# \{0,1\}//p' "$0"; }

declare -A TARGETS=(
  [extractor]=LayerExtractorFuzzTest#applyLayer
  [manifest]=ImageDocumentFuzzTest#manifestDocument
  [config]=ImageDocumentFuzzTest#imageConfig
  [reference]=ImageReferenceFuzzTest#parse
  [headers]=RegistryHeaderFuzzTest#headers
)
ORDER=(extractor manifest config reference headers)

seconds=60
selected=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) seconds=${1#--seconds=}; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) selected+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --seconds wants a positive number" >&2; exit 2; }
[ ${#selected[@]} -gt 0 ] || selected=("${ORDER[@]}")
for target in "${selected[@]}"; do
  spec=${TARGETS[$target]:-$target}
  if [[ ! "$spec" =~ ^[A-Za-z0-9_]+#[A-Za-z0-9_]+$ ]]; then
    echo "fuzz.sh: unknown target '$target' (known: ${ORDER[*]}, or Class#method)" >&2
    exit 2
  fi
done

module=layer-store
out=$module/target/fuzz
mkdir -p "$out"

# Compile once and write the test classpath. Offline first; online only when something is missing
# from the local repository (the first run on a fresh machine).
build() {
  mvn -B -q "$@" -pl "$module" test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/fuzz/classpath.txt -Dmdep.includeScope=test
}
started=$(date +%s)
echo "=== compiling $module and its tests"
if ! build -o > "$out/build.log" 2>&1; then
  echo "fuzz.sh: offline build failed; resolving online once" >&2
  build > "$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 2; }
fi
classpath="$module/target/test-classes:$module/target/classes:$(cat "$out/classpath.txt")"

failed=0
summary=()
for target in "${selected[@]}"; do
  spec=${TARGETS[$target]:-$target}
  class=${spec%%#*}
  method=${spec#*#}
  name=$class.$method
  work=$out/$name
  seeds=$module/src/test/resources/dev/lading/fuzz/${class}Inputs/$method
  mkdir -p "$work/corpus" "$work/findings"
  rm -f "$work/findings"/*
  echo "=== $name: fuzzing for ${seconds}s (seeds: $seeds)"
  # -timeout: an input that runs this long is a finding (a hang). The outer timeout only guards
  # against the JVM itself not ending.
  set +e
  JAZZER_FUZZ=1 timeout --kill-after=30 $((seconds + 300)) \
    java -Xmx1g -XX:-OmitStackTraceInFastThrow -cp "$classpath" com.code_intelligence.jazzer.Jazzer \
      --target_class="dev.lading.fuzz.$class" --target_method="$method" \
      -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
      -artifact_prefix="$work/findings/" "$work/corpus" > "$work/log.txt" 2>&1
  rc=$?
  set -e
  runs=$(grep -aoE 'Done [0-9]+ runs in [0-9]+ second' "$work/log.txt" | tail -1 || true)
  cov=$(grep -aoE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$work/log.txt" | tail -1 || true)
  findings=$(find "$work/findings" -type f | sort)
  if [ $rc -eq 0 ] && [ -z "$findings" ]; then
    echo "    ok: ${runs:-no run count}; ${cov:-no coverage line}"
    summary+=("ok       $name (${runs:-?})")
  else
    failed=1
    echo "    FINDING (exit $rc); log: $work/log.txt"
    # What Jazzer reports (exception and first frames, or a timeout), else the end of the log.
    excerpt=$(grep -a -A12 -m1 -E '^== Java (Exception|Assertion)|^==[0-9]+== ERROR|^ALARM' \
      "$work/log.txt" || tail -30 "$work/log.txt")
    printf '%s\n' "$excerpt" | tr -cd '\11\12\40-\176' | sed 's/^/    | /'
    for f in $findings; do
      echo "    input: $f"
      echo "    keep it as a regression test: cp '$f' '$seeds/'"
    done
    summary+=("FINDING  $name (exit $rc)")
  fi
done

echo "=== fuzz summary (${seconds}s per target, $(( $(date +%s) - started ))s in all)"
printf '    %s\n' "${summary[@]}"
# One plain closing line, as test runners end theirs: targets without and with a finding.
found=$(printf '%s\n' "${summary[@]}" | grep -c '^FINDING' || true)
echo "fuzz: $(( ${#summary[@]} - found )) passed, $found failed"
exit $failed
