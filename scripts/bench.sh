#!/usr/bin/env bash
# The benchmarks in bench/: builds what they run, then runs each and prints
# its figures.  Every figure is a ratio against a peer measured in the same
# run (paired ON/OFF or A B A B, medians); nothing here passes or fails on a
# timing.  The machine may be shared and noisy: prefer CPU time and
# instruction counts to wall time.
#
#   scripts/bench.sh                 every bench/*.py
#   scripts/bench.sh NAME [ARGS...]  one of them (bench/NAME.py) with its options
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh >/dev/null

export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
build_dir=${BUILD_DIR:-build}
cmake -G Ninja -S . -B "$build_dir" -DHBAMGR_WERROR=ON >/dev/null
cmake --build "$build_dir" --target hbamgrd hbacli hbamgr_proto_py

export HBAMGRD=$PWD/$build_dir/daemon/hbamgrd
export HBACLI=$PWD/$build_dir/cli/hbacli
export PYTHONPATH=$PWD/$build_dir/proto/python:$PWD/examples/python
export PYTHONDONTWRITEBYTECODE=1

if [ $# -gt 0 ]; then
  name=$1
  shift
  exec /usr/bin/python3 "bench/$name.py" "$@"
fi
for bench in bench/*.py; do
  echo "== $bench"
  /usr/bin/python3 "$bench"
  echo
done
