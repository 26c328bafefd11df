# t-dirty.sh - an adapter found running with replies pending (as after
# kdump) is reset by the hardened init before IOC_INIT, so none of the
# replies from before reach the new reply rings, and it serves I/O.
tap_ok "load with dirty_start=1" kmod_load hbamgr dirty_start=1 drive_size_mb=64
tap_check "dirty start: adapter is live with 2 LUNs" \
    'wait_for 60 "[ \$(our_luns) -eq 2 ]" && [ "$(sysattr 0 state)" = live ]'
tap_check "dirty start: the driver reset the running firmware" \
    '[ "$(fwstat 0 diag_resets)" -ge 1 ]'
tap_check "dirty start: no reply from before reached the driver" \
    '[ "$(fwstat 0 dirty_replies)" -eq 0 ]'
dirty_r1=$(vd_of_level 0 1)
tap_ok "dirty start: I/O works (fio verify on the RAID1 LUN)" \
    fio_verify dirty "$(lun_sd 0 "$dirty_r1")" 8m
tap_ok "unload after dirty start" rmmod hbamgr
