#!/bin/bash
# run-hbamgr.sh - build hbamgr.ko for a kernel and run the in-guest tests
# (guest/hbamgr.sh) on it under qemu.
#
# Usage: tests/kernel/run-hbamgr.sh --abi-test FILE --hbamgrd FILE
#                                   --hbacli FILE [--debug-kernel]
#                                   [--workdir DIR] [--timeout SEC]
#
#   --abi-test FILE  the abi_test executable of the CMake build; it runs in
#                    the guest with HBAMGR_ABI_DEVICE=/dev/hbamgr1
#   --hbamgrd FILE, --hbacli FILE
#                    the daemon and CLI of the CMake build; they run in the
#                    guest on the kernel backend (guest/t-daemon.sh)
#   --debug-kernel   the debug kernel of build-debug-kernel.sh (built or
#                    taken from its cache), the module built against its
#                    tree; default: Debian's kernel and installed headers
#   --workdir DIR    module build copy, initramfs and console log (default:
#                    a new directory under ${TMPDIR:-/tmp}); kept
#   --timeout SEC    run-qemu.sh timeout (default 900)
#
# The module is built from a copy of kmod/ in the workdir, so builds for two
# kernels never share objects. hbactl and hbastress (tools/) are built static.
# Exit status: run-qemu.sh's (0 pass, 1 fail), 77 when qemu is missing.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "run-hbamgr: ERROR: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
debug=0 workdir= timeout=900 abi_test= hbamgrd= hbacli=
while [[ $# -gt 0 ]]; do
    case "$1" in
        --abi-test) abi_test=${2:?}; shift 2 ;;
        --hbamgrd) hbamgrd=${2:?}; shift 2 ;;
        --hbacli) hbacli=${2:?}; shift 2 ;;
        --debug-kernel) debug=1; shift ;;
        --workdir) workdir=${2:?}; shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[[ -n $abi_test && -n $hbamgrd && -n $hbacli ]] || { usage >&2; exit 2; }
for exe in "$abi_test" "$hbamgrd" "$hbacli"; do
    [[ -x $exe ]] || die "not built: $exe"
done
if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "run-hbamgr: SKIP: qemu-system-x86_64 is not installed"
    exit 77
fi
[[ -n $workdir ]] || workdir=$(mktemp -d "${TMPDIR:-/tmp}/hbamgr-kernel.XXXXXX")
mkdir -p "$workdir"

if [[ $debug -eq 1 ]]; then
    tree=$("$here/build-debug-kernel.sh" | tail -n 1)
    kernel=$tree/arch/x86/boot/bzImage
    kdir=$tree
    kmod_dir=$tree
else
    kver=$("$here/debian-kver.sh")
    kernel=/boot/vmlinuz-$kver
    kdir=/lib/modules/$kver/build
    kmod_dir=/lib/modules/$kver
fi

# hbamgr.ko from a private copy of the sources.
src=$workdir/kmod
rm -rf "$src"
mkdir -p "$src"
cp -r "$top/kmod/Kbuild" "$top/kmod/Makefile" "$top/kmod/core" \
      "$top/kmod/linux" "$top/kmod/include" "$src/"
make -C "$src" KDIR="$kdir" -j"${JOBS:-2}" >"$workdir/kbuild.log" 2>&1 \
    || { tail -n 40 "$workdir/kbuild.log" >&2; die "module build failed"; }
# The core's test points are for the userspace test builds only.
"$top/kmod/scripts/check-test-hooks.sh" --absent "$src/hbamgr.ko" >&2 \
    || die "hbamgr.ko has test hooks"

# Files for /test in the guest.
files=$workdir/files
rm -rf "$files"
mkdir -p "$files"
cp "$here"/guest/*.sh "$files/"
cc -static -O2 -Wall -Wextra -Werror -I"$top/kmod/include/uapi" \
    -o "$files/hbactl" "$here/tools/hbactl.c"
cc -static -O2 -Wall -Wextra -Werror -pthread -I"$top/kmod/include/uapi" \
    -o "$files/hbastress" "$here/tools/hbastress.c"

"$here/mkinitramfs.sh" -o "$workdir/initramfs.gz" \
    --script "$here/guest/hbamgr.sh" --files "$files" \
    --kmod-dir "$kmod_dir" --kmod sd_mod --kmod sg --kmod "$src/hbamgr.ko" \
    --bin sg_inq --bin sg_vpd --bin sg_readcap --bin sg_logs --bin lsscsi --bin smartctl \
    --bin fio --bin "$abi_test" --bin "$hbamgrd" --bin "$hbacli"

exec "$here/run-qemu.sh" -k "$kernel" -t "$timeout" -l "$workdir/console.log" \
    "$workdir/initramfs.gz"
