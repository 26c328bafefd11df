# hbamgr-lib.sh - helpers for the hbamgr.ko guest tests (busybox ash).
# Sourced by hbamgr.sh after /lib/hbamgr/guest-lib.sh; the test files are in
# /test (the working directory), hbactl among them.

HBACTL=/test/hbactl
# What the simulated VDs say they are (docs/abi.md, "What the simulated
# devices say they are"), and names of real vendors none of them may use.
VD_VENDOR=HBAMGR
VD_PRODUCT="SIM-9460-16i VD"
VD_REVISION=1.00
FOREIGN_VENDORS="broadcom|broadcm|avago|lsi|megaraid|seagate|hgst|hitachi|toshiba|samsung|wdc|intel|dell"
DBG=/sys/kernel/debug/hbamgr

# sysattr N NAME: a counter from /sys/class/hbamgr/hbamgrN/NAME.
sysattr() {
    cat "/sys/class/hbamgr/hbamgr$1/$2"
}

# fwstat N NAME: a firmware counter from debugfs hbamgrN/fw_stats.
fwstat() {
    awk -v k="$2" '$1 == k { print $2 }' "$DBG/hbamgr$1/fw_stats"
}

# knob N NAME VALUE...: write a debugfs fault-injection knob of adapter N.
knob() {
    local n=$1 name=$2
    shift 2
    echo "$*" >"$DBG/hbamgr$n/$name"
}

# scsi_host N: the SCSI host number of adapter N.
scsi_host() {
    local d
    for d in /sys/class/hbamgr/hbamgr$1/host*; do
        [ -d "$d" ] && echo "${d##*/host}" && return 0
    done
    return 1
}

# lun_dir N TARGET: sysfs directory of adapter N's LUN for VD TARGET.
lun_dir() {
    local h
    h=$(scsi_host "$1") || return 1
    echo "/sys/bus/scsi/devices/$h:0:$2:0"
}

# lun_sd N TARGET / lun_sg N TARGET: /dev/sdX, /dev/sgY of a LUN.
lun_sd() {
    local d
    d=$(lun_dir "$1" "$2") || return 1
    [ -d "$d/block" ] || return 1
    echo "/dev/$(ls "$d/block")"
}
lun_sg() {
    local d
    d=$(lun_dir "$1" "$2") || return 1
    [ -d "$d/scsi_generic" ] || return 1
    echo "/dev/$(ls "$d/scsi_generic")"
}

# lun_ready N TARGET: the LUN has its sd and sg nodes.
lun_ready() {
    local sd sg
    sd=$(lun_sd "$1" "$2") && sg=$(lun_sg "$1" "$2") &&
        [ -b "$sd" ] && [ -c "$sg" ]
}

# our_luns: how many SCSI devices of any adapter report our VD product
# (sysfs shows the INQUIRY field, blank-padded to 16 characters).
our_luns() {
    grep -l "^$VD_PRODUCT *\$" /sys/bus/scsi/devices/*/model 2>/dev/null | wc -l
}

# vd_of_level N LEVEL: id of the first VD of RAID LEVEL on adapter N.
vd_of_level() {
    "$HBACTL" "/dev/hbamgr$1" vds | awk -v l="$2" '$2 == l { print $1; exit }'
}

# vd_field N VD COLUMN: a column of `hbactl vds` (3 state, 4 blocks, 5 bs).
vd_field() {
    "$HBACTL" "/dev/hbamgr$1" vds | awk -v v="$2" -v c="$3" '$1 == v { print $c }'
}

# vd_members N VD: PD ids of VD's members (`hbactl pds` column 4 is the VD).
vd_members() {
    "$HBACTL" "/dev/hbamgr$1" pds | awk -v v="$2" '$4 == v { print $1 }'
}

# pd_state N PD: enum hbamgr_pd_state of PD.
pd_state() {
    "$HBACTL" "/dev/hbamgr$1" pds | awk -v p="$2" '$1 == p { print $5 }'
}

# bgop_done N TYPE TARGET: a background operation finished successfully.
bgop_done() {
    "$HBACTL" "/dev/hbamgr$1" bgops |
        awk -v t="$2" -v g="$3" '$1 == t && $3 == g && $2 == 2 { f = 1 } END { exit !f }'
}

# kernel_io_errors: I/O error lines in the kernel log (block layer, sd).
kernel_io_errors() {
    dmesg | grep -E 'I/O error|critical medium error|Buffer I/O|blk_update_request|FAILED Result' || true
}

# fio_verify NAME DEV SIZE [FIO ARGS...]: write DEV with crc32c checksums
# and read it back verifying them; passes only with no error at all.
# Synchronous I/O: the debug kernel has no AIO (concurrency comes from
# --numjobs where a test needs it).
fio_verify() {
    local name=$1 dev=$2 size=$3
    shift 3
    fio --name="$name" --filename="$dev" --size="$size" --bs=64k \
        --ioengine=psync --direct=1 --rw=write \
        --verify=crc32c --do_verify=1 --verify_fatal=1 "$@"
}

# proc_running PID: PID exists and is not a zombie.
proc_running() {
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ]
}
