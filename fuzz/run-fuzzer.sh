#!/usr/bin/env bash
# run-fuzzer.sh - run one libFuzzer target for a bounded time (ctest fuzz.*).
#
# Usage: fuzz/run-fuzzer.sh --fuzzer PATH --seeds DIR [--seeds DIR...]
#                           --workdir DIR --seconds N [--input-timeout S]
#
# Every seed is executed first (the committed corpus holds the regression
# inputs of every bug the fuzzer found), then the fuzzer mutates for N
# seconds.  New inputs go to WORKDIR/corpus (kept between runs of the same
# build, so a warm run starts from where the last one ended), never into the
# committed seed directories; a crash, hang, leak or sanitizer report leaves
# its input in WORKDIR/crash-*, timeout-*, leak-* or oom-* and fails the
# test (an input running longer than --input-timeout seconds, default 30,
# is a hang).  Prints the executions per second and the total executions.
#
# Exit status: 0 clean; 1 the fuzzer found something (or did not run); 2 usage.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

fuzzer= workdir= seconds= input_timeout=30
seeds=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --fuzzer) fuzzer=${2:?}; shift 2 ;;
        --seeds) seeds+=("${2:?}"); shift 2 ;;
        --input-timeout) input_timeout=${2:?}; shift 2 ;;
        --workdir) workdir=${2:?}; shift 2 ;;
        --seconds) seconds=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
if [[ -z $fuzzer || -z $workdir || -z $seconds || ${#seeds[@]} -eq 0 ]]; then
    usage >&2
    exit 2
fi
if [[ ! -x $fuzzer ]]; then
    echo "run-fuzzer: $fuzzer is not built (the hbamgr_fuzz_build target builds it)" >&2
    exit 1
fi

mkdir -p "$workdir/corpus"
rm -f "$workdir"/crash-* "$workdir"/timeout-* "$workdir"/leak-* "$workdir"/oom-*
args=(
    -max_total_time="$seconds"
    -timeout="$input_timeout"
    -rss_limit_mb=2048      # and growing past this a leak or unbounded allocation
    -malloc_limit_mb=2048
    -print_final_stats=1
    -artifact_prefix="$workdir/"
)
# Stack traces with file:line: llvm-symbolizer when clang's own is there
# (Debian's llvm-symbolizer link may point at a missing llvm-14), else addr2line.
symbolizer=$(command -v llvm-symbolizer-16 || command -v addr2line || true)
if [[ -n $symbolizer ]]; then
    export ASAN_OPTIONS="external_symbolizer_path=$symbolizer${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="print_stacktrace=1:external_symbolizer_path=$symbolizer${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
fi
log=$workdir/fuzzer.log
status=0
"$fuzzer" "${args[@]}" "$workdir/corpus" "${seeds[@]}" >"$log" 2>&1 || status=$?

# libFuzzer's summary: the last status line and the final stats.
grep -E '^(#[0-9]+.*(INITED|DONE|pulse)|Done [0-9]+ runs|stat::)' "$log" | tail -n 8 || true
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
echo "run-fuzzer: $(basename "$fuzzer"): ${runs:-?} executions, ${rate:-?} exec/s, corpus $(find "$workdir/corpus" -type f | wc -l) inputs"
if [[ $status -ne 0 ]]; then
    echo "run-fuzzer: $(basename "$fuzzer") exited with status $status; its report:" >&2
    grep -v -E '^#[0-9]+' "$log" | tail -n 80 >&2
    ls "$workdir"/crash-* "$workdir"/timeout-* "$workdir"/leak-* "$workdir"/oom-* 2>/dev/null >&2 || true
    exit 1
fi
