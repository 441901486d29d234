// matmul against matmul_ref on every ISA path this CPU has, float and double, all transpose
// combinations, awkward and edge sizes, unaligned operands; plus bit-exact determinism across
// thread counts and repeated runs.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "check.h"
#include "kernels/cpu.h"
#include "kernels/matmul.h"
#include "runtime/thread_pool.h"

using namespace gg::kernels;

namespace {

struct Shape {
  int64_t m, n, k;
};

template <class T>
std::vector<T> random_vec(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(count);
  for (auto& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// Compares matmul with matmul_ref. Operands sit one element past an aligned start so no
// pointer is vector-aligned; C starts as garbage (NaN) to check it is fully overwritten.
template <class T>
bool check_one(Shape s, bool ta, bool tb) {
  const auto [m, n, k] = s;
  const size_t na = size_t(m * k), nb = size_t(k * n), nc = size_t(m * n);
  std::vector<T> abuf = random_vec<T>(na + 1, uint32_t(m * 131 + n * 7 + k));
  std::vector<T> bbuf = random_vec<T>(nb + 1, uint32_t(k * 71 + n + 3));
  std::vector<T> cbuf(nc + 1, std::numeric_limits<T>::quiet_NaN()), ref(nc);
  const T *a = abuf.data() + 1, *b = bbuf.data() + 1;
  T* c = cbuf.data() + 1;
  // Every other shape also adds a bias row in the epilogue (the fused matmul + bias).
  const std::vector<T> bias = random_vec<T>(size_t(n) + 1, uint32_t(n * 13 + 5));
  const T* bias_ptr = (m + n + k) % 2 ? bias.data() + 1 : nullptr;
  matmul(a, b, c, m, n, k, ta, tb, bias_ptr);
  matmul_ref(a, b, ref.data(), m, n, k, ta, tb);
  if (bias_ptr)
    for (size_t i = 0; i < nc; ++i) ref[i] += bias_ptr[i % size_t(n)];
  // |a|, |b| <= 1: each product is off by <= eps relative, and the sum of k of them by k*eps
  // in the worst case, whatever the order of additions.
  const double tol = 2.0 * std::numeric_limits<T>::epsilon() * double(std::max<int64_t>(k, 1) + 1);
  for (size_t i = 0; i < nc; ++i) {
    const double err = std::abs(double(c[i]) - double(ref[i]));
    if (!(err <= tol)) {
      std::fprintf(stderr, "  isa=%s %s m=%lld n=%lld k=%lld ta=%d tb=%d: c[%zu]=%g ref=%g\n",
                   isa_name(active_isa()), sizeof(T) == 4 ? "f32" : "f64", (long long)m, (long long)n,
                   (long long)k, ta, tb, i, double(c[i]), double(ref[i]));
      return false;
    }
  }
  return true;
}

std::vector<Shape> shapes() {
  std::vector<Shape> out;
  const int64_t small[] = {1, 3, 7, 15, 16, 17, 31, 33};
  const int64_t ks[] = {1, 7, 16, 33};
  for (int64_t m : small)
    for (int64_t n : small)
      for (int64_t k : ks) out.push_back({m, n, k});
  // Larger and mixed: several MR/NR/MC panels with edges, k above KC (accumulation across
  // K blocks), n above NC, matrix-vector shapes of both kinds.
  const Shape big[] = {{255, 257, 33},  {257, 255, 300}, {33, 257, 257},  {257, 33, 255}, {255, 255, 255},
                       {257, 1, 257},   {1, 257, 257},   {1, 5, 3},       {64, 256, 128}, {300, 520, 70},
                       {20, 4100, 20},  {17, 33, 600},   {1, 1, 1000},    {1000, 1, 3},   {3, 1000, 1},
                       {512, 64, 8},    {129, 96, 513},  {2, 2, 2},       {31, 300, 1},   {1, 2048, 700}};
  for (Shape s : big) out.push_back(s);
  return out;
}

template <class T>
void check_all_shapes() {
  for (Shape s : shapes())
    for (int t = 0; t < 4; ++t) CHECK(check_one<T>(s, t & 1, t & 2));
}

// k == 0 gives zeros, m == 0 / n == 0 touch nothing.
template <class T>
void check_empty() {
  std::vector<T> a(64, T(1)), b(64, T(1)), c(64, T(7));
  matmul<T>(a.data(), b.data(), c.data(), 4, 5, 0, false, false);
  CHECK(std::all_of(c.begin(), c.begin() + 20, [](T x) { return x == T(0); }));
  CHECK(c[20] == T(7));
  std::fill(c.begin(), c.end(), T(7));
  matmul<T>(a.data(), b.data(), c.data(), 0, 5, 3, true, false);
  matmul<T>(a.data(), b.data(), c.data(), 5, 0, 3, false, true);
  CHECK(std::all_of(c.begin(), c.end(), [](T x) { return x == T(7); }));
}

// Bit-identical results for 1, 2 and 3 threads and across repeats, on shapes big enough to be
// threaded (packed path and matrix-vector path).
template <class T>
void check_determinism() {
  const Shape cases[] = {{300, 200, 500}, {64, 1000, 300}, {1000, 96, 64}, {1, 4096, 1024}, {2048, 1, 1024}};
  for (Shape s : cases) {
    const auto [m, n, k] = s;
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const std::vector<T> a = random_vec<T>(size_t(m * k), 1), b = random_vec<T>(size_t(k * n), 2);
      std::vector<T> first(size_t(m * n)), c(size_t(m * n));
      gg::set_num_threads(1);
      matmul(a.data(), b.data(), first.data(), m, n, k, ta, tb);
      for (int threads : {2, 3, 1, 2}) {
        gg::set_num_threads(threads);
        std::fill(c.begin(), c.end(), T(-1));
        matmul(a.data(), b.data(), c.data(), m, n, k, ta, tb);
        CHECK_MSG(std::memcmp(c.data(), first.data(), c.size() * sizeof(T)) == 0,
                  "m=%lld n=%lld k=%lld ta=%d tb=%d threads=%d", (long long)m, (long long)n, (long long)k, ta,
                  tb, threads);
      }
    }
  }
  gg::set_num_threads(2);
}

// Two threads calling matmul at once share the pool (one runs inline); both must be right.
void check_concurrent_callers() {
  const int64_t m = 256, n = 256, k = 256;
  const std::vector<float> a = random_vec<float>(size_t(m * k), 3), b = random_vec<float>(size_t(k * n), 4);
  std::vector<float> ref(size_t(m * n));
  matmul(a.data(), b.data(), ref.data(), m, n, k, false, false);
  std::vector<float> c1(ref.size()), c2(ref.size());
  auto work = [&](std::vector<float>* out) {
    for (int r = 0; r < 20; ++r) matmul(a.data(), b.data(), out->data(), m, n, k, false, false);
  };
  std::thread t1(work, &c1), t2(work, &c2);
  t1.join();
  t2.join();
  CHECK(c1 == ref);
  CHECK(c2 == ref);
}

}  // namespace

int main() {
  gg::set_num_threads(2);
  for (Isa isa : {Isa::Portable, Isa::Avx2, Isa::Avx512}) {
    if (isa > best_isa()) continue;
    force_isa(isa);
    std::fprintf(stderr, "isa %s\n", isa_name(active_isa()));
    check_all_shapes<float>();
    check_all_shapes<double>();
    check_empty<float>();
    check_empty<double>();
    check_determinism<float>();
    check_determinism<double>();
  }
  force_isa(best_isa());
  check_concurrent_callers();
  return CHECK_MAIN_RESULT();
}
