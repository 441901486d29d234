// graphgrad's own worker pool. Kernels split work into a fixed partition that does not depend
// on timing, so results are deterministic for any thread count.
#pragma once
#include <cstdint>
#include <functional>

namespace gg {

void set_num_threads(int n);  // n >= 1; default: the cores available to this process
int get_num_threads();

// Runs f(i) for i in [0, n) on up to get_num_threads() threads (the caller is one of them) and
// returns when all are done. Safe to call from several threads at once; a nested call runs inline.
// Each thread first runs its own contiguous part of [0, n), the same part for the same n and
// thread count on every call (the caller the first, from index 0, which it always runs itself),
// then takes over indices left in the others' parts.
void parallel_for(int64_t n, const std::function<void(int64_t)>& f);

}  // namespace gg
