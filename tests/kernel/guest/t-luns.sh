# t-luns.sh - a VD created or deleted through the ABI becomes or stops
# being a LUN (VD_CREATED / VD_DELETED events -> scsi_add/remove_device).
luns_before=$(our_luns)
# Two unconfigured-good drives of the same logical block size.
set -- $("$HBACTL" /dev/hbamgr0 pds |
         awk '$5 == 0 { n[$6]++; p[$6] = p[$6] " " $1 }
              END { for (b in n) if (n[b] >= 2) { print p[b]; exit } }')
luns_free=$#
tap_check "adapter 0 has 2 unconfigured drives of one block size" \
    '[ "$luns_free" -ge 2 ]'
luns_vd=$("$HBACTL" /dev/hbamgr0 vd-create 1 "$1" "$2")
tap_check "VD_CREATE of a RAID1 on PDs $1 $2 returned a VD id" \
    '[ -n "$luns_vd" ]'
tap_check "the new VD $luns_vd appears as a LUN with sd and sg nodes" \
    'wait_for 60 "lun_ready 0 $luns_vd" && [ "$(our_luns)" -eq $((luns_before + 1)) ]'
tap_ok "fio crc32c write+verify on the new LUN" \
    fio_verify newvd "$(lun_sd 0 "$luns_vd")" 8m
tap_ok "VD_DELETE of VD $luns_vd" "$HBACTL" /dev/hbamgr0 vd-delete "$luns_vd"
tap_check "the deleted VD's LUN is gone" \
    'wait_for 60 "[ ! -d \"\$(lun_dir 0 $luns_vd)\" ]" && [ "$(our_luns)" -eq "$luns_before" ]'
