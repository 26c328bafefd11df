# t-stress.sh - the recovery paths under lockdep/KASAN and the hang
# detectors (issue 12), and a bounded random ioctl-sequence stress with
# concurrent RESET and hot removal (issue 11):
#  - a firmware fault the health check sees, so the reset work runs;
#  - a passthrough that times out and is aborted, and one whose late reply
#    races its timeout;
#  - hbastress: 9 threads of random GET_INFO/PASSTHRU/RESET/read/poll calls
#    with random sizes and flags: 6 on adapter 0 with faults injected
#    (lost/late/duplicate completions, firmware faults, SRB storms), 3 on
#    both adapters, while the firmware of adapter 0 faults again and adapter
#    1 is hot-removed under them (its LUNs' last commands are not lost:
#    faults go to adapter 0 only);
#  - then rmmod.
# The harness fails the run on any kernel report (lockdep, KASAN, WARN,
# hung task, soft lockup, workqueue stall).  HBAMGR_STRESS_SECONDS (run-qemu
# --append) sets the stress duration (default 60).
st_secs=${HBAMGR_STRESS_SECONDS:-60}
tap_ok "load hbamgr for the stress (2 adapters, fault injection)" \
    kmod_load hbamgr adapters=2 fault_injection=1 drive_size_mb=64
tap_check "both adapters are live" \
    'wait_for 60 "[ \"\$(sysattr 0 state)\" = live ] && [ \"\$(sysattr 1 state)\" = live ]"'

# Firmware fault -> health check -> reset work (reset_mutex in a work item).
st_r0=$(sysattr 0 reset_count)
tap_ok "adapter 0: firmware fault" knob 0 fw_fault 0
tap_check "the health check's reset work recovered adapter 0" \
    'wait_for 60 "[ \$(sysattr 0 reset_count) -gt $st_r0 ] && [ \"\$(sysattr 0 state)\" = live ]"'

# A passthrough whose reply is lost times out and is aborted (TM).
st_t0=$(sysattr 0 timeouts)
tap_ok "adapter 0: lose the next completion" knob 0 lose_completions 1
"$HBACTL" /dev/hbamgr0 block-ioctl 200 >/tmp/st-timeout.out 2>&1
sed 's/^/# /' /tmp/st-timeout.out
tap_check "the passthrough timed out and was aborted (status 7, TIMEOUT)" \
    'grep -qx "status: 7" /tmp/st-timeout.out && [ $(sysattr 0 timeouts) -gt $st_t0 ]'
# Late replies straddling the timeout: the reply races the abort.
st_race=0
for st_i in 1 2 3 4 5 6; do
    knob 0 late_completions 1 $((180 + st_i * 10)) || break
    "$HBACTL" /dev/hbamgr0 block-ioctl 200 >/tmp/st-race.out 2>&1
    grep -qE "^status: (0|7)$" /tmp/st-race.out && st_race=$((st_race + 1))
done
tap_check "6 replies racing their timeout each ended OK or TIMEOUT" '[ "$st_race" -eq 6 ]'

# The stress, with a second firmware fault on adapter 0 and adapter 1
# hot-removed while it runs.
/test/hbastress -t "$st_secs" -j 6 -f -r /dev/hbamgr0 >/tmp/st-stress0.out 2>&1 &
st_pid0=$!
/test/hbastress -t "$st_secs" -j 3 -r /dev/hbamgr0 /dev/hbamgr1 >/tmp/st-stress1.out 2>&1 &
st_pid1=$!
st_r1=$(sysattr 0 reset_count)
sleep $((st_secs / 3))
knob 0 fw_fault 0
sleep $((st_secs / 3))
tap_ok "remove adapter 1 while the stress uses it" \
    eval "echo 1 >$DBG/remove_adapter"
wait "$st_pid0"
st_rc0=$?
wait "$st_pid1"
st_rc1=$?
sed 's/^/# /' /tmp/st-stress0.out /tmp/st-stress1.out
tap_check "the stress passed its checks, no call hung" '[ "$st_rc0" -eq 0 ] && [ "$st_rc1" -eq 0 ]'
tap_check "adapter 0 was reset during the stress" '[ "$(sysattr 0 reset_count)" -gt "$st_r1" ]'
tap_ok "adapter 0: clear pending completion faults" knob 0 clear_faults
tap_ok "adapter 0: reset after the stress" knob 0 reset 1
tap_check "adapter 0 is live and serves ioctls" \
    'wait_for 60 "[ \"\$(sysattr 0 state)\" = live ]" && "$HBACTL" /dev/hbamgr0 info >/dev/null'
tap_check "adapter 1 is gone" '[ ! -e /dev/hbamgr1 ] && [ ! -d /sys/class/hbamgr/hbamgr1 ]'
tap_ok "unload hbamgr after the stress" rmmod hbamgr
