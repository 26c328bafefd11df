#!/usr/bin/env bash
# Installs the Debian 12 packages hbamgr needs to build, run and test.
# Idempotent: does nothing (and needs no network) when all are present.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libsqlite3-dev libboost-program-options-dev libsystemd-dev openssl
  # kernel module, qemu tests and the debug kernel
  linux-headers-amd64 linux-image-amd64 linux-source-6.1 qemu-system-x86
  busybox-static cpio xz-utils kmod flex bison bc libelf-dev libssl-dev dwarves rsync
  # packages (scripts/package.sh), their checks and the installed-system test
  debhelper dh-dkms dh-python dkms lintian rpm rpmlint bash-completion
  mmdebstrap e2fsprogs
  # libFuzzer targets (fuzz/): clang, libFuzzer and the sanitizer runtimes
  clang-16 libfuzzer-16-dev libclang-rt-16-dev
  # real peers the tests drive
  sg3-utils smartmontools fio lsscsi python3 python3-grpcio python3-grpc-tools python3-protobuf
  # Prometheus: promtool (rules, exposition lint), the text-format parser
  prometheus python3-prometheus-client python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
