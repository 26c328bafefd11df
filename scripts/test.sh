#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: installs what is
# missing, builds everything with warnings as errors, and runs every ctest
# tier: unit (plain, ASan+UBSan, TSan), daemon/CLI integration, the kernel
# module under qemu on Debian's kernel and on the cached debug kernel, the
# packages (.deb and .rpm, lintian, rpmlint) and the installed system booted
# under qemu (label package; the base image is cached like the debug kernel).
#
#   scripts/test.sh [ctest arguments...]     e.g. scripts/test.sh -L unit
#
# Environment: BUILD_DIR (default: build), HBAMGR_CACHE_DIR (debug-kernel
# cache, default ~/.cache/hbamgr), JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

# Let ccache share objects between checkouts at different paths (CI clones anew).
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
cmake -G Ninja -S . -B "$build_dir" -DHBAMGR_WERROR=ON
cmake --build "$build_dir" -j "$jobs"
cd "$build_dir"
exec ctest --output-on-failure -j "$jobs" "$@"
