// The vector math (kernels/vmath.h through vmath_kernels(isa)): every function, both dtypes,
// every ISA this CPU has, over special values, a strided walk over all bit patterns of the type
// and dense sweeps (including arguments next to multiples of pi/2); the max error in ulp of the
// result's type against long double std:: references must stay within the bound documented in
// vmath.h. The lane ops (sqrt, rounding, sign, maximum, ...) must match std:: exactly. Masked
// tails, odd offsets and in-place calls must give the same bits as whole vectors.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "check.h"
#include "kernels/cpu.h"
#include "kernels/vmath_table.h"

using namespace gg::kernels;

namespace {

using LD = long double;

std::vector<Isa> isas() {
  std::vector<Isa> v{Isa::Portable};
  if (best_isa() >= Isa::Avx2) v.push_back(Isa::Avx2);
  if (best_isa() >= Isa::Avx512) v.push_back(Isa::Avx512);
  return v;
}

template <class T>
std::vector<T> test_values() {
  using L = std::numeric_limits<T>;
  std::vector<T> v;
  const T sp[] = {0, 1, 2, T(0.5), T(1e-30), T(1e30), L::min(), L::denorm_min(), L::max(), L::infinity(),
                  L::epsilon(), T(88.72), T(709.78), T(-103.9), T(-745.1), T(0.9), T(3.95), T(71476),
                  T(1048576), T(1e6), T(3.14159265358979), T(1.5707963267949)};
  for (T x : sp) v.insert(v.end(), {x, -x, std::nextafter(x, T(0)), -std::nextafter(x, L::infinity())});
  v.push_back(L::quiet_NaN());
  v.push_back(-L::quiet_NaN());
  // Every magnitude and sign: a strided walk over the bit patterns.
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  const int64_t walk = 1 << 20;
  const U step = U(~U(0) / U(walk));
  for (int64_t i = 0; i < walk; ++i) {
    U u = U(i) * step + U(i * 7919);
    T x;
    std::memcpy(&x, &u, sizeof x);
    v.push_back(x);
  }
  // Dense sweeps of the ranges where the approximations switch or saturate.
  for (LD lim : {LD(1), LD(5), LD(30), LD(800)}) {
    const int k = 1 << 17;
    for (int i = 0; i <= k; ++i) v.push_back(T(-lim + 2 * lim * i / k));
  }
  // Next to multiples of pi/2, where the sin/cos reduction cancels most, up to its range.
  const LD pio2 = 1.570796326794896619231321691639751442L;
  const int64_t kmax = sizeof(T) == 4 ? 45500 : 667000;
  for (int64_t k = 1; k < kmax; k += (k < 2000 ? 1 : 37)) {
    T x = T(k * pio2);
    v.insert(v.end(), {x, std::nextafter(x, T(0)), std::nextafter(x, L::infinity())});
  }
  return v;
}

LD ref_sigmoid(LD x) {
  if (x >= 0) return 1 / (1 + std::exp(-x));
  const LD e = std::exp(x);
  return e / (1 + e);
}
LD ref_softplus(LD x) { return (x > 0 ? x : 0) + std::log1p(std::exp(-std::fabs(x))); }

// Error of y in ulp of T around the reference r; special results must match exactly.
template <class T>
double ulp_err(T y, LD r) {
  using L = std::numeric_limits<T>;
  if (std::isnan(r)) return std::isnan(y) ? 0 : 1e9;
  const T rt = T(r);
  if (std::isinf(rt) || std::isinf(y)) return y == rt ? 0 : 1e9;
  if (r == 0) return y == 0 && std::signbit(y) == std::signbit(r) ? 0 : 1e9;
  const int e = std::max(std::ilogb(r), L::min_exponent - 1);
  const LD ulp = std::ldexp(LD(1), e - (L::digits - 1));
  return double(std::fabs(LD(y) - r) / ulp);
}

template <class T>
struct Case {
  const char* name;
  typename VmathKernels<T>::Unary VmathKernels<T>::*fn;
  LD (*ref)(LD);
  double bound;  // ulp, as documented in vmath.h
};

template <class T>
void check_transcendentals(const char* dt, const std::vector<T>& x) {
  using K = VmathKernels<T>;
  const bool f32 = sizeof(T) == 4;
  const Case<T> cases[] = {
      {"exp", &K::exp, [](LD v) { return std::exp(v); }, 1},
      {"expm1", &K::expm1, [](LD v) { return std::expm1(v); }, 2},
      {"log", &K::log, [](LD v) { return std::log(v); }, 1},
      {"log1p", &K::log1p, [](LD v) { return std::log1p(v); }, 2},
      {"sin", &K::sin, [](LD v) { return std::sin(v); }, 2},
      {"cos", &K::cos, [](LD v) { return std::cos(v); }, 2},
      {"tanh", &K::tanh, [](LD v) { return std::tanh(v); }, 3},
      {"sigmoid", &K::sigmoid, ref_sigmoid, 3},
      {"softplus", &K::softplus, ref_softplus, 2},
      {"erf", &K::erf, [](LD v) { return std::erf(v); }, f32 ? 3.0 : 2.0},
  };
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<LD> ref(n);
  std::vector<T> y(n);
  for (const auto& c : cases) {
    for (int64_t i = 0; i < n; ++i) ref[i] = c.ref(LD(x[i]));
    for (Isa isa : isas()) {
      (vmath_kernels<T>(isa).*c.fn)(x.data(), y.data(), n);
      double worst = 0;
      T at = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double e = ulp_err<T>(y[i], ref[i]);
        if (e > worst || std::isnan(e)) worst = e, at = x[i];
      }
      std::printf("%-8s %s %-8s max %.3f ulp at x = %.9g\n", c.name, dt, isa_name(isa), worst, double(at));
      CHECK_MSG(worst <= c.bound, "%s %s %s: %.3f ulp at x = %.17g (bound %.1f)", c.name, dt, isa_name(isa), worst,
                double(at), c.bound);
    }
  }
}

template <class T>
bool same(T a, T b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0; }

template <class T>
T ref_sign(T v) { return v > 0 ? T(1) : v < 0 ? T(-1) : v == 0 ? T(0) : v; }
template <class T>
T ref_max(T a, T b) { return std::isnan(a) || std::isnan(b) ? a + b : (a > b ? a : b); }
template <class T>
T ref_min(T a, T b) { return std::isnan(a) || std::isnan(b) ? a + b : (a < b ? a : b); }

template <class T>
void check_lane_ops(const char* dt, const std::vector<T>& x) {
  using K = VmathKernels<T>;
  struct U { const char* name; typename K::Unary K::*fn; T (*ref)(T); };
  const U unary[] = {
      {"sqrt", &K::sqrt, [](T v) { return std::sqrt(v); }},    {"floor", &K::floor, [](T v) { return std::floor(v); }},
      {"ceil", &K::ceil, [](T v) { return std::ceil(v); }},    {"round", &K::round, [](T v) { return std::nearbyint(v); }},
      {"trunc", &K::trunc, [](T v) { return std::trunc(v); }}, {"abs", &K::abs, [](T v) { return std::fabs(v); }},
      {"sign", &K::sign, ref_sign<T>},
  };
  struct B { const char* name; typename K::Binary K::*fn; T (*ref)(T, T); };
  const B binary[] = {{"maximum", &K::maximum, ref_max<T>},
                      {"minimum", &K::minimum, ref_min<T>},
                      {"copysign", &K::copysign, [](T a, T b) { return std::copysign(a, b); }}};
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<T> x2(n), y(n);
  for (int64_t i = 0; i < n; ++i) x2[i] = x[(i * 7 + 1) % n];
  for (Isa isa : isas()) {
    const auto& k = vmath_kernels<T>(isa);
    for (const auto& u : unary) {
      (k.*u.fn)(x.data(), y.data(), n);
      int64_t bad = 0;
      for (int64_t i = 0; i < n; ++i) bad += !same(y[i], u.ref(x[i]));
      CHECK_MSG(bad == 0, "%s %s %s: %lld mismatches", u.name, dt, isa_name(isa), (long long)bad);
    }
    for (const auto& b : binary) {
      (k.*b.fn)(x.data(), x2.data(), y.data(), n);
      int64_t bad = 0;
      for (int64_t i = 0; i < n; ++i) bad += !same(y[i], b.ref(x[i], x2[i]));
      CHECK_MSG(bad == 0, "%s %s %s: %lld mismatches", b.name, dt, isa_name(isa), (long long)bad);
    }
  }
}

// Tails and offsets: every length up to three vectors, at an odd offset, equals the same
// elements computed as part of a long row; in place too.
template <class T>
void check_tails(const char* dt) {
  using K = VmathKernels<T>;
  typename K::Unary K::*fns[] = {&K::exp, &K::expm1, &K::log,  &K::log1p,   &K::sin,      &K::cos,
                                 &K::tanh, &K::sigmoid, &K::erf, &K::softplus, &K::round, &K::sign};
  std::vector<T> x(64);
  for (int i = 0; i < 64; ++i) x[i] = T(0.37) * T(i - 20);
  for (Isa isa : isas()) {
    const auto& k = vmath_kernels<T>(isa);
    for (auto fn : fns) {
      std::vector<T> whole(64);
      (k.*fn)(x.data(), whole.data(), 64);
      for (int len = 0; len <= 49; ++len) {
        std::vector<T> y(len + 3, T(-7)), in(x.begin() + 3, x.begin() + 3 + len);
        (k.*fn)(x.data() + 3, y.data() + 1, len);
        bool ok = y[0] == T(-7) && y[len + 1] == T(-7);  // nothing written outside
        for (int i = 0; i < len; ++i) ok = ok && same(y[i + 1], whole[i + 3]);
        (k.*fn)(in.data(), in.data(), len);
        for (int i = 0; i < len; ++i) ok = ok && same(in[i], whole[i + 3]);
        CHECK_MSG(ok, "%s %s: tail of length %d differs", dt, isa_name(isa), len);
      }
    }
  }
}

// The ones a user would try first.
void check_specials() {
  for (Isa isa : isas()) {
    const auto& k = vmath_kernels<float>(isa);
    const float inf = std::numeric_limits<float>::infinity();
    float in[] = {1e30f, -1e30f, inf, -inf, 0.0f, -0.0f, 100.0f, -100.0f};
    float y[8];
    k.sin(in, y, 8);
    CHECK(y[0] == std::sin(1e30f) && y[1] == std::sin(-1e30f) && std::isnan(y[2]) && std::isnan(y[3]));
    CHECK(y[4] == 0 && !std::signbit(y[4]) && y[5] == 0 && std::signbit(y[5]));
    k.exp(in, y, 8);
    CHECK(y[0] == inf && y[1] == 0 && y[2] == inf && y[3] == 0 && y[4] == 1 && y[6] == inf && y[7] == std::exp(-100.0f));  // subnormal
    k.sigmoid(in, y, 8);
    CHECK(y[0] == 1 && y[1] == 0 && y[2] == 1 && y[3] == 0 && y[4] == 0.5f && y[6] == 1);
    k.softplus(in, y, 8);
    CHECK(y[0] == 1e30f && y[1] == 0 && y[2] == inf && y[3] == 0 && y[6] == 100.0f);
    k.tanh(in, y, 8);
    CHECK(y[0] == 1 && y[1] == -1 && y[2] == 1 && y[3] == -1 && std::signbit(y[5]));
  }
}

}  // namespace

int main() {
  const auto xf = test_values<float>();
  const auto xd = test_values<double>();
  check_specials();
  check_tails<float>("f32");
  check_tails<double>("f64");
  check_lane_ops<float>("f32", xf);
  check_lane_ops<double>("f64", xd);
  check_transcendentals<float>("f32", xf);
  check_transcendentals<double>("f64", xd);
  return CHECK_MAIN_RESULT();
}
