#!/usr/bin/env bash
# Installs the Debian packages Lading's tests, demo and benchmarks drive for real, when missing:
# a registry, skopeo/umoci as independent checks, the unprivileged RUN executors, and small helpers.
# Needs root (or sudo) only when something is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# containerd: its ctr pulls through the registry mirror with a hosts.toml (PullThroughIT).
# qemu-user-static: RUN steps of an image for another machine (EmulatedBuildIT).
# openssh-client: a real ssh-agent and ssh-add for RUN --mount=type=ssh (RunMountIT).
# zstd: tar --zstd archives for ADD (BuildahParityIT), zstd layers (ZstdLayersIT).
# libcap2-bin: the host's setcap and getcap, copied into a base image (BuildIT's file capabilities).
# gcc: builds the owner-log library and the step helper into the jar (layer-store); musl-tools: a musl program for
# DebianBuildIT, whose chowns under proot that library records. The other machine's cross compiler
# builds the library for its programs under qemu, and its C library for a program of EmulatedBuildIT.
# git: ADD of a git repository fetches with it (AddUrlIT).
packages=(docker-registry skopeo umoci fakechroot fakeroot proot qemu-user-static debootstrap busybox-static buildah
  apache2-utils jq openssl containerd openssh-client zstd libcap2-bin gcc musl-tools git)
case "$(uname -m)" in
  x86_64) packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
  aarch64) packages+=(gcc-x86-64-linux-gnu libc6-dev-amd64-cross) ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
