// A broken contract found by a fuzzer: say which, then abort so libFuzzer
// records the input as a crash (like a sanitizer report).
#ifndef HBAMGR_FUZZ_CHECK_H_
#define HBAMGR_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, ...)                                                          \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: contract broken: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                               \
      std::fputc('\n', stderr);                                                        \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

#endif  // HBAMGR_FUZZ_CHECK_H_
