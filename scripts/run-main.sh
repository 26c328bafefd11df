#!/usr/bin/env bash
# The main job from a fresh Debian 12 machine: installs what is missing,
# builds hbamgrd and hbacli, starts hbamgrd on the embedded simulated adapter
# (in-process libhbacore, configs/hbamgrd-dev.conf), shows the controller
# with `hbacli /c0 show all`, and prints how to go on.  The daemon keeps
# running; a second run of this script replaces it.
#
# Environment: BUILD_DIR (default: build), HBAMGR_RUN_DIR (socket, database,
# log; default: $BUILD_DIR/run).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
build_dir=${BUILD_DIR:-build}
cmake -G Ninja -S . -B "$build_dir" >/dev/null
cmake --build "$build_dir" --target hbamgrd hbacli

hbamgrd=$PWD/$build_dir/daemon/hbamgrd
hbacli=$PWD/$build_dir/cli/hbacli
run_dir=${HBAMGR_RUN_DIR:-$PWD/$build_dir/run}
socket=$run_dir/hbamgrd.sock
mkdir -p "$run_dir"

if pid=$(cat "$run_dir/hbamgrd.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
  echo "stopping the hbamgrd an earlier run started (pid $pid)"
  kill "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
fi

"$hbamgrd" --config configs/hbamgrd-dev.conf --foreground \
  --socket "$socket" --database "$run_dir/hbamgrd.db" >"$run_dir/hbamgrd.log" 2>&1 &
pid=$!
echo "$pid" >"$run_dir/hbamgrd.pid"

# Wait (at most 30 s) until the daemon answers on its socket.
for _ in $(seq 300); do
  "$hbacli" --socket "$socket" show >/dev/null 2>&1 && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "hbamgrd exited during start-up; its log ($run_dir/hbamgrd.log):" >&2
    cat "$run_dir/hbamgrd.log" >&2
    exit 1
  fi
  sleep 0.1
done

echo "\$ hbacli /c0 show all"
"$hbacli" --socket "$socket" /c0 show all

cat <<EOT

hbamgrd is running (pid $pid) on simulated adapters; log: $run_dir/hbamgrd.log
Go on with, for example:

  export HBAMGR_SOCKET=$socket PATH=$PWD/$build_dir/cli:\$PATH
  hbacli show                                  # every controller
  hbacli /c0/eall/sall show                    # drives
  hbacli /c0/vall show all                     # virtual drives
  hbacli /c0 show events latest=20             # the event log
  hbacli /c0/e0/s5 start locate                # blink a drive
  hbacli /c0 show all J                        # any command as JSON
  hbacli /c0 watch events                      # live events (Ctrl-C ends)
  hbacli --help                                # everything else

Stop the daemon with: kill $pid
EOT
