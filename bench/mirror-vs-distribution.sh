#!/usr/bin/env bash
# Benchmark: the lading mirror against CNCF distribution (Debian's docker-registry) on the same machine,
# the same image and in the same run. The image has one layer of incompressible data (150 MB by
# default), made locally and pushed to an "origin" docker-registry.
#   warm:  both serve the image from their own storage: `skopeo copy` of the image, and 8 parallel raw
#          GETs of the layer blob with curl (throughput). Aim: lading at least 1.5x distribution's
#          throughput (time ratio lading/distribution at most 0.67). Also the 20 concurrent pulls of
#          the cold test against both, warm: what the clients themselves cost, the cold test's floor.
#          The CPU of each server and of the 8 curls is measured too, and the floors that no server
#          can beat on this machine: the same 8 GETs from a bare sendfile server (a few lines of Java,
#          no HTTP stack), and `skopeo copy` of the same image from a local `dir:` (no server at all).
#   cold:  20 clients pull the image at once through a pull-through cache of the origin, started
#          empty: `lading mirror --upstream` against docker-registry in proxy mode. The origin's access
#          log counts the layer fetches each cache made. Aim: lading at most 0.5x distribution's time,
#          one upstream fetch. With --upstream-rate the origin the caches pull from is behind a link of
#          that rate, as a remote upstream is (on loopback, fetching the layer 21 times costs
#          distribution little, and the 20 clients' own CPU decides both times).
# Prints medians and ratios.
#
# The mirror runs through the distribution's launcher (bin/lading: its JVM flags and class-data
# archive), as users start it, and is measured just after its start: JIT warm-up counts against it.
#
# Usage: bench/mirror-vs-distribution.sh [--runs N] [--blob-mb MB] [--clients N] [--lading PATH]
#          [--jar PATH] [--keep]
#   --runs N       repetitions of each measurement; medians are reported (default 3)
#   --blob-mb MB   size of the layer (default 150)
#   --clients N    concurrent clients of the cold pull (default 20)
#   --upstream-rate RATE
#                  cold test only: the caches' upstream is a copy of the origin in a network namespace
#                  of its own, reached through a veth pair shaped to RATE each way (tc tbf; tc's units:
#                  1gbit, 500mbit). Needs root and iproute2 (ip, tc).
#   --lading PATH  the lading launcher (default: $LADING, else
#                  mirror-server/target/lading-dist/bin/lading)
#   --jar PATH     run `java -jar PATH` instead of the launcher (default flags of the JVM)
#   --keep         keep the work directory and leave the servers running, for a look
# Environment: JAVA (default: java, for --jar), LADING_JAVA_OPTS (extra JVM options for the mirror),
# TMPDIR.
set -Eeuo pipefail
trap 'echo "mirror-vs-distribution: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
export LC_ALL=C

die() { echo "mirror-vs-distribution: $*" >&2; exit 1; }
log() { echo "mirror-vs-distribution: $*" >&2; }
usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit "$1"; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
RUNS=3
BLOB_MB=150
CLIENTS=20
UPSTREAM_RATE=""
LADING="${LADING:-$ROOT/mirror-server/target/lading-dist/bin/lading}"
JAR=""
KEEP=0
JAVA="${JAVA:-java}"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; shift ;;
    --blob-mb) [ $# -ge 2 ] || die "--blob-mb needs a number"; BLOB_MB=$2; shift ;;
    --clients) [ $# -ge 2 ] || die "--clients needs a number"; CLIENTS=$2; shift ;;
    --upstream-rate) [ $# -ge 2 ] || die "--upstream-rate needs a rate (1gbit, 500mbit)"; UPSTREAM_RATE=$2; shift ;;
    --lading) [ $# -ge 2 ] || die "--lading needs a path"; LADING=$2; shift ;;
    --jar) [ $# -ge 2 ] || die "--jar needs a path"; JAR=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage 0 ;;
    *) echo "mirror-vs-distribution: unknown argument '$1'" >&2; usage 2 ;;
  esac
  shift
done
for n in "$RUNS" "$BLOB_MB" "$CLIENTS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--runs, --blob-mb and --clients take positive numbers, not '$n'"
done
for tool in skopeo docker-registry curl; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed (Debian: apt-get install skopeo docker-registry curl)"
done
if [ -n "$UPSTREAM_RATE" ]; then
  [[ "$UPSTREAM_RATE" =~ ^[0-9]+(\.[0-9]+)?[kmg]?(bit|bps)$ ]] || die "--upstream-rate takes a rate in tc's units (1gbit, 500mbit), not '$UPSTREAM_RATE'"
  [ "$(id -u)" = 0 ] || die "--upstream-rate needs root (it makes a network namespace and shapes a veth pair)"
  for tool in ip tc; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed (Debian: apt-get install iproute2)"
  done
fi
# shellcheck disable=SC2206 # a space-separated option list, split on purpose
JAVA_OPTS=(${LADING_JAVA_OPTS:-})
# LADING_CMD: how to start lading (a plain command, so that $! of a background start is the JVM).
if [ -n "$JAR" ]; then
  [ -f "$JAR" ] || die "no lading CLI jar at $JAR"
  LADING_CMD=("$JAVA" "${JAVA_OPTS[@]}" -jar "$JAR")
else
  [ -x "$LADING" ] || die "no lading launcher at $LADING; build it: mvn -B -q -pl layer-store,mirror-server -am package -DskipTests"
  export LADING_OPTS="${LADING_JAVA_OPTS:-}"
  LADING_CMD=("$LADING")
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lading-mirror-bench.XXXXXX")"
MIRROR_PID=""
FLOOR_PID=""
NETNS=""
cleanup() {
  if [ "$KEEP" -eq 1 ]; then
    log "kept $WORK (servers still running)"
    return
  fi
  stop_mirror
  if [ -n "$FLOOR_PID" ]; then kill "$FLOOR_PID" 2>/dev/null || true; wait "$FLOOR_PID" 2>/dev/null || true; fi
  for dir in "$WORK"/registry-*; do
    [ -d "$dir" ] && "$ROOT/tools/local-registry.sh" stop "$dir" >/dev/null 2>&1 || true
  done
  # Deleting the namespace deletes its end of the veth pair, and so the pair.
  if [ -n "$NETNS" ]; then ip netns del "$NETNS" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# start_mirror NAME ARGS...: `lading mirror` on a free port with a store of its own; sets MIRROR.
start_mirror() {
  local name=$1
  shift
  mkdir -p "$WORK/$name"
  "${LADING_CMD[@]}" mirror --store "$WORK/$name/store" --listen 127.0.0.1:0 "$@" \
    >"$WORK/$name/mirror.log" 2>&1 &
  MIRROR_PID=$!
  MIRROR=""
  for _ in $(seq 1 600); do
    MIRROR=$(sed -n 's|.*serving .* at http://\([0-9.]*:[0-9]*\)/v2/.*|\1|p' "$WORK/$name/mirror.log" | head -n 1)
    [ -n "$MIRROR" ] && return 0
    kill -0 "$MIRROR_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$WORK/$name/mirror.log" >&2
  die "lading mirror did not start"
}
stop_mirror() {
  if [ -n "$MIRROR_PID" ]; then
    kill "$MIRROR_PID" 2>/dev/null || true
    wait "$MIRROR_PID" 2>/dev/null || true
    MIRROR_PID=""
  fi
}

# ------------------------------------------------------------------------------ the image, the origin
log "making a ${BLOB_MB} MB one-layer image"
mkdir -p "$WORK/context"
head -c "$((BLOB_MB * 1000 * 1000))" /dev/urandom >"$WORK/context/blob.bin"
printf 'FROM scratch\nCOPY blob.bin /blob.bin\n' >"$WORK/context/Dockerfile"
ORIGIN=$(LOCAL_REGISTRY_ACCESS_LOG=1 "$ROOT/tools/local-registry.sh" start "$WORK/registry-origin")
IMAGE=bench/blob:1
"${LADING_CMD[@]}" build --store "$WORK/build-store" -t "docker://$ORIGIN/$IMAGE" "$WORK/context" \
  >"$WORK/build.log" 2>&1 || { tail -n 20 "$WORK/build.log" >&2; die "lading build failed"; }
LAYER=$(skopeo inspect --raw --tls-verify=false "docker://$ORIGIN/$IMAGE" \
  | sed -n 's/.*"layers":\[{[^}]*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p')
[ -n "$LAYER" ] || die "cannot read the layer digest of $ORIGIN/$IMAGE"
BYTES=$(curl -sfI "http://$ORIGIN/v2/bench/blob/blobs/$LAYER" | tr -d '\r' \
  | awk 'tolower($1) == "content-length:" { print $2 }')

# cpu_ms PID: CPU time (user + system) the process has used so far, in ms.
cpu_ms() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%d", ($12 + $13) * 1000 / hz }' "/proc/$1/stat"
}

# ---------------------------------------------------------------------------------------------- warm
# The lading mirror as a plain registry (no upstream), holding the same image.
start_mirror warm
skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$ORIGIN/$IMAGE" \
  "docker://$MIRROR/$IMAGE"

# The floors. FLOOR: a bare HTTP server that answers every request with the layer file by blocking
# sendfile (FileChannel.transferTo), one thread per connection: what 8 curls cost with a server that
# costs next to nothing. IMAGE_DIR: the image as skopeo's dir: layout, for copies with no server.
mkdir -p "$WORK/floor"
cat >"$WORK/floor/SendfileFloor.java" <<'JAVA'
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Usage: SendfileFloor FILE ADDRESS_FILE. Every request gets FILE; no HTTP beyond that. */
public class SendfileFloor {
  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    Path tmp = Path.of(args[1] + ".tmp");
    Files.writeString(tmp, "127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort());
    Files.move(tmp, Path.of(args[1]), StandardCopyOption.ATOMIC_MOVE);
    while (true) {
      SocketChannel client = server.accept();
      new Thread(() -> serve(client, file)).start();
    }
  }

  static void serve(SocketChannel client, Path file) {
    try (client; FileChannel blob = FileChannel.open(file)) {
      long size = blob.size();
      ByteBuffer in = ByteBuffer.allocate(16384);
      while (true) {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
          in.clear();
          if (client.read(in) < 0) {
            return;
          }
          head.append(new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1));
        }
        client.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Length: " + size
            + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
        for (long sent = 0; head.indexOf("GET ") == 0 && sent < size; ) {
          sent += blob.transferTo(sent, size - sent, client);
        }
      }
    } catch (IOException clientGone) {
      // next connection
    }
  }
}
JAVA
LAYER_FILE="$WORK/registry-origin/data/docker/registry/v2/blobs/sha256/${LAYER:7:2}/${LAYER#sha256:}/data"
[ -f "$LAYER_FILE" ] || die "the layer is not at $LAYER_FILE in the origin's storage"
"$JAVA" "$WORK/floor/SendfileFloor.java" "$LAYER_FILE" "$WORK/floor/address" >"$WORK/floor/floor.log" 2>&1 &
FLOOR_PID=$!
for _ in $(seq 1 300); do [ -f "$WORK/floor/address" ] && break; sleep 0.1; done
[ -f "$WORK/floor/address" ] || { cat "$WORK/floor/floor.log" >&2; die "the sendfile floor server did not start"; }
FLOOR=$(cat "$WORK/floor/address")
IMAGE_DIR="$WORK/image-dir"
skopeo copy --quiet --src-tls-verify=false "docker://$ORIGIN/$IMAGE" "dir:$IMAGE_DIR"

# skopeo_pull SOURCE: one `skopeo copy` of the image (docker://SOURCE/IMAGE, or SOURCE itself when
# it is a dir:) to a fresh directory; prints ms.
skopeo_pull() {
  local start source="docker://$1/$IMAGE"
  local tls=(--src-tls-verify=false)
  if [[ "$1" == dir:* ]]; then source=$1; tls=(); fi
  rm -rf "$WORK/pulled"
  start=$(now_ms)
  skopeo copy --quiet "${tls[@]}" "$source" "dir:$WORK/pulled" >/dev/null
  echo $(( $(now_ms) - start ))
}
# children_ms FILE: CPU time (user + system) of the finished children of the shell that wrote FILE
# with `times >FILE` (not `$(times)`: a forked shell has no children yet), in ms.
children_ms() {
  awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
    printf "%d", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }' "$1"
}
# raw_gets HOST PID: 8 parallel GETs of the layer blob from the server PID; prints ms for all to
# finish, the server's CPU ms meanwhile and the 8 curls' CPU ms. Run in a subshell (as $(...)), so
# that the curls are its only children.
raw_gets() {
  local start end pids=() i cpu0
  cpu0=$(cpu_ms "$2")
  start=$(now_ms)
  for i in 1 2 3 4 5 6 7 8; do
    curl -sf -o /dev/null "http://$1/v2/bench/blob/blobs/$LAYER" & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || die "a raw GET from $1 failed"; done
  end=$(now_ms)
  local times="$WORK/times.$BASHPID"
  times >"$times"
  echo "$(( end - start )) $(( $(cpu_ms "$2") - cpu0 )) $(children_ms "$times")"
  rm -f "$times"
}

# many_pulls HOST: CLIENTS concurrent `skopeo copy` of the image; prints ms for all to finish.
many_pulls() {
  local start pids=() i
  start=$(now_ms)
  for i in $(seq 1 "$CLIENTS"); do
    skopeo copy --quiet --src-tls-verify=false "docker://$1/$IMAGE" "dir:$WORK/pull-$i" \
      >"$WORK/pull-$i.log" 2>&1 & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || { cat "$WORK"/pull-*.log >&2; die "a cold pull from $1 failed"; }; done
  echo $(( $(now_ms) - start ))
  rm -rf "$WORK"/pull-*
}
W_SKOPEO_D=() W_SKOPEO_L=() W_SKOPEO_F=() W_GETS_D=() W_GETS_L=() W_GETS_F=() W_MANY_D=() W_MANY_L=()
W_SCPU_D=() W_SCPU_L=() W_SCPU_F=() W_CCPU_D=() W_CCPU_L=() W_CCPU_F=()
ORIGIN_PID=$(cat "$WORK/registry-origin/pid")
for run in $(seq 1 "$RUNS"); do
  # Rotate the order, so none always meets the warmer page cache or the quieter machine.
  case $((run % 3)) in
    1) order="distribution lading floor" ;;
    2) order="lading floor distribution" ;;
    0) order="floor distribution lading" ;;
  esac
  for who in $order; do
    case $who in
      distribution)
        W_SKOPEO_D+=("$(skopeo_pull "$ORIGIN")")
        read -r ms server clients < <(raw_gets "$ORIGIN" "$ORIGIN_PID") || die "8 GETs from distribution failed"
        W_GETS_D+=("$ms"); W_SCPU_D+=("$server"); W_CCPU_D+=("$clients")
        W_MANY_D+=("$(many_pulls "$ORIGIN")") ;;
      lading)
        W_SKOPEO_L+=("$(skopeo_pull "$MIRROR")")
        read -r ms server clients < <(raw_gets "$MIRROR" "$MIRROR_PID") || die "8 GETs from lading failed"
        W_GETS_L+=("$ms"); W_SCPU_L+=("$server"); W_CCPU_L+=("$clients")
        W_MANY_L+=("$(many_pulls "$MIRROR")") ;;
      floor)
        W_SKOPEO_F+=("$(skopeo_pull "dir:$IMAGE_DIR")")
        read -r ms server clients < <(raw_gets "$FLOOR" "$FLOOR_PID") || die "8 GETs from the floor server failed"
        W_GETS_F+=("$ms"); W_SCPU_F+=("$server"); W_CCPU_F+=("$clients") ;;
    esac
  done
  log "warm run $run: skopeo ${W_SKOPEO_D[-1]} / ${W_SKOPEO_L[-1]} / ${W_SKOPEO_F[-1]} ms," \
    "8 GETs ${W_GETS_D[-1]} / ${W_GETS_L[-1]} / ${W_GETS_F[-1]} ms (server CPU ${W_SCPU_D[-1]} /" \
    "${W_SCPU_L[-1]} / ${W_SCPU_F[-1]} ms, curls' CPU ${W_CCPU_D[-1]} / ${W_CCPU_L[-1]} / ${W_CCPU_F[-1]} ms)," \
    "$CLIENTS pulls ${W_MANY_D[-1]} / ${W_MANY_L[-1]} ms (distribution / lading / floor)"
done
stop_mirror
kill "$FLOOR_PID" 2>/dev/null || true
wait "$FLOOR_PID" 2>/dev/null || true
FLOOR_PID=""

# ---------------------------------------------------------------------------------------------- cold
# UPSTREAM: the registry the caches pull through from; the origin itself, or with --upstream-rate a copy
# of it behind a shaped link: a network namespace with a registry listening on 10.213.0.2, reached
# through a veth pair whose two ends each send at most RATE (tbf: no netem on every kernel, so no
# added delay; the link's rate is what makes an upstream fetch cost what it does over a WAN).
UPSTREAM=$ORIGIN
UPSTREAM_DIR="$WORK/registry-origin"
if [ -n "$UPSTREAM_RATE" ]; then
  NETNS="lading-bench-$$"
  veth="lb$$"
  ip netns add "$NETNS"
  ip link add "${veth}a" type veth peer name "${veth}b"
  ip link set "${veth}b" netns "$NETNS"
  ip addr add 10.213.0.1/30 dev "${veth}a"
  ip link set "${veth}a" up
  ip netns exec "$NETNS" ip addr add 10.213.0.2/30 dev "${veth}b"
  ip netns exec "$NETNS" ip link set "${veth}b" up
  ip netns exec "$NETNS" ip link set lo up
  tc qdisc add dev "${veth}a" root tbf rate "$UPSTREAM_RATE" burst 1mb latency 100ms
  ip netns exec "$NETNS" tc qdisc add dev "${veth}b" root tbf rate "$UPSTREAM_RATE" burst 1mb latency 100ms
  UPSTREAM_DIR="$WORK/registry-remote"
  port=$(ip netns exec "$NETNS" env LOCAL_REGISTRY_ACCESS_LOG=1 LOCAL_REGISTRY_LISTEN=0.0.0.0 \
    "$ROOT/tools/local-registry.sh" start "$UPSTREAM_DIR")
  UPSTREAM="10.213.0.2:${port##*:}"
  start=$(now_ms)
  skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$ORIGIN/$IMAGE" \
    "docker://$UPSTREAM/$IMAGE"
  log "the upstream is $UPSTREAM behind a $UPSTREAM_RATE link (the image went up it in $(( $(now_ms) - start )) ms)"
fi

# origin_fetches: how often the caches' upstream has served the layer so far.
origin_fetches() {
  grep -c "\"GET /v2/bench/blob/blobs/$LAYER" "$UPSTREAM_DIR/registry.log" || true
}

C_D=() C_L=() F_D=() F_L=() U_D=() U_L=()
for run in $(seq 1 "$RUNS"); do
  for who in distribution lading; do
    before=$(origin_fetches)
    if [ "$who" = distribution ]; then
      dir="$WORK/registry-proxy-$run"
      PROXY=$(LOCAL_REGISTRY_PROXY="http://$UPSTREAM" "$ROOT/tools/local-registry.sh" start "$dir")
      C_D+=("$(many_pulls "$PROXY")")
      U_D+=("$(cpu_ms "$(cat "$dir/pid")")")
      "$ROOT/tools/local-registry.sh" stop "$dir" >/dev/null
      rm -rf "$dir/data"
      F_D+=($(( $(origin_fetches) - before )))
    else
      start_mirror "mirror-cold-$run" --upstream "origin=http://$UPSTREAM"
      C_L+=("$(many_pulls "$MIRROR")")
      U_L+=("$(cpu_ms "$MIRROR_PID")")
      stop_mirror
      rm -rf "$WORK/mirror-cold-$run/store"
      F_L+=($(( $(origin_fetches) - before )))
    fi
  done
  log "cold run $run: $CLIENTS clients in ${C_D[-1]} / ${C_L[-1]} ms, origin fetches of the layer ${F_D[-1]} / ${F_L[-1]}," \
    "server CPU ${U_D[-1]} / ${U_L[-1]} ms (distribution / lading)"
done

# ------------------------------------------------------------------------------------------- results
mb=$(awk -v b="$BYTES" 'BEGIN { printf "%.0f", b / 1000000 }')
sd=$(median "${W_SKOPEO_D[@]}"); sl=$(median "${W_SKOPEO_L[@]}"); sf=$(median "${W_SKOPEO_F[@]}")
gd=$(median "${W_GETS_D[@]}"); gl=$(median "${W_GETS_L[@]}"); gf=$(median "${W_GETS_F[@]}")
# CPU of one 8-GET round, server + curls, as the median of the runs' sums.
sum_each() { local -n a=$1 b=$2; local i; for i in "${!a[@]}"; do echo $(( a[i] + b[i] )); done; }
td=$(median $(sum_each W_SCPU_D W_CCPU_D)); tl=$(median $(sum_each W_SCPU_L W_CCPU_L))
tf=$(median $(sum_each W_SCPU_F W_CCPU_F))
md=$(median "${W_MANY_D[@]}"); ml=$(median "${W_MANY_L[@]}")
cd_=$(median "${C_D[@]}"); cl=$(median "${C_L[@]}")
tput() { awk -v b="$BYTES" -v ms="$1" 'BEGIN { printf "%.0f", 8 * b / 1000000 / (ms / 1000) }'; }
echo
echo "mirror-vs-distribution: ${mb} MB layer, $RUNS runs (medians), $(nproc) cores, mirror started with" \
  "$([ -n "$JAR" ] && echo "java -jar" || echo "bin/lading"), just before its measurements"
printf '%-44s %14s %14s %8s %s\n' "" "distribution" "lading" "ratio" "aim"
printf '%-44s %12s s %12s s %8s %s\n' "warm: skopeo copy of the image" "$(secs "$sd")" "$(secs "$sl")" "$(ratio "$sl" "$sd")" "<= 0.67"
printf '%-44s %9s MB/s %9s MB/s %8s %s\n' "warm: 8 parallel GETs of the layer" "$(tput "$gd")" "$(tput "$gl")" "$(ratio "$gd" "$gl")x" ">= 1.5x"
printf '%-44s %12s s %12s s\n' "warm: 8 GETs, server CPU" "$(secs "$(median "${W_SCPU_D[@]}")")" "$(secs "$(median "${W_SCPU_L[@]}")")"
printf '%-44s %12s s %12s s\n' "warm: 8 GETs, the 8 curls' CPU" "$(secs "$(median "${W_CCPU_D[@]}")")" "$(secs "$(median "${W_CCPU_L[@]}")")"
printf '%-44s %12s s %12s s %8s\n' "warm: 8 GETs, server + curls CPU" "$(secs "$td")" "$(secs "$tl")" "$(ratio "$td" "$tl")x"
echo "floors (the same runs; ratio: what distribution's figure over the floor's allows at best):"
printf '%-44s %14s %9s MB/s %8s\n' "  8 GETs from a bare sendfile server" "" "$(tput "$gf")" "$(ratio "$gd" "$gf")x"
printf '%-44s %14s %12s s %8s\n' "  8 GETs there, server + curls CPU" "" "$(secs "$tf")" "$(ratio "$td" "$tf")x"
printf '%-44s %14s %12s s %8s\n' "  skopeo copy from a local dir: (no server)" "" "$(secs "$sf")" "$(ratio "$sf" "$sd")"
printf '%-44s %12s s %12s s %8s %s\n' "warm: $CLIENTS concurrent pulls (clients' floor)" "$(secs "$md")" "$(secs "$ml")" "$(ratio "$ml" "$md")" ""
if [ -n "$UPSTREAM_RATE" ]; then
  echo "cold: the caches' upstream is a copy of the origin behind a $UPSTREAM_RATE link"
else
  echo "cold: the caches' upstream is the origin, on loopback"
fi
printf '%-44s %12s s %12s s %8s %s\n' "cold: $CLIENTS concurrent pulls through the cache" "$(secs "$cd_")" "$(secs "$cl")" "$(ratio "$cl" "$cd_")" "<= 0.50"
printf '%-44s %12s s %12s s\n' "cold: CPU of the cache (start to end)" "$(secs "$(median "${U_D[@]}")")" "$(secs "$(median "${U_L[@]}")")"
printf '%-44s %14s %14s\n' "cold: origin fetches of the layer (per run)" "${F_D[*]}" "${F_L[*]}"
