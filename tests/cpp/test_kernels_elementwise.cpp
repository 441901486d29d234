// add and sum_to: every ISA this CPU has (force_isa), both dtypes, awkward sizes, unaligned
// pointers and the broadcast patterns, against the _ref oracles; determinism across runs and
// thread counts.
#include <cmath>
#include <cstdio>
#include <limits>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "kernels/cpu.h"
#include "kernels/elementwise.h"
#include "kernels/eltwise.h"
#include "runtime/thread_pool.h"

using namespace gg::kernels;

namespace {

const int64_t kSizes[] = {1, 3, 7, 15, 16, 17, 31, 33, 255, 257, 1000};

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ',';
    r += std::to_string(s[i]);
  }
  r += ']';
  return r;
}

// A buffer whose data starts `offset` elements past a 64-byte boundary.
template <class T>
struct Buf {
  std::vector<T> store;
  T* p;
  Buf(int64_t n, int offset) : store(n + offset + 64 / sizeof(T)) {
    auto addr = reinterpret_cast<uintptr_t>(store.data());
    const int64_t skip = static_cast<int64_t>((64 - addr % 64) % 64 / sizeof(T)) + offset;
    p = store.data() + skip;
  }
};

template <class T>
void fill(T* p, int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-2, 2);
  for (int64_t i = 0; i < n; ++i) p[i] = T(u(rng));
}

std::vector<Isa> isas() {
  std::vector<Isa> v{Isa::Portable};
  if (best_isa() >= Isa::Avx2) v.push_back(Isa::Avx2);
  if (best_isa() >= Isa::Avx512) v.push_back(Isa::Avx512);
  return v;
}

// Pairs of shapes (a, b) to add; n is the awkward size.
std::vector<std::pair<Shape, Shape>> add_cases(int64_t n) {
  return {
      {{n}, {n}},           // same shape: (1, 1)
      {{}, {n}},            // scalar operand: (0, 1)
      {{3, n}, {1}},        // (1, 0)
      {{n}, {3, n}},        // bias row [N] + [M, N]
      {{3, n}, {n}},        // [M, N] + [N]
      {{n, 1}, {n, 5}},     // column [M, 1] + [M, N]
      {{3, n}, {3, 1}},
      {{4, 1, n}, {4, 5, n}},  // middle-axis broadcast
      {{n, 1}, {1, 7}},     // outer sum
      {{2, n, 3}, {2, 1, 3}},
  };
}

template <class T>
void add_ref(const Broadcast& bc, const T* a, const T* b, T* out) {
  const int64_t n = bc.inner(), sa = bc.inner_stride(1), sb = bc.inner_stride(2);
  bc.for_each_row([&](const auto& off) {
    for (int64_t i = 0; i < n; ++i) out[off[0] + i] = a[off[1] + i * sa] + b[off[2] + i * sb];
  });
}

// The elementwise table's add (eltwise.h) against the plain loop, bit for bit.
template <class T>
void test_add(Isa isa) {
  std::mt19937 rng(1);
  for (int64_t n : kSizes) {
    for (const auto& [sa, sb] : add_cases(n)) {
      Shape so;
      CHECK(broadcast_shapes(sa, sb, so));
      const Broadcast bc(so, {sa, sb});
      for (int off : {0, 1, 3}) {
        Buf<T> a(numel(sa), off), b(numel(sb), (off * 2) % 5), out(numel(so), off ? 7 - off : 0);
        std::vector<T> ref(numel(so));
        fill(a.p, numel(sa), rng);
        fill(b.p, numel(sb), rng);
        binary(BinaryOp::Add, sizeof(T) == 4 ? gg::DType::F32 : gg::DType::F64, bc, a.p, b.p, out.p);
        add_ref(bc, a.p, b.p, ref.data());
        const bool same = std::memcmp(out.p, ref.data(), ref.size() * sizeof(T)) == 0;
        CHECK_MSG(same, "add %s %s + %s off %d (%s)", isa_name(isa), str(sa).c_str(), str(sb).c_str(), off,
                  sizeof(T) == 4 ? "f32" : "f64");
      }
    }
  }
}

std::vector<std::pair<Shape, Shape>> sum_cases(int64_t n) {
  return {
      {{3, n}, {n}},          // [M, N] -> [N]: column sums
      {{n, 5}, {5}},
      {{2, 3, n}, {n}},
      {{4, 5, n}, {5, n}},
      {{3, n}, {3, 1}},       // [M, N] -> [M, 1]: row sums
      {{n, 3}, {n, 1}},
      {{3, n}, {}},           // everything
      {{n}, {1}},
      {{4, 5, n}, {4, 1, n}},  // middle axis
      {{4, n, 3}, {1, n, 1}},
      {{n, 2}, {n, 2}},       // identity
      {{1, n}, {n}},
  };
}

// |got - exact| within c * eps * sum|x| * (32 + log2 n) roundings: the error bound of blocked /
// pairwise summation (the reference's sequential sum is allowed n roundings).
template <class T>
void test_sum_to(Isa isa) {
  std::mt19937 rng(2);
  const double eps = std::numeric_limits<T>::epsilon();
  for (int64_t n : kSizes) {
    for (const auto& [sx, so] : sum_cases(n)) {
      for (int off : {0, 1}) {
        const int64_t nx = numel(sx), no = numel(so);
        Buf<T> x(nx, off), out(no, 3 * off);
        std::vector<T> ref(no);
        fill(x.p, nx, rng);
        sum_to(x.p, sx, out.p, so);
        sum_to_ref(x.p, sx, ref.data(), so);
        // Exact sums in long double and the sum of |x| per output, via the reference walk.
        std::vector<long double> ex(no), ab(no);
        {
          std::vector<double> xd(x.p, x.p + nx), xa(nx), o1(no), o2(no);
          for (int64_t i = 0; i < nx; ++i) xa[i] = std::fabs(xd[i]);
          sum_to_ref(xd.data(), sx, o1.data(), so);
          sum_to_ref(xa.data(), sx, o2.data(), so);
          for (int64_t i = 0; i < no; ++i) ex[i] = o1[i], ab[i] = o2[i];
        }
        const double terms = double(nx) / double(no);
        bool ok = true;
        for (int64_t i = 0; i < no && ok; ++i) {
          const double bound = 2 * eps * double(ab[i]) * (32 + std::log2(terms + 1)) + 1e-300;
          ok = std::fabs(double(out.p[i] - ex[i])) <= bound;
        }
        CHECK_MSG(ok, "sum_to %s %s -> %s off %d (%s)", isa_name(isa), str(sx).c_str(), str(so).c_str(), off,
                  sizeof(T) == 4 ? "f32" : "f64");
      }
    }
  }
}

// Same bits on every run and for any thread count (the work split is fixed).
void test_determinism() {
  std::mt19937 rng(3);
  const int64_t m = 37, n = 100003;
  std::vector<float> x(m * n), a(n), b(n);
  fill(x.data(), m * n, rng);
  for (Isa isa : isas()) {
    force_isa(isa);
    std::vector<float> first;
    for (int threads : {1, 2, 3, 1}) {
      gg::set_num_threads(threads);
      std::vector<float> r(1 + m + n);
      sum_to(x.data(), {m, n}, r.data(), {});
      sum_to(x.data(), {m, n}, r.data() + 1, {m, 1});
      sum_to(x.data(), {m, n}, r.data() + 1 + m, {n});
      if (first.empty()) first = r;
      CHECK_MSG(std::memcmp(first.data(), r.data(), r.size() * sizeof(float)) == 0, "%s threads %d",
                isa_name(isa), threads);
    }
  }
  gg::set_num_threads(2);
}

// A long float32 total: blocked + pairwise keeps the relative error near eps, where a
// sequential float sum of 10^7 positive terms would drift by ~1e-4.
void test_long_sum_accuracy() {
  const int64_t n = 10'000'000;
  std::vector<float> x(n);
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0, 1);
  long double exact = 0;
  for (auto& v : x) exact += (v = u(rng));
  for (Isa isa : isas()) {
    force_isa(isa);
    float s = 0;
    sum_to(x.data(), {n}, &s, {});
    const double rel = std::fabs(double((s - exact) / exact));
    std::printf("sum_to 1e7 float32 -> []: %s relative error %.3g\n", isa_name(isa), rel);
    CHECK_MSG(rel < 2e-7, "%s rel %g", isa_name(isa), rel);
  }
}

}  // namespace

int main() {
  for (Isa isa : isas()) {
    force_isa(isa);
    std::printf("isa %s\n", isa_name(active_isa()));
    test_add<float>(isa);
    test_add<double>(isa);
    test_sum_to<float>(isa);
    test_sum_to<double>(isa);
  }
  test_determinism();
  test_long_sum_accuracy();
  return CHECK_MAIN_RESULT();
}
