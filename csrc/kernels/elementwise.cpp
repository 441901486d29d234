#include "kernels/elementwise.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu.h"
#include "kernels/elementwise_simd.h"  // the portable (scalar) instance of the inner loops
#include "kernels/partition.h"
#include "runtime/thread_pool.h"

namespace gg::kernels {

// Walks x in row-major order and adds each element into its output slot: a fixed order.
template <class T>
void sum_to_ref(const T* x, const Shape& x_shape, T* out, const Shape& out_shape) {
  Broadcast bc(x_shape, {out_shape});
  int64_t out_numel = 1;
  for (int64_t d : out_shape) out_numel *= d;
  std::fill(out, out + out_numel, T(0));
  const int64_t n = bc.inner(), so = bc.inner_stride(1);
  bc.for_each_row([&](const auto& off) {
    const T* px = x + off[0];
    T* po = out + off[1];
    for (int64_t i = 0; i < n; ++i) po[i * so] += px[i];
  });
}

template <class T>
const detail::EltwiseKernels<T>& detail::eltwise_kernels(Isa isa) {
  switch (std::min(isa, best_isa())) {
    case Isa::Avx512: return avx512::eltwise_table<T>();
    case Isa::Avx2: return avx2::eltwise_table<T>();
    default: return portable::eltwise_table<T>();
  }
}

namespace {

// Sum of a long contiguous run: fixed chunks (in parallel), each summed pairwise, and the chunk
// sums summed pairwise in chunk order. The chunking depends on n only.
template <class T>
T long_sum(const detail::EltwiseKernels<T>& k, const T* x, int64_t n) {
  constexpr int64_t kChunk = int64_t(1) << 16;
  if (n <= kChunk) return k.row_sum(x, n);
  std::vector<T> part((n + kChunk - 1) / kChunk);
  gg::parallel_for(static_cast<int64_t>(part.size()), [&](int64_t c) {
    part[c] = k.row_sum(x + c * kChunk, std::min(kChunk, n - c * kChunk));
  });
  return k.row_sum(part.data(), static_cast<int64_t>(part.size()));
}

}  // namespace

template <class T>
void sum_to(const T* x, const Shape& x_shape, T* out, const Shape& out_shape) {
  int64_t out_numel = 1, x_numel = 1;
  for (int64_t d : out_shape) out_numel *= d;
  for (int64_t d : x_shape) x_numel *= d;
  if (out_numel == x_numel) {  // only size-1 dims differ: nothing to reduce
    std::copy(x, x + x_numel, out);
    return;
  }
  std::fill(out, out + out_numel, T(0));
  if (x_numel == 0) return;
  const auto& k = detail::eltwise_kernels<T>(active_isa());
  const Broadcast bc(x_shape, {out_shape});
  const int nd = static_cast<int>(bc.dims.size());
  const int64_t n = bc.inner(), rows = bc.rows();

  if (bc.inner_stride(1) == 1) {
    if (nd == 2 && bc.strides[0][1] == 0) {  // [M, N] -> [N]: column blocks are independent
      const int64_t blocks = (n + detail::kColBlock - 1) / detail::kColBlock;
      gg::parallel_for(blocks, [&](int64_t b) {
        const int64_t j0 = b * detail::kColBlock;
        k.col_sum(x + j0, rows, n, out + j0, std::min(detail::kColBlock, n - j0));
      });
      return;
    }
    // General: add each row of x into its output row, rows in row-major order (serial: several
    // rows may land on the same output row).
    bc.for_each_row([&](const auto& off) { k.acc_row(x + off[0], out + off[1], n); });
    return;
  }

  // Inner stride 0: each row of x sums to one output element.
  if (nd == 1 || (nd == 2 && bc.strides[0][1] != 0)) {  // [M*N] -> [] or [M, N] -> [M, 1]
    const int64_t so = nd == 1 ? 0 : bc.strides[0][1];
    const int64_t per_task = std::max<int64_t>(1, detail::kGrain / n);
    gg::parallel_for((rows + per_task - 1) / per_task, [&](int64_t t) {
      for (int64_t r = t * per_task, r1 = std::min(rows, r + per_task); r < r1; ++r)
        out[r * so] = long_sum(k, x + r * n, n);
    });
    return;
  }
  bc.for_each_row([&](const auto& off) { out[off[1]] += long_sum(k, x + off[0], n); });
}

#define GG_INSTANTIATE(T)                                                                 \
  template void sum_to_ref<T>(const T*, const Shape&, T*, const Shape&);                  \
  template void sum_to<T>(const T*, const Shape&, T*, const Shape&);                      \
  template const detail::EltwiseKernels<T>& detail::eltwise_kernels<T>(Isa);
GG_INSTANTIATE(float)
GG_INSTANTIATE(double)

}  // namespace gg::kernels
