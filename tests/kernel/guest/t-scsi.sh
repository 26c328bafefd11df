# t-scsi.sh - sg3-utils, smartctl and lsscsi against adapter 0's LUNs.
scsi_r1=$(vd_of_level 0 1)
scsi_sd=$(lun_sd 0 "$scsi_r1")
scsi_sg=$(lun_sg 0 "$scsi_r1")
scsi_h=$(scsi_host 0)
scsi_bytes=$(($(vd_field 0 "$scsi_r1" 4) * $(vd_field 0 "$scsi_r1" 5)))
tap_diag "RAID1 VD $scsi_r1: $scsi_sd $scsi_sg on host $scsi_h, $scsi_bytes bytes"

tap_ok "sg_inq" sg_inq "$scsi_sg"
tap_check "sg_inq: vendor BROADCOM, product $VD_PRODUCT" \
    'sg_inq "$scsi_sg" >/tmp/inq &&
     grep -q "Vendor identification: BROADCOM" /tmp/inq &&
     grep -q "Product identification: $VD_PRODUCT" /tmp/inq'
tap_ok "sg_readcap" sg_readcap "$scsi_sd"
tap_check "sg_readcap: capacity is the VD's ($scsi_bytes bytes)" \
    'sg_readcap "$scsi_sd" | grep -q "Device size: $scsi_bytes bytes"'
tap_ok "sg_logs" sg_logs "$scsi_sg"
tap_check "sg_logs lists the temperature and informational exceptions pages" \
    'sg_logs "$scsi_sg" >/tmp/logs &&
     grep -qi "0x0d *temperature" /tmp/logs &&
     grep -qi "0x2f *informational exceptions" /tmp/logs'
tap_check "sg_logs -p 0xd reports a current temperature" \
    'sg_logs -p 0xd "$scsi_sg" | grep -qi "current temperature = [0-9]"'
# smartctl's exit status is a bit mask; bits 0-1: bad command line, device
# open failed or device did not answer.
tap_check "smartctl -a: device answered" \
    'smartctl -a "$scsi_sd" >/tmp/smart; [ $(($? & 3)) -eq 0 ]'
tap_check "smartctl -a: vendor, product and temperature" \
    'grep -q "^Vendor: *BROADCOM" /tmp/smart &&
     grep -q "^Product: *$VD_PRODUCT" /tmp/smart &&
     grep -q "^Current Drive Temperature: *[0-9]" /tmp/smart'
tap_ok "lsscsi" lsscsi -g
tap_check "lsscsi lists the RAID1 LUN with its sd and sg nodes" \
    'lsscsi -g | grep "^\[$scsi_h:0:$scsi_r1:0\]" | grep BROADCOM |
     grep -q "$scsi_sd .*$scsi_sg"'
tap_check "lsscsi -H lists the hbamgr host" \
    'lsscsi -H | grep "^\[$scsi_h\]" | grep -q hbamgr'
sed "s/^/# /" /tmp/smart
