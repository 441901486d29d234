// Vectorised math for the elementwise ops, generic over Vec<T> (simd.h): each function takes and
// returns one vector, float or double, so an elementwise functor can call it inside its own
// load / compute / store loop. Compiled once per ISA like the other *_simd.h headers (the row
// functions and the table in vmath_table.h are the instances). The portable build (W = 1) maps
// everything to <cmath>.
//
// Accuracy as asserted by tests/cpp/test_vmath.cpp (max error in ulp of the result's type, over
// every special value, a strided walk over all bit patterns of the type and dense sweeps of the
// interesting ranges; float against float64 std::, double against long double std::):
//
//   function   domain / special values                     float32   float64   (measured)
//   vexp       all; > ~88.72 / 709.78 -> inf, subnormal    1         1         0.98  0.99
//              results rounded once, < -103.98 / -745.13 -> +0
//   vexpm1     all; -0 -> -0, +inf -> inf, -inf -> -1      2         2         1.38  1.96
//   vlog       x < 0 -> NaN, +-0 -> -inf, inf -> inf,      1         1         0.81  0.73
//              subnormal inputs exact
//   vlog1p     x < -1 -> NaN, -1 -> -inf, -0 -> -0         2         2         1.44  1.44
//   vsin/vcos  Cody-Waite reduction by pi/2 in three parts 2         2         1.52  1.45
//              for |x| <= 71476 (float) / 2^20 (double);
//              beyond, the C library per lane (exact for any x); +-inf -> NaN
//   vtanh      all; -0 -> -0, +-inf -> +-1                 3         3         1.23  2.31
//   vsigmoid   all, no overflow: +inf -> 1, -inf -> +0     3         3         2.12  2.17
//   vsoftplus  log1p(exp(x)), all: +inf -> inf, -inf -> 0  2         2         1.65  1.84
//   verf       all; +-inf -> +-1, -0 -> -0                 3         2 (libm)  2.73  1.05
//
// (glibc's own float tanh is 2.1 ulp and the portable sigmoid 2.3 by this measure.)
// Every function propagates NaN. The measured maxima are in the test's output; the table is
// the asserted bound. Double erf calls the C library lane by lane (correct, not fast).
#pragma once
#include "kernels/simd.h"
#include "kernels/simd_math.h"

#if !defined(GG_SIMD_PORTABLE)
#include <math.h>  // the C functions (not the inline C++ overloads: see simd.h on ODR)
#endif

namespace gg::kernels::GG_SIMD_NS {

template <class S>
inline constexpr bool kF32 = sizeof(typename S::T) == 4;

#if defined(GG_SIMD_PORTABLE)

template <class S> typename S::V vexp(typename S::V x) { return std::exp(x); }
template <class S> typename S::V vexpm1(typename S::V x) { return std::expm1(x); }
template <class S> typename S::V vlog(typename S::V x) { return std::log(x); }
template <class S> typename S::V vlog1p(typename S::V x) { return std::log1p(x); }
template <class S> typename S::V vsin(typename S::V x) { return std::sin(x); }
template <class S> typename S::V vcos(typename S::V x) { return std::cos(x); }
template <class S> typename S::V vtanh(typename S::V x) { return std::tanh(x); }
template <class S> typename S::V verf(typename S::V x) { return std::erf(x); }
template <class S>
typename S::V vsigmoid(typename S::V x) {
  const auto e = std::exp(-std::fabs(x));
  return (x >= 0 ? 1 : e) / (1 + e);
}
template <class S>
typename S::V vsoftplus(typename S::V x) { return (x > 0 ? x : 0) + std::log1p(std::exp(-std::fabs(x))); }

#else

// x = n ln2 + r with |r| <= ln2/2 (Cody-Waite: n * C1 is exact), em = expm1(r) = r + r^2 Q(r).
// float: Q the degree-5 fit of simd_math.h's exp_neg (4e-9 on Q). double: Taylor to r^14 (the
// next term is below 2^-56 relative), by Estrin.
template <class S>
void exp_reduce(typename S::V x, typename S::V& n, typename S::V& em) {
  using V = typename S::V;
  if constexpr (kF32<S>) {
    n = S::rint(x * 1.44269504f);
    V r = S::fma(n, S::set1(-0.693359375f), x);
    r = S::fma(n, S::set1(2.12194440e-4f), r);
    const V r2 = r * r, r4 = r2 * r2;
    const V q01 = S::fma(S::set1(1.666666716e-01f), r, S::set1(0.5f));
    const V q23 = S::fma(S::set1(8.333310485e-03f), r, S::set1(4.166646674e-02f));
    const V q45 = S::fma(S::set1(1.989098091e-04f), r, S::set1(1.393364160e-03f));
    em = S::fma(r2, S::fma(q45, r4, S::fma(q23, r2, q01)), r);
  } else {
    n = S::rint(x * 1.4426950408889634);
    V r = S::fma(n, S::set1(-6.93147180369123816490e-01), x);
    r = S::fma(n, S::set1(-1.90821492927058770002e-10), r);
    const V r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    auto c = [](double v) { return S::set1(v); };
    const V q01 = S::fma(c(1.0 / 6), r, c(0.5));
    const V q23 = S::fma(c(1.0 / 120), r, c(1.0 / 24));
    const V q45 = S::fma(c(1.0 / 5040), r, c(1.0 / 720));
    const V q67 = S::fma(c(1.0 / 362880), r, c(1.0 / 40320));
    const V q89 = S::fma(c(1.0 / 39916800), r, c(1.0 / 3628800));
    const V qab = S::fma(c(1.0 / 6227020800), r, c(1.0 / 479001600));
    const V q03 = S::fma(q23, r2, q01), q47 = S::fma(q67, r2, q45), q8b = S::fma(qab, r2, q89);
    const V q8c = S::fma(c(1.0 / 87178291200), r4, q8b);
    em = S::fma(r2, S::fma(q8c, r8, S::fma(q47, r4, q03)), r);
  }
}

// 1/d for double by the estimate S::rcp (14 bits on AVX-512) and two Newton steps: within about
// 2^-52 relative, and cheaper than vdivpd, the bottleneck of log otherwise. (For float the
// divider is the faster choice on this CPU.) d finite, nonzero.
template <class S>
typename S::V recip_f64(typename S::V d) {
  typename S::V r = S::rcp(d);
  r = S::fma(S::fma(-d, r, S::set1(1.0)), r, r);
  return S::fma(S::fma(-d, r, S::set1(1.0)), r, r);
}

// Clamping keeps NaN (the comparison is false for it) and keeps 2^n within ldexp's range.
template <class S>
typename S::V clamp(typename S::V x, typename S::T lo, typename S::T hi) {
  return S::hw_min(S::set1(hi), S::hw_max(S::set1(lo), x));
}

// exp without the clamp, for callers whose argument is already within [-104, 100] (float) /
// [-746, 720] (double).
template <class S>
typename S::V exp_core(typename S::V x) {
  typename S::V n, em;
  exp_reduce<S>(x, n, em);
  return S::ldexp(em + 1, n);
}

template <class S>
typename S::V vexp(typename S::V x) {
  return exp_core<S>(kF32<S> ? clamp<S>(x, -104.0f, 100.0f) : clamp<S>(x, -746.0, 720.0));
}

// e^-|x|, the form sigmoid and softplus need: only the lower clamp.
template <class S>
typename S::V exp_neg_abs(typename S::V x) {
  using T = typename S::T;
  return exp_core<S>(S::hw_max(S::set1(kF32<S> ? T(-104) : T(-746)), -S::abs(x)));
}

// 2^n (em + 1) - 1 as 2^n em + (2^n - 1): exact 2^n - 1 for |n| <= 24 (float) so no cancellation
// near 0; for n > 64 the - 1 is below the last place and 2^n (em + 1) alone may overflow.
template <class S>
typename S::V vexpm1(typename S::V x) {
  using V = typename S::V;
  const V xc = kF32<S> ? clamp<S>(x, -30.0f, 100.0f) : clamp<S>(x, -60.0, 720.0);
  V n, em;
  exp_reduce<S>(xc, n, em);
  const V s = S::ldexp(S::set1(1), n);
  const V r = n > 64 ? S::ldexp(em + 1, n) : S::fma(s, em, s - 1);
  return x == 0 ? x : r;  // -0 stays -0
}

// x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1 exact. float: log1p(f) = f - f^2/2 + f^3 P(f)
// (Cephes logf). double: fdlibm's log, s = f / (2 + f), log1p(f) = 2 atanh(s) by a degree-14
// polynomial in s. e ln2 is added in two parts.
template <class S>
typename S::V vlog(typename S::V x) {
  using V = typename S::V;
  using VI = typename S::VI;
  using T = typename S::T;
  constexpr int mant = kF32<S> ? 23 : 52;
  constexpr T tiny = kF32<S> ? T(0x1p-126f) : T(0x1p-1022);
  constexpr bool native = requires(V v) { S::getexp(v); };
  V m, e;
  if constexpr (native) {  // AVX-512: subnormals, inf and NaN come out right by themselves
    m = S::getmant(x);
    e = S::getexp(x);
  } else {
    constexpr T up = kF32<S> ? T(0x1p25f) : T(0x1p54);
    const VI mant_mask = ((VI{} + 1) << mant) - 1;
    const auto sub = x < tiny;  // subnormal (or <= 0, sorted out at the end): scale up first
    const V xs = sub ? x * up : x;
    const V ebias = sub ? S::set1(kF32<S> ? 25 : 54) : V{};
    m = (V)(((VI)xs & mant_mask) | (VI)S::set1(1));  // [1, 2)
    e = S::from_int(((VI)xs >> mant) - (kF32<S> ? 127 : 1023)) - ebias;
  }
  const auto hi = m > T(1.41421356237309504880);
  m = hi ? m * T(0.5) : m;
  e = hi ? e + 1 : e;
  const V f = m - 1;
  V r;
  if constexpr (kF32<S>) {
    const V z = f * f;
    V p = S::fma(S::set1(7.0376836292e-2f), f, S::set1(-1.1514610310e-1f));
    p = S::fma(p, f, S::set1(1.1676998740e-1f));
    p = S::fma(p, f, S::set1(-1.2420140846e-1f));
    p = S::fma(p, f, S::set1(1.4249322787e-1f));
    p = S::fma(p, f, S::set1(-1.6668057665e-1f));
    p = S::fma(p, f, S::set1(2.0000714765e-1f));
    p = S::fma(p, f, S::set1(-2.4999993993e-1f));
    p = S::fma(p, f, S::set1(3.3333331174e-1f));
    // ln2 = C1 + C2 with both positive (so e = +-inf gives +-inf, not inf - inf) and e * C1 exact.
    V y = S::fma(f * z, p, e * 1.428606820309417e-06f);
    y = S::fma(z, S::set1(-0.5f), y);
    r = S::fma(e, S::set1(0.693145751953125f), f + y);
  } else {
    // s only scales a correction of relative size <= 0.06, so recip_f64's 2^-52 will do.
    const V s = f * recip_f64<S>(f + 2), z = s * s, w = z * z;
    const V t1 = w * S::fma(S::fma(S::set1(1.531383769920937332e-01), w, S::set1(2.222219843214978396e-01)), w,
                            S::set1(3.999999999940941908e-01));
    const V t2 = z * S::fma(S::fma(S::fma(S::set1(1.479819860511658591e-01), w, S::set1(1.818357216161805012e-01)), w,
                                   S::set1(2.857142874366239149e-01)), w, S::set1(6.666666666666735130e-01));
    const V R = t1 + t2, hfsq = 0.5 * f * f;
    r = e * 6.93147180369123816490e-01 - ((hfsq - S::fma(s, hfsq + R, e * 1.90821492927058770002e-10)) - f);
  }
  const V nan = S::set1(T(__builtin_nan(""))), inf = S::set1(T(__builtin_inf()));
  if constexpr (native) return x < 0 ? nan : r;
  const V special = x < 0 ? nan : x == 0 ? -inf : x;  // inf and NaN stay
  return (x > 0) & (x < inf) ? r : special;
}

// log1p(x) = log(u) + (x - (u - 1)) / u with u = 1 + x rounded: the second term is the rounding
// error of u, to first order (and all of the result when u == 1).
template <class S>
typename S::V vlog1p(typename S::V x) {
  using V = typename S::V;
  const V u = x + 1;
  const V c = kF32<S> ? (x - (u - 1)) / u : (x - (u - 1)) * recip_f64<S>(u);
  const V r = vlog<S>(u) + ((u == 0) | is_inf<S>(u) ? V{} : c);
  return x == 0 ? x : r;
}

// sin and cos share the reduction: x = n pi/2 + r, |r| <= pi/4 (a little over, when x * 2/pi
// rounds up), then sin(r) or cos(r) by the quadrant n mod 4. float: Cephes sinf/cosf
// polynomials; double: fdlibm's __kernel_sin / __kernel_cos.
template <class S, bool Cos>
typename S::V sincos(typename S::V x) {
  using V = typename S::V;
  using VI = typename S::VI;
  using T = typename S::T;
  const V n = S::rint(x * T(0.63661977236758134308));
  V r, sr, cr;
  if constexpr (kF32<S>) {
    r = S::fma(n, S::set1(-1.570796371e+00f), x);
    r = S::fma(n, S::set1(4.371138829e-08f), r);
    r = S::fma(n, S::set1(1.715124510e-15f), r);
    const V z = r * r;
    V ps = S::fma(S::set1(-1.9515295891e-4f), z, S::set1(8.3321608736e-3f));
    ps = S::fma(ps, z, S::set1(-1.6666654611e-1f));
    sr = S::fma(r * z, ps, r);
    V pc = S::fma(S::set1(2.443315711809948e-5f), z, S::set1(-1.388731625493765e-3f));
    pc = S::fma(pc, z, S::set1(4.166664568298827e-2f));
    cr = S::fma(z * z, pc, S::fma(z, S::set1(-0.5f), S::set1(1.0f)));
  } else {
    r = S::fma(n, S::set1(-1.5707963267948966), x);
    r = S::fma(n, S::set1(-6.123233995736766e-17), r);
    r = S::fma(n, S::set1(1.4973849048591698e-33), r);
    const V z = r * r, w = z * z;
    auto c = [](double v) { return S::set1(v); };
    const V ps = S::fma(S::fma(S::fma(c(1.58969099521155010221e-10), z, c(-2.50507602534068634195e-08)), z,
                               c(2.75573137070700676789e-06)), z, c(-1.98412698298579493134e-04));
    const V ps2 = S::fma(S::fma(ps, z, c(8.33333333332248946124e-03)), z, c(-1.66666666666666324348e-01));
    sr = S::fma(r * z, ps2, r);
    const V pc_hi = S::fma(S::fma(c(-1.13596475577881948265e-11), z, c(2.08757232129817482790e-09)), z,
                           c(-2.75573143513906633035e-07));
    const V pc_lo = S::fma(S::fma(c(2.48015872894767294178e-05), z, c(-1.38888888888741095749e-03)), z,
                           c(4.16666666666666019037e-02));
    const V rc = z * S::fma(pc_hi, z * w, pc_lo);
    const V hz = 0.5 * z, wc = 1 - hz;
    cr = wc + (((1 - wc) - hz) + z * rc);
  }
  const VI q = S::to_int(n) + (Cos ? 1 : 0);
  V v = (q & 1) != 0 ? cr : sr;
  v = (V)((VI)v ^ ((q & 2) << (sizeof(T) * 8 - 2)));  // quadrants 2, 3: negate
  if constexpr (!Cos) v = x == 0 ? x : v;             // -0 stays -0
  // Beyond the reduction's range (and for +-inf): the C library, lane by lane. Rare.
  constexpr T kMax = kF32<S> ? T(71476.0f) : T(0x1p20);
  if (S::any(S::abs(x) > kMax)) {  // false for NaN
    T a[S::W], b[S::W];
    __builtin_memcpy(a, &x, sizeof a);
    __builtin_memcpy(b, &v, sizeof b);
    for (int i = 0; i < S::W; ++i) {
      if (__builtin_fabs(a[i]) > kMax) {
        if constexpr (kF32<S>) b[i] = Cos ? ::cosf(a[i]) : ::sinf(a[i]);
        else b[i] = Cos ? ::cos(a[i]) : ::sin(a[i]);
      }
    }
    __builtin_memcpy(&v, b, sizeof v);
  }
  return v;
}

template <class S> typename S::V vsin(typename S::V x) { return sincos<S, false>(x); }
template <class S> typename S::V vcos(typename S::V x) { return sincos<S, true>(x); }

// float: |x| < 0.625: x + x^3 P(x^2) (Cephes tanhf); beyond, 1 - 2 / (e^2|x| + 1) (no cancellation
// there: the result is >= 0.55). double: tanh|x| = e / (e + 2), e = expm1(2|x|), which has no
// cancellation near 0. Clamped where tanh rounds to 1.
template <class S>
typename S::V vtanh(typename S::V x) {
  using V = typename S::V;
  if constexpr (kF32<S>) {
    const V a = clamp<S>(S::abs(x), 0.0f, 10.0f), z = x * x;
    V p = S::fma(S::set1(-5.70498872745e-3f), z, S::set1(2.06390887954e-2f));
    p = S::fma(p, z, S::set1(-5.37397155531e-2f));
    p = S::fma(p, z, S::set1(1.33314422036e-1f));
    p = S::fma(p, z, S::set1(-3.33332819422e-1f));
    const V small = S::fma(a * z, p, a);
    const V big = S::fma(S::set1(-2.0f), 1.0f / (exp_core<S>(a + a) + 1.0f), S::set1(1.0f));
    return S::copysign(a < 0.625f ? small : big, x);
  } else {
    const V a = clamp<S>(S::abs(x), 0.0, 22.0);
    const V e = vexpm1<S>(a + a);
    return S::copysign(e / (e + 2), x);
  }
}

// 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) for x < 0: e = e^-|x| <= 1 never overflows.
template <class S>
typename S::V vsigmoid(typename S::V x) {
  using V = typename S::V;
  const V e = exp_neg_abs<S>(x);
  return (x >= 0 ? S::set1(1) : e) / (e + 1);  // (rcp14 + Newton steps measured slower here)
}

// max(x, 0) + log1p(e^-|x|): e^-|x| is in [0, 1], so float uses simd_math.h's division-free
// log1p01.
template <class S>
typename S::V vsoftplus(typename S::V x) {
  const auto e = exp_neg_abs<S>(x);
  if constexpr (kF32<S>) return max0<S>(x) + log1p01<S>(e);
  else return max0<S>(x) + vlog1p<S>(e);
}

// float: |x| < 0.9: x P(x^2), degree 5; 0.9 <= |x| < 3.95: 1 - exp(Q(|x| - 2.4)), Q a degree-8
// fit of log(erfc) (least squares at Chebyshev nodes, tests/cpp/test_vmath.cpp measures it);
// beyond 3.95, erf rounds to 1 and Q's clamp gives exactly that.
template <class S>
typename S::V verf(typename S::V x) {
  using V = typename S::V;
  using T = typename S::T;
  if constexpr (kF32<S>) {
    const V z = x * x;
    V p = S::fma(S::set1(-6.106989458e-04f), z, S::set1(5.015357397e-03f));
    p = S::fma(p, z, S::set1(-2.678133920e-02f));
    p = S::fma(p, z, S::set1(1.128221229e-01f));
    p = S::fma(p, z, S::set1(-3.761253059e-01f));
    p = S::fma(p, z, S::set1(1.128379107e+00f));
    const V small = x * p;
    const V t = clamp<S>(S::abs(x), 0.9f, 3.95f) - 2.4f;
    V q = S::fma(S::set1(1.624234869e-06f), t, S::set1(-1.458962379e-05f));
    q = S::fma(q, t, S::set1(8.711756527e-05f));
    q = S::fma(q, t, S::set1(-4.695066891e-04f));
    q = S::fma(q, t, S::set1(2.387380693e-03f));
    q = S::fma(q, t, S::set1(-1.176815014e-02f));
    q = S::fma(q, t, S::set1(-9.405018687e-01f));
    q = S::fma(q, t, S::set1(-5.164236546e+00f));
    q = S::fma(q, t, S::set1(-7.280974865e+00f));
    const V big = S::copysign(1 - exp_core<S>(q), x);  // q in [-17.7, -1]
    return S::abs(x) < 0.9f ? small : big;
  } else {
    T a[S::W];
    __builtin_memcpy(a, &x, sizeof a);
    for (int i = 0; i < S::W; ++i) a[i] = ::erf(a[i]);
    __builtin_memcpy(&x, a, sizeof a);
    return x;
  }
}

#endif

}  // namespace gg::kernels::GG_SIMD_NS
