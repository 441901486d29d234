#include "runtime/thread_pool.h"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace gg {

namespace {
int g_num_threads = std::max(1u, std::thread::hardware_concurrency());
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: n must be >= 1");
  g_num_threads = n;
}
int get_num_threads() { return g_num_threads; }

// Serial for now: the pool proper comes with the fast kernels.
void parallel_for(int64_t n, const std::function<void(int64_t)>& f) {
  for (int64_t i = 0; i < n; ++i) f(i);
}

}  // namespace gg
