# shellcheck shell=bash
# steps.sh - time the steps of a script, in wall-clock and CPU seconds
# (sourced by scripts/package.sh and tests/package/run-vm-test.sh).
#
#   steps_prefix=NAME          the prefix of the lines printed (stderr)
#   timed "what" CMD [ARG...]  run CMD (a program or shell function) in this
#                              shell; print "NAME: step: what took W s, CPU C s"
#   print_steps                "NAME: time: what: W s, CPU C s", one per step
#
# CPU is user + system time of the finished children of this shell (cutime +
# cstime of /proc/$$/stat), so it counts every process a step ran and waited
# for, grandchildren included (a qemu guest's CPU is its qemu process's).
# It includes nothing of other processes on the machine: on a loaded machine
# the wall-clock time grows, the CPU time much less.

steps_prefix=${steps_prefix:-steps}
steps_clk_tck=$(getconf CLK_TCK)
steps_done=()

steps_children_cpu_ticks() {
    local stat
    read -r -a stat </proc/$$/stat
    echo $((stat[15] + stat[16]))
}

timed() {
    local name=$1 start=$SECONDS cpu0 took
    shift
    cpu0=$(steps_children_cpu_ticks)
    echo "$steps_prefix: step: $name" >&2
    "$@"
    took="$((SECONDS - start)) s, CPU $((($(steps_children_cpu_ticks) - cpu0) / steps_clk_tck)) s"
    steps_done+=("$name: $took")
    echo "$steps_prefix: step: $name took $took" >&2
}

print_steps() {
    [[ ${#steps_done[@]} -eq 0 ]] || printf "$steps_prefix: time: %s\n" "${steps_done[@]}" >&2
}
