# hbamgr.sh - in-guest tests of hbamgr.ko (busybox ash, run as /test.sh).
#
# The test files are in /test (mkinitramfs.sh --files): hbamgr-lib.sh,
# the t-*.sh parts sourced below in order, hbactl, hbastress; abi_test, sg3-utils,
# smartctl, lsscsi, fio, hbamgrd and hbacli are in /usr/local/bin.
. /lib/hbamgr/guest-lib.sh
. /test/hbamgr-lib.sh

tap_diag "kernel $(uname -r)"
tap_ok "load sd_mod" kmod_load sd_mod
tap_ok "load sg" kmod_load sg

. /test/t-load.sh	# insmod/rmmod loop
. /test/t-dirty.sh	# load with a dirty start

# The main load: adapter 0 for data and recovery, adapter 1 for the ABI
# suite and hot-unplug.
tap_ok "load hbamgr with 2 adapters and fault injection" \
    kmod_load hbamgr adapters=2 fault_injection=1 drive_size_mb=128
tap_check "4 LUNs appear" 'wait_for 60 "[ \$(our_luns) -eq 4 ]"'

. /test/t-abi.sh	# abi_test against /dev/hbamgr1
. /test/t-scsi.sh	# sg3-utils, smartctl, lsscsi
. /test/t-data.sh	# fio verify, drive failure and rebuild
. /test/t-luns.sh	# VDs created and deleted at runtime come and go as LUNs
. /test/t-recovery.sh	# reset with I/O in flight, SRB storm on reset
. /test/t-remove.sh	# hot-unplug of adapter 1 with a blocked ioctl

tap_ok "unload hbamgr" rmmod hbamgr
tap_check "every LUN and node is gone" \
    '[ "$(our_luns)" -eq 0 ] && [ ! -e /dev/hbamgr0 ] && [ ! -d /sys/class/hbamgr ]'

. /test/t-stress.sh	# recovery under lockdep, random ioctl stress, rmmod
. /test/t-daemon.sh	# hbamgrd + hbacli on the kernel backend, module reload
tap_done
