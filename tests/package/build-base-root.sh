#!/bin/bash
# build-base-root.sh - build (or reuse) the Debian 12 root filesystem that the
# installed-system test (run-vm-test.sh) installs hbamgr's packages into.
#
# Usage: tests/package/build-base-root.sh [--include PKG,PKG...]
#
# mmdebstrap --variant=minbase bookworm with systemd as init, Debian's kernel
# and its headers, initramfs-tools, udev, kmod, dkms (and so the compiler the
# module builds with), python3 and procps, plus --include: the packages that
# hbamgr's .debs depend on, so that they install with apt offline.
#
# Cache: ${HBAMGR_CACHE_DIR:-$HOME/.cache/hbamgr}/package-root/<key>/
#   key     = sha256(the sorted package list + this script)
#   root.tar  the root filesystem (mmdebstrap's tarball; extract as root)
#   build.log, packages (what was asked for), versions (what got installed)
#   stamp   = written last; a directory without it is rebuilt.
# A new Debian point release does not change the key: delete the directory
# to take it (the image's kernel is whatever the mirror had when built).
# Concurrent runs are serialised with flock on <key>.lock.
#
# Output: progress on stderr; the last (only) line on stdout is the path of
# root.tar.  Exit status 0, or 1 with the tail of the log.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
log() { echo "build-base-root: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

extra=''
while [[ $# -gt 0 ]]; do
    case "$1" in
        --include) extra=${2?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

base=(systemd-sysv linux-image-amd64 linux-headers-amd64 initramfs-tools udev kmod dkms
      python3 procps)
packages=$(printf '%s\n' "${base[@]}" ${extra//,/ } | sort -u | paste -sd, -)
key=$( { echo "$packages"; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -d' ' -f1)
cache_root=${HBAMGR_CACHE_DIR:-$HOME/.cache/hbamgr}/package-root
mkdir -p "$cache_root"
cache_root=$(cd "$cache_root" && pwd)
dir=$cache_root/$key

exec 9>"$dir.lock"
flock 9

if [[ -f $dir/stamp ]]; then
    log "cached: $dir"
    echo "$dir/root.tar"
    exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
echo "$packages" | tr , '\n' >"$dir/packages"
log "building $dir (mmdebstrap bookworm, $(wc -l <"$dir/packages") packages asked for)"
start=$SECONDS
if ! mmdebstrap --variant=minbase --include="$packages" \
        --customize-hook='chroot "$1" dpkg-query -W >"$1/tmp/versions"' \
        --customize-hook='copy-out /tmp/versions '"$dir" \
        --customize-hook='rm "$1/tmp/versions"' \
        bookworm "$dir/root.tmp.tar" >"$dir/build.log" 2>&1; then
    tail -n 40 "$dir/build.log" >&2
    die "mmdebstrap failed; log: $dir/build.log"
fi
mv "$dir/root.tmp.tar" "$dir/root.tar"
printf 'key=%s\nbuilt=%s\nseconds=%s\n' "$key" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "$((SECONDS - start))" >"$dir/stamp.tmp"
mv "$dir/stamp.tmp" "$dir/stamp"
log "built in $((SECONDS - start)) s: $dir"
echo "$dir/root.tar"
