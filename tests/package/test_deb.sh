#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Debian package, end to end, in TAP: builds the .deb with
# packaging/build-deb.sh (into build/deb), checks it with lintian, installs
# it with apt into a clean Debian 12 (a debootstrap --variant=minbase
# chroot with python3), and profiles Debian's /usr/bin/python3 there with
# the installed binary; then runs the Dockerfile's stages in chroots (a
# clean build of the package, and its installation in a fresh system).
#
#   tests/package/test_deb.sh
#
# Needs root (chroot, mounts, ptrace), debootstrap, dpkg-dev, debhelper,
# lintian and unshare: .ci/deps installs them; without them every check is
# skipped, saying so.  The chroot comes from a tarball cached in
# $PYSAMPLE_CI_CACHE (default /var/cache/pysample-ci): the first run makes
# it with debootstrap from the Debian mirror apt uses here (about a
# minute here); a tarball older than 30 days is made again.  The .debs apt
# downloads inside the chroot are kept there too (its
# /var/cache/apt/archives is a bind mount of $PYSAMPLE_CI_CACHE/apt-archives),
# so that a warm run downloads nothing.  Each command in the chroot runs in
# a mount namespace of its own: its mounts (/proc, the apt cache) vanish
# with it, whatever happens to this script.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${PYSAMPLE_CI_CACHE:-/var/cache/pysample-ci}
suite=bookworm
tarball=$cache/$suite-minbase-python3.v1.tar.gz
archives=$cache/apt-archives
logs=$top/build/package-test
n=0 failed=0

ok() { # STATUS NAME: 0 passes
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
diag() { sed 's/^/#   /'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }
timing=

missing=
[ "$(id -u)" = 0 ] || missing="$missing root"
for tool in debootstrap dpkg-buildpackage dh unshare chroot tar; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	echo "1..0 # SKIP needs$missing (.ci/deps installs debootstrap, dpkg-dev, debhelper)"
	exit 0
fi
mkdir -p "$logs" "$cache" "$archives/partial"
t_all=$(now)

# --- the package ------------------------------------------------------------
# Every library configure.ac requires (its error messages name the Debian
# package to install) is a build dependency: a clean build (the
# Dockerfile's) would fail without it, a build here would not notice.
wanted=$(grep -o "apt-get install [a-z0-9.+-]*" "$top/configure.ac" | awk '{print $3}' | sort -u)
build_depends=$(awk '/^Build-Depends:/ { on = 1 } on && /^[A-Z][A-Za-z-]*:/ && !/^Build-Depends:/ { on = 0 }
	on { sub(/^Build-Depends:/, ""); gsub(/[,|]/, " "); print }' "$top/debian/control" | tr ' ' '\n' |
	sed -n 's/^\([a-z0-9][a-z0-9.+-]*\).*/\1/p')
absent=
for p in $wanted; do
	echo "$build_depends" | grep -qx "$p" || absent="$absent $p"
done
ok "${#absent}" "debian/control Build-Depends every library configure.ac requires ($(echo $wanted))${absent:+; missing:$absent}"

arch=$(dpkg --print-architecture)
debdir=$top/build/deb
rm -f "$debdir"/pysample_*_"$arch".deb "$debdir"/pysample_*_"$arch".changes
t=$(now)
"$top/packaging/build-deb.sh" "$debdir" >"$logs/build-deb.log" 2>&1
status=$?
deb=$(ls "$debdir"/pysample_*_"$arch".deb 2>/dev/null | head -n 1)
ok $(( status != 0 || ${#deb} == 0 )) "packaging/build-deb.sh builds ${deb:+build/deb/}$(basename "${deb:-the .deb}") ($(since "$t") s)"
timing="$timing deb build $(since "$t") s;"
if [ -z "$deb" ]; then
	tail -n 30 "$logs/build-deb.log" | diag
	echo "1..$n"
	exit 1
fi

if command -v lintian >/dev/null 2>&1; then
	lintian --fail-on error --info "$debdir"/pysample_*_"$arch".changes >"$logs/lintian.log" 2>&1
	status=$?
	grep -v 'running with root privileges' "$logs/lintian.log" | diag
	ok "$status" "lintian finds no error ($(grep -c '^W:' "$logs/lintian.log") warnings)"
else
	skip "lintian" "lintian not installed (apt-get install lintian)"
fi

depends=$(dpkg-deb -f "$deb" Depends)
absent=
for lib in libdw1 libelf1 libunwind8 libcapstone4 zlib1g; do
	case ", $depends" in *", $lib "*|*", $lib,"*|*", $lib") ;; *) absent="$absent $lib" ;; esac
done
ok "${#absent}" "Depends (from \${shlibs:Depends}) names libdw1 libelf1 libunwind8 libcapstone4 zlib1g${absent:+; missing:$absent}"
echo "$depends" | diag

contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
echo "$contents" | grep -qx './usr/bin/pysample' &&
	echo "$contents" | grep -qx './usr/share/man/man1/pysample.1.gz'
ok $? "the .deb holds /usr/bin/pysample and /usr/share/man/man1/pysample.1.gz"

# --- a clean Debian 12 ------------------------------------------------------
# The mirror apt uses here (deb822 or one-line sources), else Debian's own.
mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk -v s="$suite" '
			/^$/ { if (ok && u) { print u; exit } ok = 0; u = "" }
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
			END { if (ok && u) print u }' "$f" | head -n 1)
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(sed -n 's/^deb[ \t]\+\(\[[^]]*\][ \t]\+\)\?//p' "$f" |
			awk -v s="$suite" '$2 == s { print $1; exit }')
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	echo http://deb.debian.org/debian
}

# CMD in the chroot ROOT: a mount namespace of its own with /proc and the
# shared apt cache mounted, a clean environment.
in_chroot() { # ROOT CMD...
	local root=$1
	shift
	timeout -k 10 600 unshare --mount --propagation private -- /bin/sh -c '
		root=$1 archives=$2
		shift 2
		mount -t proc proc "$root/proc" || exit 125
		mount --bind "$archives" "$root/var/cache/apt/archives" || exit 125
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"' \
		sh "$root" "$archives" "$@"
}

work=$(mktemp -d "${TMPDIR:-/var/tmp}/pysample-deb-test.XXXXXX")
cleanup() {
	# Nothing is mounted under it (every mount was in a namespace that has
	# ended), but a file system is never removed through a mount point.
	if grep -qF " $work/" /proc/self/mountinfo; then
		echo "# left $work: something is still mounted under it"
	else
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT

# The cached chroot: debootstrap minbase, then python3 with apt.  Made under
# a lock, written to a temporary name and renamed, so that concurrent runs
# never see half a tarball.
make_tarball() {
	local root=$work/mk mirror_uri
	mirror_uri=$(mirror)
	echo "# making $tarball: debootstrap --variant=minbase $suite from $mirror_uri"
	mkdir -p "$cache/debootstrap"
	unshare --mount --propagation private -- debootstrap --variant=minbase \
		--cache-dir="$cache/debootstrap" "$suite" "$root" "$mirror_uri" \
		>"$logs/debootstrap.log" 2>&1 || { tail -n 20 "$logs/debootstrap.log" | diag; return 1; }
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	in_chroot "$root" sh -c 'chown _apt:root /var/cache/apt/archives/partial 2>/dev/null;
		apt-get update -qq && apt-get install -y -qq --no-install-recommends python3' \
		>"$logs/chroot-python3.log" 2>&1 || { tail -n 20 "$logs/chroot-python3.log" | diag; return 1; }
	tar --numeric-owner -C "$root" -czf "$tarball.tmp.$$" . &&
		mv "$tarball.tmp.$$" "$tarball" || { rm -f "$tarball.tmp.$$"; return 1; }
	rm -rf --one-file-system "$root"
}

t=$(now)
how=cached
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$tarball" ] || [ -n "$(find "$tarball" -mtime +30 2>/dev/null)" ]; then
	how="made now"
	make_tarball
fi
flock -u 9
root=$work/root
mkdir -p "$root"
[ -s "$tarball" ] && tar --numeric-owner -C "$root" -xzf "$tarball" &&
	[ -x "$root/usr/bin/python3" ] && cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
ok $? "a clean Debian 12 chroot with python3 ($how, $(since "$t") s; $(du -sh "$tarball" 2>/dev/null | cut -f1) tarball)"
timing="$timing chroot ($how) $(since "$t") s;"
if [ ! -x "$root/usr/bin/python3" ]; then
	echo "1..$n"
	exit 1
fi

# --- apt installs the package and what it links ------------------------------
runtime_libs="libdw1 libunwind8 libcapstone4"
installed() { in_chroot "$root" dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' "$@" 2>/dev/null | grep -c '^ii'; }
before=$(installed $runtime_libs)
cp "$deb" "$root/tmp/"
t=$(now)
install_deb() {
	in_chroot "$root" sh -c 'cd /tmp && chown _apt:root /var/cache/apt/archives/partial 2>/dev/null;
		apt-get install -y -qq --no-install-recommends ./'"$(basename "$deb")"
}
if ! install_deb >"$logs/chroot-install.log" 2>&1; then
	# The cached package lists may name versions the mirror has replaced.
	echo "# apt-get install failed with the cached lists: apt-get update, again"
	in_chroot "$root" apt-get update -qq >>"$logs/chroot-install.log" 2>&1
	install_deb >>"$logs/chroot-install.log" 2>&1
fi
status=$?
after=$(installed $runtime_libs)
[ "$status" -eq 0 ] && [ "$before" -eq 0 ] && [ "$after" -eq 3 ]
ok $? "apt-get install ./$(basename "$deb") in the chroot brings $runtime_libs (installed before: $before, after: $after; $(since "$t") s)"
[ "$status" -eq 0 ] || tail -n 20 "$logs/chroot-install.log" | diag
timing="$timing install $(since "$t") s;"

files=$(in_chroot "$root" dpkg -L pysample 2>&1)
echo "$files" | grep -qx /usr/bin/pysample && echo "$files" | grep -qx /usr/share/man/man1/pysample.1.gz &&
	[ -x "$root/usr/bin/pysample" ]
ok $? "dpkg -L pysample lists /usr/bin/pysample and /usr/share/man/man1/pysample.1.gz"

# --- the installed binary profiles Debian's python3 ---------------------------
t=$(now)
busy='import time
def spin():
    return sum(i * i for i in range(1000))
t = time.time()
while time.time() - t < 3:
    spin()'
in_chroot "$root" pysample -d 2 -o /tmp/x.perf -- python3 -c "$busy" >"$logs/chroot-profile.log" 2>&1
status=$?
py=$(grep -c ' py::' "$root/tmp/x.perf" 2>/dev/null)
spin=$(grep -c ' py::spin:<string>' "$root/tmp/x.perf" 2>/dev/null)
records=$(grep -c ' cpu-clock' "$root/tmp/x.perf" 2>/dev/null)
[ "$status" -eq 0 ] && [ "${spin:-0}" -gt 0 ] && [ "${records:-0}" -gt 100 ]
ok $? "the installed pysample profiles /usr/bin/python3 in the chroot: ${records:-0} records, ${py:-0} py:: frames, ${spin:-0} in py::spin ($(since "$t") s)"
[ "$status" -eq 0 ] && [ "${spin:-0}" -gt 0 ] || tail -n 20 "$logs/chroot-profile.log" | diag
timing="$timing profile $(since "$t") s;"

in_chroot "$root" apt-get purge -y -qq pysample >"$logs/chroot-purge.log" 2>&1 &&
	[ ! -e "$root/usr/bin/pysample" ] && [ ! -e "$root/usr/share/man/man1/pysample.1.gz" ] &&
	! in_chroot "$root" dpkg -s pysample >/dev/null 2>&1
ok $? "apt-get purge pysample removes it"

# --- the Dockerfile, without Docker ------------------------------------------
# Each stage in a chroot from the same tarball (debian:bookworm and
# bookworm-slim are such a minbase system): the build stage is a clean
# build of the package from the build context (Build-Depends complete?),
# the runtime stage its installation by apt (tests/package/dockerfile_chroot.py).
t=$(now)
mkdir -p "$work/docker"
python3 "$top/tests/package/dockerfile_chroot.py" "$top/Dockerfile" "$top" "$tarball" "$archives" \
	"$work/docker"
status=$?
cp "$work/docker/dockerfile.log" "$logs/dockerfile.log" 2>/dev/null
ok "$status" "the Dockerfile's stages, run in chroots, build the .deb from a clean system and install it ($(since "$t") s)"
[ "$status" -eq 0 ] || tail -n 30 "$logs/dockerfile.log" | diag
timing="$timing Dockerfile $(since "$t") s;"

echo "# timing:$timing total $(since "$t_all") s"
echo "1..$n"
exit $failed
