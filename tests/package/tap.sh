# tap.sh - TAP output for the package tier's shell tests (sourced).
#
#   ok NAME STATUS [DETAIL]   one check: "ok N - NAME" when STATUS is 0, else
#                             "not ok N - NAME" with DETAIL as # lines
#   tap_end PREFIX            the plan and a summary line; returns 1 when a
#                             check failed
n=0 failed=0
ok() {
    n=$((n + 1))
    if [[ $2 -eq 0 ]]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        [[ -z ${3:-} ]] || sed 's/^/# /' <<<"$3"
        failed=$((failed + 1))
    fi
}
tap_end() {
    echo "1..$n"
    echo "$1: $((n - failed)) passed, $failed failed"
    [[ $failed -eq 0 ]]
}
