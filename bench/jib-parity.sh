#!/usr/bin/env bash
# Parity with Jib: builds one sample project (bench/app, plus an executable and an empty directory in
# src/main/jib and a resource file) with our Maven plugin (`mvn package image:build image:push`) and
# with Jib (`mvn package jib:build`, jib-maven-plugin 3.5.2), both from the same base image to the same
# local registry and with the same jib.* properties on the command line, then prints every difference:
# the manifest's and config's fields (history's tool names aside: compared by count and comment) and,
# layer by layer, each entry's path, type, mode, owner, mtime, size and link target.
# What it prints should be only what the plugin page (site/src/site/markdown/plugin.md, "Switching from
# Jib") lists as intended; the exit status is 0 either way (the differences are the output).
#
# Usage: bench/jib-parity.sh [--workdir DIR] [--keep] [-- EXTRA_MAVEN_ARGS...]
#   --workdir DIR  where the registry, Maven repository and app copies go (default: a new dir under /tmp)
#   --keep         keep the work directory (and the registry running) for inspection
#   EXTRA_MAVEN_ARGS  passed to both builds, e.g. -Djib.container.format=Docker
# Environment: MVN (default: mvn), BENCH_OUTER_REPO (local repository to take artifacts from, default
#              ~/.m2/repository; Jib comes from Maven Central when it is not there),
#              LADING_BASE_IMAGES (base image cache, see tools/make-base-image.sh).
set -Eeuo pipefail
trap 'echo "jib-parity: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
export LC_ALL=C

die() { echo "jib-parity: $*" >&2; exit 1; }
log() { echo "jib-parity: $*" >&2; }
usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit "$1"; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
WORKDIR=""
KEEP=0
MVN="${MVN:-mvn}"
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) [ $# -ge 2 ] || die "--workdir needs a directory"; WORKDIR=$2; shift ;;
    --keep) KEEP=1 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) usage 0 ;;
    *) echo "jib-parity: unknown argument '$1'" >&2; usage 2 ;;
  esac
  shift
done
for tool in skopeo docker-registry python3; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed (Debian: apt-get install skopeo docker-registry python3)"
done
command -v "$MVN" >/dev/null || die "no '$MVN' (Maven 3.8+; set MVN=/path/to/mvn)"

if [ -n "$WORKDIR" ]; then
  mkdir -p "$WORKDIR"
  WORK="$(cd "$WORKDIR" && pwd -P)"
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/lading-jib-parity.XXXXXX")"
fi
cleanup() {
  if [ "$KEEP" -eq 1 ]; then
    log "kept $WORK (registry still running: tools/local-registry.sh stop $WORK/registry)"
    return
  fi
  "$ROOT/tools/local-registry.sh" stop "$WORK/registry" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# step NAME CMD...: runs CMD with its output in $WORK/logs/NAME.log; on failure shows its tail.
step() {
  local name=$1 status=0
  shift
  mkdir -p "$WORK/logs"
  "$@" >"$WORK/logs/$name.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 30 "$WORK/logs/$name.log" >&2
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
log "building image-maven-plugin $LADING_VERSION from $ROOT into $WORK/m2 (never ~/.m2)"
step install-plugin "$MVN" -B -q -s "$SETTINGS" -f "$ROOT/pom.xml" -pl maven-plugin -am install -DskipTests

# ------------------------------------------------------------------------------ registry + base image
step base-image "$ROOT/tools/make-base-image.sh" jre
REGISTRY="$("$ROOT/tools/local-registry.sh" start "$WORK/registry")"
step push-base "$ROOT/tools/make-base-image.sh" jre --push "$REGISTRY/library/jre:17"
export DOCKER_CONFIG="$WORK/no-docker-config"
mkdir -p "$DOCKER_CONFIG"

# ----------------------------------------------------------------------------------- the two builds
# The same project for both, with what Jib's rules are about: an executable extra file (Jib: 0644
# unless <permissions>), an empty extra directory, a resource file.
APP="$WORK/app"
cp -r "$ROOT/bench/app" "$APP"
rm -rf "$APP/target"
mkdir -p "$APP/src/main/jib/opt/tool" "$APP/src/main/jib/var/empty" "$APP/src/main/resources/conf"
printf '#!/bin/sh\necho tool\n' >"$APP/src/main/jib/opt/tool/run.sh"
chmod 755 "$APP/src/main/jib/opt/tool/run.sh"
printf 'greeting=hi\n' >"$APP/src/main/resources/conf/app.properties"

COMMON=("$MVN" -B -s "$SETTINGS" -f "$APP/pom.xml" "-Dbench.registry=$REGISTRY"
  "-Dbench.ladingVersion=$LADING_VERSION" -Djib.container.filesModificationTime=2024-01-01T00:00:00Z
  "${EXTRA[@]}")
log "building with lading"
step lading "${COMMON[@]}" -Dbench.ladingRepo=parity/lading "-Dimage.store=$WORK/store" \
  package image:build image:push
log "building with Jib (jib-maven-plugin 3.5.2)"
step jib "${COMMON[@]}" -Dbench.jibRepo=parity/jib "-Djib.baseImageCache=$WORK/jib-cache/base" \
  "-Djib.applicationCache=$WORK/jib-cache/app" -Djib.disableUpdateChecks=true package jib:build

for who in lading jib; do
  step "copy-$who" skopeo copy --src-tls-verify=false "docker://$REGISTRY/parity/$who:1.0" "dir:$WORK/image-$who"
done
step copy-base skopeo copy --src-tls-verify=false "docker://$REGISTRY/library/jre:17" "dir:$WORK/image-base"

# ------------------------------------------------------------------------------------------- the diff
python3 - "$WORK/image-jib" "$WORK/image-lading" "$WORK/image-base" <<'PY'
import gzip, json, os, sys, tarfile

jib_dir, lading_dir, base_dir = sys.argv[1:4]

def load(d):
    manifest = json.load(open(os.path.join(d, "manifest.json")))
    config = json.load(open(os.path.join(d, manifest["config"]["digest"].split(":")[1])))
    return manifest, config

def flat(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(flat(v, f"{prefix}.{k}" if prefix else k))
        return out if out or not prefix else {prefix: "{}"}
    if isinstance(value, list) and not (prefix.endswith("Entrypoint") or prefix.endswith("Cmd") or prefix.endswith("Env")):
        out = {}
        for i, v in enumerate(value):
            out.update(flat(v, f"{prefix}[{i}]"))
        return out if out else {prefix: "[]"}
    return {prefix: json.dumps(value)}

def entries(d, layer):
    result = {}
    with tarfile.open(os.path.join(d, layer["digest"].split(":")[1]), "r:*") as tar:
        for m in tar.getmembers():
            kind = {tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink"}.get(m.type, "file")
            result[m.name.rstrip("/")] = (f"{kind} {m.mode & 0o7777:04o} {m.uid}:{m.gid} {m.uname or '-'}:{m.gname or '-'}"
                                          f" mtime={int(m.mtime)} size={m.size}" + (f" -> {m.linkname}" if m.linkname else ""))
    return result

jm, jc = load(jib_dir)
lm, lc = load(lading_dir)
bm, bc = load(base_dir)
base_layers = len(bm["layers"])
base_history = len(bc.get("history", []))
diffs = []

def differ(what, a, b):
    diffs.append(f"{what}: jib={a} lading={b}")

if jm.get("mediaType") != lm.get("mediaType"):
    differ("manifest mediaType", jm.get("mediaType"), lm.get("mediaType"))
if jm["config"]["mediaType"] != lm["config"]["mediaType"]:
    differ("config mediaType", jm["config"]["mediaType"], lm["config"]["mediaType"])
jtypes = sorted({l["mediaType"] for l in jm["layers"]})
ltypes = sorted({l["mediaType"] for l in lm["layers"]})
if jtypes != ltypes:
    differ("layer mediaTypes", ",".join(jtypes), ",".join(ltypes))

# History: the tool's name is each one's own; compare how many entries and what each app layer is.
def app_history(config):
    return [h.get("comment") or h.get("created_by", "").replace("lading: ", "") for h in config.get("history", [])][base_history:]
jh, lh = app_history(jc), app_history(lc)
if jh != lh:
    differ("history of the app layers", jh, lh)
for k in ("history", "rootfs"):
    jc.pop(k, None)
    lc.pop(k, None)
jf, lf = flat(jc), flat(lc)
for key in sorted(set(jf) | set(lf)):
    if jf.get(key) != lf.get(key):
        differ(f"config {key}", jf.get(key, "(none)"), lf.get(key, "(none)"))

jl, ll = jm["layers"][base_layers:], lm["layers"][base_layers:]
compared = 0
if len(jl) != len(ll):
    differ("app layers", len(jl), len(ll))
for i, (a, b) in enumerate(zip(jl, ll)):
    name = jh[i] if i < len(jh) else str(i)
    ea, eb = entries(jib_dir, a), entries(lading_dir, b)
    compared += len(set(ea) | set(eb))
    for path in sorted(set(ea) | set(eb)):
        if ea.get(path) != eb.get(path):
            differ(f"layer '{name}' /{path}", ea.get(path, "(none)"), eb.get(path, "(none)"))
    if a["digest"] == b["digest"]:
        print(f"layer '{name}': same digest {a['digest']}")

print(f"compared the manifests, the configs and {len(jl)} app layers ({compared} entries) of"
      f" {os.path.basename(jib_dir)} and {os.path.basename(lading_dir)}")
print(f"{len(diffs)} difference(s) between Jib's image and ours:" if diffs else "no differences")
for d in diffs:
    print("  " + d)
PY
