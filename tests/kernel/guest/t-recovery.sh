# t-recovery.sh - adapter resets with I/O in flight complete every I/O (the
# midlayer requeues what a reset flushed) with no error reaching the block
# layer; an SRB storm during reset recovery stays within the firmware limit.
rec_sd5=$(lun_sd 0 "$(vd_of_level 0 5)")
rec_resets0=$(sysattr 0 reset_count)
dmesg -c >/dev/null

# Four writers on their own 12 MiB each keep several commands in flight.
fio_verify resets "$rec_sd5" 12m --numjobs=4 --offset_increment=12m \
    --group_reporting >/tmp/fio-resets.log 2>&1 &
rec_fio=$!
rec_resets=0
# A reset each time commands are outstanding, until fio ends (at most 8).
while [ "$rec_resets" -lt 8 ] &&
      wait_for 60 '[ "$(sysattr 0 cmds_outstanding)" -gt 0 ] || ! proc_running $rec_fio' &&
      proc_running "$rec_fio"; do
    knob 0 reset 1 || break
    rec_resets=$((rec_resets + 1))
done
wait "$rec_fio"
rec_fio_rc=$?
sed 's/^/# /' /tmp/fio-resets.log
tap_diag "$rec_resets resets while fio ran"
tap_check "fio verify passed across resets" '[ "$rec_fio_rc" -eq 0 ]'
tap_check "at least 3 resets hit I/O in flight" '[ "$rec_resets" -ge 3 ]'
tap_check "reset_count counts every reset" \
    '[ "$(sysattr 0 reset_count)" -eq $((rec_resets0 + rec_resets)) ]'
tap_check "adapter 0 is live after the resets" '[ "$(sysattr 0 state)" = live ]'
tap_check "no I/O error reached the kernel log" '[ -z "$(kernel_io_errors)" ]'
kernel_io_errors | sed 's/^/# /'

# SRB storm: 500 unsolicited events queued for the next recovery.
rec_events0=$(fwstat 0 events_logged)
rec_faults0=$(fwstat 0 faults)
tap_ok "arm an SRB storm for the next recovery" knob 0 storm_on_reset 500
tap_ok "reset adapter 0" knob 0 reset 1
tap_check "the storm's events were logged" \
    'wait_for 60 "[ \$(fwstat 0 events_logged) -ge $((rec_events0 + 500)) ]"'
tap_check "SRB credit is refilled to the firmware maximum" \
    'wait_for 60 "[ \$(sysattr 0 srbs_posted) -eq \$(sysattr 0 max_srbs) ]"'
tap_check "SRBs outstanding never exceeded max_srbs" \
    '[ "$(fwstat 0 max_outstanding_srbs)" -le "$(sysattr 0 max_srbs)" ]'
tap_check "the firmware did not fault, adapter 0 is live" \
    '[ "$(fwstat 0 faults)" -eq "$rec_faults0" ] && [ "$(sysattr 0 state)" = live ]'
sed 's/^/# /' "$DBG/hbamgr0/fw_stats"
