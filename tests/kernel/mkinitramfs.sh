#!/bin/bash
# mkinitramfs.sh - build a gzip'd cpio initramfs that runs one guest test script.
#
# Usage: tests/kernel/mkinitramfs.sh -o OUT --script FILE [options]
#
#   -o OUT            write the initramfs (newc cpio, gzip) to OUT
#   --script FILE     guest test script; installed as /test.sh and run by
#                     /init under busybox ash (cwd /test) - see guest-lib.sh
#   --kmod FILE|NAME  kernel module to include (repeatable): a .ko, .ko.xz,
#                     .ko.gz or .ko.zst file, or a module name looked up in
#                     --kmod-dir. Its dependencies (modinfo -F depends) are
#                     added recursively from --kmod-dir; modules the kernel
#                     has built in (--kmod-dir/modules.builtin) are skipped.
#                     Each lands decompressed as /lib/modules/NAME.ko with
#                     /lib/modules/NAME.deps (its direct dependencies) for
#                     kmod_load in guest-lib.sh.
#   --kmod-dir DIR    where module names are looked up: /lib/modules/<release>
#                     or a built kernel tree (default: /lib/modules/ of the
#                     Debian kernel, see debian-kver.sh)
#   --bin FILE        host executable to include (repeatable): a path or a
#                     name in $PATH; installed in /usr/local/bin (ahead of the
#                     busybox applets in PATH) with every shared library ldd
#                     reports (in /usr/local/lib, on LD_LIBRARY_PATH) and the
#                     dynamic loader
#   --files DIR       copy the contents of DIR to /test (test data, helpers)
#
# The image holds busybox-static with a symlink per applet and
# /lib/hbamgr/guest-lib.sh. Its /init mounts proc, sysfs, devtmpfs (/dev),
# debugfs (/sys/kernel/debug) and tmpfs (/tmp), runs /test.sh, then
# `poweroff -f`. Kernel command-line words of the form NAME=VALUE that the
# kernel does not know reach /test.sh as environment variables
# (run-qemu.sh --append 'HBAMGR_MODE=x').
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "mkinitramfs: ERROR: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out='' script='' files='' kmod_dir=''
kmods=() bins=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -o) out=${2:?}; shift 2 ;;
        --script) script=${2:?}; shift 2 ;;
        --kmod) kmods+=("${2:?}"); shift 2 ;;
        --kmod-dir) kmod_dir=${2:?}; shift 2 ;;
        --bin) bins+=("${2:?}"); shift 2 ;;
        --files) files=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[[ -n $out && -n $script ]] || { usage >&2; exit 2; }
[[ -f $script ]] || die "no such script: $script"
[[ -z $files || -d $files ]] || die "no such directory: $files"
[[ -n $kmod_dir ]] || kmod_dir=/lib/modules/$("$here/debian-kver.sh")
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked; install busybox-static"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/local/lib,etc,proc,sys,dev,tmp,root,test} \
         "$root/lib/modules" "$root/lib/hbamgr"

# busybox and its applets
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list-full); do
    [[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"

# host executables and their shared libraries: every library goes to
# /usr/local/lib under the name the executable asks for (LD_LIBRARY_PATH
# points there), the dynamic loader to its own absolute path
for bin in "${bins[@]}"; do
    path=$(command -v "$bin") || die "executable not found: $bin"
    cp -L "$path" "$root/usr/local/bin/$(basename "$path")"
    if ! ldd_out=$(ldd "$path" 2>&1); then
        [[ $ldd_out == *"not a dynamic executable"* ]] && continue
        die "ldd $path: $ldd_out"
    fi
    [[ $ldd_out != *"not found"* ]] || die "ldd $path: missing libraries:"$'\n'"$ldd_out"
    while read -r name lib; do
        [[ -e $root/usr/local/lib/$name ]] || cp -L "$lib" "$root/usr/local/lib/$name"
    done < <(awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' <<<"$ldd_out")
    while read -r loader; do
        mkdir -p "$root$(dirname "$loader")"
        cp -L "$loader" "$root$loader"
    done < <(awk '$1 ~ /^\// { print $1 }' <<<"$ldd_out")
done

# kernel modules
modname() { # file or name -> module name as in /sys/module
    local n=${1##*/}
    n=${n%%.ko*}
    echo "${n//-/_}"
}
is_builtin() {
    [[ -f $kmod_dir/modules.builtin ]] || return 1
    grep -qE "/${1//_/[-_]}\.ko$" "$kmod_dir/modules.builtin"
}
find_kmod() {
    local p=${1//_/[-_]} f
    f=$(find "$kmod_dir" -type f \( -name "$p.ko" -o -name "$p.ko.xz" -o -name "$p.ko.gz" \
                                    -o -name "$p.ko.zst" \) -print -quit)
    [[ -n $f ]] || die "module $1 not found in $kmod_dir"
    echo "$f"
}
declare -A kmod_seen=()
add_kmod() { # FILE
    local file=$1 name depends dep dep_file deps=()
    name=$(modname "$file")
    [[ -z ${kmod_seen[$name]:-} ]] || return 0
    kmod_seen[$name]=1
    depends=$(modinfo -F depends "$file")
    for dep in ${depends//,/ }; do
        dep=$(modname "$dep")
        is_builtin "$dep" && continue
        deps+=("$dep")
        dep_file=$(find_kmod "$dep")
        add_kmod "$dep_file"
    done
    case "$file" in
        *.ko) cp "$file" "$root/lib/modules/$name.ko" ;;
        *.ko.xz) xz -dc "$file" >"$root/lib/modules/$name.ko" ;;
        *.ko.gz) gzip -dc "$file" >"$root/lib/modules/$name.ko" ;;
        *.ko.zst) zstd -qdc "$file" >"$root/lib/modules/$name.ko" ;;
        *) die "not a kernel module: $file" ;;
    esac
    echo "${deps[*]}" >"$root/lib/modules/$name.deps"
}
for kmod in "${kmods[@]}"; do
    if [[ $kmod == */* || $kmod == *.ko* ]]; then
        [[ -f $kmod ]] || die "no such module file: $kmod"
        add_kmod "$kmod"
    elif is_builtin "$(modname "$kmod")"; then
        echo "mkinitramfs: $kmod is built into the kernel" >&2
    else
        kmod_file=$(find_kmod "$(modname "$kmod")")
        add_kmod "$kmod_file"
    fi
done
if [[ -f $kmod_dir/modules.builtin ]]; then
    sed 's|.*/||; s|\.ko$||; s|-|_|g' "$kmod_dir/modules.builtin" >"$root/lib/modules/builtin"
else
    : >"$root/lib/modules/builtin"
fi

# test script, data, TAP library
cp "$here/guest-lib.sh" "$root/lib/hbamgr/guest-lib.sh"
cp "$script" "$root/test.sh"
[[ -z $files ]] || cp -a "$files/." "$root/test/"

cat >"$root/init" <<EOF
#!/bin/sh
export PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin
export LD_LIBRARY_PATH=/usr/local/lib
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
grep -q ' /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
echo "hbamgr-init: running /test.sh on \$(uname -r)"
cd /test
/bin/sh /test.sh
echo "hbamgr-init: /test.sh exited with status \$?; powering off"
poweroff -f
EOF
chmod 755 "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z \
    | cpio --null --create --format=newc --owner=0:0 --quiet) | gzip -6 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: wrote $out ($(du -h "$out" | cut -f1))" >&2
