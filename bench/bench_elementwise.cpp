// add and sum_to throughput, next to a plain memcpy of the same element count measured in the
// same run. GBps = (bytes read + bytes written) per second, a rate counter. The second argument
// is the ISA (0 portable, 1 avx2, 2 avx512; clamped to the CPU).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/cpu.h"
#include "kernels/elementwise.h"
#include "kernels/eltwise.h"

using namespace gg::kernels;

namespace {

constexpr int64_t kCols = 1000;  // N of the [M, N] cases

// 64-byte aligned buffers, as tensor storage would be (std::vector only guarantees 16).
template <class T>
struct AlignedBuf {
  T* p;
  AlignedBuf(int64_t n, T v) : p(static_cast<T*>(std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64))) {
    std::fill(p, p + n, v);
  }
  ~AlignedBuf() { std::free(p); }
  T* data() { return p; }
};

void set_bytes(benchmark::State& st, double bytes_per_iter) {
  st.counters["GBps"] = benchmark::Counter(bytes_per_iter * double(st.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void set_isa(benchmark::State& st) {
  force_isa(static_cast<Isa>(st.range(1)));
  st.SetLabel(isa_name(active_isa()));
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {1000, 10000, 100000, 1000000, 10000000})
    for (int isa : {0, 1, 2}) b->Args({n, isa});
}

void BM_memcpy_f32(benchmark::State& st) {
  const int64_t n = st.range(0);
  AlignedBuf<float> a(n, 1.0f), out(n, 0.0f);
  for (auto _ : st) {
    std::memcpy(out.data(), a.data(), n * sizeof(float));
    benchmark::ClobberMemory();
  }
  set_bytes(st, 2.0 * n * sizeof(float));
}
BENCHMARK(BM_memcpy_f32)->Arg(1000)->Arg(10000)->Arg(100000)->Arg(1000000)->Arg(10000000);

void BM_add_same_f32(benchmark::State& st) {
  set_isa(st);
  const int64_t n = st.range(0);
  AlignedBuf<float> a(n, 1.0f), b(n, 2.0f), out(n, 0.0f);
  const Broadcast bc({n}, {{n}, {n}});
  for (auto _ : st) {
    binary(BinaryOp::Add, gg::DType::F32, bc, a.data(), b.data(), out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(st, 3.0 * n * sizeof(float));
}
BENCHMARK(BM_add_same_f32)->Apply(Sizes);

void BM_add_bias_row_f32(benchmark::State& st) {  // [M, N] + [N]
  set_isa(st);
  const int64_t n = st.range(0), m = n / kCols;
  AlignedBuf<float> a(n, 1.0f), b(kCols, 2.0f), out(n, 0.0f);
  const Broadcast bc({m, kCols}, {{m, kCols}, {kCols}});
  for (auto _ : st) {
    binary(BinaryOp::Add, gg::DType::F32, bc, a.data(), b.data(), out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(st, (2.0 * n + kCols) * sizeof(float));
}
BENCHMARK(BM_add_bias_row_f32)->Apply(Sizes);

void BM_sum_to_cols_f32(benchmark::State& st) {  // [M, N] -> [N]
  set_isa(st);
  const int64_t n = st.range(0), m = n / kCols;
  AlignedBuf<float> x(n, 1.0f), out(kCols, 0.0f);
  for (auto _ : st) {
    sum_to(x.data(), {m, kCols}, out.data(), {kCols});
    benchmark::ClobberMemory();
  }
  set_bytes(st, (1.0 * n + kCols) * sizeof(float));
}
BENCHMARK(BM_sum_to_cols_f32)->Apply(Sizes);

void BM_sum_to_rows_f32(benchmark::State& st) {  // [M, N] -> [M, 1]
  set_isa(st);
  const int64_t n = st.range(0), m = n / kCols;
  AlignedBuf<float> x(n, 1.0f), out(m, 0.0f);
  for (auto _ : st) {
    sum_to(x.data(), {m, kCols}, out.data(), {m, 1});
    benchmark::ClobberMemory();
  }
  set_bytes(st, (1.0 * n + m) * sizeof(float));
}
BENCHMARK(BM_sum_to_rows_f32)->Apply(Sizes);

void BM_sum_to_all_f32(benchmark::State& st) {  // [n] -> []
  set_isa(st);
  const int64_t n = st.range(0);
  AlignedBuf<float> x(n, 1.0f);
  float out;
  for (auto _ : st) {
    sum_to(x.data(), {n}, &out, {});
    benchmark::DoNotOptimize(out);
  }
  set_bytes(st, 1.0 * n * sizeof(float));
}
BENCHMARK(BM_sum_to_all_f32)->Apply(Sizes);

}  // namespace
