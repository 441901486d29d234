// BCE with logits: the vectorised exp/log1p against float64 (ulp bounds), every ISA this CPU has
// against the _ref oracle (both dtypes, awkward sizes, unaligned pointers, weight/pos_weight
// broadcast patterns, all reductions and all four BceWrt), special values (+-inf, NaN, 1e30),
// the 10^7-element float32 mean, and determinism.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include "check.h"
#include "kernels/bce.h"
#include "kernels/cpu.h"
#include "kernels/kernel_tables.h"
#include "runtime/thread_pool.h"

using namespace gg::kernels;

namespace {

const int64_t kSizes[] = {1, 3, 7, 15, 16, 17, 31, 33, 255, 257, 1000};
const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};
const BceWrt kWrts[] = {BceWrt::Logits, BceWrt::Label, BceWrt::Weight, BceWrt::PosWeight};

std::vector<Isa> isas() {
  std::vector<Isa> v{Isa::Portable};
  if (best_isa() >= Isa::Avx2) v.push_back(Isa::Avx2);
  if (best_isa() >= Isa::Avx512) v.push_back(Isa::Avx512);
  return v;
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

float f32_from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// Distance from got to the exact value ref in float32 ulps (the ulp of the float nearest ref;
// 2^-149 in the subnormal range).
double ulp_err(float got, double ref) {
  if (std::isnan(ref) || std::isnan(got)) return std::isnan(ref) && std::isnan(got) ? 0 : 1e30;
  if (std::isinf(ref) || std::isinf(got)) return got == ref ? 0 : 1e30;
  const double a = std::fabs(ref);
  const int e = a < std::ldexp(1.0, -126) ? -126 : std::ilogb(static_cast<float>(a));
  return std::fabs(double(got) - ref) / std::ldexp(1.0, e - 23);
}

// The vectorised math of each ISA, over a strided sweep of every float bit pattern in the domain.
void test_math_ulp() {
  for (Isa isa : isas()) {
    const auto& k = detail::bce_kernels<float>(isa);
    // exp(a), a in [-104, 0]: every 127th float.
    std::vector<float> a, e, l, ref_in;
    for (uint32_t b = 0x80000000u; b <= 0xC2D00000u; b += 127) a.push_back(f32_from_bits(b));  // -0 .. -104
    a.push_back(-std::numeric_limits<float>::infinity());
    a.push_back(std::numeric_limits<float>::quiet_NaN());
    e.resize(a.size());
    k.exp_neg(a.data(), e.data(), static_cast<int64_t>(a.size()));
    double worst_exp = 0;
    for (size_t i = 0; i < a.size(); ++i) worst_exp = std::max(worst_exp, ulp_err(e[i], std::exp(double(a[i]))));
    // log1p(e), e in [0, 1]: every 127th float.
    std::vector<float> u;
    for (uint32_t b = 0; b <= 0x3F800000u; b += 127) u.push_back(f32_from_bits(b));
    u.push_back(1.0f);
    u.push_back(std::numeric_limits<float>::quiet_NaN());
    l.resize(u.size());
    k.log1p01(u.data(), l.data(), static_cast<int64_t>(u.size()));
    double worst_log = 0;
    for (size_t i = 0; i < u.size(); ++i) worst_log = std::max(worst_log, ulp_err(l[i], std::log1p(double(u[i]))));
    // log1p(exp(-|x|)), the softplus remainder BCE uses: x over [-100, 100] (every 67th float)
    // and the tails up to 1e30 and beyond.
    std::vector<float> x;
    for (uint32_t b = 0; b <= 0x42C80000u; b += 67) x.push_back(-f32_from_bits(b));
    for (float t = 100; t < 3e38f; t *= 1.37f) x.push_back(-t);
    x.push_back(-std::numeric_limits<float>::max());
    x.push_back(-std::numeric_limits<float>::infinity());
    std::vector<float> ex(x.size()), sp(x.size());
    k.exp_neg(x.data(), ex.data(), static_cast<int64_t>(x.size()));
    k.log1p01(ex.data(), sp.data(), static_cast<int64_t>(x.size()));
    double worst_sp = 0;
    for (size_t i = 0; i < x.size(); ++i)
      worst_sp = std::max(worst_sp, ulp_err(sp[i], std::log1p(std::exp(double(x[i])))));
    std::printf("%-8s exp(a) a in [-104,0]: %.3f ulp   log1p(e) e in [0,1]: %.3f ulp   "
                "log1p(exp(-|x|)) |x| <= 1e30: %.3f ulp\n",
                isa_name(isa), worst_exp, worst_log, worst_sp);
    CHECK_MSG(worst_exp <= 2 && worst_log <= 2 && worst_sp <= 2, "%s: %g %g %g ulp", isa_name(isa), worst_exp,
              worst_log, worst_sp);
  }
}

template <class T>
struct Buf {  // data starting `offset` elements past a 64-byte boundary
  std::vector<T> store;
  T* p;
  Buf(int64_t n, int offset) : store(n + offset + 64 / sizeof(T)) {
    auto addr = reinterpret_cast<uintptr_t>(store.data());
    p = store.data() + (64 - addr % 64) % 64 / sizeof(T) + offset;
  }
};

// One operand layout: shapes of x (= y), weight and pos_weight (nullopt = absent).
struct Case {
  Shape x;
  std::optional<Shape> w, pw;
};

std::vector<Case> cases(int64_t n) {
  return {
      {{n}, std::nullopt, std::nullopt},
      {{n}, Shape{n}, Shape{n}},
      {{3, n}, Shape{}, Shape{1}},           // scalar weights
      {{3, n}, Shape{n}, std::nullopt},      // row [N] vs [M, N]
      {{3, n}, std::nullopt, Shape{n}},
      {{n, 5}, Shape{n, 1}, Shape{5}},       // column [M, 1] and row
      {{3, n}, Shape{3, 1}, Shape{3, n}},
      {{4, 5, n}, Shape{4, 1, n}, Shape{5, 1}},  // middle axis
  };
}

// Bound on the size of the terms summed for one output (so cancellation is allowed for):
// |g| (1 + |w|)(1 + |pw|)(1 + |y|)(1 + |x|).
double term_scale(double x, double y, double w, double pw, double g) {
  return std::fabs(g) * (1 + std::fabs(w)) * (1 + std::fabs(pw)) * (1 + std::fabs(y)) * (1 + std::fabs(x));
}

template <class T>
void test_against_ref(Isa isa) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> ux(-8, 8), u01(0, 1), uw(0.25, 2), ug(-1, 1);
  const double eps = std::numeric_limits<T>::epsilon();
  int count = 0;
  for (int64_t n : kSizes) {
    for (const Case& c : cases(n)) {
      const int off = count++ % 4;
      const Shape none{};
      const Shape sw = c.w.value_or(none), spw = c.pw.value_or(none);
      const int64_t nx = numel(c.x);
      Buf<T> x(nx, off), y(nx, (off + 1) % 4), w(numel(sw), off), pw(numel(spw), (off + 2) % 4);
      Buf<T> gfull(nx, (off + 3) % 4), out(nx, off);
      std::vector<T> ref(nx);
      for (int64_t i = 0; i < nx; ++i) {
        x.p[i] = T(i % 37 == 5 ? ux(rng) * 10 : ux(rng));  // some beyond the exp polynomial's easy range
        y.p[i] = T(i % 3 == 0 ? std::round(u01(rng)) : u01(rng));
        gfull.p[i] = T(ug(rng));
      }
      for (int64_t i = 0; i < numel(sw); ++i) w.p[i] = T(uw(rng));
      for (int64_t i = 0; i < numel(spw); ++i) pw.p[i] = T(uw(rng) * 1.5);
      const T* wp = c.w ? w.p : nullptr;
      const T* pwp = c.pw ? pw.p : nullptr;
      // Expand w / pw / g to x's shape for the error scale, through the broadcast itself.
      std::vector<double> we(nx, 1), pwe(nx, 1);
      {
        const Broadcast eb(c.x, {sw, spw});
        const int64_t in = eb.inner();
        eb.for_each_row([&](const auto& o) {
          for (int64_t i = 0; i < in; ++i) {
            if (wp) we[o[0] + i] = wp[o[1] + i * eb.inner_stride(1)];
            if (pwp) pwe[o[0] + i] = pwp[o[2] + i * eb.inner_stride(2)];
          }
        });
      }
      for (Reduction r : kReductions) {
        const Shape gshape = r == Reduction::None ? c.x : Shape{};
        const Broadcast bc(c.x, {c.x, c.x, sw, spw, gshape});
        // forward
        T got[1], want[1];
        if (r == Reduction::None) {
          bce_forward(bc, x.p, y.p, wp, pwp, out.p, r);
          bce_forward_ref(bc, x.p, y.p, wp, pwp, ref.data(), r);
          bool ok = true;
          for (int64_t i = 0; i < nx && ok; ++i)
            ok = std::fabs(double(out.p[i]) - double(ref[i])) <=
                 8 * eps * term_scale(x.p[i], y.p[i], we[i], pwe[i], 1);
          CHECK_MSG(ok, "forward %s n=%lld case %d None", isa_name(isa), (long long)n, count);
        } else {
          bce_forward(bc, x.p, y.p, wp, pwp, got, r);
          bce_forward_ref(bc, x.p, y.p, wp, pwp, want, r);
          // Both accumulate in double, in different orders: allow the double roundings too.
          const double tol = (8 * eps + 4 * std::sqrt(double(nx)) * std::numeric_limits<double>::epsilon());
          CHECK_MSG(std::fabs(double(got[0]) - double(want[0])) <= tol * std::fabs(double(want[0])),
                    "forward %s n=%lld case %d red %d: %.9g vs %.9g", isa_name(isa), (long long)n, count, int(r),
                    double(got[0]), double(want[0]));
        }
        // backward
        const T gscalar = T(0.75);
        const T* g = r == Reduction::None ? gfull.p : &gscalar;
        const double gdiv = r == Reduction::Mean ? double(nx) : 1.0;
        for (BceWrt wrt : kWrts) {
          bce_backward(bc, x.p, y.p, wp, pwp, g, out.p, r, wrt);
          bce_backward_ref(bc, x.p, y.p, wp, pwp, g, ref.data(), r, wrt);
          bool ok = true;
          int64_t bad = -1;
          for (int64_t i = 0; i < nx && ok; ++i) {
            const double gi = (r == Reduction::None ? g[i] : g[0]) / gdiv;
            ok = std::fabs(double(out.p[i]) - double(ref[i])) <= 8 * eps * term_scale(x.p[i], y.p[i], we[i], pwe[i], gi);
            if (!ok) bad = i;
          }
          CHECK_MSG(ok, "backward %s %s n=%lld case %d red %d wrt %d at %lld: %.9g vs %.9g", isa_name(isa),
                    sizeof(T) == 4 ? "f32" : "f64", (long long)n, count, int(r), int(wrt), (long long)bad,
                    bad >= 0 ? double(out.p[bad]) : 0.0, bad >= 0 ? double(ref[bad]) : 0.0);
        }
        // The fused forward + backward gives what the two separate kernels give, bit for bit.
        {
          Buf<T> loss(nx, off), dx(nx, (off + 1) % 4), sep_dx(nx, off);
          std::vector<T> sep_loss(r == Reduction::None ? nx : 1);
          bce_forward_backward(bc, x.p, y.p, wp, pwp, g, loss.p, dx.p, r);
          bce_forward(bc, x.p, y.p, wp, pwp, sep_loss.data(), r);
          bce_backward(bc, x.p, y.p, wp, pwp, g, sep_dx.p, r, BceWrt::Logits);
          bool same = true;
          for (size_t i = 0; i < sep_loss.size(); ++i) same = same && std::memcmp(&loss.p[i], &sep_loss[i], sizeof(T)) == 0;
          for (int64_t i = 0; i < nx; ++i) same = same && std::memcmp(&dx.p[i], &sep_dx.p[i], sizeof(T)) == 0;
          CHECK_MSG(same, "fused %s %s n=%lld case %d red %d", isa_name(isa), sizeof(T) == 4 ? "f32" : "f64",
                    (long long)n, count, int(r));
        }
      }
    }
  }
}

// +-inf, NaN, huge and zero logits with hard and soft labels and zero weights: the kernels agree
// with the reference bit for bit on NaN-ness and infinities, logit gradients stay finite, and the
// loss takes its limits (0 where the label matches an infinite logit, +inf where it does not).
template <class T>
void test_special(Isa isa) {
  const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  const T big = std::numeric_limits<T>::max();
  const T xs[] = {inf, -inf, nan, T(1e30), T(-1e30), big, -big, T(0), T(-0.0), T(88), T(-104), T(1e-30)};
  const T ys[] = {0, 1, T(0.3)};
  const T ws[] = {0, 1, T(2)};
  std::vector<T> x, y, w, pw;
  for (T xv : xs)
    for (T yv : ys)
      for (T wv : ws)
        for (T pv : ws) x.push_back(xv), y.push_back(yv), w.push_back(wv), pw.push_back(pv);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<T> out(n), ref(n), g(n, T(1));
  const Shape s{n};
  const Broadcast bc(s, {s, s, s, s, s});
  auto same = [](T a, T b) { return (std::isnan(a) && std::isnan(b)) || a == b || std::fabs(a - b) <= 1e-5 * std::fabs(b); };
  bce_forward(bc, x.data(), y.data(), w.data(), pw.data(), out.data(), Reduction::None);
  bce_forward_ref(bc, x.data(), y.data(), w.data(), pw.data(), ref.data(), Reduction::None);
  for (int64_t i = 0; i < n; ++i) {
    CHECK_MSG(same(out[i], ref[i]), "%s loss x=%g y=%g w=%g pw=%g: %g vs ref %g", isa_name(isa), double(x[i]),
              double(y[i]), double(w[i]), double(pw[i]), double(out[i]), double(ref[i]));
    CHECK(std::isnan(x[i]) == std::isnan(out[i]));
    if (std::isinf(x[i]) && w[i] != 0) {
      const bool matches = (x[i] > 0 && y[i] == 1) || (x[i] < 0 && y[i] == 0);
      const bool zero_pw = x[i] < 0 && pw[i] == 0;  // pw * y * softplus(-x) with pw = 0
      CHECK_MSG(matches || zero_pw ? out[i] == 0 : out[i] == inf, "limit x=%g y=%g w=%g pw=%g: %g", double(x[i]),
                double(y[i]), double(w[i]), double(pw[i]), double(out[i]));
    }
  }
  for (BceWrt wrt : kWrts) {
    bce_backward(bc, x.data(), y.data(), w.data(), pw.data(), g.data(), out.data(), Reduction::None, wrt);
    bce_backward_ref(bc, x.data(), y.data(), w.data(), pw.data(), g.data(), ref.data(), Reduction::None, wrt);
    for (int64_t i = 0; i < n; ++i) {
      CHECK_MSG(same(out[i], ref[i]), "%s wrt %d x=%g y=%g w=%g pw=%g: %g vs ref %g", isa_name(isa), int(wrt),
                double(x[i]), double(y[i]), double(w[i]), double(pw[i]), double(out[i]), double(ref[i]));
      CHECK(std::isnan(x[i]) == std::isnan(out[i]));
      if (wrt == BceWrt::Logits && !std::isnan(x[i])) CHECK(std::isfinite(out[i]));
    }
  }
}

// 10^7-element float32 mean against a float64 evaluation of the same losses, and bit-identical
// results across runs and thread counts.
void test_mean_1e7() {
  const int64_t n = 10'000'000;
  std::vector<float> x(n), y(n);
  std::mt19937 rng(6);
  std::normal_distribution<float> nx(0, 3);
  std::uniform_real_distribution<float> u(0, 1);
  for (int64_t i = 0; i < n; ++i) x[i] = nx(rng), y[i] = u(rng);
  const Shape s{n};
  const Broadcast bc(s, {s, s, {}, {}});
  double exact;
  {
    std::vector<double> xd(x.begin(), x.end()), yd(y.begin(), y.end());
    double m;
    bce_forward_ref(bc, xd.data(), yd.data(), (const double*)nullptr, (const double*)nullptr, &m, Reduction::Mean);
    exact = m;
  }
  for (Isa isa : isas()) {
    force_isa(isa);
    float first = 0;
    for (int threads : {1, 2, 1}) {
      gg::set_num_threads(threads);
      float m = 0;
      bce_forward<float>(bc, x.data(), y.data(), nullptr, nullptr, &m, Reduction::Mean);
      if (threads == 1 && first == 0) {
        first = m;
        std::printf("%-8s mean over 1e7 float32: %.9g, float64 reference %.12g, relative error %.3g\n",
                    isa_name(isa), double(m), exact, std::fabs(m - exact) / exact);
        CHECK_MSG(std::fabs(m - exact) <= 1e-6 * exact, "%s mean %g vs %g", isa_name(isa), double(m), exact);
      }
      CHECK_MSG(std::memcmp(&m, &first, sizeof m) == 0, "%s: not deterministic at %d threads", isa_name(isa), threads);
    }
  }
  gg::set_num_threads(2);
}

}  // namespace

int main() {
  test_math_ulp();
  for (Isa isa : isas()) {
    force_isa(isa);
    test_against_ref<float>(isa);
    test_against_ref<double>(isa);
    test_special<float>(isa);
    test_special<double>(isa);
  }
  test_mean_1e7();
  return CHECK_MAIN_RESULT();
}
