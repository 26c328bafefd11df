#!/bin/bash
# dirty_tree_test.sh - scripts/package.sh builds a release only from a clean
# tree, and the test tiers' --uncommitted packages what is checked out.
#
# Usage: tests/package/dirty_tree_test.sh
#
# In a scratch git repository holding this checkout's scripts/package.sh (and
# scripts/lib/) and the files it reads before building (CMakeLists.txt, the
# Debian changelog, the RPM spec), committed, then:
#   - a clean tree: --print-source names HEAD;
#   - a changed tracked file: a release build (no option) stops with exit
#     status 1 before building anything, and says why and which file; with
#     --uncommitted, --print-source names a commit that is not HEAD and holds
#     the change, and no ref (HEAD, refs/stash) and no file of the tree moved;
#   - an untracked file: the release build stops naming it; --uncommitted
#     leaves it out (the source is HEAD again).
# Prints TAP; exit status 0 when all pass, 1 otherwise.
set -uo pipefail

usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; }
case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    '') ;;
    *) usage >&2; exit 2 ;;
esac

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
export GIT_CONFIG_NOSYSTEM=1 HOME=$work   # nobody's git configuration
# Wherever package.sh would build, so a test can tell that it did not.
export HBAMGR_PACKAGE_WORKDIR=$work/package-work

. "$(dirname "$0")/tap.sh"
# package ARGS...: run the repository's package.sh; sets rc, out (stdout), err.
package() {
    out=$(cd "$repo" && scripts/package.sh "$@" 2>"$work/err")
    rc=$?
    err=$(cat "$work/err")
}
# refs: every ref of the repository and what it points at, HEAD included.
refs() { git -C "$repo" show-ref --head; }

mkdir -p "$repo/scripts/lib" "$repo/packaging/debian" "$repo/packaging/rpm"
cp "$top/scripts/package.sh" "$repo/scripts/"
cp "$top/scripts/lib/steps.sh" "$repo/scripts/lib/"
cp "$top/CMakeLists.txt" "$repo/"
cp "$top/packaging/debian/changelog" "$repo/packaging/debian/"
cp "$top/packaging/rpm/hbamgr.spec" "$repo/packaging/rpm/"
echo "committed" >"$repo/tracked.txt"
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" commit -q -m "the tree under test"
head=$(git -C "$repo" rev-parse HEAD)

package --print-source
ok "a clean tree: the source is HEAD" \
    "$([[ $rc -eq 0 && $out == "$head" ]]; echo $?)" "rc=$rc out=$out err=$err"

# A change to a tracked file.
echo "changed, not committed" >"$repo/tracked.txt"
package --deb --no-lint
ok "a release build of a tree with a changed tracked file fails (exit status 1)" \
    "$([[ $rc -eq 1 ]]; echo $?)" "rc=$rc err=$err"
ok "... saying why, and naming the file" \
    "$(grep -q '^package: ERROR: the tree has uncommitted changes' <<<"$err" &&
       grep -q '^package:    M tracked.txt$' <<<"$err"; echo $?)" "$err"
ok "... before building anything" "$([[ ! -e $HBAMGR_PACKAGE_WORKDIR ]]; echo $?)"
refs_before=$(refs)
status_before=$(git -C "$repo" status --porcelain)
package --uncommitted --print-source
source=$out
ok "--uncommitted: the source is a commit other than HEAD" \
    "$([[ $rc -eq 0 && $source =~ ^[0-9a-f]{40}$ && $source != "$head" ]]; echo $?)" \
    "rc=$rc out=$out err=$err"
ok "... that holds the uncommitted change" \
    "$([[ $(git -C "$repo" show "$source:tracked.txt") == "changed, not committed" ]]; echo $?)"
ok "... and no ref (HEAD, refs/stash) nor the tree moved" \
    "$([[ $(refs) == "$refs_before" && $(git -C "$repo" status --porcelain) == "$status_before" &&
          $(cat "$repo/tracked.txt") == "changed, not committed" ]]; echo $?)" "$(refs)"
git -C "$repo" checkout -q -- tracked.txt

# An untracked file.
echo "new" >"$repo/untracked.txt"
package --rpm --no-lint
ok "a release build of a tree with an untracked file fails, naming it" \
    "$([[ $rc -eq 1 ]] && grep -q '^package:   ?? untracked.txt$' <<<"$err"; echo $?)" \
    "rc=$rc err=$err"
package --uncommitted --print-source
ok "--uncommitted leaves untracked files out: the source is HEAD" \
    "$([[ $rc -eq 0 && $out == "$head" ]]; echo $?)" "rc=$rc out=$out err=$err"

tap_end dirty_tree
