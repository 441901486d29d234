#include "kernels/softmax.h"

#include <algorithm>

#include "kernels/partition.h"
#include "kernels/softmax_simd.h"  // the portable instance

namespace gg::kernels {

template <class T>
void softmax_rows(const T* x, T* out, int64_t rows, int64_t n, SoftmaxMode mode) {
  detail::SoftmaxRow<T> row;
  switch (std::min(active_isa(), best_isa())) {
    case Isa::Avx512: row = avx512::softmax_row<T>(); break;
    case Isa::Avx2: row = avx2::softmax_row<T>(); break;
    default: row = portable::softmax_row<T>();
  }
  const int64_t out_n = mode == SoftmaxMode::LogSumExp ? 1 : n;
  const int64_t per_task = std::max<int64_t>(1, detail::kGrain / std::max<int64_t>(n, 1));
  const int64_t tasks = (rows + per_task - 1) / per_task;
  auto task = [&](int64_t t) {
    for (int64_t r = t * per_task, r1 = std::min(rows, r + per_task); r < r1; ++r) row(x + r * n, out + r * out_n, n, mode);
  };
  if (tasks == 1) task(0);
  else if (tasks > 1) gg::parallel_for(tasks, task);
}

template void softmax_rows<float>(const float*, float*, int64_t, int64_t, SoftmaxMode);
template void softmax_rows<double>(const double*, double*, int64_t, int64_t, SoftmaxMode);

}  // namespace gg::kernels
