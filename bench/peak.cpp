// Standalone FMA peak probe for the Python comparison scripts (no graphgrad, no Google Benchmark):
//   c++ -O2 -pthread bench/peak.cpp -o peak && ./peak [threads...]
// prints one JSON object {"1": GFLOP/s, "2": GFLOP/s, ...}: float32 FMA rate summed over that
// many threads, the best of several 20 ms samples (a peak probe wants the unpreempted rate).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "fma_peak.h"

int main(int argc, char** argv) {
  std::vector<int> counts;
  for (int i = 1; i < argc; ++i) counts.push_back(std::atoi(argv[i]));
  if (counts.empty()) counts = {1, 2};
  std::printf("{");
  for (size_t c = 0; c < counts.size(); ++c) {
    const int threads = counts[c];
    double best = 0;
    for (int rep = 0; rep < 15; ++rep) {
      std::vector<double> flops(threads), sink(threads);
      std::vector<std::thread> pool;
      const auto t0 = std::chrono::steady_clock::now();
      for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] { flops[t] = gg_bench::fma_peak_run(1 << 20, &sink[t]); });
      for (auto& th : pool) th.join();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double total = 0;
      for (double f : flops) total += f;
      best = std::max(best, total / s * 1e-9);
    }
    std::printf("%s\"%d\": %.1f", c ? ", " : "", threads, best);
  }
  std::printf("}\n");
}
