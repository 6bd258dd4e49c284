#!/usr/bin/env bash
# Builds the Medius container image from Debian packages only: no registry
# base image is pulled. mmdebstrap extracts just the runtime libraries the two
# binaries link against (found with ldd and dpkg -S, so the list cannot go
# stale), rootfs.sh adds the stripped binaries, the knowledge base and a
# non-root user, and `podman build` puts that tarball on `scratch`
# (Containerfile.scratch). The image has no shell and no package manager.
#
# Usage (from anywhere; as root, or as a user with subuids for
# mmdebstrap --mode=unshare and rootless podman):
#   deploy/container/build.sh                 # localhost/medius:<version>
#   MEDIUS_IMAGE=registry.example.org/medius:0.1.0 deploy/container/build.sh
# Environment:
#   MEDIUS_BUILD_DIR      CMake build directory (default build-release, a
#                         Release build of medius-server and medius)
#   MEDIUS_IMAGE          image name and tag (default localhost/medius:VERSION)
#   MEDIUS_DEBIAN_MIRROR  Debian mirror (default http://deb.debian.org/debian;
#                         security updates come from .../debian-security)
#   MEDIUS_IMAGE_TAR      also write the image as an OCI archive to this file
# Prints the runtime package list and the image size. Needs mmdebstrap and
# podman (Debian packages).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

die() { echo "deploy/container/build.sh: $*" >&2; exit 1; }
for tool in mmdebstrap podman cmake dpkg-query; do
  command -v "$tool" >/dev/null || die "needs $tool (apt-get install mmdebstrap podman)"
done

# The image's Debian release is the build host's: the binaries link against
# this release's sonames.
. /etc/os-release
suite="${VERSION_CODENAME:-}"
[ "${ID:-}" = debian ] && [ -n "$suite" ] || die "build on Debian (found ${ID:-unknown})"

version="$(sed -n 's/^project(medius VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
[ -n "$version" ] || die "cannot read the version from CMakeLists.txt"
image="${MEDIUS_IMAGE:-localhost/medius:$version}"
build_dir="${MEDIUS_BUILD_DIR:-build-release}"
mirror="${MEDIUS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
# Reproducible timestamps (mmdebstrap and podman honour it): the commit's.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"

echo "== building medius-server and medius ($build_dir)"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target medius-server medius >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
# Installs the two binaries stripped, the knowledge base and the README.
cmake --install "$build_dir" --prefix "$stage/usr" --strip >/dev/null

echo "== runtime packages (ldd + dpkg -S)"
"$here/runtime-packages.sh" "$stage/usr/bin/medius-server" "$stage/usr/bin/medius" \
  >"$work/packages.txt"
mapfile -t packages <"$work/packages.txt"
echo "${packages[*]}"

echo "== root filesystem (mmdebstrap --variant=extract, $suite)"
mode=root
[ "$(id -u)" -eq 0 ] || mode=unshare
include="$(IFS=,; echo "${packages[*]}")"
mmdebstrap --quiet --variant=extract --mode="$mode" --include="$include" \
  --extract-hook="sh '$here/rootfs.sh' '$stage' \"\$1\"" \
  "$suite" "$work/rootfs.tar" \
  "deb $mirror $suite main" \
  "deb $mirror $suite-updates main" \
  "deb ${mirror%/debian}/debian-security $suite-security main"

echo "== image $image"
cp "$here/Containerfile.scratch" "$work/Containerfile"
podman build --quiet --file "$work/Containerfile" --tag "$image" \
  --timestamp "$SOURCE_DATE_EPOCH" \
  --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.revision=$revision" \
  --label "org.opencontainers.image.base.name=debian:$suite (mmdebstrap, packages: $(wc -l <"$work/packages.txt"))" \
  "$work" >/dev/null
if [ -n "${MEDIUS_IMAGE_TAR:-}" ]; then
  podman save --quiet --format oci-archive --output "$MEDIUS_IMAGE_TAR" "$image"
fi
size="$(podman image inspect --format '{{.Size}}' "$image")"
echo "built $image: $((size / 1024 / 1024)) MiB uncompressed ($size bytes), $(wc -l <"$work/packages.txt") runtime packages plus their dependencies, rootfs tar $(($(stat -c %s "$work/rootfs.tar") / 1024 / 1024)) MiB"
