// The direct (unpacked) matmul path for tiny problems and matrix-vector shapes, where packing
// and threading cost more than they save. Plain loops written so that gcc vectorizes them;
// each ISA file includes this and instantiates it under its own -m flags. Everything is in an
// unnamed namespace so the per-ISA copies never get merged by the linker.
//
// Every element of C is produced by the same sequence of operations whatever sub-range
// [i0,i1) x [j0,j1) the call covers, so splitting the output over threads does not change
// any bit of the result.
#pragma once
#include <algorithm>
#include <cstdint>

namespace gg::kernels::detail {
namespace {

// Dot product over `lanes` independent partial sums (several vector registers' worth, to hide
// FMA latency), added up in a fixed order: vectorizes without -ffast-math, deterministic.
template <class T, int kLanes>
T dot(const T* __restrict x, const T* __restrict y, int64_t n) {
  T acc[kLanes] = {};
  int64_t p = 0;
  for (; p + kLanes <= n; p += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += x[p + l] * y[p + l];
  for (int l = 0; p < n; ++p, ++l) acc[l] += x[p] * y[p];
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
  return acc[0];
}

// y[0:n] += s * x[0:n]
template <class T>
inline void axpy(T s, const T* __restrict x, T* __restrict y, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] += s * x[j];
}

// c[i0:i1, j0:j1] of op(A) op(B). Three loop orders, picked by which operand runs are
// contiguous in memory:
//   row axpy:    C row i  = sum_p op(A)[i,p] * op(B) row p     (op(B) rows contiguous: !trans_b)
//   dot:         C[i,j]   = op(A) row i . op(B) column j      (both contiguous)
//   column axpy: C col j  = sum_p op(B)[p,j] * op(A) column p (op(A) columns contiguous: trans_a)
template <class T, int kLanes>
void small_gemm(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
                int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const int64_t a_ri = trans_a ? 1 : k, a_cp = trans_a ? m : 1;  // op(A)[i,p] = a[i*a_ri + p*a_cp]
  const int64_t b_rp = trans_b ? 1 : n, b_cj = trans_b ? k : 1;  // op(B)[p,j] = b[p*b_rp + j*b_cj]
  const bool a_rows = a_cp == 1;  // op(A) rows contiguous: !trans_a, or m == 1
  if (n == 1 ? !a_rows : trans_a && trans_b && m > 1) {
    // column axpy, through a small contiguous buffer because C columns are strided
    constexpr int64_t kChunk = 256;
    T col[kChunk];
    for (int64_t j = j0; j < j1; ++j)
      for (int64_t r0 = i0; r0 < i1; r0 += kChunk) {
        const int64_t len = std::min(kChunk, i1 - r0);
        std::fill(col, col + len, T(0));
        for (int64_t p = 0; p < k; ++p) axpy(b[p * b_rp + j * b_cj], a + p * m + r0, col, len);
        for (int64_t r = 0; r < len; ++r) c[(r0 + r) * n + j] = col[r];
      }
  } else if (trans_b || n == 1) {
    // op(A) rows are contiguous (a_rows), and op(B) columns are (b_rp == 1)
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = j0; j < j1; ++j) c[i * n + j] = dot<T, kLanes>(a + i * a_ri, b + j * b_cj, k);
  } else {
    for (int64_t i = i0; i < i1; ++i) {
      T* crow = c + i * n;
      std::fill(crow + j0, crow + j1, T(0));
      for (int64_t p = 0; p < k; ++p) axpy(a[i * a_ri + p * a_cp], b + p * n + j0, crow + j0, j1 - j0);
    }
  }
}

}  // namespace
}  // namespace gg::kernels::detail
