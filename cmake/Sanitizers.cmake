# Flag sets for sanitizer builds.  hbamgr_sanitized_variant() gives a target
# its instrumented twin so one ctest run covers the plain, ASan+UBSan and
# TSan builds of the core without a second build tree.
set(HBAMGR_ASAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
set(HBAMGR_TSAN_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
# The libFuzzer build (clang only, fuzz/CMakeLists.txt): every object gets
# coverage instrumentation plus ASan+UBSan; the fuzzer executables add
# -fsanitize=fuzzer (libFuzzer's main).
set(HBAMGR_FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)

function(hbamgr_sanitize_target target kind)
  if(kind STREQUAL "asan")
    target_compile_options(${target} PRIVATE ${HBAMGR_ASAN_FLAGS})
    target_link_options(${target} PRIVATE ${HBAMGR_ASAN_FLAGS})
  elseif(kind STREQUAL "tsan")
    target_compile_options(${target} PRIVATE ${HBAMGR_TSAN_FLAGS})
    target_link_options(${target} PRIVATE ${HBAMGR_TSAN_FLAGS})
  elseif(NOT kind STREQUAL "")
    message(FATAL_ERROR "unknown sanitizer variant ${kind}")
  endif()
endfunction()
