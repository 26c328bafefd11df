# guest-lib.sh - TAP helpers for hbamgr guest test scripts (busybox ash; also
# sourced by the installed-system test, tests/package/guest/, under dash).
# shellcheck shell=dash
#
# mkinitramfs.sh installs this file as /lib/hbamgr/guest-lib.sh; a guest
# script sources it, runs its checks and ends with tap_done:
#
#   . /lib/hbamgr/guest-lib.sh
#   tap_ok    "load scsi_debug" kmod_load scsi_debug dev_size_mb=64
#   tap_check "one disk" '[ "$(ls /sys/block | grep -c ^sd)" -eq 1 ]'
#   tap_done
#
#   tap_ok NAME CMD [ARG...]   run CMD (a program or shell function); the test
#                              passes if it exits 0. Its output is shown as
#                              "# " comment lines.
#   tap_check NAME EXPR        eval EXPR in this shell; passes if it is true.
#   tap_diag TEXT...           print a "# " comment line.
#   wait_for SECONDS EXPR      re-evaluate EXPR every 0.1 s until it is true
#                              (status 0) or SECONDS have passed (status 1).
#   kmod_load NAME [PARAM...]  insmod /lib/modules/NAME.ko with PARAMs, after
#                              loading its dependencies (NAME.deps, written by
#                              mkinitramfs.sh) that are not loaded yet; a module
#                              listed in /lib/modules/builtin is built into the
#                              kernel and is not loaded.
#   tap_done                   print the results again as one block between
#                              the markers "=== HBAMGR-TAP-BEGIN ===" and
#                              "=== HBAMGR-TAP-END ===", with the plan "1..N".
#                              Call it last. run-qemu.sh reads only this block,
#                              so a result line broken up by a kernel message
#                              on the console while the tests ran is harmless;
#                              a script that dies before tap_done fails the run.
#
# Results are numbered automatically. Test names must not contain '#'.
# A guest that reboots between its checks sets HBAMGR_TAP_STATE=FILE before
# sourcing this file: results are kept in FILE and numbering continues there.
#
# busybox ash runs its own applets before it searches PATH, so for every
# executable installed by mkinitramfs.sh --bin that has an applet's name (e.g.
# lsscsi) this file defines a shell function that runs the installed one.

if command -v busybox >/dev/null; then
    for _bin in /usr/local/bin/*; do
        _bin=${_bin##*/}
        if busybox --list | grep -qx "$_bin"; then
            eval "$_bin() { /usr/local/bin/$_bin \"\$@\"; }"
        fi
    done
fi

_tap_out=/tmp/.hbamgr-tap-output
if [ -n "${HBAMGR_TAP_STATE:-}" ]; then
    _tap_results=$HBAMGR_TAP_STATE
    touch "$_tap_results"
else
    _tap_results=/tmp/.hbamgr-tap-results
    : >"$_tap_results"
fi
_tap_n=$(wc -l <"$_tap_results")

_tap_result() { # NAME STATUS
    _tap_n=$((_tap_n + 1))
    if [ "$2" -eq 0 ]; then
        echo "ok $_tap_n - $1"
    else
        echo "not ok $_tap_n - $1"
    fi | tee -a "$_tap_results"
}

tap_diag() {
    echo "# $*"
}

wait_for() {
    local deadline=$(($(date +%s) + $1))
    while ! eval "$2"; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

tap_ok() {
    local name=$1 rc
    shift
    if "$@" >"$_tap_out" 2>&1; then rc=0; else rc=$?; fi
    sed 's/^/# /' "$_tap_out"
    [ "$rc" -eq 0 ] || tap_diag "'$*' exited with status $rc"
    _tap_result "$name" "$rc"
}

tap_check() {
    local rc
    if eval "$2"; then rc=0; else rc=1; tap_diag "false: $2"; fi
    _tap_result "$1" "$rc"
}

kmod_load() {
    local name=$1 dep
    shift
    if grep -qx "$name" /lib/modules/builtin; then
        echo "$name is built into the kernel"
        return 0
    fi
    for dep in $(cat "/lib/modules/$name.deps"); do
        [ -d "/sys/module/$dep" ] || kmod_load "$dep" || return
    done
    insmod "/lib/modules/$name.ko" "$@"
}

tap_done() {
    {
        echo "=== HBAMGR-TAP-BEGIN ==="
        cat "$_tap_results"
        echo "1..$_tap_n"
        echo "=== HBAMGR-TAP-END ==="
    } >/tmp/.hbamgr-tap-block
    cat /tmp/.hbamgr-tap-block
}
