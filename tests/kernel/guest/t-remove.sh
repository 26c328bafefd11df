# t-remove.sh - hot-unplug of adapter 1 while /dev/hbamgr1 is open and an
# ioctl is blocked in it: the ioctl returns ENODEV, close works afterwards,
# adapter 0 carries on (and the harness finds no KASAN/lockdep report).
rm_luns0=$(our_luns)
# Every reply from now on vanishes, so the passthru below stays blocked.
tap_ok "adapter 1: lose all completions" knob 1 lose_completions 1000000
"$HBACTL" /dev/hbamgr1 block-ioctl 600000 >/tmp/block.out 2>&1 &
rm_pid=$!
tap_check "a passthru is blocked in adapter 1" \
    'wait_for 30 "[ \$(sysattr 1 cmds_outstanding) -ge 1 ]" && proc_running $rm_pid'
# The LUNs' last commands at removal must not be lost.
tap_ok "adapter 1: clear pending completion faults" knob 1 clear_faults
tap_ok "remove adapter 1 while its node is open" \
    eval "echo 1 >$DBG/remove_adapter"
tap_check "the blocked ioctl returned" 'wait_for 30 "! proc_running $rm_pid"'
wait "$rm_pid"
sed 's/^/# /' /tmp/block.out
tap_check "the blocked ioctl failed with ENODEV" 'grep -qx "ioctl: ENODEV" /tmp/block.out'
tap_check "close after removal succeeded" 'grep -qx "close: ok" /tmp/block.out'
tap_check "/dev/hbamgr1 and its LUNs are gone" \
    '[ ! -e /dev/hbamgr1 ] && [ ! -d /sys/class/hbamgr/hbamgr1 ] &&
     [ "$(our_luns)" -eq $((rm_luns0 - 2)) ]'
tap_check "adapter 0 is still live" '[ "$(sysattr 0 state)" = live ]'
tap_ok "adapter 0 still serves ioctls" "$HBACTL" /dev/hbamgr0 info
