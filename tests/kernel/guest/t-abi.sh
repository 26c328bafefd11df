# t-abi.sh - the ABI suite (tests/core/abi_test.cc) against a real fd.
tap_ok "abi_test against /dev/hbamgr1" \
    env HBAMGR_ABI_DEVICE=/dev/hbamgr1 abi_test
tap_check "adapter 1 is live after the ABI suite" \
    'wait_for 30 "[ \"\$(sysattr 1 state)\" = live ]"'
