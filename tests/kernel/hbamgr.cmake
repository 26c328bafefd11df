# hbamgr.ko in-guest tests (guest/hbamgr.sh via run-hbamgr.sh); included
# from tests/kernel/CMakeLists.txt.  They need the abi_test executable of
# tests/core, which runs in the guest against /dev/hbamgr1, and hbamgrd and
# hbacli, which run there on the kernel backend.  The module is built with the
# build's version (HBAMGR_VERSION in the environment, read by kmod/Makefile),
# so abi_test's driver_version check catches a module that reports another.
foreach(target abi_test hbamgrd hbacli)
  if(NOT TARGET ${target})
    message(STATUS "hbamgr kernel tests not registered: no ${target} target")
    return()
  endif()
endforeach()
set(HBAMGR_GUEST_BINARIES
    --abi-test $<TARGET_FILE:abi_test>
    --hbamgrd $<TARGET_FILE:hbamgrd>
    --hbacli $<TARGET_FILE:hbacli>)

# Debian's stock kernel, the module built against its installed headers.
add_test(NAME kernel.hbamgr
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/run-hbamgr.sh
                 ${HBAMGR_GUEST_BINARIES}
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/hbamgr
                 --timeout 1200)
set_tests_properties(kernel.hbamgr PROPERTIES
                     ENVIRONMENT HBAMGR_VERSION=${HBAMGR_VERSION}
                     LABELS kernel
                     TIMEOUT 1500
                     SKIP_RETURN_CODE 77
                     PROCESSORS 2)

# The lockdep/KASAN debug kernel (built by build-debug-kernel.sh if it is
# not cached), the module rebuilt against its tree.
add_test(NAME debugkernel.hbamgr
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/run-hbamgr.sh --debug-kernel
                 ${HBAMGR_GUEST_BINARIES}
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/debugkernel_hbamgr
                 --timeout 2400)
set_tests_properties(debugkernel.hbamgr PROPERTIES
                     ENVIRONMENT HBAMGR_VERSION=${HBAMGR_VERSION}
                     LABELS debugkernel
                     TIMEOUT 4800
                     SKIP_RETURN_CODE 77
                     PROCESSORS 2)
