// Internal: a fixed split of a Broadcast loop into tasks for gg::parallel_for. The split depends
// only on the shape (never on the thread count or timing), and a task walks its rows in order,
// so reductions combined per task in task order are bit-identical for any number of threads.
// Used by the portable drivers only (elementwise.cpp, bce.cpp), not by the ISA files.
#pragma once
#include <algorithm>
#include <array>
#include <vector>

#include "kernels/broadcast.h"
#include "runtime/thread_pool.h"

namespace gg::kernels::detail {

constexpr int64_t kGrain = int64_t(1) << 15;  // elements per task: a few us of add, ~20 us of BCE

struct Split {
  int64_t rows_per_task = 1, cols_per_task = 1, col_tasks = 1, tasks = 0;
};

// Short rows are grouped kGrain / inner to a task; long rows are cut into pieces of about
// kGrain elements (multiples of 64, so vector loops see whole cache lines).
inline Split split(const Broadcast& bc) {
  Split s;
  if (bc.numel == 0) return s;
  const int64_t n = bc.inner(), rows = bc.rows();
  if (n >= kGrain) {
    s.col_tasks = (n + kGrain - 1) / kGrain;
    s.cols_per_task = ((n + s.col_tasks - 1) / s.col_tasks + 63) / 64 * 64;
    s.col_tasks = (n + s.cols_per_task - 1) / s.cols_per_task;
  } else {
    s.rows_per_task = std::max<int64_t>(1, kGrain / n);
    s.cols_per_task = n;
  }
  s.tasks = (rows + s.rows_per_task - 1) / s.rows_per_task * s.col_tasks;
  return s;
}

// Calls f(task, off, i0, len) for each row piece: off[o] is operand o's element offset at the
// start of the row (add i0 * inner stride for the piece), pieces of one task in row order.
// Tasks run on gg::parallel_for when there is more than one.
template <class F>
void for_each_piece(const Broadcast& bc, const Split& s, F&& f) {
  const int nd = static_cast<int>(bc.dims.size());
  const int64_t n = bc.inner(), rows = bc.rows();
  auto task = [&](int64_t t) {
    const int64_t rt = t / s.col_tasks, ct = t % s.col_tasks;
    const int64_t i0 = ct * s.cols_per_task, len = std::min(s.cols_per_task, n - i0);
    const int64_t r0 = rt * s.rows_per_task, r1 = std::min(rows, r0 + s.rows_per_task);
    // Odometer position of row r0 over the outer dims, then step it like for_each_row.
    std::vector<int64_t> idx(nd, 0);
    std::array<int64_t, Broadcast::kMaxOperands> off{};
    for (int64_t d = nd - 2, r = r0; d >= 0; --d) {
      idx[d] = r % bc.dims[d];
      r /= bc.dims[d];
      for (int o = 0; o < bc.n_operands; ++o) off[o] += idx[d] * bc.strides[d][o];
    }
    for (int64_t r = r0; r < r1; ++r) {
      f(t, off, i0, len);
      for (int d = nd - 2; d >= 0; --d) {
        if (++idx[d] < bc.dims[d]) {
          for (int o = 0; o < bc.n_operands; ++o) off[o] += bc.strides[d][o];
          break;
        }
        for (int o = 0; o < bc.n_operands; ++o) off[o] -= bc.strides[d][o] * (bc.dims[d] - 1);
        idx[d] = 0;
      }
    }
  };
  if (s.tasks == 1) task(0);
  else if (s.tasks > 1) gg::parallel_for(s.tasks, task);
}

}  // namespace gg::kernels::detail
