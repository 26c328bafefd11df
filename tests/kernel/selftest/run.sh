#!/bin/bash
# selftest/run.sh - prove the kernel test harness with the in-tree scsi_debug driver.
#
# Usage: tests/kernel/selftest/run.sh [--debug-kernel] [--workdir DIR] [--timeout SEC]
#
#   --debug-kernel   use the debug kernel from build-debug-kernel.sh (built or
#                    taken from its cache) and scsi_debug.ko from its tree;
#                    default: Debian's kernel and its modules (sd_mod, sg,
#                    scsi_debug and their dependencies)
#   --workdir DIR    where the initramfs and console logs go (default: a new
#                    directory under ${TMPDIR:-/tmp}); kept for inspection
#   --timeout SEC    per-boot timeout for run-qemu.sh (default 600)
#
# Builds one initramfs (selftest/guest.sh, sg3-utils, smartctl, fio, lsscsi)
# and boots it twice:
#   pass: scsi_debug exercised by sg_inq/sg_readcap/sg_logs/sg_turs, lsscsi,
#         smartctl -i and a fio crc32c write+verify; run-qemu.sh must pass.
#   warn: the guest writes a "WARNING: CPU:" line to /dev/kmsg; run-qemu.sh
#         must fail, and because of that line (its TAP tests all pass).
# and with --debug-kernel a third time, with hangcheck.ko (built against the
# debug kernel's tree):
#   hang: a hung task, a stalled workqueue and a soft lockup; each detector
#         reports its hang, and run-qemu.sh must fail because of those reports
#         (its TAP tests all pass, among them that the hard-lockup detector
#         says it is disabled: TCG has no PMU for its NMI).
# Exit status: 0 both behaved as expected, 1 otherwise, 77 qemu missing (skip).
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
harness=$(dirname "$here")
debug=0 workdir='' timeout=600
while [[ $# -gt 0 ]]; do
    case "$1" in
        --debug-kernel) debug=1; shift ;;
        --workdir) workdir=${2:?}; shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "selftest: SKIP: qemu-system-x86_64 is not installed"
    exit 77
fi
[[ -n $workdir ]] || workdir=$(mktemp -d "${TMPDIR:-/tmp}/hbamgr-kernel-selftest.XXXXXX")
mkdir -p "$workdir"

extra_kmods=()
if [[ $debug -eq 1 ]]; then
    tree=$("$harness/build-debug-kernel.sh" | tail -n 1)
    kernel=$tree/arch/x86/boot/bzImage
    kmod_dir=$tree
    rm -rf "$workdir/hangcheck"
    cp -r "$here/hangcheck" "$workdir/hangcheck"
    make -C "$tree" M="$workdir/hangcheck" modules >"$workdir/hangcheck.log" 2>&1 \
        || { tail -n 30 "$workdir/hangcheck.log"; echo "selftest: FAIL: hangcheck.ko build"; exit 1; }
    extra_kmods=(--kmod "$workdir/hangcheck/hangcheck.ko")
else
    kver=$("$harness/debian-kver.sh")
    kernel=/boot/vmlinuz-$kver
    kmod_dir=/lib/modules/$kver
fi

"$harness/mkinitramfs.sh" -o "$workdir/initramfs.gz" --script "$here/guest.sh" \
    --kmod-dir "$kmod_dir" --kmod sd_mod --kmod sg --kmod scsi_debug "${extra_kmods[@]}" \
    --bin sg_inq --bin sg_readcap --bin sg_logs --bin sg_turs \
    --bin lsscsi --bin smartctl --bin fio

status=0
echo "=== selftest: pass mode on $kernel"
if "$harness/run-qemu.sh" -k "$kernel" -t "$timeout" -l "$workdir/pass.log" \
        "$workdir/initramfs.gz"; then
    echo "selftest: pass mode passed, as expected"
else
    echo "selftest: FAIL: pass mode failed; console log: $workdir/pass.log"
    status=1
fi

echo "=== selftest: warn mode on $kernel (must fail)"
set +e
out=$("$harness/run-qemu.sh" -k "$kernel" -t "$timeout" -l "$workdir/warn.log" \
        -a HBAMGR_SELFTEST=warn "$workdir/initramfs.gz")
rc=$?
set -e
echo "$out"
if [[ $rc -eq 1 ]] && grep -q 'WARNING: CPU: 0 PID: 1 at selftest' <<<"$out" \
        && grep -qx 'guest: 1 passed, 0 failed' <<<"$out"; then
    echo "selftest: warn mode failed on the kernel WARNING, as expected"
else
    echo "selftest: FAIL: warn mode was not failed for the kernel WARNING (status $rc);" \
         "console log: $workdir/warn.log"
    status=1
fi

if [[ $debug -eq 1 ]]; then
    echo "=== selftest: hang mode on $kernel (must fail)"
    set +e
    out=$("$harness/run-qemu.sh" -k "$kernel" -t "$timeout" -l "$workdir/hang.log" \
            -a HBAMGR_SELFTEST=hang "$workdir/initramfs.gz")
    rc=$?
    set -e
    echo "$out"
    missing=()
    for report in 'blocked for more than 5 seconds' 'BUG: workqueue lockup' \
                  'BUG: soft lockup'; do
        grep -qF "$report" <<<"$out" || missing+=("$report")
    done
    if [[ $rc -eq 1 && ${#missing[@]} -eq 0 ]] \
            && grep -qE '^guest: [0-9]+ passed, 0 failed$' <<<"$out"; then
        echo "selftest: hang mode failed on each detector's report, as expected"
    else
        echo "selftest: FAIL: hang mode (status $rc; reports not seen:" \
             "${missing[*]:-none}); console log: $workdir/hang.log"
        status=1
    fi
fi

echo "selftest: logs in $workdir"
[[ $status -eq 0 ]] && echo "selftest: PASS" || echo "selftest: FAIL"
exit "$status"
