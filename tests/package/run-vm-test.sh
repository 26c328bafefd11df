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
#   --workdir DIR  root tree, disk image, upgrade packages, console log
#                  (default: a new directory under ${TMPDIR:-/tmp}); kept
#   --timeout SEC  for the qemu run (default 1800)
#
# Steps (each one's wall-clock and CPU time is printed):
#   1. the upgrade packages: scripts/package.sh --uncommitted --deb --no-lint
#      --version-suffix pkgtest (V+pkgtest, from the same tree as checked out);
#   2. the base root: build-base-root.sh (cached, keyed by its package list:
#      systemd, Debian's kernel and headers, dkms, and every package the .debs
#      depend on);
#   3. the image: the base root extracted, `apt-get install` of the V .debs in
#      a chroot (DKMS builds hbamgr.ko for the image's kernel there), users
#      alice (group hbamgr) and bob, the test service, then mkfs.ext4 -d;
#   4. boot: tests/kernel/run-qemu.sh with the image as /dev/vda and the
#      image's own kernel and initrd; the guest reboots once and powers off.
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

upgrade=$workdir/upgrade
build_upgrade() {
    "$top/scripts/package.sh" --uncommitted --deb --no-lint --version-suffix pkgtest --out "$upgrade" \
        >"$workdir/upgrade.log" 2>&1 ||
        { tail -n 30 "$workdir/upgrade.log" >&2; die "upgrade package build failed"; }
}

# The names the .debs depend on (first alternatives, no versions), less our own.
runtime_depends() {
    local f
    for f in "${debs[@]}"; do dpkg-deb -f "$f" Depends; done |
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
    cp "${debs[@]}" "$root/root/debs/install/"
    cp "$upgrade"/*.deb "$root/root/debs/upgrade/"
    cp "$top/tests/kernel/guest-lib.sh" "$here/guest/pkgtest.sh" \
        "$root/usr/local/lib/hbamgr-pkgtest/"
    # The database schema (PRAGMA user_version) the daemon under test uses.
    sed -n 's/.*kSchemaVersion = \([0-9]*\);.*/\1/p' "$top/daemon/store/store.h" \
        >"$root/usr/local/lib/hbamgr-pkgtest/schema_version"
    [[ -s $root/usr/local/lib/hbamgr-pkgtest/schema_version ]] ||
        die "no kSchemaVersion in daemon/store/store.h"
    cp "$here/guest/hbamgr-pkgtest.service" "$root/etc/systemd/system/"
    echo hbamgr-pkgtest >"$root/etc/hostname"
    echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
    DEBIAN_FRONTEND=noninteractive chroot_run apt-get install -y \
        "${debs[@]/#*\//\/root\/debs\/install\/}" >"$workdir/install.log" 2>&1 ||
        { tail -n 40 "$workdir/install.log" >&2; die "apt-get install in the image failed"; }
    grep -q "^hbamgr/$version, .*: installed" <(chroot_run dkms status hbamgr) ||
        die "DKMS did not install hbamgr $version in the image (see $workdir/install.log)"
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
timed "upgrade packages ($version+pkgtest)" build_upgrade
timed "base root (build-base-root.sh)" build_base
timed "image root: extract, apt install, DKMS build" make_root
timed "disk image (mkfs.ext4 -d)" make_image
timed "qemu: two boots, the checks, upgrade, purge" boot
exposure=$(tr -d '\r' <"$workdir/console.log" | sed -n 's/^HBAMGR-EXPOSURE \([0-9.]*\)$/\1/p' | tail -n 1)
log "systemd-analyze security hbamgrd: exposure ${exposure:-not reported}"
print_steps
exit "$status"
