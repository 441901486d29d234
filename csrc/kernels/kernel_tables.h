// Internal: the per-ISA inner-loop kernels behind add, sum_to and bce_*, as tables of function
// pointers. Each table is built by one generic source compiled per ISA (elementwise_simd.h,
// bce_simd.h into *_avx512.cpp, *_avx2.cpp and the portable elementwise.cpp / bce.cpp); the
// drivers in elementwise.cpp / bce.cpp walk the Broadcast, split the work and pick the table
// from active_isa(). Tests use the tables directly for the math accuracy checks.
#pragma once
#include <cstdint>

#include "kernels/bce.h"
#include "kernels/cpu.h"

namespace gg::kernels::detail {

// Column-sum blocks: [M, N] -> [N] sums a block of up to kColBlock columns over all rows into a
// buffer that stays in L1, kColRowGroup rows at a time (then adds the group into the output, so a
// float32 column sum carries about kColRowGroup + M / kColRowGroup roundings, not M).
constexpr int64_t kColBlock = 1024;
constexpr int64_t kColRowGroup = 256;

template <class T>
struct EltwiseKernels {
  // acc[i] += x[i].
  void (*acc_row)(const T* x, T* acc, int64_t n);
  // Sum of x[0, n), pairwise over blocks of vectors: a fixed order, error O(log n) roundings.
  T (*row_sum)(const T* x, int64_t n);
  // out[j] += sum over r < rows of x[r * ld + j], for j < ncols <= kColBlock.
  void (*col_sum)(const T* x, int64_t rows, int64_t ld, T* out, int64_t ncols);
};

// One inner row of a BCE loop. w and pw are never null here (the driver points an absent one at
// a constant 1 with stride 0); g is read by the backward only.
template <class T>
struct BceRow {
  const T *x, *y, *w, *pw, *g;
  int64_t sw, spw, sg;  // inner strides, 0 or 1 (x, y and out are contiguous)
  T* out;
  T* dx;                // the fused forward + backward: where the logits' gradient goes
  int64_t n;
  T gscale;             // 1, or 1 / numel for Mean
};

template <class T>
struct BceKernels {
  void (*forward)(const BceRow<T>& r);          // out[i] = loss
  double (*forward_sum)(const BceRow<T>& r);    // sum of the losses, double accumulator
  void (*backward)(const BceRow<T>& r, BceWrt wrt);
  // Loss (into out, or summed when out is null) and its logits gradient (into dx), one exp each.
  double (*fused)(const BceRow<T>& r);
  // The math under the kernels, on arrays (for the accuracy tests).
  void (*exp_neg)(const T* a, T* out, int64_t n);    // exp(a), a <= 0
  void (*log1p01)(const T* e, T* out, int64_t n);    // log1p(e), 0 <= e <= 1
};

// The tables for the active ISA (or a given one, clamped to what the build and CPU have).
// float64 BCE always uses the portable table (std::exp / std::log1p).
template <class T>
const EltwiseKernels<T>& eltwise_kernels(Isa isa);
template <class T>
const BceKernels<T>& bce_kernels(Isa isa);

}  // namespace gg::kernels::detail

// One definition of each table per ISA namespace.
namespace gg::kernels::avx512 {
template <class T> const detail::EltwiseKernels<T>& eltwise_table();
template <class T> const detail::BceKernels<T>& bce_table();
}
namespace gg::kernels::avx2 {
template <class T> const detail::EltwiseKernels<T>& eltwise_table();
template <class T> const detail::BceKernels<T>& bce_table();
}
namespace gg::kernels::portable {
template <class T> const detail::EltwiseKernels<T>& eltwise_table();
template <class T> const detail::BceKernels<T>& bce_table();
}
