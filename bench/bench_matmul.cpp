// matmul GFLOP/s, reported as the "GFLOPS" counter (2*m*n*k per iteration, as a rate).
// Arguments: m, n, k, trans_a, trans_b, threads. Names read e.g.
//   BM_matmul<float>/m:512/n:1024/k:1024/ta:0/tb:1/thr:2  ->  C[512,1024] = A[512,1024] * B^T, 2 threads.
// With OpenBLAS found at configure time, BM_openblas<T> rows run cblas_?gemm at the same shapes
// (after all graphgrad rows, so OpenBLAS's spinning workers never share the CPUs with ours).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <deque>
#include <random>
#include <vector>

#include "kernels/matmul.h"
#include "runtime/tensor.h"
#include "runtime/thread_pool.h"

#ifdef GG_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

// Memory as graphgrad's tensors (and numpy's arrays) have it: gg::Storage, whose large buffers
// are 2 MiB pages with transparent huge pages asked for. In std::vector's 4 KiB pages a 2048^3
// product ran 3-5% slower (interleaved runs): the allocator's difference, not the kernel's.
template <class T>
struct Buffer {
  gg::Storage s;
  explicit Buffer(size_t n) : s(n * sizeof(T)) { std::fill(begin(), end(), T(0)); }
  T* data() { return static_cast<T*>(s.data); }
  size_t size() const { return s.bytes / sizeof(T); }
  T& operator[](size_t i) { return data()[i]; }
  T* begin() { return data(); }
  T* end() { return data() + size(); }
};

template <class T>
struct Operands {
  Buffer<T> a, b, c;
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

// What the epilogue saves, as time per step of the fused form next to the same work unfused.
// Arguments: in, out, batch, fused, threads.
//   SGD:  w += (-lr) x^T dz              vs  g = x^T dz (a gradient buffer), then w += (-lr) g
//   ReLU: h = relu(x w + b)              vs  h = x w + b, then a ReLU pass over h
//   bias gradient: db = column sums of dz while x^T dz packs it  vs  a separate pass over dz
template <class T>
void BM_epilogue_sgd(benchmark::State& state) {
  const int64_t in = state.range(0), out = state.range(1), batch = state.range(2);
  const bool fused = state.range(3) != 0;
  gg::set_num_threads(static_cast<int>(state.range(4)));
  Operands<T> x(in, out, batch);  // a: x [batch, in] (read as x^T), b: dz [batch, out], c: w [in, out]
  std::vector<T> g(x.c.size()), db(static_cast<size_t>(out));
  const T lr = T(1e-3);
  for (auto _ : state) {
    if (fused) {
      gg::kernels::Epilogue<T> e;
      e.alpha = -lr;
      e.accumulate = true;
      e.col_sum_b = db.data();
      gg::kernels::matmul(x.a.data(), x.b.data(), x.c.data(), in, out, batch, true, false, e);
    } else {
      gg::kernels::matmul(x.a.data(), x.b.data(), g.data(), in, out, batch, true, false);
      for (size_t i = 0; i < g.size(); ++i) x.c[i] += -lr * g[i];
      for (int64_t j = 0; j < out; ++j) db[size_t(j)] = T(0);
      for (int64_t p = 0; p < batch; ++p)
        for (int64_t j = 0; j < out; ++j) db[size_t(j)] += x.b[size_t(p * out + j)];
    }
    benchmark::DoNotOptimize(x.c.data());
    benchmark::DoNotOptimize(db.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * double(in) * double(out) * double(batch) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

template <class T>
void BM_epilogue_relu(benchmark::State& state) {
  const int64_t in = state.range(0), out = state.range(1), batch = state.range(2);
  const bool fused = state.range(3) != 0;
  gg::set_num_threads(static_cast<int>(state.range(4)));
  Operands<T> x(batch, out, in);  // a: x [batch, in], b: w [in, out], c: h [batch, out]
  std::vector<T> bias(size_t(out), T(0.1));
  for (auto _ : state) {
    if (fused) {
      gg::kernels::Epilogue<T> e;
      e.bias = bias.data();
      e.relu = true;
      gg::kernels::matmul(x.a.data(), x.b.data(), x.c.data(), batch, out, in, false, false, e);
    } else {
      gg::kernels::matmul(x.a.data(), x.b.data(), x.c.data(), batch, out, in, false, false, bias.data());
      for (auto& v : x.c) v = v < T(0) ? T(0) : v;
    }
    benchmark::DoNotOptimize(x.c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * double(in) * double(out) * double(batch) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

void epilogue_args(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2})
    for (auto [in, out, batch] : {std::array<int, 3>{784, 512, 64}, {512, 512, 64}, {4096, 1024, 2048}})
      for (int fused : {0, 1}) b->Args({in, out, batch, fused, threads});
  b->ArgNames({"in", "out", "batch", "fused", "thr"});
  b->UseRealTime();
}
BENCHMARK_TEMPLATE(BM_epilogue_sgd, float)->Apply(epilogue_args);
BENCHMARK_TEMPLATE(BM_epilogue_relu, float)->Apply(epilogue_args);

// The Quick Start train step's five large products as its compiled graph runs them, the weights
// stored [out, in] as MindSpore's Dense keeps them. Arguments: product, batch, threads:
//   0: h1 = relu(x w1^T + b1)      64x784x512 at batch 64   (the swapped path: C^T = w1 x^T)
//   1: h2 = relu(h1 w2^T + b2)     64x512x512
//   2: d1 = (d2 w2) * (h1 > 0)     64x512x512, the relu mask read in the epilogue
//   3: w1 += (-lr) d1^T x          512x64x784, beta = 1 into the weight
//   4: w2 += (-lr) d2^T h1         512x64x512
void BM_quickstart_product(benchmark::State& state) {
  const int which = static_cast<int>(state.range(0));
  const int64_t batch = state.range(1);
  gg::set_num_threads(static_cast<int>(state.range(2)));
  const int64_t in = which == 0 || which == 3 ? 784 : 512, out = 512;
  Operands<float> x(batch, out, in);  // a: activations [batch, in], b: weight [out, in], c: [batch, out]
  Buffer<float> bias{size_t(out)}, mask{size_t(batch * out)}, dz{size_t(batch * out)};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (auto* buf : {&bias, &mask, &dz})
    for (auto& v : *buf) v = dist(rng);
  for (auto _ : state) {
    gg::kernels::Epilogue<float> e;
    if (which <= 1) {
      e.bias = bias.data();
      e.relu = true;
      gg::kernels::matmul(x.a.data(), x.b.data(), x.c.data(), batch, out, in, false, true, e);
    } else if (which == 2) {
      e.relu_mask = mask.data();
      gg::kernels::matmul(dz.data(), x.b.data(), x.c.data(), batch, in, out, false, false, e);
    } else {
      e.alpha = -1e-3f;
      e.accumulate = true;
      gg::kernels::matmul(dz.data(), x.a.data(), x.b.data(), out, in, batch, true, false, e);
    }
    benchmark::DoNotOptimize(x.b.data());
    benchmark::DoNotOptimize(x.c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * double(batch) * double(in) * double(out) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_quickstart_product)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {64, 512}, {1, 2}})
    ->ArgNames({"product", "batch", "thr"})
    ->UseRealTime();

// The whole step's eight products in the order its compiled graph runs them (forward; then the
// output layer's and each hidden layer's backward product and weight update), each step on a
// fresh batch of eight cycled, as in training. Every product then finds its operands where the
// step leaves them, the weights and the batch mostly in L3: products measured hot, as above, ran
// 7 to 38% faster than with their operands cycled through L3 (alternating runs, 1 and 2 threads).
// The counter is the step's matmul flops per second. Arguments: batch, threads.
void BM_quickstart_step(benchmark::State& state) {
  const int64_t B = state.range(0);
  gg::set_num_threads(static_cast<int>(state.range(1)));
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::deque<Buffer<float>> bufs;
  const auto make = [&](int64_t n) {
    for (auto& v : bufs.emplace_back(size_t(n))) v = dist(rng);
    return bufs.back().data();
  };
  float* xs[8];
  for (float*& x : xs) x = make(B * 784);
  float *w1 = make(512 * 784), *b1 = make(512), *w2 = make(512 * 512), *b2 = make(512), *w3 = make(10 * 512),
        *b3 = make(10), *h1 = make(B * 512), *h2 = make(B * 512), *z = make(B * 10), *d3 = make(B * 10),
        *d2 = make(B * 512), *d1 = make(B * 512);
  using gg::kernels::matmul;
  using E = gg::kernels::Epilogue<float>;
  const auto update = [] {
    E e;
    e.alpha = -1e-7f;  // small enough that the weights stay put over any run
    e.accumulate = true;
    return e;
  }();
  int64_t step = 0;
  for (auto _ : state) {
    const float* x = xs[step++ % 8];
    E e1, e2, e3, m2, m1;
    e1.bias = b1, e1.relu = true, e2.bias = b2, e2.relu = true, e3.bias = b3, m2.relu_mask = h2, m1.relu_mask = h1;
    matmul(x, w1, h1, B, 512, 784, false, true, e1);
    matmul(h1, w2, h2, B, 512, 512, false, true, e2);
    matmul(h2, w3, z, B, 10, 512, false, true, e3);
    matmul(d3, w3, d2, B, 512, 10, false, false, m2);
    matmul(d3, h2, w3, 10, 512, B, true, false, update);
    matmul(d2, w2, d1, B, 512, 512, false, false, m1);
    matmul(d2, h1, w2, 512, 512, B, true, false, update);
    matmul(d1, x, w1, 512, 784, B, true, false, update);
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * double(B) * (3 * (784 * 512 + 512 * 512 + 512 * 10) - 784 * 512);
  state.counters["GFLOPS"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_quickstart_step)->ArgsProduct({{64, 512}, {1, 2}})->ArgNames({"batch", "thr"})->UseRealTime();

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

// Square sizes; the training shapes of the Quick Start MLP (784-512-512-10, batch 64, and its two
// large layers at batch 512) with the two gradient products of each layer, dX = dZ W^T (trans_b)
// and dW = X^T dZ (trans_a); the linear model's medium and large steps (x @ w and x^T @ dz);
// small and matrix-vector shapes.
void args(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (int s : {16, 32, 64, 128, 256, 512, 1024, 2048}) b->Args({s, s, s, 0, 0, threads});
    for (int s : {1024}) {
      b->Args({s, s, s, 1, 0, threads});
      b->Args({s, s, s, 0, 1, threads});
    }
    const int layers[][3] = {{64, 784, 512}, {64, 512, 512}, {64, 512, 10}, {512, 784, 512}, {512, 512, 512}};
    for (auto [B, I, O] : layers) {  // batch, in, out
      if (B != I || I != O) b->Args({B, O, I, 0, 0, threads});  // z = x w (512^3 is among the squares)
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
