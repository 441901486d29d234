// The direct (unpacked) matmul path for tiny problems and matrix-vector shapes, where packing
// costs more than it saves. Dot products use the ISA's vector traits (S: load, fma, ...); the
// axpy loops are plain loops that gcc vectorizes. Each ISA file includes this and instantiates
// it under its own -m flags; everything is in an unnamed namespace so the per-ISA copies never
// get merged by the linker. For the same reason no std:: algorithm over float data is used
// here: an out-of-line std::fill<float*> compiled for AVX-512 could be the copy the linker
// keeps for the portable path too.
//
// Every element of C is produced by the same sequence of operations whatever sub-range
// [i0,i1) x [j0,j1) the call covers, so splitting the output over threads does not change
// any bit of the result.
#pragma once
#include <algorithm>
#include <cstdint>

namespace gg::kernels::detail {
namespace {

// The vector-traits interface for scalar code: the portable build's "vector" is one element.
template <class Scalar>
struct ScalarTraits {
  using T = Scalar;
  using V = Scalar;
  static constexpr int kWidth = 1;
  static V zero() { return V(0); }
  static V loadu(const T* p) { return *p; }
  static V load_partial(const T* p, int) { return *p; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V add(V a, V b) { return a + b; }
  static T hsum(V v) { return v; }
};

// Four dot products x[r] . y[r] at once (four streams in flight; x or y may repeat a pointer),
// each over NV vectors of partial sums to hide FMA latency, combined in a fixed order. The
// tail uses zero-filled partial loads: adding 0*0 leaves a partial sum unchanged. Every dot
// product of the direct path goes through here, so an element's bits never depend on which
// other outputs it was computed with.
template <class S, int NV>
void dot4(const typename S::T* const x[4], const typename S::T* const y[4], int64_t n, typename S::T* out,
          int64_t out_stride) {
  using V = typename S::V;
  constexpr int W = S::kWidth;
  V acc[4][NV];
  for (int r = 0; r < 4; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = S::zero();
  int64_t p = 0;
  for (; p + NV * W <= n; p += NV * W)
    for (int v = 0; v < NV; ++v)
      for (int r = 0; r < 4; ++r)
        acc[r][v] = S::fma(S::loadu(x[r] + p + v * W), S::loadu(y[r] + p + v * W), acc[r][v]);
  for (int v = 0; p < n; ++v, p += W) {
    const int count = static_cast<int>(std::min<int64_t>(W, n - p));
    for (int r = 0; r < 4; ++r)
      acc[r][v] = S::fma(S::load_partial(x[r] + p, count), S::load_partial(y[r] + p, count), acc[r][v]);
  }
  for (int r = 0; r < 4; ++r) {
    V sum = acc[r][0];
    for (int v = 1; v < NV; ++v) sum = S::add(sum, acc[r][v]);
    out[r * out_stride] = S::hsum(sum);
  }
}

// y[0:n] += sum_{r<rows} s[r * s_stride] * x[r * ldx + 0:n], one row after another in order.
// Four rows per pass over y: the chain y + s0*x0 + s1*x1 + ... is the same sequence of
// (fused) multiply-adds as four separate passes, with a quarter of the y loads and stores.
template <class T>
void axpy_rows(const T* s, int64_t s_stride, const T* x, int64_t ldx, int64_t rows, T* __restrict y, int64_t n) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const T s0 = s[r * s_stride], s1 = s[(r + 1) * s_stride], s2 = s[(r + 2) * s_stride],
            s3 = s[(r + 3) * s_stride];
    const T* __restrict x0 = x + r * ldx;
    const T* __restrict x1 = x0 + ldx;
    const T* __restrict x2 = x1 + ldx;
    const T* __restrict x3 = x2 + ldx;
    for (int64_t j = 0; j < n; ++j) y[j] = y[j] + s0 * x0[j] + s1 * x1[j] + s2 * x2[j] + s3 * x3[j];
  }
  for (; r < rows; ++r) {
    const T s0 = s[r * s_stride];
    const T* __restrict x0 = x + r * ldx;
    for (int64_t j = 0; j < n; ++j) y[j] = y[j] + s0 * x0[j];
  }
}

// c[i0:i1, j0:j1] of op(A) op(B). Three loop orders, picked by which operand runs are
// contiguous in memory:
//   row axpy:    C row i  = sum_p op(A)[i,p] * op(B) row p     (op(B) rows contiguous: !trans_b)
//   dot:         C[i,j]   = op(A) row i . op(B) column j      (both contiguous)
//   column axpy: C col j  = sum_p op(B)[p,j] * op(A) column p (op(A) columns contiguous: trans_a)
template <class S, int NV, class T = typename S::T>
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
        for (int64_t r = 0; r < len; ++r) col[r] = T(0);
        axpy_rows(b + j * b_cj, b_rp, a + r0, m, k, col, len);
        for (int64_t r = 0; r < len; ++r) c[(r0 + r) * n + j] = col[r];
      }
  } else if (trans_b || n == 1) {
    // dot: op(A) rows are contiguous (a_rows), and so are op(B) columns (b_rp == 1). Four
    // outputs at a time along j, or along i for a single column.
    const auto A = [&](int64_t i) { return a + i * a_ri; };
    const auto B = [&](int64_t j) { return b + j * b_cj; };
    T spare[4];
    for (int64_t i = i0; i < i1; ++i) {
      int64_t j = j0;
      if (j1 - j0 >= 4) {
        for (; j + 4 <= j1; j += 4) {
          const T* xs[4] = {A(i), A(i), A(i), A(i)};
          const T* ys[4] = {B(j), B(j + 1), B(j + 2), B(j + 3)};
          dot4<S, NV>(xs, ys, k, c + i * n + j, 1);
        }
      } else if (i + 4 <= i1) {
        for (; j < j1; ++j) {
          const T* xs[4] = {A(i), A(i + 1), A(i + 2), A(i + 3)};
          const T* ys[4] = {B(j), B(j), B(j), B(j)};
          dot4<S, NV>(xs, ys, k, c + i * n + j, n);
        }
        i += 3;
        continue;
      }
      for (; j < j1; ++j) {
        const T* xs[4] = {A(i), A(i), A(i), A(i)};
        const T* ys[4] = {B(j), B(j), B(j), B(j)};
        dot4<S, NV>(xs, ys, k, spare, 1);
        c[i * n + j] = spare[0];
      }
    }
  } else {
    // row axpy
    for (int64_t i = i0; i < i1; ++i) {
      T* crow = c + i * n;
      for (int64_t j = j0; j < j1; ++j) crow[j] = T(0);
      axpy_rows(a + i * a_ri, a_cp, b + j0, n, k, crow + j0, j1 - j0);
    }
  }
}

}  // namespace
}  // namespace gg::kernels::detail
