#!/bin/sh
# The benchmark in one command (see bench/run.py for what it measures).
# Builds pysample first if needed.  Takes ~10 minutes with 5 rounds.
set -e
cd "$(dirname "$0")/.."
[ -x ./pysample ] || { ./autogen.sh && ./configure && make -j2; }
exec python3 bench/run.py "$@"
