#!/bin/bash
# checkpatch.sh - run the kernel's scripts/checkpatch.pl on the module sources.
#
# Usage: kmod/scripts/checkpatch.sh [-h]
#
# Checks every .c and .h that goes into hbamgr.ko (kmod/core, kmod/linux) and
# the uapi header with `checkpatch.pl --no-tree -f`, and fails on any error or
# warning.
# kmod/user/ is the userspace shim of libhbacore, not kernel code, and is
# not checked.
#
# checkpatch.pl and the data files it reads come from Debian's linux-source-6.1
# tarball and are cached in
#   ${HBAMGR_CACHE_DIR:-$HOME/.cache/hbamgr}/checkpatch/<package version>/
# Exit: 0 clean, 1 findings, 77 linux-source-6.1 is not installed.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; exit 2 ;;
esac

kmod=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
src_pkg=linux-source-6.1

if [[ ! -r $tarball ]]; then
    echo "checkpatch: $tarball missing (apt-get install $src_pkg); skipped" >&2
    exit 77
fi
version=$(dpkg-query -W -f='${Version}' "$src_pkg")
dir=${HBAMGR_CACHE_DIR:-$HOME/.cache/hbamgr}/checkpatch/$version
if [[ ! -x $dir/scripts/checkpatch.pl ]]; then
    mkdir -p "$dir.tmp"
    tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1 \
        "$src_pkg/scripts/checkpatch.pl" "$src_pkg/scripts/spelling.txt" \
        "$src_pkg/scripts/const_structs.checkpatch"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi

mapfile -t files < <(cd "$kmod" && find core linux include -name '*.[ch]' | sort)
cd "$kmod"
out=$("$dir/scripts/checkpatch.pl" --no-tree --terse --show-types \
      --no-summary -f "${files[@]}") || true
findings=$(grep -cE ': (ERROR|WARNING):' <<<"$out" || true)
[[ -n $out ]] && echo "$out"
echo "checkpatch: ${#files[@]} files, $findings errors/warnings"
[[ $findings -eq 0 ]]
