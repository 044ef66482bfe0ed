#!/bin/sh
# Soak: pysample at 999 Hz for SECONDS (default 600) on a multi-threaded
# target with thread churn (bench/workloads/churn.py).  Prints pysample's
# RSS every 30 s and its summary; the RSS must stay flat.  Then a short run
# under valgrind memcheck (--valgrind) checks for leaks and bad reads.
#   bench/soak.sh [SECONDS] [--valgrind]
set -u
cd "$(dirname "$0")/.."
secs=${1:-600}
python=${PYTHON:-$HOME/.pyenv/versions/3.12.1/bin/python}
out=$(mktemp -d)
./pysample -F 999 -o "$out/soak.perf" -- "$python" bench/workloads/churn.py "$secs" \
	2>"$out/summary" >"$out/stdout" &
ps_pid=$!
elapsed=0
while kill -0 "$ps_pid" 2>/dev/null; do
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$ps_pid/status" 2>/dev/null)
	[ -n "$rss" ] && echo "t=${elapsed}s pysample RSS ${rss} kB"
	sleep 30
	elapsed=$((elapsed + 30))
done
wait "$ps_pid"
echo "exit status $?"
cat "$out/stdout" "$out/summary"
echo "records: $(grep -c '^$' "$out/soak.perf")"
if [ "${2:-}" = --valgrind ]; then
	valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
		./pysample -F 199 -o "$out/vg.perf" -- "$python" bench/workloads/churn.py 5 \
		2>"$out/valgrind"
	echo "valgrind exit status $? (9 = errors found)"
	grep -E "ERROR SUMMARY|definitely lost|indirectly lost|in use at exit|no leaks are possible" "$out/valgrind"
fi
