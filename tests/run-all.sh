#!/usr/bin/env bash
# The whole test suite from a fresh clone on Debian 12: installs the build
# dependencies, builds pysample with gcc and with clang (-Werror), runs
# `make check` (C unit tests and integration tests against every CPython
# on the machine), runs it again under ASan/UBSan, runs every fuzzer for a
# short fixed time, builds the Debian package and tests it installed in a
# clean Debian 12 chroot, and ends with one line: "N passed, N failed,
# N skipped".
set -u
cd "$(dirname "$0")/.."
top=$PWD
.ci/deps || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }
./autogen.sh >/dev/null 2>&1 || { echo "autogen.sh failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0
note() { printf '%s\n' "$*"; }

# A build that fails counts as one failed test; its log is shown.
build() { # name, configure args...
	local name=$1; shift
	local dir=$top/build/$name
	rm -rf "$dir" && mkdir -p "$dir"
	if (cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out 2>&1 &&
	    make -j2 >make.out 2>&1); then
		passed=$((passed + 1)); note "PASS: build $name"
		return 0
	fi
	failed=$((failed + 1)); note "FAIL: build $name"
	tail -40 "$dir"/configure.out "$dir"/make.out 2>/dev/null
	return 1
}

count_suite() { # dir: adds the counts of its test-suite.log
	local log=$1/test-suite.log p f s
	[ -f "$log" ] || { failed=$((failed + 1)); note "FAIL: no test-suite.log in $1"; return; }
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	f=$(( $(sed -n 's/^# FAIL: *//p' "$log" | head -1) + $(sed -n 's/^# ERROR: *//p' "$log" | head -1) + $(sed -n 's/^# XPASS: *//p' "$log" | head -1) ))
	s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	grep -E '^(not ok|ok .*# SKIP)' "$1"/tests/*/*.log 2>/dev/null | sed 's/^/  /'
	[ "$f" -eq 0 ] || grep -h -B2 -A12 '^not ok' "$1"/tests/*/*.log 2>/dev/null | head -200
}

if build gcc CC=gcc; then
	(cd build/gcc && make -j2 check >check.out 2>&1)
	count_suite build/gcc
	# The release tarball: make distcheck builds it, then builds, tests
	# (the unit tests and a smoke subset of the integration tests:
	# Makefile.am says why), installs and uninstalls from a read-only copy
	# of it.  About a minute.
	if (cd build/gcc && make distcheck >distcheck.out 2>&1); then
		passed=$((passed + 1)); note "PASS: make distcheck"
	else
		failed=$((failed + 1)); note "FAIL: make distcheck"
		grep -E '^(FAIL|ERROR):|^# (TOTAL|PASS|FAIL|ERROR):' build/gcc/distcheck.out | head -40
		tail -40 build/gcc/distcheck.out
	fi
fi
build clang CC=clang

# The whole suite again under AddressSanitizer and UBSan (any report fails
# the test that triggered it).
if build asan CC=clang --enable-sanitizers; then
	(cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$top/tests/lsan.supp \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 make -j2 check >check.out 2>&1)
	count_suite build/asan
fi

# Every parser of untrusted bytes under libFuzzer, a fixed short time each.
fuzz_out=$(CC=clang FUZZ_BUILD_DIR=$top/build/fuzz sh fuzz/run.sh "${FUZZ_SECONDS:-10}" 2>&1)
printf '%s\n' "$fuzz_out" | grep -E '^(ok|not ok|#)' | sed 's/^/  fuzz: /'
passed=$((passed + $(printf '%s\n' "$fuzz_out" | grep -c '^ok ')))
failed=$((failed + $(printf '%s\n' "$fuzz_out" | grep -c '^not ok ')))

# The Debian package: built with packaging/build-deb.sh, checked with
# lintian, installed with apt in a clean Debian 12 chroot (cached in
# /var/cache/pysample-ci), where the installed binary profiles Debian's
# python3.  Each check counts.
deb_out=$(tests/package/test_deb.sh 2>&1)
deb_status=$?
printf '%s\n' "$deb_out" | grep -E '^(ok|not ok|#|1\.\.)' | sed 's/^/  deb: /'
deb_failed=$(printf '%s\n' "$deb_out" | grep -c '^not ok ')
[ "$deb_status" -eq 0 ] || [ "$deb_failed" -gt 0 ] || deb_failed=1
passed=$((passed + $(printf '%s\n' "$deb_out" | grep '^ok ' | grep -vc '# SKIP')))
skipped=$((skipped + $(printf '%s\n' "$deb_out" | grep -Ec '^ok .*# SKIP|^1\.\.0 # SKIP')))
failed=$((failed + deb_failed))

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
