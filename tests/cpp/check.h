// A tiny assert-style runner for C++ unit tests registered with ctest: CHECK records a failure
// with its line and goes on; main returns non-zero if anything failed.
#pragma once
#include <cstdio>

inline int g_check_failures = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++g_check_failures;                                                  \
    }                                                                      \
  } while (0)

#define CHECK_MSG(cond, ...)                                               \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                   \
      std::fprintf(stderr, "\n");                                          \
      ++g_check_failures;                                                  \
    }                                                                      \
  } while (0)

#define CHECK_MAIN_RESULT() (g_check_failures == 0 ? 0 : (std::fprintf(stderr, "%d check(s) failed\n", g_check_failures), 1))
