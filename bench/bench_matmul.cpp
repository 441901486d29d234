// matmul GFLOP/s, reported as the "GFLOPS" counter (2*m*n*k per iteration, as a rate).
// Arguments: m, n, k, trans_a, trans_b, threads. Names read e.g.
//   BM_matmul<float>/m:512/n:1024/k:1024/ta:0/tb:1/thr:2  ->  C[512,1024] = A[512,1024] * B^T, 2 threads.
// With OpenBLAS found at configure time, BM_openblas<T> rows run cblas_?gemm at the same shapes
// (after all graphgrad rows, so OpenBLAS's spinning workers never share the CPUs with ours).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/matmul.h"
#include "runtime/thread_pool.h"

#ifdef GG_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

template <class T>
struct Operands {
  std::vector<T> a, b, c;
  Operands(int64_t m, int64_t n, int64_t k) : a(size_t(m * k)), b(size_t(k * n)), c(size_t(m * n)) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    for (auto& x : a) x = dist(rng);
    for (auto& x : b) x = dist(rng);
  }
};

void set_flops(benchmark::State& state) {
  const double m = double(state.range(0)), n = double(state.range(1)), k = double(state.range(2));
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * m * n * k * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

template <class T>
void BM_matmul(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const bool ta = state.range(3) != 0, tb = state.range(4) != 0;
  gg::set_num_threads(static_cast<int>(state.range(5)));
  Operands<T> x(m, n, k);
  for (auto _ : state) {
    gg::kernels::matmul(x.a.data(), x.b.data(), x.c.data(), m, n, k, ta, tb);
    benchmark::DoNotOptimize(x.c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state);
}

#ifdef GG_HAVE_OPENBLAS
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float* c) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.f, a, lda, b, ldb, 0.f, c, n);
}
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const double* a, int lda, const double* b,
          int ldb, double* c) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, n);
}

template <class T>
void BM_openblas(benchmark::State& state) {
  const int m = int(state.range(0)), n = int(state.range(1)), k = int(state.range(2));
  const bool ta = state.range(3) != 0, tb = state.range(4) != 0;
  openblas_set_num_threads(static_cast<int>(state.range(5)));
  Operands<T> x(m, n, k);
  for (auto _ : state) {
    gemm(ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, x.a.data(), ta ? m : k,
         x.b.data(), tb ? k : n, x.c.data());
    benchmark::DoNotOptimize(x.c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state);
  state.SetLabel(openblas_get_corename());
}
#endif

// Square sizes; the training shapes of the Quick Start MLP (784-512-512-10, batch 64) with the
// two gradient products of each layer, dX = dZ W^T (trans_b) and dW = X^T dZ (trans_a); the
// linear model's medium and large steps (x @ w and x^T @ dz); small and matrix-vector shapes.
void args(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (int s : {16, 32, 64, 128, 256, 512, 1024, 2048}) b->Args({s, s, s, 0, 0, threads});
    for (int s : {1024}) {
      b->Args({s, s, s, 1, 0, threads});
      b->Args({s, s, s, 0, 1, threads});
    }
    const int layers[][3] = {{64, 784, 512}, {64, 512, 512}, {64, 512, 10}};  // batch, in, out
    for (auto [B, I, O] : layers) {
      b->Args({B, O, I, 0, 0, threads});  // z = x w
      b->Args({I, O, B, 1, 0, threads});  // dw = x^T dz
      b->Args({B, I, O, 0, 1, threads});  // dx = dz w^T
    }
    const int linear[][3] = {{64, 256, 128}, {512, 1024, 1024}, {2048, 4096, 1024}};
    for (auto [B, I, O] : linear) {
      b->Args({B, O, I, 0, 0, threads});
      b->Args({I, O, B, 1, 0, threads});
    }
    b->Args({1, 3, 5, 0, 0, threads});
    b->Args({1, 1024, 1024, 0, 0, threads});
    b->Args({1, 1024, 1024, 0, 1, threads});
    b->Args({1024, 1, 1024, 0, 0, threads});
  }
  b->ArgNames({"m", "n", "k", "ta", "tb", "thr"});
  b->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_matmul, float)->Apply(args);
BENCHMARK_TEMPLATE(BM_matmul, double)->Apply(args);
#ifdef GG_HAVE_OPENBLAS
BENCHMARK_TEMPLATE(BM_openblas, float)->Apply(args);
BENCHMARK_TEMPLATE(BM_openblas, double)->Apply(args);
#endif

}  // namespace
