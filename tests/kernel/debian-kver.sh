#!/bin/bash
# debian-kver.sh - print the release (e.g. 6.1.0-56-amd64) of the kernel that
# the installed linux-image-amd64 meta-package depends on.
# Usage: tests/kernel/debian-kver.sh
set -euo pipefail

depends=$(dpkg-query -W -f='${Depends}' linux-image-amd64) \
    || { echo "debian-kver: linux-image-amd64 is not installed" >&2; exit 1; }
kver=$(sed -n 's/^linux-image-\([^ ,|]*\).*/\1/p' <<<"$depends")
[[ -n $kver && -f /boot/vmlinuz-$kver ]] \
    || { echo "debian-kver: no kernel image for '$depends'" >&2; exit 1; }
echo "$kver"
