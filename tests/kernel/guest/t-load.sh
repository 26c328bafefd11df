# t-load.sh - insmod/rmmod 5 times: the char device and both default LUNs
# (RAID1 and RAID5) come with the module and go with it.
for i in 1 2 3 4 5; do
    tap_ok "load $i" kmod_load hbamgr drive_size_mb=64
    tap_check "load $i: /dev/hbamgr0 is live with 2 LUNs" \
        'wait_for 60 "[ -c /dev/hbamgr0 ] && [ \$(our_luns) -eq 2 ]" &&
         [ "$(sysattr 0 state)" = live ]'
    tap_ok "unload $i" rmmod hbamgr
    tap_check "unload $i: node, class and LUNs are gone" \
        '[ ! -e /dev/hbamgr0 ] && [ ! -d /sys/class/hbamgr ] &&
         [ "$(our_luns)" -eq 0 ]'
done
