# t-data.sh - fio write+verify on the RAID1 and RAID5 LUNs; data survives a
# drive failure and the rebuild, checked by failing the other drive after.
data_r1=$(vd_of_level 0 1)
data_r5=$(vd_of_level 0 5)
data_sd1=$(lun_sd 0 "$data_r1")
data_sd5=$(lun_sd 0 "$data_r5")

tap_ok "fio crc32c write+verify on RAID1 ($data_sd1)" \
    fio_verify raid1 "$data_sd1" 32m
tap_ok "fio crc32c write+verify on RAID5 ($data_sd5)" \
    fio_verify raid5 "$data_sd5" 32m

# pattern DEV write|verify: the same job both times, so verify_only
# checks exactly what the write left.
pattern() {
    if [ "$2" = write ]; then
        fio_verify pattern "$1" 24m --do_verify=0
    else
        fio_verify pattern "$1" 24m --verify_only
    fi
}

# fail_and_rebuild VD PD LABEL: fail PD of VD, check the data, rebuild PD
# in place through the ABI and wait for it, check the data again.
fail_and_rebuild() {
    local vd=$1 pd=$2 sd
    sd=$(lun_sd 0 "$vd")
    tap_ok "$3: fail PD $pd" knob 0 fail_drive "$pd"
    tap_check "$3: PD $pd failed, VD $vd degraded" \
        '[ "$(pd_state 0 "$pd")" -eq 5 ] && [ "$(vd_field 0 "$vd" 3)" -eq 2 ]'
    tap_ok "$3: data intact while degraded" pattern "$sd" verify
    tap_ok "$3: start rebuild of PD $pd" "$HBACTL" /dev/hbamgr0 bgop-start 1 "$pd"
    tap_check "$3: rebuild of PD $pd done" 'wait_for 600 "bgop_done 0 1 $pd"'
    tap_check "$3: PD $pd online, VD $vd optimal" \
        '[ "$(pd_state 0 "$pd")" -eq 3 ] && [ "$(vd_field 0 "$vd" 3)" -eq 0 ]'
    tap_ok "$3: data intact after rebuild" pattern "$sd" verify
}

set -- $(vd_members 0 "$data_r1")
tap_ok "RAID1: write pattern" pattern "$data_sd1" write
fail_and_rebuild "$data_r1" "$1" "RAID1 first member"
# Now only the rebuilt drive holds the data.
fail_and_rebuild "$data_r1" "$2" "RAID1 second member"

set -- $(vd_members 0 "$data_r5")
tap_ok "RAID5: write pattern" pattern "$data_sd5" write
fail_and_rebuild "$data_r5" "$2" "RAID5 middle member"
