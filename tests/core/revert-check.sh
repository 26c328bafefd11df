#!/bin/bash
# revert-check.sh - prove that the seed-invariant tests catch each plausible
# way of bringing their bug back.
#
# Usage: tests/core/revert-check.sh [--short] [--runs N] [--variants LIST]
#                                   [--only ID[,ID...]] [--workdir DIR]
#
#   --short          one run per variant (CI: the ctest core.revert_check)
#   --runs N         runs per variant and revert (default 5; --short: 1)
#   --variants LIST  comma-separated among core,asan,tsan (default: all)
#   --only IDS       only these reverts (file names without .patch)
#   --workdir DIR    scratch copy and its build (default: a new directory
#                    under ${TMPDIR:-/tmp}); reused when it exists, so a
#                    second run rebuilds only what changed
#
# Every tests/core/reverts/*.patch is one revert: a header (Invariant:,
# Revert:, Test: lines, then free text) and a git diff against the current
# tree.  For each: the diff is applied to a scratch copy of the working tree
# (git apply; it fails loudly when the code it targets moved: rewrite the
# patch), only the test executables named by Test: are rebuilt for each
# variant (ccache is shared with the main build: CCACHE_BASEDIR), each is
# run N times, and the diff is reverted again.  A run that fails is caught;
# a run that passes, or that is ended by the per-run bound (RUN_BOUND s) as a
# hang, is not.  The unreverted executables must pass first (baseline).
#
# Output: one line per revert and variant, "caught c/N", then a summary
# table.  Exit status: 0 every revert caught in every run of every variant,
# 1 otherwise (or on a baseline failure, a patch that does not apply, or a
# build error).
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "revert-check: ERROR: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
runs= short=0 variants=core,asan,tsan only= workdir=
while [[ $# -gt 0 ]]; do
    case "$1" in
        --short) short=1; shift ;;
        --runs) runs=${2:?}; shift 2 ;;
        --variants) variants=${2:?}; shift 2 ;;
        --only) only=${2:?}; shift 2 ;;
        --workdir) workdir=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[[ -n $runs ]] || { [[ $short -eq 1 ]] && runs=1 || runs=5; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "bad --runs '$runs'"
IFS=, read -r -a variant_list <<<"$variants"
for v in "${variant_list[@]}"; do
    [[ $v == core || $v == asan || $v == tsan ]] || die "unknown variant '$v'"
done
# A test executable that runs longer than this hangs (the tests bound their
# own waits far below it).
RUN_BOUND=${RUN_BOUND:-300}

patches=()
for p in "$here"/reverts/*.patch; do
    id=$(basename "$p" .patch)
    if [[ -n $only ]] && [[ ",$only," != *",$id,"* ]]; then continue; fi
    patches+=("$p")
done
[[ ${#patches[@]} -gt 0 ]] || die "no revert patches selected in $here/reverts"

[[ -n $workdir ]] || workdir=$(mktemp -d "${TMPDIR:-/tmp}/hbamgr-revert-check.XXXXXX")
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
src=$workdir/src
build=$src/build

# The scratch copy: the working tree as it is (tracked and new files, not
# ignored ones; without git, everything but build trees), so uncommitted
# changes are checked too.  rsync keeps the mtime of files it copies, so a
# reused copy rebuilds only what changed; a file it had to replace (changed
# in the tree, or left reverted by an interrupted run) is touched, so it is
# newer than any object built from what it replaced.
echo "revert-check: copying $top to $src" >&2
mkdir -p "$src"
list=$workdir/files
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$top" ls-files -z --cached --others --exclude-standard >"$list"
else
    (cd "$top" && find . -path './build*' -prune -o -type f -print0) >"$list"
fi
(cd "$top" && rsync -a --from0 --files-from="$list" --out-format='%n' . "$src/") \
    >"$workdir/copied" || die "rsync $top -> $src failed"
(cd "$src" && tr '\n' '\0' <"$workdir/copied" | xargs -0 -r touch --)
# Files gone from the tree go from the copy too (globs pick up what is there).
(cd "$src" && find . -path ./build -prune -o -type f -print | sed 's|^\./||' | sort) \
    >"$workdir/have"
tr '\0' '\n' <"$list" | sed 's|^\./||' | sort >"$workdir/want"
comm -23 "$workdir/have" "$workdir/want" | (cd "$src" && xargs -r -d '\n' rm -f --)

export CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=true
if [[ ! -f $build/build.ninja ]]; then
    echo "revert-check: configuring $build" >&2
    cmake -G Ninja -S "$src" -B "$build" -DHBAMGR_WERROR=ON -DHBAMGR_KERNEL_TESTS=OFF -DHBAMGR_FUZZ=OFF \
        >"$workdir/configure.log" 2>&1 || { tail -n 30 "$workdir/configure.log" >&2; die "configure failed"; }
fi

exe_name() {  # exe_name TEST VARIANT
    [[ $2 == core ]] && echo "$1" || echo "$1_$2"
}
env_for() {  # the sanitizer options the ctest of that variant uses
    case "$1" in
        asan) echo "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:print_stacktrace=1" ;;
        tsan) echo "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:die_after_fork=0" ;;
        *) echo "HBAMGR_REVERT_CHECK=1" ;;
    esac
}
build_tests() {  # build_tests LOG TEST...
    local log=$1 targets=() t v
    shift
    for t in "$@"; do
        for v in "${variant_list[@]}"; do targets+=("$(exe_name "$t" "$v")"); done
    done
    cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}" >"$log" 2>&1 \
        || { tail -n 40 "$log" >&2; die "build failed (log: $log)"; }
}
# run_test TEST VARIANT LOG -> 0 passed, 1 failed, 2 hung
run_test() {
    local exe rc=0
    exe=$build/tests/core/$(exe_name "$1" "$2")
    # The outer subshell (kept a process of its own by its "exit") prints
    # bash's "Aborted"/"Segmentation fault" notice to /dev/null, not into
    # the output; the log says how the run ended.
    ( (cd "$build/tests/core" && env "$(env_for "$2")" timeout -k 10 "$RUN_BOUND" "$exe") \
        >"$3" 2>&1; exit $? ) 2>/dev/null || rc=$?
    echo "revert-check: exit status $rc" >>"$3"
    if [[ $rc -eq 0 ]]; then return 0; fi
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then return 2; fi
    return 1
}
header() {  # header FILE FIELD
    sed -n "/^diff --git /q;s/^$2: *//p" "$1"
}

logs=$workdir/logs
rm -rf "$logs"
mkdir -p "$logs"
start=$SECONDS
status=0
declare -A baseline_done=()
summary=()

for p in "${patches[@]}"; do
    id=$(basename "$p" .patch)
    mapfile -t tests < <(header "$p" Test)
    invariant=$(header "$p" Invariant)
    what=$(header "$p" Revert)
    [[ ${#tests[@]} -gt 0 && -n $invariant && -n $what ]] \
        || die "$p: needs Invariant:, Revert: and Test: lines before the diff"

    # Baseline: the unreverted tests pass.
    for t in "${tests[@]}"; do
        [[ -z ${baseline_done[$t]:-} ]] || continue
        build_tests "$logs/build-baseline-$t.log" "$t"
        for v in "${variant_list[@]}"; do
            if ! run_test "$t" "$v" "$logs/baseline-$t-$v.log"; then
                tail -n 30 "$logs/baseline-$t-$v.log" >&2
                die "baseline: $(exe_name "$t" "$v") fails without any revert (log: $logs/baseline-$t-$v.log)"
            fi
        done
        baseline_done[$t]=1
    done

    (cd "$src" && GIT_CEILING_DIRECTORIES=$workdir git apply --check "$p") 2>"$logs/$id.apply" \
        || { cat "$logs/$id.apply" >&2; die "$id: the revert no longer applies: the code it targets moved; rewrite $p"; }
    (cd "$src" && GIT_CEILING_DIRECTORIES=$workdir git apply "$p")
    t0=$SECONDS
    build_tests "$logs/build-$id.log" "${tests[@]}"
    echo "revert-check: $id: built in $((SECONDS - t0)) s" >&2
    for v in "${variant_list[@]}"; do
        caught=0 hung=0 t0=$SECONDS
        for ((r = 1; r <= runs; r++)); do
            all_passed=1
            for t in "${tests[@]}"; do
                log=$logs/$id-$t-$v-$r.log
                rc=0
                run_test "$t" "$v" "$log" || rc=$?
                [[ $rc -eq 0 ]] || all_passed=0
                [[ $rc -ne 2 ]] || hung=$((hung + 1))
            done
            # Caught: some test failed (and none only by hanging).
            if [[ $all_passed -eq 0 && $hung -eq 0 ]]; then caught=$((caught + 1)); fi
        done
        line=$(printf '%-38s %-5s caught %d/%d (%d s)' "$id" "$v" "$caught" "$runs" \
               "$((SECONDS - t0))")
        [[ $hung -eq 0 ]] || line+=" ($hung run(s) hung: not a caught revert)"
        echo "revert-check: $line"
        summary+=("| $invariant | $what | $v | $caught/$runs |")
        [[ $caught -eq $runs ]] || status=1
    done
    (cd "$src" && GIT_CEILING_DIRECTORIES=$workdir git apply -R "$p")
done

echo
echo "| invariant | revert | variant | caught |"
echo "|---|---|---|---|"
printf '%s\n' "${summary[@]}"
echo
echo "revert-check: ${#patches[@]} revert(s), variants ${variants}, $runs run(s) each," \
     "$((SECONDS - start)) s; logs in $logs"
[[ $status -eq 0 ]] && echo "revert-check: PASS: every revert caught in every run" \
    || echo "revert-check: FAIL: a revert was not caught in every run"
exit "$status"
