#!/bin/bash
# build-debug-kernel.sh - build (or reuse) the hbamgr debug kernel.
#
# Usage: tests/kernel/build-debug-kernel.sh [-h]
#
# Builds a kernel from Debian's linux-source-6.1 tarball
# (/usr/src/linux-source-6.1.tar.xz) with the Kconfig fragment
# tests/kernel/debug.config plus the few options the harness itself needs
# (harness_config below, written to <key>/harness.config):
#   make tinyconfig; make kvm_guest.config;
#   scripts/kconfig/merge_config.sh -m .config debug.config harness.config;
#   make olddefconfig; make -j$(nproc) bzImage modules
# and checks that the debug options (lockdep, KASAN, DEBUG_LIST, ...) survived.
#
# Cache: ${HBAMGR_CACHE_DIR:-$HOME/.cache/hbamgr}/debug-kernel/<key>/
#   key    = sha256(debug.config + linux-source-6.1 package version + this script)
#   linux/ = the complete built tree (in-tree build): bzImage at
#            linux/arch/x86/boot/bzImage, modules such as
#            linux/drivers/scsi/scsi_debug.ko, and everything
#            `make -C linux M=/path/to/module modules` needs
#   bzImage, config, harness.config, build.log
#   stamp  = written last; a directory without it is a half-built cache and is
#            deleted and rebuilt.
# A second run with the cache present returns at once. Concurrent runs are
# serialised with flock on <key>.lock.
#
# Output: progress on stderr; the last (only) line on stdout is the path of the
# kernel tree (<cache>/debug-kernel/<key>/linux).
#
# Environment: HBAMGR_CACHE_DIR (cache root), JOBS (make -j, default nproc).
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

if [[ $# -gt 0 ]]; then
    case "$1" in
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
src_pkg=linux-source-6.1
jobs=${JOBS:-$(nproc)}

log() { echo "build-debug-kernel: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ -r $fragment ]] || die "missing $fragment"
[[ -r $tarball ]] || die "missing $tarball (apt-get install $src_pkg)"
src_version=$(dpkg-query -W -f='${Version}' "$src_pkg") \
    || die "$src_pkg is not installed"

key=$( { cat "$fragment"; echo "$src_pkg $src_version"; cat "${BASH_SOURCE[0]}"; } \
       | sha256sum | cut -d' ' -f1)
cache_root=${HBAMGR_CACHE_DIR:-$HOME/.cache/hbamgr}/debug-kernel
mkdir -p "$cache_root"
cache_root=$(cd "$cache_root" && pwd)
dir=$cache_root/$key
tree=$dir/linux

exec 9>"$dir.lock"
flock 9

if [[ -f $dir/stamp ]]; then
    log "cached: $dir"
    echo "$tree"
    exit 0
fi

# Options the harness needs on top of debug.config (kept out of that file,
# which is shared verbatim):
#  - fio allocates its job table with System V shared memory (shmget);
#  - hbamgrd's SQLite store needs POSIX file locks (fs/locks.c), so the
#    in-guest daemon tests run on this kernel too;
#  - hangs are reported, not just waited out: a task in D state for longer
#    than the hung-task timeout, a CPU stuck in the kernel (soft lockup), a
#    stalled workqueue; the hard-lockup detector needs a perf NMI, which TCG
#    has no PMU for (it reports itself disabled at boot and stays built so a
#    KVM run gets it); sysctl lets the guest shorten the hung-task timeout.
harness_config=(
    CONFIG_SYSVIPC=y
    CONFIG_FILE_LOCKING=y
    CONFIG_PROC_SYSCTL=y
    CONFIG_DETECT_HUNG_TASK=y
    CONFIG_DEFAULT_HUNG_TASK_TIMEOUT=30
    CONFIG_SOFTLOCKUP_DETECTOR=y
    CONFIG_WQ_WATCHDOG=y
    CONFIG_PERF_EVENTS=y
    CONFIG_HARDLOCKUP_DETECTOR=y
)

# Options that must be in the final .config; the fragments ask for all of
# them, but olddefconfig silently drops any whose dependencies are unmet.
required=(
    "${harness_config[@]}"
    CONFIG_MODULES=y
    CONFIG_PROVE_LOCKING=y
    CONFIG_KASAN=y
    CONFIG_DEBUG_LIST=y
    CONFIG_DEBUG_ATOMIC_SLEEP=y
    CONFIG_DEBUG_OBJECTS_WORK=y
    CONFIG_DEBUG_OBJECTS_TIMERS=y
    CONFIG_CRC_T10DIF=y
    CONFIG_SCSI=y
    CONFIG_BLK_DEV_SD=y
    CONFIG_CHR_DEV_SG=y
    CONFIG_SCSI_DEBUG=m
    CONFIG_DEVTMPFS=y
    CONFIG_SERIAL_8250_CONSOLE=y
    CONFIG_BLK_DEV_INITRD=y
    CONFIG_RD_GZIP=y
)
check_config() {
    local opt missing=0
    for opt in "${required[@]}"; do
        if ! grep -qx "$opt" "$tree/.config"; then
            log "ERROR: $opt missing from $tree/.config (have: $(grep -E "^(# )?${opt%=*}[= ]" "$tree/.config" || echo nothing))"
            missing=1
        fi
    done
    [[ $missing -eq 0 ]] || die "debug options missing from the kernel config"
}

build_log=$dir/build.log
run() {
    log "+ $*"
    if ! (cd "$tree" && "$@") >>"$build_log" 2>&1; then
        tail -n 60 "$build_log" >&2
        die "'$*' failed; full log: $build_log"
    fi
}

rm -rf "$dir"
mkdir -p "$tree"
: >"$build_log"
log "building debug kernel in $dir ($src_pkg $src_version, -j$jobs); log: $build_log"
start=$SECONDS

log "+ tar -xf $tarball"
tar -xf "$tarball" -C "$tree" --strip-components=1
printf '%s\n' "${harness_config[@]}" >"$dir/harness.config"
run make tinyconfig
run make kvm_guest.config
run scripts/kconfig/merge_config.sh -m .config "$fragment" "$dir/harness.config"
run make olddefconfig
check_config
run make -j"$jobs" bzImage modules
check_config
[[ -f $tree/drivers/scsi/scsi_debug.ko ]] || die "scsi_debug.ko was not built"
[[ -f $tree/Module.symvers ]] || die "Module.symvers was not generated"

cp "$tree/arch/x86/boot/bzImage" "$dir/bzImage"
cp "$tree/.config" "$dir/config"
printf 'key=%s\n%s=%s\nbuilt=%s\nseconds=%s\n' "$key" "$src_pkg" "$src_version" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((SECONDS - start))" >"$dir/stamp.tmp"
mv "$dir/stamp.tmp" "$dir/stamp"
log "built in $((SECONDS - start)) s: $dir"
echo "$tree"
