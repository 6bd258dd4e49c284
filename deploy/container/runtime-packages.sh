#!/bin/sh
# Prints, one per line, the Debian packages that own the shared libraries the
# given executables load (ldd, then dpkg-query -S). build.sh and the
# Containerfile both install exactly these, so the list cannot go stale.
# Usage: runtime-packages.sh BINARY...   (exit 1 if a library has no package)
set -eu
[ $# -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
for bin in "$@"; do
  [ -x "$bin" ] || { echo "runtime-packages.sh: $bin is not an executable" >&2; exit 1; }
done
libs="$(for bin in "$@"; do
          ldd "$bin" | awk '/=> \// {print $3} /^[ \t]*\/.*ld-linux/ {print $1}'
        done | sort -u)"
[ -n "$libs" ] || { echo "runtime-packages.sh: ldd found no libraries" >&2; exit 1; }
owners=""
for lib in $libs; do
  # Merged /usr: dpkg may know a library by its /lib or its /usr/lib path.
  owner="$(dpkg-query -S "$lib" 2>/dev/null ||
           dpkg-query -S "/usr$lib" 2>/dev/null ||
           dpkg-query -S "${lib#/usr}" 2>/dev/null)" || {
    echo "runtime-packages.sh: no Debian package owns $lib" >&2
    exit 1
  }
  owners="$owners${owner%%:*}
"
done
printf '%s' "$owners" | sort -u
