// Microkernel and packing templates, instantiated by each ISA file under its own -m flags.
// In an unnamed namespace so the per-ISA copies are never merged by the linker (an AVX-512
// instantiation must not stand in for the portable one).
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/matmul_internal.h"

namespace gg::kernels::detail {
namespace {

// One MR x (NV * S::kWidth) tile held in registers. S wraps one vector type (load, broadcast,
// fma, ...). Per k step: NV vector loads of the B panel row, MR broadcasts of A, MR * NV FMAs.
template <class S, int MR, int NV>
void ukr_simd(int64_t kc, const typename S::T* pa, const typename S::T* pb, typename S::T* c, int64_t ldc,
              bool accumulate) {
  using V = typename S::V;
  constexpr int W = S::kWidth;
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = S::zero();
  // C is touched only after the k loop; start bringing it in now.
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    __builtin_prefetch(c + i * ldc, 1);
    __builtin_prefetch(c + i * ldc + NV * W - 1, 1);
  }
#pragma GCC unroll 2
  for (int64_t p = 0; p < kc; ++p) {
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = S::load(pb + v * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const V ai = S::broadcast(pa + i);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = S::fma(ai, bv[v], acc[i][v]);
    }
    pa += MR;
    pb += NV * W;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      typename S::T* cp = c + i * ldc + v * W;
      S::storeu(cp, accumulate ? S::add(acc[i][v], S::loadu(cp)) : acc[i][v]);
    }
}

// The portable microkernel: the same shape of computation in scalar C++.
template <class T, int MR, int NR>
void ukr_scalar(int64_t kc, const T* pa, const T* pb, T* c, int64_t ldc, bool accumulate) {
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += pa[i] * pb[j];
    pa += MR;
    pb += NR;
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) c[i * ldc + j] = accumulate ? acc[i][j] + c[i * ldc + j] : acc[i][j];
}

// Packs a `rows` x kc slice (element (r, p) at src[r*rs + p*cs]) into a panel of R-row
// columns: dst[p*R + r], rows past `rows` zero-filled. This is where transposes happen: A
// panels (R = MR) read op(A) rows, B panels (R = NR) read op(B) columns.
template <class T>
void pack_panel(const T* src, int64_t rs, int64_t cs, int64_t rows, int64_t kc, int R, T* dst) {
  if (rs == 1) {  // the R values for one p are contiguous: straight copies
    for (int64_t p = 0; p < kc; ++p) {
      const T* s = src + p * cs;
      T* d = dst + p * R;
      for (int64_t r = 0; r < rows; ++r) d[r] = s[r];
      for (int64_t r = rows; r < R; ++r) d[r] = T(0);
    }
    return;
  }
  // Strided: each of the `rows` source runs is contiguous in p; walk them side by side.
  for (int64_t p = 0; p < kc; ++p) {
    T* d = dst + p * R;
    for (int64_t r = 0; r < rows; ++r) d[r] = src[r * rs + p * cs];
    for (int64_t r = rows; r < R; ++r) d[r] = T(0);
  }
}

}  // namespace
}  // namespace gg::kernels::detail
