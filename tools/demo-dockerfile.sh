#!/usr/bin/env bash
# The Dockerfile job, end to end, as a locked-down CI user: no root, no daemon, no user namespaces.
#   1. makes a Debian 12 base image with debootstrap (as root: only this step needs it) and starts a
#      local docker-registry,
#   2. as `nobody` (home /nonexistent), `lading build` of a Dockerfile whose RUN steps apt-get install
#      curl, useradd a user and chown a directory to it; the image is pushed to the registry,
#   3. as `nobody`, pulls it back and runs it with `lading run` (its CMD: curl --version), then shows
#      the owners the image records, read by skopeo and by `lading run`.
# Usage: tools/demo-dockerfile.sh [--keep]   (run as root; --keep leaves the registry and work dir)
set -Eeuo pipefail
trap 'echo "demo-dockerfile: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
[ "$(id -u)" -eq 0 ] || { echo "demo-dockerfile: run as root (debootstrap and runuser need it; the build itself runs as nobody)" >&2; exit 1; }

step() { printf '\n==> %s\n' "$*" >&2; }

bash "$ROOT/tools/install-deps.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lading-demo-dockerfile.XXXXXX")
chmod 755 "$WORK"
cleanup() {
  if [ "$KEEP" = 0 ]; then
    bash "$ROOT/tools/local-registry.sh" stop "$WORK/registry" || true
    rm -rf "$WORK"
  else
    echo "demo-dockerfile: kept $WORK (stop the registry with tools/local-registry.sh stop $WORK/registry)" >&2
  fi
}
trap cleanup EXIT

step "building Lading (mvn install, tests skipped: run 'bash .ci/run' for those)"
(cd "$ROOT" && mvn -B -q install -DskipTests)
# The distribution (bin/lading, lib/), where nobody can read it.
cp -R "$ROOT/mirror-server/target/lading-dist" "$WORK/lading"
chmod -R a+rX "$WORK/lading"

step "making a Debian 12 base image with debootstrap (cached after the first run)"
BASE=$(bash "$ROOT/tools/make-base-image.sh" bookworm)
LAYOUT=${BASE#oci:}
LAYOUT=${LAYOUT%:latest}
cp -a "$LAYOUT" "$WORK/bookworm"
chmod -R a+rX "$WORK/bookworm"

step "starting a local registry"
REGISTRY=$(bash "$ROOT/tools/local-registry.sh" start "$WORK/registry")
echo "registry at $REGISTRY" >&2

mkdir -p "$WORK/context"
cat >"$WORK/context/Dockerfile" <<DOCKERFILE
FROM oci:$WORK/bookworm:latest
RUN apt-get update \\
    && apt-get install -y --no-install-recommends curl ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home app && mkdir /srv/data && chown app:app /srv/data
USER app
WORKDIR /home/app
CMD ["curl", "--version"]
DOCKERFILE
chmod -R a+rX "$WORK/context"
cat "$WORK/context/Dockerfile" >&2

# As a CI job runs it: an arbitrary user whose home does not exist, with no store configured.
AS_NOBODY=(runuser -u nobody -- env HOME=/nonexistent TMPDIR="$WORK/tmp-nobody" "$WORK/lading/bin/lading")
mkdir -p "$WORK/tmp-nobody"
chown nobody "$WORK/tmp-nobody"

step "as nobody: lading build -t docker://$REGISTRY/demo/curl:1"
"${AS_NOBODY[@]}" build -t "docker://$REGISTRY/demo/curl:1" "$WORK/context"

step "what the registry now holds (skopeo inspect)"
skopeo inspect --tls-verify=false "docker://$REGISTRY/demo/curl:1" | jq '{Digest, Layers: (.Layers | length), Env}'

step "as nobody: lading run docker://$REGISTRY/demo/curl:1 (its CMD)"
"${AS_NOBODY[@]}" run -q "docker://$REGISTRY/demo/curl:1" | head -n 1

step "as nobody: who owns what inside (recorded by fakeroot during the build)"
"${AS_NOBODY[@]}" run -q "docker://$REGISTRY/demo/curl:1" -- sh -c 'id; ls -ld /srv/data /home/app'
