#include "kernels/transpose.h"

#include <algorithm>

namespace gg::kernels {

namespace {
// The 2-D case in tiles, so both the reads and the writes stay within a few cache lines.
template <class T>
void transpose2d(const T* x, int64_t rows, int64_t cols, T* out) {
  constexpr int64_t kTile = 32;
  for (int64_t i0 = 0; i0 < rows; i0 += kTile)
    for (int64_t j0 = 0; j0 < cols; j0 += kTile)
      for (int64_t i = i0, ie = std::min(rows, i0 + kTile); i < ie; ++i)
        for (int64_t j = j0, je = std::min(cols, j0 + kTile); j < je; ++j) out[j * rows + i] = x[i * cols + j];
}
}  // namespace

template <class T>
void transpose(const T* x, const Shape& x_shape, const std::vector<int64_t>& perm, T* out) {
  const size_t nd = x_shape.size();
  if (nd == 2 && perm[0] == 1) return transpose2d(x, x_shape[0], x_shape[1], out);
  // Walk out in order; the source steps by x's stride of the permuted axis.
  std::vector<int64_t> x_stride(nd, 1), out_shape(nd), step(nd);
  for (size_t d = nd; d-- > 1;) x_stride[d - 1] = x_stride[d] * x_shape[d];
  for (size_t i = 0; i < nd; ++i) {
    out_shape[i] = x_shape[perm[i]];
    step[i] = x_stride[perm[i]];
  }
  strided_walk(out_shape, step, 0, [&](int64_t o, int64_t src) { out[o] = x[src]; });
}

// By element size: a transpose moves bits, whatever they mean.
template void transpose<uint8_t>(const uint8_t*, const Shape&, const std::vector<int64_t>&, uint8_t*);
template void transpose<uint16_t>(const uint16_t*, const Shape&, const std::vector<int64_t>&, uint16_t*);
template void transpose<uint32_t>(const uint32_t*, const Shape&, const std::vector<int64_t>&, uint32_t*);
template void transpose<uint64_t>(const uint64_t*, const Shape&, const std::vector<int64_t>&, uint64_t*);

}  // namespace gg::kernels
