// The inner loops of sum_to, generic over Vec<T> (simd.h). Included once by
// elementwise_avx512.cpp, elementwise_avx2.cpp and elementwise.cpp (portable), each of which
// gets its own copy in its own namespace.
#pragma once
#include "kernels/kernel_tables.h"
#include "kernels/simd.h"

namespace gg::kernels::GG_SIMD_NS {

template <class T>
void acc_row(const T* x, T* acc, int64_t n) {
  using S = Vec<T>;
  // Aligned on x, the stream from memory; acc is a cache-resident block in the column sums.
  for_lanes_aligned<S>(n, x, [&](int64_t i, int m) { S::store(acc + i, S::load(acc + i, m) + S::load(x + i, m), m); });
}

// Blocks of 128 vectors go through four vector accumulators (32 additions per lane, and
// independent chains to hide the add latency); blocks combine pairwise.
template <class S>
typename S::V sum_block(const typename S::T* x, int64_t n) {
  using V = typename S::V;
  constexpr int W = S::W;
  V a0{}, a1{}, a2{}, a3{};
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 += S::load(x + i);
    a1 += S::load(x + i + W);
    a2 += S::load(x + i + 2 * W);
    a3 += S::load(x + i + 3 * W);
  }
  for_lanes<S>(n - i, [&](int64_t j, int m) { a0 += S::load(x + i + j, m); });
  return (a0 + a1) + (a2 + a3);
}

template <class S>
typename S::V sum_pairwise(const typename S::T* x, int64_t n) {
  if (n <= 128 * S::W) return sum_block<S>(x, n);
  const int64_t half = (n / 2 + S::W - 1) / S::W * S::W;  // split on a vector boundary
  return sum_pairwise<S>(x, half) + sum_pairwise<S>(x + half, n - half);
}

template <class T>
T row_sum(const T* x, int64_t n) {
  using S = Vec<T>;
  return S::hsum(sum_pairwise<S>(x, n));
}

template <class T>
void col_sum(const T* x, int64_t rows, int64_t ld, T* out, int64_t ncols) {
  T group[detail::kColBlock];
  for (int64_t r0 = 0; r0 < rows; r0 += detail::kColRowGroup) {
    const int64_t r1 = r0 + detail::kColRowGroup < rows ? r0 + detail::kColRowGroup : rows;
    for (int64_t j = 0; j < ncols; ++j) group[j] = x[r0 * ld + j];
    for (int64_t r = r0 + 1; r < r1; ++r) acc_row<T>(x + r * ld, group, ncols);
    acc_row<T>(group, out, ncols);
  }
}

template <class T>
const detail::EltwiseKernels<T>& eltwise_table() {
  static const detail::EltwiseKernels<T> k{&acc_row<T>, &row_sum<T>, &col_sum<T>};
  return k;
}
template const detail::EltwiseKernels<float>& eltwise_table<float>();
template const detail::EltwiseKernels<double>& eltwise_table<double>();

}  // namespace gg::kernels::GG_SIMD_NS
