#!/usr/bin/env bash
# Makes the distribution at package time (run by exec-maven-plugin after the shade plugin):
#   target/lading-dist/bin/lading         the launcher (src/main/dist/bin/lading)
#   target/lading-dist/lib/lading.jar     the CLI jar
#   target/lading-dist/lib/lading.classlist  classes loaded by training runs (for per-user archives)
#   target/lading-dist/lib/lading.jsa(.key)  a class-data-sharing archive for this Java and path
# and target/lading-VERSION.tar.gz of it (without the archive). The training runs need no network: they work on a tiny OCI
# layout made here, and on our own mirror serving it on a loopback port.
#
# Usage: dist.sh TARGET_DIR VERSION
set -Eeuo pipefail
trap 'echo "dist.sh: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
export LC_ALL=C

TARGET=$(cd "$1" && pwd -P)
VERSION=$2
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DIST=$TARGET/lading-dist
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

rm -rf "$DIST" "$TARGET/cds-training"
mkdir -p "$DIST/bin" "$DIST/lib"
cp "$SRC/main/dist/bin/lading" "$DIST/bin/lading"
chmod 755 "$DIST/bin/lading"
cp "$TARGET/lading.jar" "$DIST/lib/lading.jar"

# A tiny image as an OCI layout: one gzip layer (a file, a directory, a symlink), a config, a manifest.
work=$TARGET/cds-training
mkdir -p "$work/content/etc" "$work/layout/blobs/sha256"
echo hello >"$work/content/etc/greeting"
ln -s greeting "$work/content/etc/link"
blob() { # blob FILE: moves FILE into the layout under its digest; prints "digest size"
  local d s
  d=$(sha256sum "$1" | cut -d' ' -f1)
  s=$(stat -c %s "$1")
  mv "$1" "$work/layout/blobs/sha256/$d"
  echo "sha256:$d $s"
}
tar -C "$work/content" --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" etc
diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n "$work/layer.tar"
read -r layer layer_size < <(blob "$work/layer.tar.gz")
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$diff_id" >"$work/config.json"
read -r config config_size < <(blob "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
  "$config" "$config_size" "$layer" "$layer_size" >"$work/manifest.json"
read -r manifest manifest_size < <(blob "$work/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"x"}}]}' \
  "$manifest" "$manifest_size" >"$work/layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"

# Training runs, each recording the classes it loads (lambda forms and proxies included).
n=0
train() { # train [--may-fail] ARGS...: one CLI run with the launcher's GC settings
  local may_fail=0
  if [ "$1" = --may-fail ]; then may_fail=1; shift; fi
  n=$((n + 1))
  if ! "$JAVA" -XX:+UseSerialGC -XX:DumpLoadedClassList="$work/$n.classlist" \
      -jar "$DIST/lib/lading.jar" "$@" >"$work/$n.log" 2>&1 && [ "$may_fail" -eq 0 ]; then
    cat "$work/$n.log" >&2
    echo "dist.sh: training run failed: lading $*" >&2
    exit 1
  fi
}
store=$work/store
train --version
train --help
train copy "oci:$work/layout:x" store:train/x:1 --store "$store"
train inspect store:train/x:1 --store "$store"
train unpack store:train/x:1 "$work/rootfs" --store "$store"
train unpack "oci:$work/layout:x" "$work/rootfs2"
train copy store:train/x:1 "oci:$work/out:x" --store "$store"
train store ls --store "$store"
# Registry runs against our own mirror on a free loopback port (no network beyond loopback): the
# registry client's connection, push and pull classes and the server's are then in the archive
# too, which makes a registry copy's first request about 0.1 s sooner.
n=$((n + 1))
mirror_log=$work/$n.log
"$JAVA" -XX:+UseSerialGC -XX:DumpLoadedClassList="$work/$n.classlist" -jar "$DIST/lib/lading.jar" \
  mirror --store "$work/mirror-store" --listen 127.0.0.1:0 --forward off >"$mirror_log" 2>&1 &
mirror_pid=$!
trap 'kill "$mirror_pid" 2>/dev/null || true' EXIT
registry=
for _ in $(seq 1 300); do
  registry=$(sed -n 's,.* at http://\(127\.0\.0\.1:[0-9]*\)/v2/.*,\1,p' "$mirror_log")
  [ -n "$registry" ] && break
  kill -0 "$mirror_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$registry" ]; then
  cat "$mirror_log" >&2
  echo "dist.sh: the training mirror did not start" >&2
  exit 1
fi
train copy "oci:$work/layout:x" "docker://$registry/train/x:1"
train copy "docker://$registry/train/x:1" "oci:$work/out2:x" --store "$work/store2"
train copy "docker://$registry/train/x:1" "docker://$registry/train/y:1"
train inspect "docker://$registry/train/x:1"
train unpack "docker://$registry/train/x:1" "$work/rootfs3"
kill -TERM "$mirror_pid"
wait "$mirror_pid" || true
trap - EXIT
# One list, first occurrences kept in order.
cat "$work"/*.classlist | awk '!seen[$0]++' >"$DIST/lib/lading.classlist"

# The archive, for the Java and the jar path this build has; the launcher checks the key.
"$JAVA" -Xshare:dump -XX:SharedClassListFile="$DIST/lib/lading.classlist" \
  -XX:SharedArchiveFile="$DIST/lib/lading.jsa" -cp "$DIST/lib/lading.jar" >"$work/dump.log" 2>&1 \
  || { cat "$work/dump.log" >&2; exit 1; }
LADING_CDS=key "$DIST/bin/lading" >"$DIST/lib/lading.jsa.key"

# The archive fits only this Java at this path, so the tarball leaves it out (a user's first run
# makes one from the class list).
tar -C "$TARGET" --exclude 'lading.jsa*' --transform "s,^lading-dist,lading-$VERSION," -czf "$TARGET/lading-$VERSION.tar.gz" lading-dist
rm -rf "$work"
