#!/bin/bash
# pkgtest.sh - the installed-system checks, run in the qemu guest by
# hbamgr-pkgtest.service on each boot (run-vm-test.sh installs both).
#
# The image has hbamgr, hbamgr-dkms and python3-hbamgr of an older release
# installed with apt (DKMS built its hbamgr.ko at image-build time), the
# packages under test in /root/debs/upgrade, users alice (group hbamgr) and
# bob.  Boot 1: the release's daemon stores events in its database (at the
# release's store schema) and the admin edits the configuration; apt upgrades
# to the packages under test, and the upgrade (configuration kept, database
# migrated, service restarted, module rebuilt) and then the service as
# installed are checked; reboot.  Boot 2 checks what survived the reboot,
# purges and powers off.
# Results are TAP (tests/kernel/guest-lib.sh) on the serial console; the
# numbering goes on across the reboot (HBAMGR_TAP_STATE).
set -u
state=/var/lib/hbamgr-pkgtest
export HBAMGR_TAP_STATE=$state/results
mkdir -p "$state"
# shellcheck source=tests/kernel/guest-lib.sh
. /usr/local/lib/hbamgr-pkgtest/guest-lib.sh
conf=/etc/hbamgr/hbamgrd.conf
# The store schemas (PRAGMA user_version) of the release's daemon and of the
# daemon under test (run-vm-test.sh).
schema_from=$(cat /usr/local/lib/hbamgr-pkgtest/schema_version_from)
schema=$(cat /usr/local/lib/hbamgr-pkgtest/schema_version)
kver=$(uname -r)
export DEBIAN_FRONTEND=noninteractive

# --- helpers -----------------------------------------------------------------

prop() { systemctl show -p "$1" --value hbamgrd; }
serving() { hbacli /c0 show J 2>/dev/null | grep -q '"serving": true'; }
json_value() { # KEY: the first "KEY": "value" of stdin
    sed -n "s/^ *\"$1\": \"\\([^\"]*\\)\",\\{0,1\\}\$/\\1/p" | head -n 1
}
# Where the time goes (seconds since this boot's kernel started), for the
# test's cost figures.
uptime_s() { cut -d. -f1 /proc/uptime; }
event_seqs() { hbacli /c0 show events J | sed -n 's/^ *"seq": \([0-9]*\),$/\1/p'; }
seqs_ascend_by_one() {
    event_seqs | awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad || NR == 0 }'
}
# journal_since CURSOR_FILE: hbamgrd's journal after the saved cursor.
journal_since() {
    journalctl -u hbamgrd -o verbose --no-pager --after-cursor "$(cat "$1")"
}
save_cursor() { journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p' >"$1"; }
# daemon_info FIELD: the field of hbamgr.v1.Daemon/GetDaemonInfo (python3-hbamgr).
daemon_info() {
    python3 -c 'import grpc, sys
from hbamgr.v1 import daemon_pb2, daemon_pb2_grpc
stub = daemon_pb2_grpc.DaemonStub(grpc.insecure_channel("unix:/run/hbamgr/hbamgrd.sock"))
print(getattr(stub.GetDaemonInfo(daemon_pb2.GetDaemonInfoRequest(), timeout=30), sys.argv[1]))' "$1"
}
db_user_version() {
    python3 -c 'import sqlite3,sys; print(sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True).execute("PRAGMA user_version").fetchone()[0])' \
        /var/lib/hbamgr/hbamgrd.db
}
# versions_agree V: every installed piece reports version V.
versions_agree() {
    local v=$1 got
    for got in "$(dpkg-query -W -f '${Version}' hbamgr)" \
               "$(dpkg-query -W -f '${Version}' hbamgr-dkms)" \
               "$(dpkg-query -W -f '${Version}' python3-hbamgr)" \
               "$(hbamgrd --version | cut -d' ' -f2)" \
               "$(hbacli --version | sed 's/^hbacli \([^,]*\),.*/\1/')" \
               "$(modinfo -F version hbamgr)" \
               "$(cat /sys/module/hbamgr/version)" \
               "$(hbacli /c0 show J | json_value driver_version)"; do
        echo "$got"
        [ "$got" = "$v" ] || return 1
    done
}

# --- boot 1: the release; the upgrade; the service as installed ---------------

# The release the image has: its daemon serves and stores events at its
# schema; the admin edits the configuration.
release() {
    local vf=$1 n0
    tap_check "the release's hbamgrd $vf serves on its hbamgr.ko $vf" \
        'wait_for 120 "[ \"\$(systemctl is-active hbamgrd)\" = active ]" && wait_for 60 serving &&
         [ "$(hbamgrd --version)" = "hbamgrd $vf" ] && [ "$(cat /sys/module/hbamgr/version)" = "$vf" ]'
    n0=$(event_seqs | wc -l)
    hbacli /c0/e0/s2 start locate >/dev/null
    wait_for 60 '[ "$(event_seqs | wc -l)" -gt "$n0" ]'
    event_seqs >"$state/seqs_from"
    db_user_version >"$state/user_version_from"
    tap_check "it stored events in its database, at store schema $schema_from" \
        '[ -s "$state/seqs_from" ] && seqs_ascend_by_one &&
         [ "$(cat "$state/user_version_from")" = "$schema_from" ]'
    # The admin's edit the upgrade must keep (the release's daemon takes it).
    save_cursor "$state/cursor"
    tap_check "the admin edits $conf (log_level = notice) and reloads" \
        'sed -i "s/^#\{0,1\}log_level = .*/log_level = notice   # admin edit/" "$conf" &&
         systemctl reload hbamgrd &&
         wait_for 60 "journal_since $state/cursor | grep -q \"LOG_LEVEL=notice\""'
}

# apt upgrades the release to the packages under test.  The package's
# hbamgrd.conf changed between the versions and so did the admin's:
# --force-confold keeps the admin's (the new one is put beside it as
# hbamgrd.conf.dpkg-dist), as unattended upgrades do; without an answer dpkg
# would stop at its conffile prompt.
upgrade() {
    local vf=$1 v=$2 pid started t0 last_from
    pid=$(prop MainPID)
    started=$(prop ExecMainStartTimestampMonotonic)
    last_from=$(tail -n 1 "$state/seqs_from")
    save_cursor "$state/cursor"
    t0=$(uptime_s)
    tap_ok "apt-get install the $v packages (upgrade from $vf, keeping changed conffiles)" \
        apt-get install -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            /root/debs/upgrade/hbamgr_*.deb /root/debs/upgrade/hbamgr-dkms_*.deb \
            /root/debs/upgrade/python3-hbamgr_*.deb
    tap_diag "time: the upgrade (apt-get install, DKMS build) took $(($(uptime_s) - t0)) s"
    tap_check "the admin's edit of $conf is kept" 'grep -q "^log_level = notice   # admin edit" "$conf"'
    [ ! -e "$conf.dpkg-dist" ] || tap_diag "the package's new $conf is beside it: $conf.dpkg-dist"
    tap_check "the upgrade restarted the service: a new hbamgrd $v (GetDaemonInfo) serves" \
        '[ "$(prop ExecMainStartTimestampMonotonic)" -gt "$started" ] &&
         [ "$(prop MainPID)" != "$pid" ] && wait_for 60 serving &&
         [ "$(hbamgrd --version)" = "hbamgrd $v" ] && [ "$(daemon_info version)" = "$v" ] &&
         [ "$(daemon_info pid)" = "$(prop MainPID)" ]'
    tap_ok "DKMS rebuilt the module: hbamgr $v installed for $kver, $vf gone" \
        sh -c "dkms status hbamgr; dkms status -m hbamgr -v '$v' -k '$kver' | grep -q ': installed' &&
               ! dkms status -m hbamgr -v '$vf' | grep -q . &&
               [ \"\$(modinfo -F version hbamgr)\" = '$v' ]"
    # The release's schema was checked above (user_version_from); the new
    # daemon migrates the database at start, before it serves, and says so.
    tap_check "the new daemon migrated the database from store schema $schema_from to $schema" \
        '[ "$(cat "$state/user_version_from")" = "$schema_from" ] && [ "$schema_from" -lt "$schema" ] &&
         [ "$(db_user_version)" = "$schema" ] &&
         journal_since "$state/cursor" | grep -q "^ *FROM_SCHEMA=$schema_from\$" &&
         journal_since "$state/cursor" | grep -q "^ *TO_SCHEMA=$schema\$"'
    tap_check "every event the release stored is still there, in order" \
        '[ "$(event_seqs | head -n "$(wc -l <"$state/seqs_from")")" = "$(cat "$state/seqs_from")" ]'
    hbacli /c0/e0/s2 stop locate >/dev/null
    tap_check "the new daemon's seqs continue after the release's, without a gap" \
        'wait_for 60 "[ \$(event_seqs | tail -n 1) -gt $last_from ]" && seqs_ascend_by_one'
    # The upgrade keeps the running module (the release's) loaded.  With it
    # unloaded, hbamgr's postinst loads the one DKMS built, without a reboot,
    # before it starts the service: as on a first install on a running system.
    tap_check "hbamgrd stopped, the release's hbamgr.ko unloaded" \
        'systemctl stop hbamgrd && modprobe -r hbamgr && [ ! -d /sys/module/hbamgr ]'
    tap_ok "apt-get install --reinstall hbamgr $v" \
        apt-get install -y --reinstall /root/debs/upgrade/hbamgr_*.deb
    tap_check "its postinst loaded the module DKMS rebuilt ($v), without a reboot" \
        '[ "$(cat /sys/module/hbamgr/version)" = "$v" ]'
    tap_check "... and started the service, which serves on it" 'wait_for 60 serving'
    tap_ok "every piece reports version $v" versions_agree "$v"
}

boot1() {
    local vf v pid
    tap_diag "time: boot 1 up, checks start at $(uptime_s) s"
    vf=$(dpkg-query -W -f '${Version}' hbamgr)
    v=$(dpkg-deb -f /root/debs/upgrade/hbamgr_*.deb Version)
    echo "$v" >"$state/version"
    tap_diag "kernel $kver, hbamgr $vf installed (store schema $schema_from); upgrade to $v (schema $schema)"
    release "$vf"
    upgrade "$vf" "$v"
    tap_diag "time: the release and the upgrade checked at $(uptime_s) s"

    # The service as installed, on the version under test.
    tap_check "hbamgrd.service is Type=notify and active, with its STATUS=" \
        'wait_for 120 "[ \"\$(systemctl is-active hbamgrd)\" = active ]" &&
         [ "$(prop Type)" = notify ] && prop StatusText | grep -q "1/1 adapters serving"'
    tap_check "the kernel backend on /dev/hbamgr0" \
        '[ -c /dev/hbamgr0 ] && grep -q "^backend = kernel" "$conf" &&
         hbacli /c0 show J | grep -q "\"state\": \"live\""'
    tap_ok "hbacli show lists the adapter on /dev/hbamgr0" \
        sh -c 'out=$(hbacli show) && echo "$out" && echo "$out" | grep -q " /dev/hbamgr0"'
    tap_check "the Prometheus rules and the Grafana dashboard are in /usr/share/hbamgr" \
        'grep -q "^groups:" /usr/share/hbamgr/prometheus/hbamgr.rules.yml &&
         python3 -c "import json, sys; json.load(open(sys.argv[1]))" /usr/share/hbamgr/grafana/hbamgr.json'
    # Without READY=1 the unit never becomes active: with hbamgr.ko unloaded
    # the daemon fails before READY=1, and the unit's ActiveEnterTimestamp
    # stays where it was (a Type=simple unit is active as soon as it forks).
    local entered
    entered=$(prop ActiveEnterTimestampMonotonic)
    tap_check "active only after READY=1: a start that fails before READY never enters active" \
        'systemctl stop hbamgrd && rmmod hbamgr &&
         ! systemctl start hbamgrd 2>/dev/null &&
         [ "$(prop ActiveEnterTimestampMonotonic)" = "$entered" ] &&
         [ "$(systemctl is-active hbamgrd)" != active ]'
    tap_check "with hbamgr.ko loaded again the service starts and serves" \
        'modprobe hbamgr && systemctl reset-failed hbamgrd && systemctl start hbamgrd &&
         [ "$(prop ActiveEnterTimestampMonotonic)" -gt "$entered" ] && wait_for 60 serving'

    tap_ok "root runs an admin command (/c0/e0/s1 start locate)" hbacli /c0/e0/s1 start locate
    tap_ok "alice (group hbamgr) runs an admin command" \
        runuser -u alice -- hbacli /c0/e0/s1 stop locate
    tap_ok "bob (no group) can read" runuser -u bob -- hbacli /c0 show
    tap_check "bob gets exit status 4 for an admin command" \
        'runuser -u bob -- hbacli /c0/e0/s1 start locate; [ $? -eq 4 ]'

    save_cursor "$state/cursor"
    tap_check "systemctl reload applies a changed log level" \
        'sed -i "s/^#\{0,1\}log_level = .*/log_level = debug/" "$conf" &&
         systemctl reload hbamgrd &&
         wait_for 60 "journal_since $state/cursor | grep -q \"LOG_LEVEL=debug\""'
    pid=$(prop MainPID)
    save_cursor "$state/cursor"
    tap_check "a bad config on reload is refused and the old one kept" \
        'sed -i "s/^log_level = .*/log_level = loud/" "$conf" &&
         systemctl reload hbamgrd &&
         wait_for 60 "journal_since $state/cursor | grep -q \"reload failed; keeping the running configuration\"" &&
         [ "$(prop MainPID)" = "$pid" ] && [ "$(systemctl is-active hbamgrd)" = active ] && serving'
    sed -i "s/^log_level = .*/log_level = notice/" "$conf"
    save_cursor "$state/cursor"
    tap_check "a good config on the next reload applies again" \
        'systemctl reload hbamgrd &&
         wait_for 60 "journal_since $state/cursor | grep -q \"LOG_LEVEL=notice\""'

    # The watchdog: WatchdogSec shortened by a drop-in; a stopped daemon stops
    # pinging, systemd kills it (SIGABRT) and Restart= starts a new one.
    mkdir -p /etc/systemd/system/hbamgrd.service.d
    printf '[Service]\nWatchdogSec=5s\nRestartSec=1s\n' \
        >/etc/systemd/system/hbamgrd.service.d/watchdog.conf
    systemctl daemon-reload && systemctl restart hbamgrd && wait_for 60 serving
    pid=$(prop MainPID)
    local restarts
    restarts=$(prop NRestarts)
    save_cursor "$state/cursor"
    kill -STOP "$pid"
    tap_check "SIGSTOP: systemd's watchdog kills hbamgrd and restarts it" \
        'wait_for 120 "[ \"\$(prop MainPID)\" != $pid ] && [ \"\$(prop MainPID)\" != 0 ]" &&
         [ "$(prop NRestarts)" -gt "$restarts" ] &&
         journal_since "$state/cursor" | grep -q "Watchdog timeout"'
    tap_check "the restarted hbamgrd serves again" \
        'wait_for 120 "[ \"\$(systemctl is-active hbamgrd)\" = active ]" && wait_for 60 serving'
    rm -r /etc/systemd/system/hbamgrd.service.d
    systemctl daemon-reload && systemctl restart hbamgrd && wait_for 60 serving

    local exposure
    exposure=$(systemd-analyze security hbamgrd 2>&1 | sed -n 's/.*Overall exposure level for hbamgrd.service: \([0-9.]*\).*/\1/p')
    tap_diag "systemd-analyze security hbamgrd: exposure $exposure"
    echo "HBAMGR-EXPOSURE $exposure"
    tap_check "systemd-analyze security hbamgrd: exposure at most 3.0" \
        'awk -v e="$exposure" "BEGIN { exit !(e != \"\" && e <= 3.0) }"'

    # An event for the reboot check.
    local n0
    n0=$(event_seqs | wc -l)
    hbacli /c0/e0/s2 start locate >/dev/null
    wait_for 60 '[ "$(event_seqs | wc -l)" -gt "$n0" ]'
    event_seqs >"$state/seqs1"
    tap_check "events are stored before the reboot" \
        '[ -s "$state/seqs1" ] && seqs_ascend_by_one'
    echo 2 >"$state/phase"
    sync
    tap_diag "time: boot 1 checks done at $(uptime_s) s; rebooting"
    systemctl reboot
}

# --- boot 2: after the reboot; purge -------------------------------------------

boot2() {
    local v last1 first_from
    tap_diag "time: boot 2 up, checks start at $(uptime_s) s"
    v=$(cat "$state/version")
    last1=$(tail -n 1 "$state/seqs1")
    first_from=$(head -n 1 "$state/seqs_from")
    tap_check "hbamgr.ko $v was loaded at boot by systemd-modules-load" \
        '[ "$(cat /sys/module/hbamgr/version)" = "$v" ] &&
         journalctl -b --no-pager -t systemd-modules-load | grep -q "Inserted module .hbamgr."'
    tap_ok "dkms status: hbamgr $v installed for the running kernel" \
        sh -c "dkms status hbamgr; dkms status -m hbamgr -v '$v' -k '$kver' | grep -q ': installed'"
    tap_check "hbamgrd is active again after the reboot" \
        'wait_for 120 "[ \"\$(systemctl is-active hbamgrd)\" = active ]" && wait_for 60 serving'
    hbacli /c0/e0/s3 start locate >/dev/null
    tap_check "the event history survived the reboot (database in /var/lib/hbamgr), the release's too" \
        '[ "$(event_seqs | head -n 1)" = "$first_from" ] &&
         [ "$(event_seqs | awk -v l="$last1" "\$1 <= l" | wc -l)" -eq "$(wc -l <"$state/seqs1")" ]'
    tap_check "seqs continue after the old ones, without a gap" \
        'wait_for 60 "[ \$(event_seqs | tail -n 1) -gt $last1 ]" && seqs_ascend_by_one'

    # Purge.
    tap_ok "apt-get purge hbamgr hbamgr-dkms python3-hbamgr" \
        apt-get purge -y hbamgr hbamgr-dkms python3-hbamgr
    tap_check "the unit is gone" \
        '[ ! -e /lib/systemd/system/hbamgrd.service ] &&
         [ "$(systemctl show -p LoadState --value hbamgrd)" = not-found ]'
    tap_check "nothing of hbamgr runs: no hbamgrd, hbamgr.ko unloaded" \
        '! pgrep -x hbamgrd && [ ! -d /sys/module/hbamgr ]'
    tap_check "the module is gone from every kernel, DKMS knows no hbamgr" \
        '[ -z "$(find /lib/modules -name "hbamgr.ko*")" ] && [ ! -d /var/lib/dkms/hbamgr ] &&
         [ -z "$(ls -d /usr/src/hbamgr-* 2>/dev/null)" ]'
    tap_check "/etc/hbamgr, /var/lib/hbamgr, /run/hbamgr and /usr/share/hbamgr are gone" \
        '[ ! -e /etc/hbamgr ] && [ ! -e /var/lib/hbamgr ] && [ ! -e /run/hbamgr ] &&
         [ ! -e /usr/share/hbamgr ]'
    tap_check "the group hbamgr stays (system groups are not removed), owning no file" \
        'getent group hbamgr && [ -z "$(find / -xdev -group hbamgr 2>/dev/null)" ]'
    echo 3 >"$state/phase"
    tap_diag "time: boot 2 checks done at $(uptime_s) s"
    tap_done
    sync
    systemctl poweroff
}

case "$(cat "$state/phase" 2>/dev/null || echo 1)" in
    1) boot1 ;;
    2) boot2 ;;
    *) tap_diag "nothing left to do"; systemctl poweroff ;;
esac
