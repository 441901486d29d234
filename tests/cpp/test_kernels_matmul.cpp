// matmul against matmul_ref on every ISA path this CPU has, float and double, all transpose
// combinations, awkward and edge sizes, unaligned operands; every epilogue (alpha, accumulate,
// bias, relu, relu mask, column sums of B) against the reference plus scalar loops; plus bit-exact
// determinism across thread counts and repeated runs.
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
                       {512, 64, 8},    {129, 96, 513},  {2, 2, 2},       {31, 300, 1},   {1, 2048, 700},
                       {65, 70, 1100}};  // several K blocks where they are 512 deep (Zen 4)
  for (Shape s : big) out.push_back(s);
  return out;
}

template <class T>
void check_all_shapes() {
  for (Shape s : shapes())
    for (int t = 0; t < 4; ++t) CHECK(check_one<T>(s, t & 1, t & 2));
}

// The epilogue forms against matmul_ref followed by the documented scalar steps:
//   v = alpha * AB (+ C0) (+ bias); relu; mask > 0 ? v : 0; col_sum_b = column sums of op(B).
// `which` picks the parts: 1 alpha, 2 accumulate, 4 bias, 8 relu, 16 mask, 32 col sums.
template <class T>
bool check_epilogue(Shape s, bool ta, bool tb, int which) {
  const auto [m, n, k] = s;
  const size_t nc = size_t(m * n);
  const std::vector<T> a = random_vec<T>(size_t(m * k) + 1, uint32_t(m + 3 * k)),
                       b = random_vec<T>(size_t(k * n) + 1, uint32_t(n + 5 * k + 1)),
                       c0 = random_vec<T>(nc, uint32_t(m * n + 7)), bias = random_vec<T>(size_t(n), 11),
                       mask = random_vec<T>(nc, 13);
  std::vector<T> c = c0, ref(nc), cs(size_t(n), T(-7)), cs_ref(size_t(n), T(0));
  Epilogue<T> e;
  if (which & 1) e.alpha = T(-0.375);
  e.accumulate = which & 2;
  if (which & 4) e.bias = bias.data();
  e.relu = which & 8;
  if (which & 16) e.relu_mask = mask.data();
  if (which & 32) e.col_sum_b = cs.data();
  matmul(a.data() + 1, b.data() + 1, c.data(), m, n, k, ta, tb, e);
  matmul_ref(a.data() + 1, b.data() + 1, ref.data(), m, n, k, ta, tb);
  for (size_t idx = 0; idx < nc; ++idx) {
    T v = e.alpha * ref[idx];
    if (e.accumulate) v += c0[idx];
    if (e.bias) v += bias[idx % size_t(n)];
    if (e.relu) v = v > T(0) ? v : T(0);
    if (e.relu_mask) v = mask[idx] > T(0) ? v : T(0);
    ref[idx] = v;
  }
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) cs_ref[size_t(j)] += tb ? b[1 + size_t(j * k + p)] : b[1 + size_t(p * n + j)];
  // As in check_one, plus the roundings of the epilogue's own few additions (|c0|, |bias| <= 1).
  const double tol = 2.0 * std::numeric_limits<T>::epsilon() * double(std::max<int64_t>(k, 1) + 4);
  for (size_t idx = 0; idx < nc; ++idx)
    if (!(std::abs(double(c[idx]) - double(ref[idx])) <= tol)) {
      std::fprintf(stderr, "  epilogue %d isa=%s %s m=%lld n=%lld k=%lld ta=%d tb=%d: c[%zu]=%g ref=%g\n", which,
                   isa_name(active_isa()), sizeof(T) == 4 ? "f32" : "f64", (long long)m, (long long)n,
                   (long long)k, ta, tb, idx, double(c[idx]), double(ref[idx]));
      return false;
    }
  if (e.col_sum_b)
    for (int64_t j = 0; j < n; ++j)
      if (!(std::abs(double(cs[size_t(j)]) - double(cs_ref[size_t(j)])) <= tol)) {
        std::fprintf(stderr, "  col_sum_b isa=%s m=%lld n=%lld k=%lld tb=%d: [%lld]=%g ref=%g\n",
                     isa_name(active_isa()), (long long)m, (long long)n, (long long)k, tb, (long long)j,
                     double(cs[size_t(j)]), double(cs_ref[size_t(j)]));
        return false;
      }
  return true;
}

template <class T>
void check_epilogues() {
  // The direct path (m or n of 1, tiny), the blocked path with edges, k above KC (several K
  // blocks: alpha per block, the activation only after the last), k == 0, threaded sizes; with
  // tb, {29, 45, 300}, {64, 200, 784} and {5, 77, 128} take the swapped path (C^T = B A^T,
  // transposed tiles, partial ones at the edges); so do, with ta, the narrow {64, 10, 512},
  // {512, 10, 64}, {160, 12, 300}, {200, 7, 40} (a partial last panel) and, for 8-wide
  // vectors too, {96, 5, 64}.
  const Shape cases[] = {{1, 7, 9},      {9, 1, 7},      {3, 3, 3},     {15, 17, 33},   {64, 10, 512},
                         {29, 45, 300},  {64, 64, 64},   {130, 70, 530}, {7, 5, 0},     {200, 150, 100},
                         {64, 200, 784}, {5, 77, 128},   {512, 10, 64},  {160, 12, 300}, {200, 7, 40},  {96, 5, 64},
                         {130, 70, 1100}};
  for (Shape s : cases)
    for (int t = 0; t < 4; ++t)
      for (int which : {1, 2, 3, 4, 8, 12, 16, 20, 32, 63})
        CHECK(check_epilogue<T>(s, t & 1, t & 2, which));
}

// relu gives 0 for NaN and +0 for -0, as the relu op does (v > 0 ? v : 0; MAXPS(v, 0)), on the
// direct path, the blocked path and its masked edge; a NaN mask element counts as not > 0.
template <class T>
void check_relu_nan() {
  for (Shape s : {Shape{1, 20, 5}, Shape{20, 37, 300}}) {
    const auto [m, n, k] = s;
    std::vector<T> a = random_vec<T>(size_t(m * k), 3), b = random_vec<T>(size_t(k * n), 4), c(size_t(m * n));
    a[0] = std::numeric_limits<T>::quiet_NaN();  // row 0 of C would be all NaN
    Epilogue<T> e;
    e.relu = true;
    matmul(a.data(), b.data(), c.data(), m, n, k, false, false, e);
    for (int64_t j = 0; j < n; ++j)
      CHECK_MSG(c[size_t(j)] == T(0) && !std::signbit(c[size_t(j)]), "relu NaN m=%lld j=%lld", (long long)m, (long long)j);
    for (size_t i = size_t(n); i < c.size(); ++i) CHECK(c[i] >= T(0) && !std::signbit(c[i]));
    std::vector<T> mask(c.size(), T(1));
    mask[1] = std::numeric_limits<T>::quiet_NaN();
    e.relu = false;
    e.relu_mask = mask.data();
    matmul(a.data(), b.data(), c.data(), m, n, k, false, false, e);
    CHECK(c[1] == T(0) && std::isnan(c[2]));
  }
}

// SGD fused into the weight gradient, w += (-lr) x^T dz, and a ReLU forward: the same bits for
// any thread count (threaded shapes; C starts from the same contents each time).
template <class T>
void check_epilogue_determinism() {
  const Shape cases[] = {{300, 200, 500}, {784, 512, 64}, {64, 784, 512}, {784, 10, 512}};
  for (Shape s : cases) {
    const auto [m, n, k] = s;
    const std::vector<T> a = random_vec<T>(size_t(m * k), 5), b = random_vec<T>(size_t(k * n), 6),
                         w0 = random_vec<T>(size_t(m * n), 7), bias = random_vec<T>(size_t(n), 8);
    for (int form = 0; form < 2; ++form) {
      Epilogue<T> e;
      if (form == 0) {
        e.alpha = T(-0.01);
        e.accumulate = true;
      } else {
        e.bias = bias.data();
        e.relu = true;
      }
      std::vector<T> first = w0, c(w0.size()), cs_first(static_cast<size_t>(n)), cs(static_cast<size_t>(n));
      e.col_sum_b = cs_first.data();
      gg::set_num_threads(1);
      matmul(a.data(), b.data(), first.data(), m, n, k, form == 0, false, e);
      e.col_sum_b = cs.data();
      for (int threads : {2, 3}) {
        gg::set_num_threads(threads);
        c = w0;
        matmul(a.data(), b.data(), c.data(), m, n, k, form == 0, false, e);
        CHECK_MSG(c == first && cs == cs_first, "epilogue form %d m=%lld n=%lld k=%lld threads=%d", form,
                  (long long)m, (long long)n, (long long)k, threads);
      }
    }
  }
  gg::set_num_threads(2);
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
  const Shape cases[] = {{300, 200, 500}, {64, 1000, 300}, {1000, 96, 64}, {1, 4096, 1024}, {2048, 1, 1024},
                         {300, 200, 1100}};
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

// A batch (begin_batch / end_batch) gives the bits of the same calls one by one, on any thread
// count: two weight updates of different sizes (w += alpha x^T dz), a product with a bias and a
// small one (the direct path, run at once); cancel_batch drops what was queued.
template <class T>
void check_batch() {
  struct Call {
    int64_t m, n, k;
    bool ta, tb, update;
  };
  const Call calls[] = {{512, 512, 300, true, false, true}, {512, 784, 300, true, false, true},
                        {200, 300, 100, false, true, false}, {3, 4, 5, false, false, false}};
  std::vector<std::vector<T>> a, b, bias, want;
  uint32_t seed = 10;
  for (const Call& c : calls) {
    a.push_back(random_vec<T>(size_t(c.m * c.k), seed++));
    b.push_back(random_vec<T>(size_t(c.k * c.n), seed++));
    bias.push_back(random_vec<T>(size_t(c.n), seed++));
  }
  const auto run_all = [&](std::vector<std::vector<T>>& out) {
    out.clear();
    for (size_t i = 0; i < std::size(calls); ++i) {
      const Call& c = calls[i];
      out.push_back(random_vec<T>(size_t(c.m * c.n), 99));  // the weights' old values
      Epilogue<T> e;
      if (c.update) e.alpha = T(-0.01), e.accumulate = true;
      else e.bias = bias[i].data();
      matmul(a[i].data(), b[i].data(), out.back().data(), c.m, c.n, c.k, c.ta, c.tb, e);
    }
  };
  gg::set_num_threads(1);
  run_all(want);
  for (int threads : {1, 2, 3}) {
    gg::set_num_threads(threads);
    std::vector<std::vector<T>> got;
    begin_batch();
    run_all(got);
    CHECK(got[0] == std::vector<T>(random_vec<T>(size_t(512 * 512), 99)));  // queued, not run yet
    end_batch();
    for (size_t i = 0; i < got.size(); ++i)
      CHECK_MSG(std::memcmp(got[i].data(), want[i].data(), got[i].size() * sizeof(T)) == 0, "threads=%d call %zu",
                threads, i);
  }
  begin_batch();
  std::vector<std::vector<T>> dropped;
  run_all(dropped);
  cancel_batch();
  end_batch();  // nothing queued any more
  CHECK(dropped[0] == std::vector<T>(random_vec<T>(size_t(512 * 512), 99)));
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
  const bool fold = fold_broadcasts();
  for (Isa isa : {Isa::Portable, Isa::Avx2, Isa::Avx512, Isa::Avx512}) {
    if (isa > best_isa()) continue;
    // AVX-512 twice: with the broadcasts folded into the FMAs (Intel's kernel) and without
    // (AMD's), whichever this CPU picked.
    if (isa == Isa::Avx512) set_fold_broadcasts(!fold_broadcasts());
    force_isa(isa);
    std::fprintf(stderr, "isa %s, broadcasts %s\n", isa_name(active_isa()), fold_broadcasts() ? "folded" : "apart");
    check_all_shapes<float>();
    check_all_shapes<double>();
    check_empty<float>();
    check_empty<double>();
    check_determinism<float>();
    check_determinism<double>();
    check_epilogues<float>();
    check_epilogues<double>();
    check_epilogue_determinism<float>();
    check_relu_nan<float>();
    check_relu_nan<double>();
  }
  force_isa(best_isa());
  set_fold_broadcasts(fold);
  check_batch<float>();
  check_batch<double>();
  check_concurrent_callers();
  return CHECK_MAIN_RESULT();
}
