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

// Four dot products x_r . y_r at once (several streams in flight, shared loads when x or y
// repeat), each over kLanes independent partial sums added up in a fixed order: vectorizes
// without -ffast-math and hides FMA latency. Every dot product goes through this one function
// (leftovers repeat a pointer pair), so an element's bits do not depend on its neighbours:
// gcc may vectorize a one-output version differently, and did.
template <class T, int kLanes>
void dot4(const T* x0, const T* x1, const T* x2, const T* x3, const T* y0, const T* y1, const T* y2,
          const T* y3, int64_t n, T* out, int64_t out_stride) {
  T acc[4][kLanes] = {};
  int64_t p = 0;
  for (; p + kLanes <= n; p += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      acc[0][l] += x0[p + l] * y0[p + l];
      acc[1][l] += x1[p + l] * y1[p + l];
      acc[2][l] += x2[p + l] * y2[p + l];
      acc[3][l] += x3[p + l] * y3[p + l];
    }
  }
  for (int l = 0; p < n; ++p, ++l) {
    acc[0][l] += x0[p] * y0[p];
    acc[1][l] += x1[p] * y1[p];
    acc[2][l] += x2[p] * y2[p];
    acc[3][l] += x3[p] * y3[p];
  }
  for (int r = 0; r < 4; ++r) {
    for (int w = kLanes / 2; w > 0; w /= 2)
      for (int l = 0; l < w; ++l) acc[r][l] += acc[r][l + w];
    out[r * out_stride] = acc[r][0];
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
        for (; j + 4 <= j1; j += 4)
          dot4<T, kLanes>(A(i), A(i), A(i), A(i), B(j), B(j + 1), B(j + 2), B(j + 3), k, c + i * n + j, 1);
      } else if (i + 4 <= i1) {
        for (; j < j1; ++j)
          dot4<T, kLanes>(A(i), A(i + 1), A(i + 2), A(i + 3), B(j), B(j), B(j), B(j), k, c + i * n + j, n);
        i += 3;
        continue;
      }
      for (; j < j1; ++j) {
        dot4<T, kLanes>(A(i), A(i), A(i), A(i), B(j), B(j), B(j), B(j), k, spare, 1);
        c[i * n + j] = spare[0];
      }
    }
  } else {
    // row axpy
    for (int64_t i = i0; i < i1; ++i) {
      T* crow = c + i * n;
      std::fill(crow + j0, crow + j1, T(0));
      axpy_rows(a + i * a_ri, a_cp, b + j0, n, k, crow + j0, j1 - j0);
    }
  }
}

}  // namespace
}  // namespace gg::kernels::detail
