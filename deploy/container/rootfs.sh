#!/bin/sh
# mmdebstrap's extract hook for deploy/container/build.sh: turns the
# extracted runtime libraries into the image's root filesystem.
# Usage: rootfs.sh STAGE ROOT   (STAGE: `cmake --install --prefix STAGE/usr`)
set -eu
stage="$1"
root="$2"

# Vulnerability scanners (Trivy, Grype) read the installed packages from a
# dpkg database. The extract variant runs no dpkg, so write one entry per
# package in the distroless layout (var/lib/dpkg/status.d/PACKAGE).
mkdir -p "$root/var/lib/dpkg/status.d"
for deb in "$root"/var/cache/apt/archives/*.deb; do
  package="$(dpkg-deb --field "$deb" Package)"
  dpkg-deb --field "$deb" |
    sed '/^Package:/a Status: install ok installed' \
      >"$root/var/lib/dpkg/status.d/$package"
done

# Documentation and translations are dead weight in a server image; the
# licences (usr/share/doc/*/copyright) stay, as Debian requires.
for dir in man info locale lintian bug; do rm -rf "$root/usr/share/$dir"; done
find "$root/usr/share/doc" ! -type d ! -name copyright -delete
find "$root/usr/share/doc" -depth -type d -empty -delete

# The service user: numeric, so Kubernetes can check runAsNonRoot.
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
medius:x:10001:10001:Medius server:/var/lib/medius:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
medius:x:10001:
nogroup:x:65534:
GROUP

# The binaries, the knowledge base, the README.
cp -a "$stage/." "$root/"
# The only directory the server writes (its SQLite assessment record); a
# volume in practice. Configuration and secrets are mounted under /etc/medius.
install -d -m 0700 -o 10001 -g 10001 "$root/var/lib/medius"
install -d -m 0755 "$root/etc/medius"
install -d -m 1777 "$root/tmp"
