#!/bin/bash
# run-qemu.sh - boot a kernel + initramfs under qemu (TCG) and judge the guest run.
#
# Usage: tests/kernel/run-qemu.sh [options] INITRAMFS
#
#   -k, --kernel FILE    kernel image (default: /boot/vmlinuz-<release> of the
#                        installed linux-image-amd64, see debian-kver.sh)
#   -t, --timeout SEC    hard timeout; qemu is killed after it and the run
#                        fails (default 600)
#   -l, --log FILE       full guest console log (default: console.log next to
#                        INITRAMFS)
#   -a, --append ARGS    extra kernel command line, e.g. 'HBAMGR_MODE=x'
#                        (unknown NAME=VALUE words become environment
#                        variables of the guest script)
#   -v, --verbose        also stream the console to stderr while it runs
#   -d, --disk FILE      attach FILE as a raw virtio disk (/dev/vda), and no
#                        network; with 'root=/dev/vda' in --append the guest
#                        boots from it (INITRAMFS is the distribution's initrd)
#   -r, --reboot         let the guest reboot (qemu runs until it powers off)
#   -m, --memory SIZE    guest memory (default 2G)
#
# qemu-system-x86_64 -accel tcg -m 2G -smp 2 -nographic -no-reboot, console on
# ttyS0; the command line carries console=ttyS0 panic=-1 oops=panic loglevel=7
# printk.time=1 printk.devkmsg=on kasan_multi_shot, so every kernel report
# (WARN, lockdep, KASAN, ...) reaches the console with a timestamp, and a
# panic ends the VM at once.
#
# The run passes only if:
#   - the guest printed the TAP block ("=== HBAMGR-TAP-BEGIN ===" ...
#     "=== HBAMGR-TAP-END ===", written by tap_done in guest-lib.sh) - if not,
#     the guest hung, crashed or its script died;
#   - the block has a plan 1..N with N >= 1, N result lines, and no "not ok";
#   - no kernel message (a console line with a printk timestamp "[ 1.234]")
#     matches a report pattern: BUG:, WARNING:, Oops, Kernel panic, general
#     protection fault, KASAN, lockdep reports, list_add/list_del corruption,
#     ODEBUG:, soft lockup, hard LOCKUP, hung tasks, sleeping function called
#     from invalid context, RCU stalls, refcount_t:, UBSAN:, ... (see
#     report_patterns below). Output of guest programs is not scanned, and the
#     unsigned/out-of-tree module taint messages are not failures.
#
# Output: the matching kernel lines, every TAP line of the block, the reasons
# for a failure, and as the last line "guest: N passed, M failed".
# Exit status: 0 pass, 1 fail, 2 usage error, 77 qemu-system-x86_64 missing.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernel='' timeout=600 log='' append='' verbose=0 disk='' reboot=0 memory=2G
while [[ $# -gt 0 ]]; do
    case "$1" in
        -k|--kernel) kernel=${2:?}; shift 2 ;;
        -t|--timeout) timeout=${2:?}; shift 2 ;;
        -l|--log) log=${2:?}; shift 2 ;;
        -a|--append) append=${2?}; shift 2 ;;
        -v|--verbose) verbose=1; shift ;;
        -d|--disk) disk=${2:?}; shift 2 ;;
        -r|--reboot) reboot=1; shift ;;
        -m|--memory) memory=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) usage >&2; exit 2 ;;
        *) break ;;
    esac
done
[[ $# -eq 1 ]] || { usage >&2; exit 2; }
initramfs=$1
[[ $timeout =~ ^[0-9]+$ ]] || { echo "run-qemu: bad timeout '$timeout'" >&2; exit 2; }
[[ -f $initramfs ]] || { echo "run-qemu: no such initramfs: $initramfs" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null \
    || { echo "run-qemu: SKIP: qemu-system-x86_64 is not installed" >&2; exit 77; }
[[ -n $kernel ]] || kernel=/boot/vmlinuz-$("$here/debian-kver.sh")
[[ -f $kernel ]] || { echo "run-qemu: no such kernel: $kernel" >&2; exit 2; }
[[ -n $log ]] || log=$(dirname "$initramfs")/console.log

# Kernel reports that fail the run (extended regular expressions).
report_patterns=(
    'BUG:'
    'WARNING:'                      # WARN splats and lockdep/RCU reports
    'Oops'
    '[0-9a-f]{4} \[#[0-9]+\]'       # die(): "invalid opcode: 0000 [#1] ..."
    'kernel BUG at'
    'Kernel panic'
    'general protection fault'
    'KASAN'
    'UBSAN:'
    'possible circular locking dependency'
    'possible recursive locking'
    'inconsistent lock state'
    'turning off the locking correctness validator'
    'list_add corruption'
    'list_del corruption'
    'ODEBUG:'
    'soft lockup'                   # the hang detectors (README: Hangs are reported)
    'hard LOCKUP'
    'workqueue lockup'
    'hung_task'
    'blocked for more than'
    'sleeping function called from invalid context'
    'RCU stall'
    'rcu_[a-z]+ (self-)?detected stall'
    'refcount_t:'
)
printk_stamp='\[ *[0-9]+\.[0-9]+\] '

cmdline="console=ttyS0 panic=-1 oops=panic loglevel=7 printk.time=1 printk.devkmsg=on kasan_multi_shot"
qemu=(qemu-system-x86_64 -accel tcg -m "$memory" -smp 2 -nographic
      -kernel "$kernel" -initrd "$initramfs" -append "$cmdline${append:+ $append}")
[[ $reboot -eq 1 ]] || qemu+=(-no-reboot)
[[ -z $disk ]] || qemu+=(-drive "file=$disk,if=virtio,format=raw" -nic none)

echo "run-qemu: booting $kernel (timeout ${timeout}s, console log $log)" >&2
start=$SECONDS
set +e
if [[ $verbose -eq 1 ]]; then
    timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$log" >&2
    qemu_rc=${PIPESTATUS[0]}
else
    timeout -k 10 "$timeout" "${qemu[@]}" </dev/null >"$log" 2>&1
    qemu_rc=$?
fi
set -e
echo "run-qemu: qemu exited with status $qemu_rc after $((SECONDS - start)) s" >&2

failures=()
[[ $qemu_rc -ne 124 && $qemu_rc -ne 137 ]] || failures+=("timeout: qemu killed after ${timeout}s")
[[ $qemu_rc -eq 0 || $qemu_rc -eq 124 || $qemu_rc -eq 137 ]] || failures+=("qemu exited with status $qemu_rc")

console=$(tr -d '\r' <"$log")

pattern=$(IFS='|'; echo "${report_patterns[*]}")
reports=$(grep -E "$printk_stamp" <<<"$console" | grep -E "$pattern" || true)
if [[ -n $reports ]]; then
    echo "kernel reports:"
    sed 's/^/  /' <<<"$reports"
    failures+=("kernel log has $(wc -l <<<"$reports") report line(s)")
fi

tap=$(sed -n '/^=== HBAMGR-TAP-BEGIN ===$/,/^=== HBAMGR-TAP-END ===$/p' <<<"$console")
passed=0 failed=0
if ! grep -qx '=== HBAMGR-TAP-END ===' <<<"$tap"; then
    echo "console log tail:"
    tail -n 30 <<<"$console" | sed 's/^/  /'
    failures+=("no TAP block from the guest (hang, crash or script error)")
else
    tap=$(grep -E '^((not )?ok [0-9]+|1\.\.[0-9]+$)' <<<"$tap" || true)
    echo "$tap"
    passed=$(grep -cE '^ok [0-9]+' <<<"$tap" || true)
    failed=$(grep -cE '^not ok [0-9]+' <<<"$tap" || true)
    plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' <<<"$tap")
    [[ $failed -eq 0 ]] || failures+=("$failed guest test(s) failed")
    if [[ -z $plan ]]; then
        failures+=("TAP plan 1..N missing")
    elif [[ $plan -eq 0 || $plan -ne $((passed + failed)) ]]; then
        failures+=("TAP plan 1..$plan but $((passed + failed)) result(s)")
    fi
fi

for f in "${failures[@]}"; do echo "FAIL: $f"; done
echo "guest: $passed passed, $failed failed"
[[ ${#failures[@]} -eq 0 ]]
