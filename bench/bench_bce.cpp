// Fused BCE-with-logits throughput, float32. GBps = (bytes read + bytes written) per second, a
// rate counter; compare with BM_memcpy_f32 from the same run. Second argument: the ISA (0
// portable, 1 avx2, 2 avx512; clamped to the CPU).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <string>

#include "kernels/bce.h"
#include "kernels/cpu.h"

using namespace gg::kernels;

namespace {

// 64-byte aligned, as tensor storage would be.
struct Buf {
  float* p;
  explicit Buf(int64_t n) : p(static_cast<float*>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64))) {}
  ~Buf() { std::free(p); }
  float& operator[](int64_t i) { return p[i]; }
  float* data() { return p; }
};

struct Data {
  Buf x, y, out;
  explicit Data(int64_t n) : x(n), y(n), out(n) {
    std::mt19937 rng(0);
    std::normal_distribution<float> nx(0, 3);
    std::uniform_real_distribution<float> u(0, 1);
    for (int64_t i = 0; i < n; ++i) x[i] = nx(rng), y[i] = u(rng);
  }
};

void set_bytes(benchmark::State& st, double bytes_per_iter) {
  st.counters["GBps"] = benchmark::Counter(bytes_per_iter * double(st.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {1000, 10000, 100000, 1000000, 10000000})
    for (int isa : {0, 1, 2}) b->Args({n, isa});
}

// Reduction as the third argument: 0 None (writes the losses), 1 Mean.
void BM_bce_forward_f32(benchmark::State& st) {
  force_isa(static_cast<Isa>(st.range(1)));
  const int64_t n = st.range(0);
  const auto r = static_cast<Reduction>(st.range(2));
  st.SetLabel(std::string(isa_name(active_isa())) + (r == Reduction::None ? " none" : " mean"));
  Data d(n);
  const Shape s{n};
  const Broadcast bc(s, {s, s, {}, {}});
  for (auto _ : st) {
    bce_forward<float>(bc, d.x.data(), d.y.data(), nullptr, nullptr, d.out.data(), r);
    benchmark::ClobberMemory();
  }
  set_bytes(st, (r == Reduction::None ? 3.0 : 2.0) * n * sizeof(float));
}
BENCHMARK(BM_bce_forward_f32)->Apply([](benchmark::internal::Benchmark* b) {
  for (int64_t n : {1000, 10000, 100000, 1000000, 10000000})
    for (int isa : {0, 1, 2})
      for (int r : {0, 1}) b->Args({n, isa, r});
});

// The gradient of a Mean loss w.r.t. the logits (sigmoid path: exp only) or the label (softplus
// path: log1p as well as exp). Reads x and y, writes the gradient (g is a scalar).
template <BceWrt W>
void BM_bce_backward_f32(benchmark::State& st) {
  force_isa(static_cast<Isa>(st.range(1)));
  st.SetLabel(isa_name(active_isa()));
  const int64_t n = st.range(0);
  Data d(n);
  const Shape s{n};
  const Broadcast bc(s, {s, s, {}, {}, {}});
  const float g = 1.0f;
  for (auto _ : st) {
    bce_backward<float>(bc, d.x.data(), d.y.data(), nullptr, nullptr, &g, d.out.data(), Reduction::Mean, W);
    benchmark::ClobberMemory();
  }
  set_bytes(st, 3.0 * n * sizeof(float));
}
BENCHMARK_TEMPLATE(BM_bce_backward_f32, BceWrt::Logits)->Apply(Sizes);
BENCHMARK_TEMPLATE(BM_bce_backward_f32, BceWrt::Label)->Apply(Sizes);

}  // namespace
