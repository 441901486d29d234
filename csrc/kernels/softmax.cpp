#include "kernels/softmax.h"

#include <algorithm>
#include <vector>

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

template <class T, class I>
T softmax_xent_rows(const T* x, const I* labels, int64_t rows, int64_t n, int64_t ignore_index, bool mean, T g,
                    T* grad) {
  detail::XentRows<T> run;
  switch (std::min(active_isa(), best_isa())) {
    case Isa::Avx512: run = avx512::xent_rows<T>(); break;
    case Isa::Avx2: run = avx2::xent_rows<T>(); break;
    default: run = portable::xent_rows<T>();
  }
  int64_t count = 0;
  for (int64_t r = 0; r < rows; ++r) count += labels[r] != ignore_index;
  const T scale = mean ? g / static_cast<T>(count) : g;
  // Rows grouped into tasks by shape alone, each task's losses summed in double in row order,
  // tasks added in order: the same bits for any thread count.
  const int64_t per_task = std::max<int64_t>(1, detail::kGrain / std::max<int64_t>(n, 1));
  const int64_t tasks = (rows + per_task - 1) / per_task;
  std::vector<double> partial(tasks, 0.0);
  auto task = [&](int64_t t) {
    const int64_t r0 = t * per_task, m = std::min(rows, r0 + per_task) - r0;
    std::vector<int64_t> valid(m);  // the label, or -1 for an ignored or out-of-range one
    std::vector<T> loss(m);
    for (int64_t k = 0; k < m; ++k) {
      const int64_t l = labels[r0 + k];
      valid[k] = l == ignore_index || l < 0 || l >= n ? -1 : l;
    }
    run(x + r0 * n, valid.data(), m, n, scale, grad ? grad + r0 * n : nullptr, loss.data());
    double s = 0;
    for (int64_t k = 0; k < m; ++k) {
      const bool ignored = labels[r0 + k] == ignore_index;
      if (valid[k] >= 0) s += loss[k];
      else if (!ignored) s += __builtin_nan("");
      if (valid[k] < 0 && grad) std::fill(grad + (r0 + k) * n, grad + (r0 + k + 1) * n, ignored ? T(0) * scale : T(0));
    }
    partial[t] = s;
  };
  if (tasks == 1) task(0);
  else if (tasks > 1) gg::parallel_for(tasks, task);
  double total = 0;
  for (double s : partial) total += s;
  return static_cast<T>(mean ? total / static_cast<double>(count) : total);
}

#define GG_XENT(T, I) \
  template T softmax_xent_rows<T, I>(const T*, const I*, int64_t, int64_t, int64_t, bool, T, T*);
GG_XENT(float, int32_t) GG_XENT(float, int64_t) GG_XENT(double, int32_t) GG_XENT(double, int64_t)
#undef GG_XENT

template void softmax_rows<float>(const float*, float*, int64_t, int64_t, SoftmaxMode);
template void softmax_rows<double>(const double*, double*, int64_t, int64_t, SoftmaxMode);

}  // namespace gg::kernels
