#!/bin/bash
# check-test-hooks.sh - test hooks exist only in the test builds.
#
# Usage: kmod/scripts/check-test-hooks.sh [--absent FILE]... [--present FILE]...
#
# The core's test points, atomic watch and emulated fatal signals
# (kmod/core/hba_test_point.h, kmod/user/test/) are compiled only into the
# test builds of libhbacore.  --absent FILE (hbamgr.ko, the plain
# libhbacore.a the daemon links) fails when FILE defines or calls any of
# them; --present FILE (a test build) fails when it has none, so the check
# is known to look at the right symbols.
# Exit status: 0 all as expected, 1 otherwise, 2 usage.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

hooks='hba_os_test_point|hba_os_atomic_read_hit|hba_os_watched_atomic|hba_os_task_kill|hbacore_test_'
status=0
[[ $# -gt 0 ]] || { usage >&2; exit 2; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --absent|--present)
            [[ -f ${2:-} ]] || { echo "check-test-hooks: no such file: ${2:-}" >&2; exit 2; }
            found=$(nm -A "$2" 2>/dev/null | grep -E " [A-Za-z] ($hooks)" || true)
            if [[ $1 == --absent && -n $found ]]; then
                echo "check-test-hooks: FAIL: test hooks in $2:"
                sed 's/^/  /' <<<"$found"
                status=1
            elif [[ $1 == --present && -z $found ]]; then
                echo "check-test-hooks: FAIL: no test hooks in the test build $2 (symbols renamed?)"
                status=1
            else
                echo "check-test-hooks: ok: $2 (${1#--})"
            fi
            shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
exit "$status"
