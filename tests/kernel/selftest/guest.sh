# Guest side of the harness self-test (busybox ash, run by the initramfs /init).
# tap_check expressions are single-quoted on purpose: tap_check evaluates them.
# shellcheck shell=dash disable=SC2016
#
# HBAMGR_SELFTEST=pass (default): load scsi_debug with sd and sg, drive the
#   disk with sg3-utils, lsscsi, smartctl and fio, unload it.
# HBAMGR_SELFTEST=warn: pass one trivial test but put a kernel WARNING line in
#   the kernel log; run-qemu.sh must fail the run.
# HBAMGR_SELFTEST=hang (debug kernel, with hangcheck.ko): a hung task, a
#   stalled workqueue and a soft lockup, each reported by its detector;
#   run-qemu.sh must fail the run on those reports.
. /lib/hbamgr/guest-lib.sh

# Prints the sd and sg device names of the scsi_debug disk once both exist.
scsi_debug_devs() {
    local dev _
    for _ in $(seq 60); do
        for dev in /sys/bus/scsi/devices/*:*:*:*; do
            grep -q '^scsi_debug' "$dev/model" 2>/dev/null || continue
            [ -d "$dev/block" ] || continue
            [ -d "$dev/scsi_generic" ] || continue
            echo "$(ls "$dev/block") $(ls "$dev/scsi_generic")"
            return 0
        done
        sleep 0.5
    done
    echo "no scsi_debug disk with sd and sg devices after 30 s" >&2
    return 1
}

case "${HBAMGR_SELFTEST:-pass}" in
hang)
    # The debug kernel's hang detectors each report a deliberate hang of
    # hangcheck.ko; run-qemu.sh must fail the run on each report.
    tap_ok "load hangcheck" kmod_load hangcheck
    tap_check "the hard-lockup detector says it is disabled (TCG has no PMU for its NMI)" \
        'dmesg | grep -q "Perf NMI watchdog permanently disabled"'
    echo 5 >/proc/sys/kernel/hung_task_timeout_secs
    tap_ok "a task sleeps uninterruptibly for 15 s" \
        sh -c 'echo 15 >/sys/kernel/debug/hangcheck/hung_task'
    tap_check "the hung-task detector reported it" \
        'wait_for 10 "dmesg | grep -q \"blocked for more than 5 seconds\""'
    # The workqueue watchdog at 4 s; the soft-lockup one (2 * 20 s) and RCU
    # (21 s) stay quiet during the 10 s spin.
    echo 20 >/proc/sys/kernel/watchdog_thresh
    echo 4 >/sys/module/workqueue/parameters/watchdog_thresh
    tap_ok "a work item spins for 10 s, another waits behind it" \
        sh -c 'echo 10 >/sys/kernel/debug/hangcheck/wq_lockup'
    tap_check "the workqueue watchdog reported the stalled pool" \
        'wait_for 30 "dmesg | grep -q \"BUG: workqueue lockup\""'
    echo 3 >/proc/sys/kernel/watchdog_thresh
    tap_ok "a CPU spins with preemption off for 10 s" \
        sh -c 'echo 10 >/sys/kernel/debug/hangcheck/soft_lockup'
    tap_check "the soft-lockup detector reported it" \
        'wait_for 10 "dmesg | grep -q \"BUG: soft lockup\""'
    ;;
warn)
    tap_ok "kernel log is writable" test -w /dev/kmsg
    echo 'WARNING: CPU: 0 PID: 1 at selftest: deliberate warning' >/dev/kmsg
    ;;
pass)
    tap_ok "load sd_mod" kmod_load sd_mod
    tap_ok "load sg" kmod_load sg
    tap_ok "load scsi_debug" kmod_load scsi_debug dev_size_mb=64 num_tgts=1 max_luns=1
    devs=$(scsi_debug_devs) || devs=
    tap_check "scsi_debug disk has sd and sg nodes" '[ -n "$devs" ]'
    sd=/dev/${devs% *}
    sg=/dev/${devs#* }
    tap_diag "disk $sd, generic $sg"
    tap_ok "sg_turs" sg_turs "$sg"
    tap_ok "sg_inq" sg_inq "$sg"
    tap_check "sg_inq reports scsi_debug" 'sg_inq "$sg" | grep -q "Product identification: scsi_debug"'
    tap_ok "sg_readcap" sg_readcap "$sd"
    tap_check "capacity is 64 MiB" 'sg_readcap "$sd" | grep -q "Device size: 67108864 bytes"'
    tap_ok "sg_logs" sg_logs "$sg"
    tap_ok "lsscsi" lsscsi -g
    tap_check "lsscsi lists the disk" 'lsscsi -g | grep scsi_debug | grep -q "$sd"'
    tap_ok "smartctl -i" smartctl -i "$sd"
    tap_ok "fio write + crc32c verify" fio --name=verify --filename="$sd" --rw=write \
        --bs=64k --size=16m --ioengine=psync --direct=1 --verify=crc32c \
        --do_verify=1 --verify_fatal=1
    tap_ok "unload scsi_debug" rmmod scsi_debug
    tap_check "disk is gone" '[ ! -e "$sd" ]'
    ;;
*)
    tap_check "known HBAMGR_SELFTEST mode '$HBAMGR_SELFTEST'" false
    ;;
esac
tap_done
