#!/usr/bin/env bash
# Runs a local, open (no auth, plain HTTP) docker-registry on the loopback interface, for demos and
# benchmarks that must not reach a registry on the internet.
#
# Usage: tools/local-registry.sh start DIR [PORT]   start (or find running) a registry storing in DIR;
#                                                   prints 127.0.0.1:PORT once /v2/ answers
#        tools/local-registry.sh stop DIR           stop it (no-op when it is not running)
#        tools/local-registry.sh status DIR         print 127.0.0.1:PORT if running, else exit 1
#
# DIR holds config.yml, data/ (the blobs), registry.log, pid and port. Without PORT a free port in
# 20000-59999 is picked. Environment: REGISTRY_START_TIMEOUT (seconds, default 20),
# LOCAL_REGISTRY_ACCESS_LOG=1 (one line per request in registry.log), LOCAL_REGISTRY_PROXY=URL (a pull-through
# cache of the registry at URL: distribution's proxy mode), LOCAL_REGISTRY_LISTEN=ADDR (the address to
# listen on, default 127.0.0.1; 0.0.0.0 for a registry in a network namespace of its own). Not REGISTRY_*: docker-registry reads
# those as overrides of its configuration.
set -Eeuo pipefail
trap 'echo "local-registry: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

die() { echo "local-registry: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit "$1"; }

case "${1:-}" in -h|--help) usage 0 ;; esac
[ $# -ge 2 ] || usage 2
COMMAND=$1
DIR=$2
WANTED_PORT=${3:-}
TIMEOUT=${REGISTRY_START_TIMEOUT:-20}

# running_pid: the pid in DIR/pid if that process is still the registry started for DIR (a pid file
# can outlive its process, and the number can be reused by an unrelated one).
running_pid() {
  local pid cmdline
  [ -f "$DIR/pid" ] || return 1
  pid=$(cat "$DIR/pid")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  [[ "$cmdline" == *docker-registry*" $DIR/config.yml"* ]] || return 1
  echo "$pid"
}

answers() {
  local code
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/v2/" || true)
  [ "$code" = 200 ] || [ "$code" = 401 ]
}

port_in_use() {
  ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

# write_atomically FILE: stdin to FILE through a temporary file and a rename.
write_atomically() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  mv -f "$tmp" "$1"
}

start() {
  command -v docker-registry >/dev/null || die "docker-registry is not installed (apt-get install docker-registry)"
  command -v curl >/dev/null || die "curl is not installed (apt-get install curl)"
  mkdir -p "$DIR/data"
  DIR=$(cd "$DIR" && pwd -P)
  local pid port
  if pid=$(running_pid); then
    port=$(cat "$DIR/port")
    if [ -z "$WANTED_PORT" ] || [ "$WANTED_PORT" = "$port" ]; then
      answers "$port" || die "the registry in $DIR (pid $pid) does not answer on port $port; see $DIR/registry.log"
      echo "127.0.0.1:$port"
      return 0
    fi
    die "a registry for $DIR already runs on port $port (pid $pid); stop it first to use port $WANTED_PORT"
  fi
  for _ in 1 2 3 4 5; do
    if [ -n "$WANTED_PORT" ]; then
      port=$WANTED_PORT
      ! port_in_use "$port" || die "port $port is already in use"
    else
      port=$((20000 + RANDOM % 40000))
      if port_in_use "$port"; then continue; fi
    fi
    write_atomically "$DIR/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: $([ "${LOCAL_REGISTRY_ACCESS_LOG:-0}" = 1 ] && echo false || echo true)
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
http:
  addr: ${LOCAL_REGISTRY_LISTEN:-127.0.0.1}:$port
${LOCAL_REGISTRY_PROXY:+proxy:
  remoteurl: $LOCAL_REGISTRY_PROXY}
EOF
    # setsid: the registry outlives this script and the caller's terminal; stop kills it by pid.
    setsid docker-registry serve "$DIR/config.yml" >"$DIR/registry.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" | write_atomically "$DIR/pid"
    local deadline=$((SECONDS + TIMEOUT))
    while [ "$SECONDS" -lt "$deadline" ]; do
      if ! kill -0 "$pid" 2>/dev/null; then
        break
      fi
      if answers "$port"; then
        echo "$port" | write_atomically "$DIR/port"
        echo "127.0.0.1:$port"
        return 0
      fi
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      rm -f "$DIR/pid"
      die "docker-registry did not answer on 127.0.0.1:$port within ${TIMEOUT}s; see $DIR/registry.log"
    fi
    rm -f "$DIR/pid"
    # Lost a race for the port with another process: try another one, unless this one was asked for.
    if [ -n "$WANTED_PORT" ] || ! grep -q 'address already in use' "$DIR/registry.log"; then
      die "docker-registry exited at start: $(tail -n 5 "$DIR/registry.log")"
    fi
  done
  die "found no free port after 5 attempts"
}

stop() {
  [ -d "$DIR" ] || return 0
  DIR=$(cd "$DIR" && pwd -P)
  local pid
  if pid=$(running_pid); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "local-registry: pid $pid ignored SIGTERM for 10s; sending SIGKILL" >&2
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$DIR/pid" "$DIR/port"
}

status() {
  [ -d "$DIR" ] || exit 1
  DIR=$(cd "$DIR" && pwd -P)
  running_pid >/dev/null || exit 1
  echo "127.0.0.1:$(cat "$DIR/port")"
}

case "$COMMAND" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage 2 ;;
esac
