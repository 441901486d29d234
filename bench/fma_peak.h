// The measured FMA peak of one core: 16 independent chains of vector FMAs, more than the
// 4-cycle latency x 2 ports needs. GEMM efficiency is reported as a percentage of this rather
// than of a datasheet figure: a VM's clock, AVX-512 frequency licences and a noisy neighbour
// are all in it. Target attributes rather than per-file -m flags because this is a probe, not a
// kernel; fma_peak_run checks the CPU first.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace gg_bench {

// One round: each of the 16 accumulators gets one FMA.
#define GG_FMA_CHAINS(V, SET1, FMA, ADD, LANES)                               \
  V acc[16];                                                                \
  const V x = SET1(1e-7f), y = SET1(0.999999f);                             \
  for (auto& a : acc) a = x;                                                \
  for (int64_t i = 0; i < iters; ++i) {                                     \
    _Pragma("GCC unroll 16") for (auto& a : acc) a = FMA(a, y, x);          \
  }                                                                         \
  V s = acc[0];                                                             \
  for (int j = 1; j < 16; ++j) s = ADD(s, acc[j]);                          \
  float out[LANES];                                                         \
  __builtin_memcpy(out, &s, sizeof(out));                                   \
  *sink += out[0];                                                          \
  return double(iters) * 16 * LANES * 2;

// float32 flops of `iters` rounds; the sum of the chains goes to *sink so nothing is dropped.
__attribute__((target("avx512f"))) inline double fma_peak_avx512(int64_t iters, double* sink) {
  GG_FMA_CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, 16)
}
__attribute__((target("avx2,fma"))) inline double fma_peak_avx2(int64_t iters, double* sink) {
  GG_FMA_CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, 8)
}
#undef GG_FMA_CHAINS

// With the widest FMA this CPU has (0 flops without FMA).
inline double fma_peak_run(int64_t iters, double* sink) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return fma_peak_avx512(iters, sink);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return fma_peak_avx2(iters, sink);
  return 0;
}

}  // namespace gg_bench
