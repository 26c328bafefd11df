# t-daemon.sh - hbamgrd on the kernel backend (KernelTransport on
# /dev/hbamgr0) driven by hbacli, as an admin runs them: inventory,
# passthrough, event ingestion from read()/poll(), a reset through the
# daemon; then a module reload, which starts a new firmware event log at
# seq 1, and the daemon's history goes on after the old log's events.
# Runs on its own load of the module (one adapter).
DAEMON_DIR=/tmp/hbamgrd
export HBAMGR_SOCKET=$DAEMON_DIR/hbamgrd.sock
mkdir -p "$DAEMON_DIR"
cat >"$DAEMON_DIR/hbamgrd.conf" <<CONF
[daemon]
backend = kernel
log_level = debug
watchdog = false

[listen]
unix_socket = $HBAMGR_SOCKET
socket_mode = 0600
admin_group =

[store]
database = $DAEMON_DIR/hbamgrd.db
CONF

# daemon_serving: hbamgrd answers and reports /c0 serving.
daemon_serving() {
    hbacli /c0 show J 2>/dev/null | grep -q '"serving": true'
}

# daemon_start: starts hbamgrd in the background (DAEMON_PID) and waits
# until it serves /c0; prints the end of its log if it does not.
daemon_start() {
    hbamgrd --foreground --config "$DAEMON_DIR/hbamgrd.conf" \
        >>"$DAEMON_DIR/hbamgrd.log" 2>&1 &
    DAEMON_PID=$!
    wait_for 120 daemon_serving && return 0
    sed 's/^/# hbamgrd: /' "$DAEMON_DIR/hbamgrd.log" | tail -n 40
    return 1
}

# daemon_stop: SIGTERM, and hbamgrd exits 0.
daemon_stop() {
    kill -TERM "$DAEMON_PID" && wait "$DAEMON_PID"
}

# driver_abi: the ABI version hbamgr.ko reports in GET_INFO ("1.1").
driver_abi() {
    "$HBACTL" /dev/hbamgr0 info | awk '$1 == "abi" { print $2 }'
}

# event_seqs: the seq of every stored event of /c0, in the order shown.
event_seqs() {
    hbacli /c0 show events J | sed -n 's/^ *"seq": \([0-9]*\),$/\1/p'
}

# events_named NAME: how many stored events of /c0 have code_name NAME.
events_named() {
    hbacli /c0 show events J | grep -c "\"code_name\": \"$1\"" || true
}

# seqs_ascend_by_one: event_seqs is first, first+1, ..., without a gap.
seqs_ascend_by_one() {
    event_seqs | awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad || NR == 0 }'
}

# daemon_reload_module: rmmod and load again (the firmware starts anew).
daemon_reload_module() {
    rmmod hbamgr && kmod_load hbamgr adapters=1 fault_injection=1 drive_size_mb=64
}

tap_ok "load hbamgr for the daemon" \
    kmod_load hbamgr adapters=1 fault_injection=1 drive_size_mb=64
tap_check "hbamgrd starts on the kernel backend and serves /c0" daemon_start
tap_check "/c0 show: the driver's adapter (and its ABI version) through KernelTransport" \
    'hbacli /c0 show J >/tmp/c0.json &&
     grep -q "\"state\": \"live\"" /tmp/c0.json &&
     grep -q "\"abi_version\": \"$(driver_abi)\"" /tmp/c0.json &&
     grep -q "\"max_srbs\": $(sysattr 0 max_srbs)," /tmp/c0.json'
tap_check "/c0/vall show: the VDs hbactl lists" \
    '[ "$(hbacli /c0/vall show J | grep -c "\"vd_id\":")" -eq \
       "$("$HBACTL" /dev/hbamgr0 vds | wc -l)" ]'
tap_check "/c0 passthru INQUIRY through the daemon's serializer" \
    'hbacli /c0 passthru cdb=120000006000 datain=96 | grep -q "$VD_VENDOR  |\$"'
tap_ok "/c0/e0/s1 start locate" hbacli /c0/e0/s1 start locate
tap_check "the PD_LOCATE event was read from the char device and stored" \
    'wait_for 60 "[ \$(events_named PD_LOCATE) -ge 1 ]"'
daemon_resets=$(sysattr 0 reset_count)
tap_ok "/c0 restart (RESET through the daemon)" hbacli /c0 restart
tap_check "the driver counted the reset and the daemon serves again" \
    '[ "$(sysattr 0 reset_count)" -eq $((daemon_resets + 1)) ] &&
     wait_for 60 daemon_serving'
tap_check "CTRL_RESET_DONE is stored; the stored seqs run on without a gap" \
    'wait_for 60 "[ \$(events_named CTRL_RESET_DONE) -ge 1 ]" && seqs_ascend_by_one'
tap_ok "hbamgrd exits 0 on SIGTERM" daemon_stop

daemon_old_last=$(event_seqs | tail -n 1)
daemon_old_vds=$(events_named VD_CREATED)
tap_ok "reload hbamgr (a new firmware event log, seq from 1)" daemon_reload_module
tap_check "hbamgrd starts again on the reloaded module" daemon_start
tap_check "the new log's events are stored after the old ones, none dropped" \
    'wait_for 60 "[ \$(events_named VD_CREATED) -gt $daemon_old_vds ]" &&
     seqs_ascend_by_one &&
     [ "$(event_seqs | awk -v l="$daemon_old_last" "\$1 > l" | wc -l)" -gt 0 ]'
tap_ok "/c0/e0/s2 start locate" hbacli /c0/e0/s2 start locate
tap_check "a live event of the new log follows every stored one" \
    'wait_for 60 "[ \$(events_named PD_LOCATE) -ge 2 ]" && seqs_ascend_by_one'
tap_ok "hbamgrd exits 0 on SIGTERM after the reload" daemon_stop
tap_ok "unload hbamgr after the daemon tests" rmmod hbamgr

# /metrics on a load with two adapters: both are exported once the health
# service polled them; hot-unplugging adapter 1 takes every series of /c1
# out of /metrics (none left stale) while /c0 stays.
cat >>"$DAEMON_DIR/hbamgrd.conf" <<CONF

[metrics]
listen = 127.0.0.1:9464
CONF

# metrics: the daemon's /metrics text.
metrics() {
    wget -q -O - http://127.0.0.1:9464/metrics
}

# series_of ADAPTER: how many /metrics series are about /ADAPTER.
series_of() {
    metrics | grep -c "adapter=\"$1\"" || true
}

# polled ADAPTER: the health service has published /ADAPTER's drives.
polled() {
    metrics | grep -q "^hbamgr_drive_info{adapter=\"$1\""
}

tap_ok "bring up lo for the metrics listener" ip link set lo up
tap_ok "load hbamgr with two adapters" \
    kmod_load hbamgr adapters=2 fault_injection=1 drive_size_mb=64
tap_check "hbamgrd starts with /metrics on 127.0.0.1:9464" daemon_start
tap_check "/metrics has the drives of /c0 and /c1" \
    'wait_for 120 "polled c0 && polled c1"'
tap_ok "hot-unplug adapter 1 under the daemon" eval "echo 1 >$DBG/remove_adapter"
tap_check "every series of /c1 left /metrics" 'wait_for 60 "[ \$(series_of c1) -eq 0 ]"'
tap_check "/c0 is still exported" 'polled c0 && [ "$(series_of c0)" -gt 0 ]'
tap_ok "hbamgrd exits 0 on SIGTERM after the removal" daemon_stop
tap_ok "unload hbamgr after the metrics tests" rmmod hbamgr
