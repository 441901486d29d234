// out = x with its axes permuted: out's axis i is x's axis perm[i]. Row-major, contiguous.
#pragma once
#include <cstddef>

#include "kernels/broadcast.h"

namespace gg::kernels {

template <class T>
void transpose(const T* x, const Shape& x_shape, const std::vector<int64_t>& perm, T* out);

// Calls f(out_index, src_offset) over out_shape in row-major order, src_offset starting at
// `base` and stepping by step[d] along out dim d: the walk of every strided copy (transpose,
// slice, unslice).
template <class F>
void strided_walk(const Shape& out_shape, const std::vector<int64_t>& step, int64_t base, F&& f) {
  int64_t numel = 1;
  for (int64_t d : out_shape) numel *= d;
  if (numel == 0) return;
  const size_t nd = out_shape.size();
  std::vector<int64_t> idx(nd, 0);
  int64_t src = base;
  for (int64_t o = 0; o < numel; ++o) {
    f(o, src);
    for (size_t d = nd; d-- > 0;) {
      if (++idx[d] < out_shape[d]) {
        src += step[d];
        break;
      }
      src -= step[d] * (out_shape[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace gg::kernels
