#!/bin/bash
# completion_test.sh - packaging/bash-completion/hbacli completes what
# hbacli's grammar takes.  Each case sets COMP_WORDS/COMP_CWORD as bash does
# for a command line, calls the completion function and compares COMPREPLY.
# No daemon is running: the controller list falls back to /c0.
# Usage: tests/package/completion_test.sh; needs the bash-completion package.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bc=/usr/share/bash-completion/bash_completion
[[ -r $bc ]] || { echo "completion: SKIP: $bc missing (apt-get install bash-completion)"; exit 77; }
# shellcheck source=/dev/null
. "$bc"
# shellcheck source=packaging/bash-completion/hbacli
. "$top/packaging/bash-completion/hbacli"
export HBAMGR_SOCKET=/nonexistent/hbamgrd.sock
hbacli() { return 5; }  # no daemon: the controller list falls back to /c0

n=0 failed=0
expect() { # LINE EXPECTED...   (LINE ends where the cursor is)
    local line=$1
    shift
    read -ra COMP_WORDS <<<"$line"
    [[ $line == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line COMP_POINT=${#line}
    COMPREPLY=()
    _hbacli hbacli "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    local got="${COMPREPLY[*]}" want="$*"
    n=$((n + 1))
    if [[ $got == "$want" ]]; then
        echo "ok $n - '$line' -> $got"
    else
        echo "not ok $n - '$line' -> '$got', expected '$want'"
        failed=$((failed + 1))
    fi
}

expect 'hbacli --so' --socket
expect 'hbacli --t' --tls-ca --tls-cert --tls-key --timeout
expect 'hbacli ' show /c0
expect 'hbacli /c0/' /c0/eall/sall /c0/vall /c0/e0 /c0/e0/sall /c0/v0
expect 'hbacli /c0 ' show watch add set restart passthru inject J
expect 'hbacli /c0 sh' show
expect 'hbacli /c0 show ' all events rebuild init cc latest= from= filter= J
expect 'hbacli --socket /x /c0 show ev' events
expect 'hbacli /c0/e0/s3 start ' locate rebuild wait
expect 'hbacli /c0/v1 del ' force J
expect 'hbacli /c0/eall/sall show ' all J
expect 'hbacli /c0 add vd r' r0 r1 r5 r6 r10
expect 'hbacli /bogus '
echo "1..$n"
echo "completion: $((n - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
