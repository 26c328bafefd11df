# Guest side of the harness self-test (busybox ash, run by the initramfs /init).
# tap_check expressions are single-quoted on purpose: tap_check evaluates them.
# shellcheck shell=dash disable=SC2016
#
# HBAMGR_SELFTEST=pass (default): load scsi_debug with sd and sg, drive the
#   disk with sg3-utils, lsscsi, smartctl and fio, unload it.
# HBAMGR_SELFTEST=warn: pass one trivial test but put a kernel WARNING line in
#   the kernel log; run-qemu.sh must fail the run.
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
