#!/bin/bash
# run-vm-test.sh - the installed-system test: hbamgr's .debs installed with apt
# into a Debian 12 root, booted under qemu (TCG) with systemd as PID 1, and
# checked there (guest/pkgtest.sh) as an admin would use them.
#
# Usage: tests/package/run-vm-test.sh --dist DIR --version V
#                                     [--workdir DIR] [--timeout SEC]
#
#   --dist DIR     where scripts/package.sh put the packages under test
#   --version V    their version (hbamgr_V_amd64.deb, ...)
#   --workdir DIR  root tree, disk image, console log (default: a new
#                  directory under ${TMPDIR:-/tmp}); kept
#   --timeout SEC  for the qemu run (default 1800)
#
# The upgrade starts from a real older release, hbamgr 1.0.0 (upgrade_from
# below: its commit, store schema 4), so the new daemon migrates a database
# the old one wrote.
#
# Steps (each one's wall-clock and CPU time is printed):
#   1. the release packages: hbamgr, hbamgr-dkms and python3-hbamgr of
#      upgrade_from, built by that commit's own scripts/package.sh (--deb
#      --no-lint) in a repository of that commit alone (fetched from origin
#      first when this clone is shallow and lacks it); cached in
#      ${HBAMGR_CACHE_DIR:-~/.cache/hbamgr}/upgrade-from/<commit>/ (debs,
#      build.log, stamp written last; a directory without it is rebuilt);
#   2. the base root: build-base-root.sh (cached, keyed by its package list:
#      systemd, Debian's kernel and headers, dkms, and every package the .debs
#      of both versions depend on);
#   3. the image: the base root extracted, `apt-get install` of the release's
#      .debs in a chroot (DKMS builds its hbamgr.ko for the image's kernel
#      there), the .debs under test beside them, users alice (group hbamgr)
#      and bob, the test service, then mkfs.ext4 -d;
#   4. boot: tests/kernel/run-qemu.sh with the image as /dev/vda and the
#      image's own kernel and initrd: the release runs and stores events, the
#      admin edits the configuration, apt upgrades to the packages under test
#      (guest/pkgtest.sh checks the migration and every other thing on them);
#      the guest reboots once and powers off.
# run-qemu.sh judges the run: every TAP check passed, the plan is complete,
# no kernel report (BUG, WARNING, lockdep, ...) on the console.  The guest
# prints "HBAMGR-EXPOSURE <score>" (systemd-analyze security hbamgrd), shown
# at the end.
# Needs root (chroot, mounts, file ownership in the image).
# Exit status: 0 pass, 1 fail, 2 usage error, 77 skipped (not root, no qemu).
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
log() { echo "run-vm-test: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
dist='' version='' workdir='' timeout=1800
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dist) dist=${2:?}; shift 2 ;;
        --version) version=${2:?}; shift 2 ;;
        --workdir) workdir=${2:?}; shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[[ -n $dist && -n $version ]] || { usage >&2; exit 2; }
if [[ $(id -u) -ne 0 ]]; then
    echo "run-vm-test: SKIP: needs root (chroot, mounts, image ownership)"
    exit 77
fi
command -v qemu-system-x86_64 >/dev/null ||
    { echo "run-vm-test: SKIP: qemu-system-x86_64 is not installed"; exit 77; }
debs=()
for p in hbamgr hbamgr-dkms python3-hbamgr; do
    f=$(ls "$dist/${p}_${version}_"*.deb 2>/dev/null | head -n 1) ||
        true
    [[ -n $f ]] || die "no ${p}_${version}_*.deb in $dist (run scripts/package.sh)"
    debs+=("$f")
done
[[ -n $workdir ]] || workdir=$(mktemp -d "${TMPDIR:-/tmp}/hbamgr-vm.XXXXXX")
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)

steps_prefix=run-vm-test
# shellcheck source=scripts/lib/steps.sh
. "$top/scripts/lib/steps.sh"

# The release the upgrade starts from: hbamgr 1.0.0, whose daemon keeps its
# database at store schema 4 (Store::kSchemaVersion in that commit).  Move it
# to a later release when one is made: its version must be older than the
# tree's, and its store schema too (the guest demands a migration).
upgrade_from=4e2d62daacaf4e0cfa0ff0768cb98ca5d196b833
from_cache=${HBAMGR_CACHE_DIR:-$HOME/.cache/hbamgr}/upgrade-from/$upgrade_from
from_version='' from_schema='' from_debs=()
# from_file PATH: PATH as it is in upgrade_from.
from_file() { git -C "$top" show "$upgrade_from:$1"; }
# The release's packages, built by its own scripts/package.sh in a
# repository of that commit alone, once: in a new directory beside the cache
# entry, renamed to it when complete.
build_release() {
    # A shallow clone (CI's, say) lacks the release's commit: fetch that one
    # commit from where the clone came from.
    if ! git -C "$top" cat-file -e "$upgrade_from^{commit}" 2>/dev/null; then
        log "commit $upgrade_from is not in this clone (a shallow clone?): fetching it from origin"
        git -C "$top" fetch -q --depth 1 origin "$upgrade_from" ||
            log "could not fetch $upgrade_from from origin"
    fi
    git -C "$top" cat-file -e "$upgrade_from^{commit}" 2>/dev/null ||
        die "commit $upgrade_from (hbamgr 1.0.0, the release the upgrade test starts" \
            "from) is not in this clone and origin did not give it: git fetch --unshallow, or" \
            "git fetch origin $upgrade_from"
    from_version=$(from_file CMakeLists.txt | sed -n 's/^project(hbamgr VERSION \([0-9.]*\).*/\1/p')
    from_schema=$(from_file daemon/store/store.h | sed -n 's/.*kSchemaVersion = \([0-9]*\);.*/\1/p')
    [[ -n $from_version && -n $from_schema ]] ||
        die "no version or store schema found in $upgrade_from"
    dpkg --compare-versions "$from_version" lt "$version" ||
        die "the release the upgrade starts from ($from_version, $upgrade_from) is not older than $version"
    mkdir -p "${from_cache%/*}"
    exec 8>"$from_cache.lock"
    flock 8
    if [[ -f $from_cache/stamp ]]; then
        log "release $from_version packages cached: $from_cache"
    else
        local tmp start=$SECONDS
        tmp=$(mktemp -d "$from_cache.tmp.XXXXXX")
        log "building the release $from_version packages from $upgrade_from in $tmp"
        # Only that commit, fetched by its id: a clone of a shallow clone
        # would have only what its branches reach.
        git init -q "$tmp/src" &&
            git -C "$tmp/src" fetch -q --depth 1 "file://$top" "$upgrade_from" &&
            git -C "$tmp/src" checkout -q --detach FETCH_HEAD ||
            die "could not check out $upgrade_from in $tmp/src"
        # The release's package.sh predates its ccache fix (c5668c3): the
        # cache named here keeps debhelper from starting an empty one of its
        # own in a new HOME.
        if ! (
            if command -v ccache >/dev/null; then
                CCACHE_DIR=$(ccache --get-config cache_dir)
                CCACHE_CONFIGPATH=$(ccache --show-stats --verbose | sed -n 's/^Config file: *//p')
                export CCACHE_DIR CCACHE_CONFIGPATH
            fi
            HBAMGR_PACKAGE_WORKDIR=$tmp/work \
                exec "$tmp/src/scripts/package.sh" --deb --no-lint --out "$tmp/debs"
        ) >"$tmp/build.log" 2>&1; then
            tail -n 30 "$tmp/build.log" >&2
            die "the release $from_version package build failed; log: $tmp/build.log"
        fi
        mkdir "$tmp/entry"
        mv "$tmp/debs"/*.deb "$tmp/build.log" "$tmp/entry/"
        printf 'commit=%s\nversion=%s\nbuilt=%s\nseconds=%s\n' "$upgrade_from" \
            "$from_version" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((SECONDS - start))" \
            >"$tmp/entry/stamp"
        rm -rf "$from_cache"
        mv "$tmp/entry" "$from_cache"
        rm -rf "$tmp"
        log "release $from_version packages built in $((SECONDS - start)) s: $from_cache"
    fi
    exec 8>&-
    local p f
    for p in hbamgr hbamgr-dkms python3-hbamgr; do
        f=$(ls "$from_cache/${p}_${from_version}_"*.deb 2>/dev/null | head -n 1) || true
        [[ -n $f ]] || die "no ${p}_${from_version}_*.deb in $from_cache"
        from_debs+=("$f")
    done
}

# The names the .debs of both versions depend on (first alternatives, no
# versions), less our own.
runtime_depends() {
    local f
    for f in "${debs[@]}" "${from_debs[@]}"; do dpkg-deb -f "$f" Depends; done |
        tr ',' '\n' | sed 's/|.*//; s/(.*//; s/:any//; s/ //g' |
        grep -v -e '^$' -e '^hbamgr' | sort -u | paste -sd, -
}

base_tar=''
build_base() {
    base_tar=$("$here/build-base-root.sh" --include "$(runtime_depends)" | tail -n 1)
}

root=$workdir/root
# chroot_run CMD...: CMD in the image root, with /proc, /sys and /dev mounted
# in a private mount namespace (gone when it exits).
chroot_run() {
    unshare --mount --propagation private -- /bin/sh -ec '
        root=$1; shift
        mount -t proc proc "$root/proc"
        mount -t sysfs sys "$root/sys"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs tmpfs "$root/run"
        exec chroot "$root" "$@"' sh "$root" "$@"
}

make_root() {
    rm -rf "$root"
    mkdir -p "$root"
    tar -xpf "$base_tar" -C "$root" --numeric-owner
    mkdir -p "$root/root/debs/install" "$root/root/debs/upgrade" "$root/usr/local/lib/hbamgr-pkgtest"
    cp "${from_debs[@]}" "$root/root/debs/install/"
    cp "${debs[@]}" "$root/root/debs/upgrade/"
    cp "$top/tests/kernel/guest-lib.sh" "$here/guest/pkgtest.sh" \
        "$root/usr/local/lib/hbamgr-pkgtest/"
    # The database schemas (PRAGMA user_version) of the release's daemon and
    # of the daemon under test.
    local lib=$root/usr/local/lib/hbamgr-pkgtest
    echo "$from_schema" >"$lib/schema_version_from"
    sed -n 's/.*kSchemaVersion = \([0-9]*\);.*/\1/p' "$top/daemon/store/store.h" \
        >"$lib/schema_version"
    [[ -s $lib/schema_version ]] || die "no kSchemaVersion in daemon/store/store.h"
    cp "$here/guest/hbamgr-pkgtest.service" "$root/etc/systemd/system/"
    echo hbamgr-pkgtest >"$root/etc/hostname"
    echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
    DEBIAN_FRONTEND=noninteractive chroot_run apt-get install -y \
        "${from_debs[@]/#*\//\/root\/debs\/install\/}" >"$workdir/install.log" 2>&1 ||
        { tail -n 40 "$workdir/install.log" >&2; die "apt-get install in the image failed"; }
    grep -q "^hbamgr/$from_version, .*: installed" <(chroot_run dkms status hbamgr) ||
        die "DKMS did not install hbamgr $from_version in the image (see $workdir/install.log)"
    chroot_run /bin/sh -ec '
        useradd --create-home --groups hbamgr alice
        useradd --create-home bob
        systemctl enable hbamgr-pkgtest.service
        # A clean console: no login prompt on the test serial line.
        systemctl mask serial-getty@ttyS0.service
        apt-get clean' >>"$workdir/install.log" 2>&1
}

image=$workdir/disk.img
make_image() {
    local mb
    mb=$(( $(du -sm "$root" | cut -f1) + 1024 ))
    rm -f "$image"
    mkfs.ext4 -q -F -L hbamgr-root -d "$root" "$image" "${mb}M"
}

status=0
boot() {
    local kernel initrd
    kernel=$(ls "$root"/boot/vmlinuz-* | head -n 1)
    initrd=$(ls "$root"/boot/initrd.img-* | head -n 1)
    "$top/tests/kernel/run-qemu.sh" -k "$kernel" -d "$image" -r -m 2G -t "$timeout" \
        -a "root=/dev/vda rw" -l "$workdir/console.log" "$initrd" || status=$?
}

log "packages $version from $dist; work in $workdir"
timed "release packages to upgrade from (${upgrade_from:0:7})" build_release
timed "base root (build-base-root.sh)" build_base
timed "image root: extract, apt install, DKMS build" make_root
timed "disk image (mkfs.ext4 -d)" make_image
timed "qemu: the release, upgrade, the checks, reboot, purge" boot
exposure=$(tr -d '\r' <"$workdir/console.log" | sed -n 's/^HBAMGR-EXPOSURE \([0-9.]*\)$/\1/p' | tail -n 1)
log "systemd-analyze security hbamgrd: exposure ${exposure:-not reported}"
print_steps
exit "$status"
