#!/usr/bin/env bash
# The main job, end to end, on a machine with no internet registry:
#   1. starts a local docker-registry and pushes a Java 17 base image made from this host's JDK,
#   2. builds and pushes examples/hello-app with `mvn package image:build image:push` (no daemon),
#   3. pulls the pushed image back with the lading CLI, unpacks it, checks it with skopeo,
#   4. runs the image's entrypoint in a chroot (as root; proot otherwise) and shows its output.
# Usage: tools/demo.sh [--keep]    (--keep leaves the registry running and the work dir in place)
set -Eeuo pipefail
trap 'echo "demo: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1

step() { printf '\n==> %s\n' "$*" >&2; }

bash "$ROOT/tools/install-deps.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lading-demo.XXXXXX")
cleanup() {
  if [ "$KEEP" = 0 ]; then
    bash "$ROOT/tools/local-registry.sh" stop "$WORK/registry" || true
    rm -rf "$WORK"
  else
    echo "demo: kept $WORK (stop the registry with tools/local-registry.sh stop $WORK/registry)" >&2
  fi
}
trap cleanup EXIT

step "building Lading (mvn install, tests skipped: run 'bash .ci/run' for those)"
(cd "$ROOT" && mvn -B -q install -DskipTests)
# The launcher of the distribution the build made (JVM settings, class-data sharing); plain
# `java -jar mirror-server/target/lading.jar` works too.
LADING=("$ROOT/mirror-server/target/lading-dist/bin/lading")

step "starting a local registry"
REGISTRY=$(bash "$ROOT/tools/local-registry.sh" start "$WORK/registry")
echo "registry at $REGISTRY" >&2

step "making a Java 17 base image from this host's JDK and pushing it"
bash "$ROOT/tools/make-base-image.sh" jre --push "$REGISTRY/library/jre:17" >/dev/null

step "mvn package image:build image:push (examples/hello-app)"
cp -r "$ROOT/examples/hello-app" "$WORK/app"
export LADING_STORE="$WORK/store"
(cd "$WORK/app" && mvn -B -q -Dregistry="$REGISTRY" package image:build image:push)
echo "image digest: $(cat "$WORK/app/target/image.digest")" >&2

step "what the registry now holds (skopeo inspect)"
skopeo inspect --tls-verify=false "docker://$REGISTRY/demo/hello-app:1.0" \
  | jq '{Name, Digest, Layers: (.Layers | length), Env, Architecture}'

step "pulling it back with the lading CLI and unpacking it"
"${LADING[@]}" copy "docker://$REGISTRY/demo/hello-app:1.0" "store:demo/hello-app:1.0" --store "$WORK/store2"
"${LADING[@]}" unpack "store:demo/hello-app:1.0" "$WORK/rootfs" --store "$WORK/store2"

step "running the image's entrypoint"
CONFIG=$("${LADING[@]}" inspect "store:demo/hello-app:1.0" --store "$WORK/store2")
mapfile -t ENTRYPOINT < <(jq -r '.config.config.Entrypoint[]' <<<"$CONFIG")
mapfile -t ENVIRONMENT < <(jq -r '.config.config.Env[]' <<<"$CONFIG")
if [ "$(id -u)" -eq 0 ]; then
  env -i "${ENVIRONMENT[@]}" chroot "$WORK/rootfs" "${ENTRYPOINT[@]}"
else
  env -i "${ENVIRONMENT[@]}" proot -r "$WORK/rootfs" "${ENTRYPOINT[@]}"
fi
