#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds pysample's Debian package from this source tree (Debian 12):
#
#   packaging/build-deb.sh [--install-deps] [OUTDIR]     (default build/deb)
#
# and leaves pysample_VERSION_ARCH.deb (with its .changes, .buildinfo and
# the -dbgsym .ddeb) in OUTDIR.  dpkg-buildpackage writes its results into
# the parent of the tree it builds, so the tree is copied into a temporary
# directory and built there: nothing is written next to the repository,
# nor into it but OUTDIR.  The copy holds what a commit of the tree would
# (tracked files, and new ones git does not ignore: no build output, no
# generated autotools files), or, outside a git checkout (a release
# tarball), everything but build/.
#
# --install-deps installs the Build-Depends of debian/control first
# (apt-get build-dep, as root); without it, missing ones stop the build
# with the list.  DEB_BUILD_OPTIONS passes through (parallel=2 by default).
set -euo pipefail

install_deps=no
if [ "${1:-}" = --install-deps ]; then install_deps=yes; shift; fi
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
upstream=${version%-*}
work=$(mktemp -d "${TMPDIR:-/tmp}/pysample-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/pysample-$upstream
mkdir -p "$src"

if git -C "$top" rev-parse --show-toplevel >/dev/null 2>&1 &&
   [ "$(git -C "$top" rev-parse --show-toplevel)" = "$top" ]; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard) |
	while IFS= read -r -d '' f; do
		# a tracked file deleted in the work tree is not copied
		if [ -e "$top/$f" ] || [ -L "$top/$f" ]; then printf '%s\0' "$f"; fi
	done | (cd "$top" && xargs -0 -r cp -P --parents -t "$src" --)
else
	tar -C "$top" --exclude=./build -cf - . | tar -C "$src" -xf -
fi

if ! (cd "$src" && dpkg-checkbuilddeps) 2>"$work/builddeps"; then
	if [ "$install_deps" = yes ]; then
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq --no-install-recommends "$src" >/dev/null
	else
		cat "$work/builddeps" >&2
		echo "build-deb.sh: install the build dependencies above (or run it with --install-deps)" >&2
		exit 1
	fi
fi

export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=2}
(cd "$src" && dpkg-buildpackage -us -uc -b)

shopt -s nullglob
built=("$work"/*.deb "$work"/*.ddeb "$work"/*.changes "$work"/*.buildinfo)
debs=("$work"/*.deb)
[ ${#debs[@]} -gt 0 ] || { echo "build-deb.sh: dpkg-buildpackage made no .deb" >&2; exit 1; }
for f in "${built[@]}"; do
	rm -f "$out/$(basename "$f")"
	mv "$f" "$out/"
done
for f in "${debs[@]}"; do echo "$out/$(basename "$f")"; done
