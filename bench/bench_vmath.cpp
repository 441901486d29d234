// The vector math rows (kernels/vmath_table.h) as the elementwise driver calls them: one row
// over n contiguous elements, load / f / store with a masked tail. Arguments: function (index
// into kFns), n, ISA (0 portable, 1 avx2, 2 avx512; clamped to the CPU). ns_per_elem is the
// time per element; bench/compare_vmath_numpy.py puts numpy's beside it.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <string>

#include "kernels/cpu.h"
#include "kernels/vmath_table.h"

using namespace gg::kernels;

namespace {

template <class T>
struct Fn {
  const char* name;
  typename VmathKernels<T>::Unary VmathKernels<T>::*row;
  double lo, hi;  // inputs uniform in [lo, hi): the range the function is mostly used on
};

template <class T>
const Fn<T>* fns() {
  using K = VmathKernels<T>;
  static const Fn<T> f[] = {{"exp", &K::exp, -10, 10},      {"expm1", &K::expm1, -10, 10}, {"log", &K::log, 0, 10},
                            {"log1p", &K::log1p, 0, 10},    {"sin", &K::sin, -10, 10},     {"cos", &K::cos, -10, 10},
                            {"tanh", &K::tanh, -10, 10},    {"sigmoid", &K::sigmoid, -10, 10},
                            {"softplus", &K::softplus, -10, 10}, {"erf", &K::erf, -3, 3}};
  return f;
}
constexpr int kFns = 10;

template <class T>
struct AlignedBuf {
  T* p;
  explicit AlignedBuf(int64_t n) : p(static_cast<T*>(std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64))) {}
  ~AlignedBuf() { std::free(p); }
};

template <class T>
void BM_vmath(benchmark::State& st) {
  const Fn<T>& f = fns<T>()[st.range(0)];
  const int64_t n = st.range(1);
  force_isa(static_cast<Isa>(st.range(2)));
  const auto row = vmath_kernels<T>(active_isa()).*f.row;
  AlignedBuf<T> x(n), y(n);
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(f.lo, f.hi);
  for (int64_t i = 0; i < n; ++i) x.p[i] = T(u(rng));
  row(x.p, y.p, n);  // fault in y's pages outside the timing (numpy's side does the same)
  for (auto _ : st) {
    row(x.p, y.p, n);
    benchmark::ClobberMemory();
  }
  st.SetLabel(std::string(f.name) + "/" + isa_name(active_isa()));
  st.counters["ns_per_elem"] =
      benchmark::Counter(double(n) * double(st.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void Args(benchmark::internal::Benchmark* b) {
  for (int f = 0; f < kFns; ++f)
    for (int64_t n : {1000, 100000, 10000000})
      for (int isa : {0, 1, 2}) b->Args({f, n, isa});
}

BENCHMARK(BM_vmath<float>)->Apply(Args);
BENCHMARK(BM_vmath<double>)->Apply(Args);

}  // namespace
