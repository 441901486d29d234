// matmul GFLOP/s, reported as the "GFLOPS" counter (2*m*n*k per iteration, as a rate).
// Arguments: m, n, k, trans_a, trans_b, threads. Names read e.g.
//   BM_matmul<float>/512/1024/1024/0/1/2  ->  C[512,1024] = A[512,1024] * B^T, 2 threads.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/matmul.h"
#include "runtime/thread_pool.h"

namespace {

template <class T>
void BM_matmul(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const bool ta = state.range(3) != 0, tb = state.range(4) != 0;
  gg::set_num_threads(static_cast<int>(state.range(5)));
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<T> a(size_t(m * k)), b(size_t(k * n)), c(size_t(m * n));
  for (auto& x : a) x = dist(rng);
  for (auto& x : b) x = dist(rng);
  for (auto _ : state) {
    gg::kernels::matmul(a.data(), b.data(), c.data(), m, n, k, ta, tb);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * double(m) * double(n) * double(k) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

// Square sizes, and the model shapes (M, N, K) with their two gradient products:
//   forward C = A B, dA = dC B^T (M, K, N, trans_b), dB = A^T dC (K, N, M, trans_a).
void args(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (int s : {64, 128, 256, 512, 1024, 2048}) b->Args({s, s, s, 0, 0, threads});
    for (int s : {1024}) {
      b->Args({s, s, s, 1, 0, threads});
      b->Args({s, s, s, 0, 1, threads});
    }
    const int shapes[][3] = {{64, 128, 256}, {512, 1024, 1024}, {2048, 1024, 4096}};
    for (auto [M, N, K] : shapes) {
      b->Args({M, N, K, 0, 0, threads});
      b->Args({M, K, N, 0, 1, threads});
      b->Args({K, N, M, 1, 0, threads});
    }
    // small and matrix-vector shapes
    b->Args({1, 3, 5, 0, 0, threads});
    b->Args({16, 16, 16, 0, 0, threads});
    b->Args({32, 32, 32, 0, 0, threads});
    b->Args({1, 1024, 1024, 0, 0, threads});
    b->Args({1, 1024, 1024, 0, 1, threads});
    b->Args({1024, 1, 1024, 0, 0, threads});
  }
  b->ArgNames({"m", "n", "k", "ta", "tb", "thr"});
  b->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_matmul, float)->Apply(args);
BENCHMARK_TEMPLATE(BM_matmul, double)->Apply(args);

}  // namespace
