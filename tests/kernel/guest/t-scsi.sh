# t-scsi.sh - sg3-utils, smartctl and lsscsi against adapter 0's LUNs.
scsi_r1=$(vd_of_level 0 1)
scsi_sd=$(lun_sd 0 "$scsi_r1")
scsi_sg=$(lun_sg 0 "$scsi_r1")
scsi_h=$(scsi_host 0)
scsi_bytes=$(($(vd_field 0 "$scsi_r1" 4) * $(vd_field 0 "$scsi_r1" 5)))
tap_diag "RAID1 VD $scsi_r1: $scsi_sd $scsi_sg on host $scsi_h, $scsi_bytes bytes"

tap_ok "sg_inq" sg_inq "$scsi_sg"
tap_check "sg_inq: vendor $VD_VENDOR, product $VD_PRODUCT, revision $VD_REVISION" \
    'sg_inq "$scsi_sg" >/tmp/inq &&
     grep -q "Vendor identification: $VD_VENDOR *\$" /tmp/inq &&
     grep -q "Product identification: $VD_PRODUCT *\$" /tmp/inq &&
     grep -q "Product revision level: $VD_REVISION" /tmp/inq'
tap_check "sg_vpd -p di: NAA 3 (locally assigned) names, T10 vendor id $VD_VENDOR" \
    'sg_vpd -l -p di "$scsi_sg" >/tmp/vpd_di &&
     [ "$(grep -c "NAA 3, Locally assigned" /tmp/vpd_di)" -eq 2 ] &&
     ! grep -q "NAA [256]" /tmp/vpd_di &&
     grep -q "vendor id: $VD_VENDOR *\$" /tmp/vpd_di'
tap_check "sg_vpd -p sn: the serial is hbamgr's own" \
    'sg_vpd -p sn "$scsi_sg" | grep -q "Unit serial number: ${VD_VENDOR}00V"'
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
tap_check "smartctl -a: vendor, product, revision, LU id and temperature" \
    'grep -q "^Vendor: *$VD_VENDOR\$" /tmp/smart &&
     grep -q "^Product: *$VD_PRODUCT\$" /tmp/smart &&
     grep -q "^Revision: *$VD_REVISION\$" /tmp/smart &&
     grep -q "^Logical Unit id: *0x348424d" /tmp/smart &&
     grep -q "^Current Drive Temperature: *[0-9]" /tmp/smart'
tap_ok "lsscsi" lsscsi -g
tap_check "lsscsi lists the RAID1 LUN with its sd and sg nodes" \
    'lsscsi -g >/tmp/lsscsi &&
     grep "^\[$scsi_h:0:$scsi_r1:0\]" /tmp/lsscsi | grep " $VD_VENDOR " |
     grep -q "$scsi_sd .*$scsi_sg"'
tap_check "no vendor's name in what sg3-utils, smartctl and lsscsi report" \
    '! grep -i -w -E "$FOREIGN_VENDORS" /tmp/inq /tmp/vpd_di /tmp/smart /tmp/lsscsi'
tap_check "lsscsi -H lists the hbamgr host" \
    'lsscsi -H | grep "^\[$scsi_h\]" | grep -q hbamgr'
sed "s/^/# /" /tmp/smart
