// BM_fma_peak/threads: the float32 FMA peak of this CPU (bench/fma_peak.h), as the "GFLOPS"
// counter, beside the matmul rows so their efficiency can be read as a percentage of it.
#include <benchmark/benchmark.h>

#include <vector>

#include "fma_peak.h"
#include "runtime/thread_pool.h"

namespace {

void BM_fma_peak(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  gg::set_num_threads(threads);
  constexpr int64_t kIters = 1 << 16;
  std::vector<double> sink(threads);
  double flops = 0;
  for (auto _ : state) {
    std::vector<double> f(threads);
    gg::parallel_for(threads, [&](int64_t t) { f[t] = gg_bench::fma_peak_run(kIters, &sink[t]); });
    for (double x : f) flops += x;
  }
  benchmark::DoNotOptimize(sink.data());
  state.counters["GFLOPS"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_fma_peak)->Arg(1)->Arg(2)->ArgNames({"thr"})->UseRealTime();

}  // namespace
