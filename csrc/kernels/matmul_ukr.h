// Microkernel and packing templates, instantiated by each ISA file under its own -m flags.
// In an unnamed namespace so the per-ISA copies are never merged by the linker (an AVX-512
// instantiation must not stand in for the portable one).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "kernels/matmul_internal.h"

namespace gg::kernels::detail {
namespace {

// One MR x (NV * S::kWidth) tile held in registers. S wraps one vector type (load, broadcast,
// fma, ...). Per k step: NV vector loads of the B row, MR broadcasts of A, MR * NV FMAs. Edge
// tiles get their own MR (no padded rows computed) and masked loads and stores for a partial
// last vector (no bounce buffer). A is read as columns (kRows false: element (i, p) at
// pa[i + p*as], a packed panel with as = MR, or op(A) in place with trans_a) or as rows (kRows:
// at pa[i*as + p], op(A) in place without trans_a). For rows, the MR row addresses are kept as
// a base pointer every third row plus 0, 1 or 2 row strides (x86 scaled-index addressing), so
// 5 pointers, not 14, step along k.
template <class S, bool kRows, int MR, int NV>
void ukr_simd(int64_t kc, const typename S::T* pa, int64_t as, const typename S::T* pb, int64_t ldb,
              typename S::T* c, int64_t ldc, int nr, const TileEpilogue<typename S::T>& e) {
  using T = typename S::T;
  using V = typename S::V;
  constexpr int W = S::kWidth;
  constexpr int NB = (MR + 2) / 3;
  const char* base[NB];
  const int64_t row_bytes = as * int64_t(sizeof(T));
  for (int q = 0; q < NB; ++q) base[q] = reinterpret_cast<const char*>(pa) + 3 * q * row_bytes;
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
    for (int v = 0; v < NV; ++v) bv[v] = S::loadu(pb + v * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const V ai = kRows ? S::broadcast(reinterpret_cast<const T*>(base[i / 3] + (i % 3) * row_bytes))
                         : S::broadcast(pa + i);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = S::fma(ai, bv[v], acc[i][v]);
    }
    if constexpr (kRows) {
#pragma GCC unroll 8
      for (int q = 0; q < NB; ++q) base[q] += sizeof(T);
    } else {
      pa += as;
    }
    pb += ldb;
  }
  const V alpha = S::set1(e.alpha);
  const bool scale = e.alpha != T(1);
  if (!scale && !e.bias && !e.relu && !e.mask && nr == NV * W) {
    // The common full tile with nothing to fuse: no per-element tests in the way.
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        T* cp = c + i * ldc + v * W;
        S::storeu(cp, e.load_c ? S::add(acc[i][v], S::loadu(cp)) : acc[i][v]);
      }
    return;
  }
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const int lanes = std::clamp(nr - v * W, 0, W);
    if (lanes == 0) break;
    const auto load = [&](const T* p) { return lanes == W ? S::loadu(p) : S::load_partial(p, lanes); };
    const V bias = e.bias ? load(e.bias + v * W) : S::zero();
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      T* cp = c + i * ldc + v * W;
      V x = acc[i][v];
      if (scale) x = S::mul(x, alpha);
      if (e.load_c) x = S::add(x, load(cp));
      if (e.bias) x = S::add(x, bias);
      if (e.relu) x = S::max0(x);
      if (e.mask) x = S::keep_if_positive(load(e.mask + i * e.ldm + v * W), x);
      if (lanes == W) S::storeu(cp, x);
      else S::store_partial(cp, x, lanes);
    }
  }
}

// The portable microkernel: the same computation and epilogue in scalar C++.
template <class T, bool kRows, int MR, int NR>
void ukr_scalar(int64_t kc, const T* pa, int64_t as, const T* pb, int64_t ldb, T* c, int64_t ldc, int nr,
                const TileEpilogue<T>& e) {
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += (kRows ? pa[i * as + p] : pa[i + p * as]) * pb[j];
    pb += ldb;
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < nr; ++j) {
      T x = acc[i][j];
      if (e.alpha != T(1)) x *= e.alpha;
      if (e.load_c) x += c[i * ldc + j];
      if (e.bias) x += e.bias[j];
      if (e.relu) x = x > T(0) ? x : T(0);
      if (e.mask) x = e.mask[i * e.ldm + j] > T(0) ? x : T(0);
      c[i * ldc + j] = x;
    }
}

// The tables [rows][nv - 1][mr - 1] of microkernels for every edge shape of a PMR-row tile.
template <class S, int PMR, int NVMAX>
UkrTable<typename S::T> ukr_table_simd() {
  static_assert(NVMAX >= 1 && NVMAX <= kMaxNv && PMR <= kMaxMr);
  UkrTable<typename S::T> t{};
  [&]<int... Ms>(std::integer_sequence<int, Ms...>) {
    ((t[0][0][Ms] = ukr_simd<S, false, Ms + 1, 1>), ...);
    ((t[1][0][Ms] = ukr_simd<S, true, Ms + 1, 1>), ...);
    if constexpr (NVMAX == 2) {
      ((t[0][1][Ms] = ukr_simd<S, false, Ms + 1, 2>), ...);
      ((t[1][1][Ms] = ukr_simd<S, true, Ms + 1, 2>), ...);
    }
  }(std::make_integer_sequence<int, PMR>{});
  return t;
}
template <class T, int PMR, int NR>
UkrTable<T> ukr_table_scalar() {
  UkrTable<T> t{};
  [&]<int... Ms>(std::integer_sequence<int, Ms...>) {
    ((t[0][0][Ms] = ukr_scalar<T, false, Ms + 1, NR>), ...);
    ((t[1][0][Ms] = ukr_scalar<T, true, Ms + 1, NR>), ...);
  }(std::make_integer_sequence<int, PMR>{});
  return t;
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
