#!/bin/bash
# version_test.sh - every artifact reports the one project version.
#
# Usage: tests/package/version_test.sh --version V --hbamgrd FILE
#                                      --hbacli FILE --dkms-conf FILE
#
#   --version V       the build's version (CMake's HBAMGR_VERSION, from
#                     project(VERSION) in CMakeLists.txt)
#   --hbamgrd FILE    must print "hbamgrd V" for --version
#   --hbacli FILE     must print "hbacli V, ..." for --version
#   --dkms-conf FILE  dkms.conf as CMake wrote it for the DKMS source: its
#                     PACKAGE_VERSION becomes the module's MODULE_VERSION and
#                     GET_INFO driver_version (kmod/Kbuild)
#
# Also: kmod/Makefile's own default (a `make -C kmod` from the source tree)
# and scripts/package.sh --check-version (the changelogs of the Debian and RPM
# packaging) must agree with project(VERSION).  GET_INFO driver_version is
# checked by abi_test, against libhbacore here and against hbamgr.ko in the
# qemu guests; the installed packages by tests/package/run-vm-test.sh.
# Prints one TAP line per check; exit status 0 when all agree, 1 otherwise.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
version= hbamgrd= hbacli= dkms_conf=
while [[ $# -gt 0 ]]; do
    case "$1" in
        --version) version=${2:?}; shift 2 ;;
        --hbamgrd) hbamgrd=${2:?}; shift 2 ;;
        --hbacli) hbacli=${2:?}; shift 2 ;;
        --dkms-conf) dkms_conf=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[[ -n $version && -n $hbamgrd && -n $hbacli && -n $dkms_conf ]] || { usage >&2; exit 2; }
project_version=${version%%+*}   # without an upgrade-test +SUFFIX

n=0 failed=0
check() { # NAME EXPECTED ACTUAL
    n=$((n + 1))
    if [[ $2 == "$3" ]]; then
        echo "ok $n - $1: $3"
    else
        echo "not ok $n - $1: '$3', expected '$2'"
        failed=$((failed + 1))
    fi
}

check "hbamgrd --version" "hbamgrd $version" "$("$hbamgrd" --version)"
check "hbacli --version" "hbacli $version" "$("$hbacli" --version | cut -d, -f1)"
check "dkms.conf PACKAGE_VERSION" "$version" \
    "$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$dkms_conf")"
check "make -C kmod (a module built from the source tree)" "$project_version" \
    "$(env -u HBAMGR_VERSION make -s -C "$top/kmod" version)"
if [[ -x $top/scripts/package.sh ]]; then
    check "scripts/package.sh --check-version (packaging changelogs)" "$project_version" \
        "$("$top/scripts/package.sh" --check-version 2>&1)"
fi
echo "1..$n"
echo "version: $((n - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
