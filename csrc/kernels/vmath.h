// Vectorised math for the elementwise ops, generic over Vec<T> (simd.h): each function takes and
// returns one vector, float or double, so an elementwise functor can call it inside its own
// load / compute / store loop. Compiled once per ISA like the other *_simd.h headers (the row
// functions and the table in vmath_table.h are the instances). The portable build (W = 1) maps
// everything to <cmath>.
//
// Accuracy as asserted by tests/cpp/test_vmath.cpp: max error in ulp of the result's type
// against long double std:: references, over special values, a strided walk over all bit
// patterns of the type (so every magnitude and sign), dense sweeps of [-1, 1], [-5, 5],
// [-30, 30], [-800, 800] and arguments next to multiples of pi/2; the same bound holds for the
// portable (<cmath>) build, and the measured maxima of the SIMD builds are beside it:
//
//   function   domain / special values                     bound f32 / f64    measured f32 / f64
//   vexp       all; > ~88.72 / 709.78 -> inf, subnormal    1    1             0.96  0.99
//              results rounded once, < -103.98 / -745.13 -> +0
//   vexpm1     all; -0 -> -0, +inf -> inf, -inf -> -1      2    2             1.37  1.96
//   vlog       x < 0 -> NaN, +-0 -> -inf, inf -> inf,      1    1             0.77  0.74
//              subnormal inputs exact
//   vlog1p     x < -1 -> NaN, -1 -> -inf, -0 -> -0         2    2             1.44  1.44
//   vsin/vcos  Cody-Waite reduction by pi/2 in three parts 2    2             1.52  1.45
//              for |x| <= 71476 (float) / 2^20 (double);
//              beyond, the C library per lane (right for any x, 1e30 included); +-inf -> NaN
//   vtanh      all; -0 -> -0, +-inf -> +-1                 3    3             1.08  2.31
//              (float: 1.08 the AVX-512 table, 1.23 AVX2; the bound is glibc's tanhf, 2.14)
//   vsigmoid   all, no overflow: +inf -> 1, -inf -> +0     3    3             2.12  2.17
//   vsoftplus  log1p(exp(x)), all: +inf -> inf, -inf -> 0  2    2             1.65  1.84
//   verf       all; +-inf -> +-1, -0 -> -0                 3    2             2.73  1.05
//   vpowf/vpow SIMD builds only; C99's pow special cases    1    1             (tests/test_opinfo.py:
//              (odd integer powers keep the sign, ...)                         against float64 / numpy)
//
// Every function propagates NaN. Double erf calls the C library lane by lane (right, not fast).
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
  if constexpr (S::kRcpBits >= 53) return r;  // already the quotient (AVX2 has no estimate)
  r = S::fma(S::fma(-d, r, S::set1(1.0)), r, r);
  return S::fma(S::fma(-d, r, S::set1(1.0)), r, r);
}

// NaN passes through (the hardware min / max return their second operand, x, for it); the
// clamps keep 2^n within ldexp's range.
template <class S>
typename S::V clamp(typename S::V x, typename S::T lo, typename S::T hi) {
  return S::hw_min(S::set1(hi), S::hw_max(S::set1(lo), x));
}

// clamp(x, -hi, hi) in one instruction where the ISA has one (AVX-512's vrange), which gives
// +-hi rather than NaN for a NaN x: only for callers whose NaN lanes are replaced later.
template <class S>
typename S::V clamp_sym(typename S::V x, typename S::T hi) {
  if constexpr (requires { S::clamp_abs(x, x); }) return S::clamp_abs(x, S::set1(hi));
  else return clamp<S>(x, -hi, hi);
}

// v 2^floor(y), y within ldexp's range (AVX-512's vscalef floors y itself; the others take the
// floor first).
template <class S>
typename S::V ldexp_floor(typename S::V v, typename S::V y) {
  if constexpr (requires { S::ldexp_floors; }) return S::ldexp(v, y);
  else return S::ldexp(v, S::floor(y));
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

// 2^n (em + 1) - 1 as 2 (h em + (h - 1/2)), h = 2^(n-1): h - 1/2 is exact for n <= 24 (float) /
// 53 (double), so no cancellation near 0, and h stays finite up to the clamp (n <= 128 / 1024),
// so results near the overflow threshold are rounded once and beyond it overflow to inf.
template <class S>
typename S::V vexpm1(typename S::V x) {
  using V = typename S::V;
  const V xc = kF32<S> ? clamp<S>(x, -30.0f, 89.0f) : clamp<S>(x, -60.0, 710.0);
  V n, em;
  exp_reduce<S>(xc, n, em);
  const V h = S::ldexp(S::set1(0.5), n);
  const V r = S::fma(h, em, h - 0.5f) * 2.0f;
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
  // c is NaN where u is 0 or inf (0 / 0, inf - inf): hw_max turns it into a finite -max that the
  // log's -inf / inf absorbs. One instruction instead of testing u.
  const V r = vlog<S>(u) + S::hw_max(c, S::set1(-__FLT_MAX__));
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
//
// AVX-512 float instead: [0, 10) in 32 intervals of 0.3125, a degree-7 polynomial in the offset on
// each (least squares at 400 Chebyshev nodes per interval weighted by 1/tanh, the first interval
// with no constant term; coefficients rounded to float), looked up from registers. A third of
// the instructions of the exp form and no divide: 1.6x faster, 1.08 ulp.
alignas(64) inline constexpr float kTanhTable[8][32] = {
  {
    0.000000000e+00f, 3.027097285e-01f, 5.545997024e-01f, 7.340714931e-01f, 8.482836485e-01f, 9.158245325e-01f,
    9.540452361e-01f, 9.751366973e-01f, 9.866142869e-01f, 9.928128123e-01f, 9.961465597e-01f, 9.979355335e-01f,
    9.988944530e-01f, 9.994080663e-01f, 9.996831417e-01f, 9.998303652e-01f, 9.999092221e-01f, 9.999514222e-01f,
    9.999740124e-01f, 9.999860525e-01f, 9.999925494e-01f, 9.999960065e-01f, 9.999978542e-01f, 9.999988675e-01f,
    9.999994040e-01f, 9.999997020e-01f, 9.999998212e-01f, 9.999998808e-01f, 9.999999404e-01f, 1.000000000e+00f,
    1.000000000e+00f, 1.000000000e+00f},
  {
    1.000000000e+00f, 9.083668590e-01f, 6.924191117e-01f, 4.611389935e-01f, 2.804148793e-01f, 1.612654030e-01f,
    8.979763836e-02f, 4.910841957e-02f, 2.659222670e-02f, 1.432275400e-02f, 7.692089304e-03f, 4.124661908e-03f,
    2.209892264e-03f, 1.183478045e-03f, 6.336444640e-04f, 3.392153885e-04f, 1.815832366e-04f, 9.719860100e-05f,
    5.202783723e-05f, 2.784883145e-05f, 1.490650175e-05f, 7.978903341e-06f, 4.270807040e-06f, 2.286000381e-06f,
    1.223608479e-06f, 6.549506111e-07f, 3.505698771e-07f, 1.876465490e-07f, 1.004399621e-07f, 5.376163514e-08f,
    2.877653671e-08f, 1.540297667e-08f},
  {
    -2.422203806e-07f, -2.749723494e-01f, -3.840147257e-01f, -3.385086656e-01f, -2.378713787e-01f, -1.476908922e-01f,
    -8.567104489e-02f, -4.788742959e-02f, -2.623627149e-02f, -1.421981305e-02f, -7.662447169e-03f, -4.116146360e-03f,
    -2.207448706e-03f, -1.182777341e-03f, -6.334435893e-04f, -3.391577920e-04f, -1.815667056e-04f, -9.719385707e-05f,
    -5.202647299e-05f, -2.784843855e-05f, -1.490638715e-05f, -7.978869689e-06f, -4.270796580e-06f, -2.285997425e-06f,
    -1.223607569e-06f, -6.549504405e-07f, -3.505697350e-07f, -1.876467621e-07f, -1.004398698e-07f, -5.376153212e-08f,
    -2.877685823e-08f, -1.540334615e-08f},
  {
    -3.333212435e-01f, -2.195279747e-01f, -1.785041206e-02f, 9.476786107e-02f, 1.083117947e-01f, 8.150557429e-02f,
    5.180228129e-02f, 3.032752499e-02f, 1.702102460e-02f, 9.343338199e-03f, 5.068868399e-03f, 2.732746303e-03f,
    1.468368573e-03f, 7.875795127e-04f, 4.220252449e-04f, 2.260269539e-04f, 1.210216651e-04f, 6.478916475e-05f,
    3.468227806e-05f, 1.856499512e-05f, 9.937371942e-06f, 5.319162028e-06f, 2.847160204e-06f, 1.523985816e-06f,
    8.157319371e-07f, 4.366330302e-07f, 2.337108640e-07f, 1.251020620e-07f, 6.695771759e-08f, 3.583870267e-08f,
    1.919180015e-08f, 1.027586105e-08f},
  {
    -2.242085611e-04f, 1.577841789e-01f, 1.381338388e-01f, 4.338075221e-02f, -1.260002889e-02f, -2.543618903e-02f,
    -2.087427676e-02f, -1.361359470e-02f, -8.048010059e-03f, -4.535980988e-03f, -2.494916320e-03f, -1.354872948e-03f,
    -7.308197673e-04f, -3.927924263e-04f, -2.107096225e-04f, -1.129174998e-04f, -6.047845454e-05f, -3.238269710e-05f,
    -1.733637328e-05f, -9.280526683e-06f, -4.967651876e-06f, -2.659029633e-06f, -1.423262688e-06f, -7.618717177e-07f,
    -4.077927827e-07f, -2.182991636e-07f, -1.168287724e-07f, -6.258783003e-08f, -3.345292399e-08f, -1.789535098e-08f,
    -9.669210321e-09f, -5.204126463e-09f},
  {
    1.352705657e-01f, 4.800713807e-02f, -5.677242577e-02f, -5.394877493e-02f, -1.912083477e-02f, -1.489925635e-04f,
    4.706169013e-03f, 4.274535459e-03f, 2.859345172e-03f, 1.705549425e-03f, 9.648857522e-04f, 5.316411844e-04f,
    2.889590687e-04f, 1.559336233e-04f, 8.382866508e-05f, 4.497441842e-05f, 2.410302295e-05f, 1.291003082e-05f,
    6.912874142e-06f, 3.701616833e-06f, 1.980967681e-06f, 1.060200816e-06f, 5.673245482e-07f, 3.039122589e-07f,
    1.626159332e-07f, 8.713971056e-08f, 4.656184771e-08f, 2.519105990e-08f, 1.322946730e-08f, 7.031887517e-09f,
    4.236129669e-09f, 2.405606159e-09f},
  {
    -8.179985918e-03f, -8.324848861e-02f, -1.792395301e-02f, 2.050118335e-02f, 1.498694625e-02f, 4.850414582e-03f,
    3.416958207e-04f, -7.571032620e-04f, -7.288168999e-04f, -4.919891944e-04f, -2.940155391e-04f, -1.663968287e-04f,
    -9.168708493e-05f, -4.983268809e-05f, -2.689085341e-05f, -1.445575163e-05f, -7.755633305e-06f, -4.156567684e-06f,
    -2.226727702e-06f, -1.194120273e-06f, -6.378787134e-07f, -3.409682563e-07f, -1.820747286e-07f, -9.805022216e-08f,
    -5.232326927e-08f, -2.820874911e-08f, -1.492706403e-08f, -8.653934458e-09f, -3.971673213e-09f, -2.012908062e-09f,
    -2.283744749e-09f, -1.561642260e-09f},
  {
    -3.941741586e-02f, 2.508470789e-02f, 1.906493120e-02f, -1.509919064e-03f, -4.596098326e-03f, -2.173766261e-03f,
    -5.610299995e-04f, -5.868984317e-06f, 1.043945740e-04f, 9.067039355e-05f, 5.914929352e-05f, 3.480475425e-05f,
    1.954671461e-05f, 1.072732630e-05f, 5.817976671e-06f, 3.135700581e-06f, 1.684820745e-06f, 9.037919426e-07f,
    4.846501156e-07f, 2.613525396e-07f, 1.385628821e-07f, 7.367892607e-08f, 3.901030254e-08f, 2.144599875e-08f,
    1.131414074e-08f, 6.219653237e-09f, 3.186141573e-09f, 2.350547756e-09f, 5.922202173e-10f, 2.149963402e-10f,
    1.314651610e-09f, 1.033394703e-09f},
};

template <class S>
typename S::V vtanh(typename S::V x) {
  using V = typename S::V;
  using VI = typename S::VI;
  if constexpr (kF32<S> && requires(VI i) { S::lut32(kTanhTable[0], i); }) {
    const V a = S::hw_min(S::set1(9.9999990f), S::abs(x));          // NaN stays NaN
    const VI i = __builtin_convertvector(a * 3.2f, VI);              // a >= 0: truncation is floor
    const V t = S::fma(S::from_int(i), S::set1(-0.3125f), a);
    V p = S::lut32(kTanhTable[7], i);
    for (int d = 6; d >= 0; --d) p = S::fma(p, t, S::lut32(kTanhTable[d], i));
    return S::copysign(p, x);
  } else if constexpr (kF32<S>) {
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

// a^b for float lanes, in float lanes: twice the lanes of glibc's powf method (which works in
// double) at about 3/4 of its operations per vector, so about 1.3x faster with AVX-512.
// Float has 24 bits where 1 ulp of a^b needs about 34 in y = b log2|a| (|y| up to 150, and
// 2^y must be within 2^-26 or so), so log2|a| is carried as a pair hi + lo of floats:
//
//   |a| = 2^k z, z in [0.8047, 1.6094); c the centre of z's 32nd of that range (the one
//   around 1 has c = 1 exactly, so log2 a near 1 keeps its relative precision), 1/c a float
//   from a table, and r = z/c - 1 = (z/c rounded - 1) + (its rounding error, by fma): an
//   exact pair with |r| <= 2^-6;
//   log2(1 + r) = r P(r), P = (1/ln2)(1 - r/2 + r^2/3 - ... - r^5/6): its constant and linear
//   terms as exact pairs, the rest (below 2^-12) in float; r P as a pair by fma;
//   L = k + log2(c) + r P: log2(c)'s hi is a multiple of 2^-16 (lo, below 2^-17, from a
//   second table), so k + hi is exact in float (|k| < 2^8 leaves 16 bits below the point)
//   and needs no error term; then + r P by Fast2Sum (|k + log2 c| is at least |r P| wherever
//   it is not 0);
//   y = b L as a pair by fma; y = n + j/32 + f, n + j/32 the nearest 32nd to yh, so |f| <=
//   1/64 + 2^-16; 2^f - 1 by a degree-3 series;
//   2^(j/32) from a table as hi and (2^(j/32) - hi) / hi; 2^n by ldexp (scalef), which also
//   rounds subnormal results once and overflows to inf.
//
// The rounding errors before the last fma add up to about 2^-29 of the result (lo's own
// rounding, 2^-42 in L, adds at most 2^-29.6 where |b| is largest: a in the intervals beside
// 1, b L near 150), so the float result is within 1 ulp of the correctly rounded one (1 ulp off
// for 0.2% of a strided walk over every float and 0.5% where b log2 a spans [-152, 129];
// numpy's SVML powf for 20% of random arguments). Checked against the double pow on 6.2e8
// arguments (that walk with 13 exponents, and exponents chosen so that b log2 a spans
// [-152, 129], subnormal and overflowing results included) for AVX-512 and AVX2: none beyond
// 1 ulp. Then
// C99's special cases for 0, inf, NaN, b = 0, a = 1, b = +-inf, odd integer powers of negative
// bases, and NaN for a negative finite base with a non-integer b.
// Per interval i: 1/c (float), -log2(1/c) as hi + lo; per j: 2^(j/32) as hi and (2^(j/32) - hi) / hi.
alignas(64) inline constexpr float kPowfInvC[32] = {
    0x1.3b13b2p+0f, 0x1.3521d0p+0f, 0x1.2f684cp+0f, 0x1.29e412p+0f,
    0x1.24924ap+0f, 0x1.1f7048p+0f, 0x1.1a7b96p+0f, 0x1.15b1e6p+0f,
    0x1.111112p+0f, 0x1.0c9714p+0f, 0x1.084210p+0f, 0x1.041042p+0f,
    0x1.000000p+0f, 0x1.f07c20p-1f, 0x1.e1e1e2p-1f, 0x1.d41d42p-1f,
    0x1.c71c72p-1f, 0x1.bacf92p-1f, 0x1.af286cp-1f, 0x1.a41a42p-1f,
    0x1.99999ap-1f, 0x1.8f9c18p-1f, 0x1.861862p-1f, 0x1.7d05f4p-1f,
    0x1.745d18p-1f, 0x1.6c16c2p-1f, 0x1.642c86p-1f, 0x1.5c9882p-1f,
    0x1.555556p-1f, 0x1.4e5e0ap-1f, 0x1.47ae14p-1f, 0x1.414142p-1f};
alignas(64) inline constexpr float kPowfLogCHi[32] = {
    -0x1.32cp-2f, -0x1.169cp-2f, -0x1.f6p-3f, -0x1.bfc8p-3f,
    -0x1.8a88p-3f, -0x1.564p-3f, -0x1.22d8p-3f, -0x1.e0bp-4f,
    -0x1.7d6p-4f, -0x1.1bbp-4f, -0x1.774p-5f, -0x1.744p-6f,
    0x0p+0f, 0x1.6bap-5f, 0x1.664p-4f, 0x1.08c8p-3f,
    0x1.5cp-3f, 0x1.acf8p-3f, 0x1.fbcp-3f, 0x1.244p-2f,
    0x1.49a8p-2f, 0x1.6e24p-2f, 0x1.91bcp-2f, 0x1.b48p-2f,
    0x1.d674p-2f, 0x1.f7a8p-2f, 0x1.0c1p-1f, 0x1.1bf4p-1f,
    0x1.2b8p-1f, 0x1.3abcp-1f, 0x1.49a8p-1f, 0x1.5848p-1f};
alignas(64) inline constexpr float kPowfLogCLo[32] = {
    0x1.c5b3bep-23f, -0x1.a9e4e2p-24f, 0x1.39ff24p-18f, 0x1.8ba1a8p-19f,
    -0x1.8953f6p-19f, 0x1.1df758p-18f, -0x1.6db904p-18f, -0x1.af47dap-20f,
    -0x1.767e68p-22f, -0x1.8a5e0ap-19f, 0x1.b29decp-19f, 0x1.7c573p-23f,
    0x0p+0f, 0x1.a40876p-18f, -0x1.238986p-21f, -0x1.3c23acp-18f,
    0x1.a22e68p-19f, -0x1.10ea82p-18f, 0x1.6a1ed2p-19f, 0x1.e5b6dap-20f,
    -0x1.f2d20ap-20f, -0x1.df8adcp-18f, -0x1.64eeep-20f, -0x1.403022p-18f,
    0x1.3b2086p-18f, 0x1.50d21cp-20f, 0x1.3c9a3cp-19f, -0x1.d91c72p-18f,
    0x1.98151ap-20f, -0x1.7eb028p-18f, -0x1.e8b8bcp-19f, 0x1.0597acp-20f};
alignas(64) inline constexpr float kPowfExp2Hi[32] = {
    0x1.000000p+0f, 0x1.059b0ep+0f, 0x1.0b5586p+0f, 0x1.11301ep+0f,
    0x1.172b84p+0f, 0x1.1d4874p+0f, 0x1.2387a6p+0f, 0x1.29e9e0p+0f,
    0x1.306fe0p+0f, 0x1.371a74p+0f, 0x1.3dea64p+0f, 0x1.44e086p+0f,
    0x1.4bfdaep+0f, 0x1.5342b6p+0f, 0x1.5ab07ep+0f, 0x1.6247ecp+0f,
    0x1.6a09e6p+0f, 0x1.71f75ep+0f, 0x1.7a1148p+0f, 0x1.82589ap+0f,
    0x1.8ace54p+0f, 0x1.93737cp+0f, 0x1.9c4918p+0f, 0x1.a5503cp+0f,
    0x1.ae89fap+0f, 0x1.b7f770p+0f, 0x1.c199bep+0f, 0x1.cb720ep+0f,
    0x1.d5818ep+0f, 0x1.dfc974p+0f, 0x1.ea4afap+0f, 0x1.f50766p+0f};
alignas(64) inline constexpr float kPowfExp2Rel[32] = {
    0x0.0p+0f, -0x1.947414p-25f, 0x1.8d96d4p-25f, -0x1.dda2fcp-25f,
    -0x1.9c0c22p-27f, -0x1.a2fbb2p-25f, 0x1.964904p-25f, -0x1.2b0dbcp-25f,
    0x1.125002p-25f, -0x1.cde8cep-26f, 0x1.370be4p-25f, 0x1.336de2p-30f,
    -0x1.0a3550p-25f, -0x1.c541b4p-26f, -0x1.00d8acp-27f, -0x1.6cb284p-25f,
    0x1.26055cp-26f, 0x1.8b2bb8p-26f, -0x1.05cb44p-25f, -0x1.1c2142p-26f,
    0x1.67a1cap-28f, -0x1.348e56p-25f, 0x1.a3b5e4p-28f, -0x1.0b7ec8p-25f,
    -0x1.f9c304p-27f, -0x1.e4c886p-26f, -0x1.6961b4p-28f, -0x1.b5151ep-28f,
    -0x1.a5217cp-28f, -0x1.ab7132p-26f, 0x1.61428ep-28f, -0x1.2ad5f8p-27f};

// t[i & 31] per lane: S::lut32 where the ISA has it (AVX-512), else AVX2's gather (vtanh tests
// for S::lut32 to choose its table form, so AVX2's Vec has no member of that name).
template <class S>
typename S::V pow_lut32(const float* t, typename S::VI i) {
  if constexpr (requires { S::lut32(t, i); }) return S::lut32(t, i);
  else return _mm256_i32gather_ps(t, (__m256i)(i & 31), 4);
}

// 2^(b log2 a) for a > 0, or only for a normal when !Subnormal (other lanes give garbage that
// pow_special replaces).
template <class S, bool Subnormal>
[[gnu::always_inline]] inline typename S::V powf_core(typename S::V a, typename S::V b) {
  using V = typename S::V;
  using VI = typename S::VI;
  auto c = [](float v) { return S::set1(v); };
  VI ia = (VI)a;
  if constexpr (Subnormal) ia = ia < 0x00800000 ? (VI)(a * 0x1p23f) - (23 << 23) : ia;  // scaled to normal
  // tmp's top 9 bits are k, the next 5 the index of z's interval (0x3f4e0000 = 0.8046875 starts
  // interval 0, and 1 is the middle of interval 12; lut32 reads only an index's low 5 bits).
  const VI tmp = ia - 0x3f4e0000, i = tmp >> 18;
  const V z = (V)(ia - (tmp & int32_t(0xff800000))), k = S::from_int(tmp >> 23);
  const V invc = pow_lut32<S>(kPowfInvC, i);
  const V ph = z * invc, pl = S::fma(z, invc, -ph), rh = ph - 1.0f;  // r = rh + pl exactly
  // P(r) = Ph + Pl: 1/ln2 = Ih + Il; the linear term -r/(2 ln2) as q1h + q1l exactly; the rest
  // in lo: Il, the linear term's parts from pl and Il, and r^2 (1/ln2)(1/3 - r/4 + r^2/5 - r^3/6)
  // with r^2 to first order in pl.
  const V ih = c(0x1.715476p+0f), mh2 = c(-0x1.715476p-1f);
  const V q1h = rh * mh2, q1l = S::fma(rh, mh2, -q1h);
  const V r2 = rh * S::fma(pl, c(2.0f), rh);
  // Each sum is grouped so that the terms known early are added first: the loop is bound by
  // the latency of this chain. That, with k + log2 c exact and kd from yh alone (below), made
  // pow 1.09 to 1.17x faster (10^3 to 10^7 elements, alternating runs in one process).
  const V cp = S::fma(r2, S::fma(c(-0x1.ec709ep-3f), rh, c(0x1.2776c6p-2f)), S::fma(c(-0x1.715476p-2f), rh, c(0x1.ec709ep-2f)));
  const V lo = S::fma(r2, cp, S::fma(rh, c(-0x1.4ae0cp-27f), S::fma(pl, mh2, c(0x1.4ae0cp-26f))) + q1l);
  const V Ph = ih + q1h, Pl = ((ih - Ph) + q1h) + lo;
  // s = r P = sh + sl; L = (k + log2 c) + s = lh + ll.
  const V sh = rh * Ph, sl = S::fma(rh, Pl, S::fma(rh, Ph, -sh) + pl * Ph);
  const V ch = pow_lut32<S>(kPowfLogCHi, i);
  const V th = k + ch;  // exact
  const V lh = th + sh, ll = (((th - lh) + sh) + pow_lut32<S>(kPowfLogCLo, i)) + sl;
  // y = yh + yl. Beyond |y| = 160 the result is 0 or inf whatever the rest: the clamps keep
  // that so (yl of a huge yh would be huge too). (A NaN here comes only from a lane that
  // pow_special replaces.)
  const V yh0 = b * lh, yl0 = S::fma(b, ll, S::fma(b, lh, -yh0));
  const V yh = clamp_sym<S>(yh0, 160.0f), yl = clamp_sym<S>(yl0, 0x1p-5f);
  // Adding 1.5 * 2^18 rounds yh to 32nds and leaves 32 n + j in the low bits of ki (yh alone:
  // |yl| <= 2^-16 only widens |f| a little beyond 1/64, and yl then joins late).
  constexpr float kShift = 0x1.8p23f / 32;
  const V kd = yh + kShift;
  const VI ki = (VI)kd;
  const V kr = kd - kShift, f = (yh - kr) + yl;  // yh - kr is exact
  const V em1 = f * S::fma(S::fma(c(0x1.c6b08ep-5f), f, c(0x1.ebfbe0p-3f)), f, c(0x1.62e430p-1f));
  const V t = pow_lut32<S>(kPowfExp2Hi, ki);
  return ldexp_floor<S>(S::fma(t, em1 + pow_lut32<S>(kPowfExp2Rel, ki), t), kr);
}

// a^b for double lanes, the same method as powf_core one level up: log2|a| as a pair of
// doubles (about 2^-64 relative, where 1 ulp of a^b needs 2^-55 / 1075), 64 intervals (|r| <=
// 2^-7, so P(r) to r^8 and 2^f - 1 to f^7), tables read by gathers. The error before the last
// rounding is about 2^-60 of the result: faithful (within 1 ulp of the exact power, so of
// numpy's too), and 0.05% of random results differ from glibc's pow (itself within 0.52 ulp).
// Checked against glibc's pow on 1e8 arguments (random bit patterns with 13 exponents, and
// exponents that put b log2 a across [-1080, 1030]) for AVX-512 and AVX2: none beyond 1 ulp.
alignas(64) inline constexpr double kPowInvC[64] = {
    0x1.3521cfb2b78c1p+0, 0x1.323e34a2b10bfp+0, 0x1.2f684bda12f68p+0, 0x1.2c9fb4d812ca0p+0,
    0x1.29e4129e4129ep+0, 0x1.27350b8812735p+0, 0x1.2492492492492p+0, 0x1.21fb78121fb78p+0,
    0x1.1f7047dc11f70p+0, 0x1.1cf06ada2811dp+0, 0x1.1a7b9611a7b96p+0, 0x1.1811811811812p+0,
    0x1.15b1e5f75270dp+0, 0x1.135c81135c811p+0, 0x1.1111111111111p+0, 0x1.0ecf56be69c90p+0,
    0x1.0c9714fbcda3bp+0, 0x1.0a6810a6810a7p+0, 0x1.0842108421084p+0, 0x1.0624dd2f1a9fcp+0,
    0x1.0410410410410p+0, 0x1.0204081020408p+0, 0x1.0000000000000p+0, 0x1.f81f81f81f820p-1,
    0x1.f07c1f07c1f08p-1, 0x1.e9131abf0b767p-1, 0x1.e1e1e1e1e1e1ep-1, 0x1.dae6076b981dbp-1,
    0x1.d41d41d41d41dp-1, 0x1.cd85689039b0bp-1, 0x1.c71c71c71c71cp-1, 0x1.c0e070381c0e0p-1,
    0x1.bacf914c1bad0p-1, 0x1.b4e81b4e81b4fp-1, 0x1.af286bca1af28p-1, 0x1.a98ef606a63bep-1,
    0x1.a41a41a41a41ap-1, 0x1.9ec8e951033d9p-1, 0x1.999999999999ap-1, 0x1.948b0fcd6e9e0p-1,
    0x1.8f9c18f9c18fap-1, 0x1.8acb90f6bf3aap-1, 0x1.8618618618618p-1, 0x1.8181818181818p-1,
    0x1.7d05f417d05f4p-1, 0x1.78a4c8178a4c8p-1, 0x1.745d1745d1746p-1, 0x1.702e05c0b8170p-1,
    0x1.6c16c16c16c17p-1, 0x1.6816816816817p-1, 0x1.642c8590b2164p-1, 0x1.6058160581606p-1,
    0x1.5c9882b931057p-1, 0x1.58ed2308158edp-1, 0x1.5555555555555p-1, 0x1.51d07eae2f815p-1,
    0x1.4e5e0a72f0539p-1, 0x1.4afd6a052bf5bp-1, 0x1.47ae147ae147bp-1, 0x1.446f86562d9fbp-1,
    0x1.4141414141414p-1, 0x1.3e22cbce4a902p-1, 0x1.3b13b13b13b14p-1, 0x1.3813813813814p-1};
alignas(64) inline constexpr double kPowLogCHi[64] = {
    -0x1.169c05363f157p-2, -0x1.08bce0d95fa36p-2, -0x1.f5fd8a9063e32p-3, -0x1.dac22d3e441d6p-3,
    -0x1.bfc67a7fff4cap-3, -0x1.a5094b54d2828p-3, -0x1.8a8980abfbd30p-3, -0x1.7046031c79f84p-3,
    -0x1.563dc29ffacafp-3, -0x1.3c6fb650cde51p-3, -0x1.22dadc2ab3496p-3, -0x1.097e38ce6064ep-3,
    -0x1.e0b1ae8f2fd56p-4, -0x1.aed391ab6674ap-4, -0x1.7d60496cfbb4bp-4, -0x1.4c560fe68af8bp-4,
    -0x1.1bb32a60054a2p-4, -0x1.d6ebd1f1fec14p-5, -0x1.77394c9d958d0p-5, -0x1.184b8e4c56afcp-5,
    -0x1.743ee861f353fp-6, -0x1.72c7ba20f731cp-7, 0x0.0p+0, 0x1.6e79685c2d212p-6,
    0x1.6bad3758efd81p-5, 0x1.0eb389fa29f9dp-4, 0x1.663f6fac91318p-4, 0x1.bc84240adabb9p-4,
    0x1.08c588cda79e5p-3, 0x1.32ae9e278ae19p-3, 0x1.5c01a39fbd68bp-3, 0x1.84c2bd02f03b6p-3,
    0x1.acf5e2db4ec91p-3, 0x1.d49ee4c32596cp-3, 0x1.fbc16b902680dp-3, 0x1.11307dad30b74p-2,
    0x1.24407ab0e073ap-2, 0x1.37124cea4cdedp-2, 0x1.49a784bcd1b8ap-2, 0x1.5c01a39fbd689p-2,
    0x1.6e221cd9d0cddp-2, 0x1.800a563161c53p-2, 0x1.91bba891f170ap-2, 0x1.a33760a7f6051p-2,
    0x1.b47ebf73882a1p-2, 0x1.c592fad295b57p-2, 0x1.d6753e032ea0ep-2, 0x1.e726aa1e754d3p-2,
    0x1.f7a8568cb06cep-2, 0x1.03fda8b97997ep-1, 0x1.0c10500d63aa7p-1, 0x1.140c9faa1e543p-1,
    0x1.1bf311e95d00ep-1, 0x1.23c41d42727c8p-1, 0x1.2b803473f7ad2p-1, 0x1.3327c6ab49ca7p-1,
    0x1.3abb3faa02168p-1, 0x1.423b07e986aa8p-1, 0x1.49a784bcd1b8bp-1, 0x1.510118708a8f9p-1,
    0x1.5848226989d34p-1, 0x1.5f7cff41e09b0p-1, 0x1.66a008e4788cbp-1, 0x1.6db196a761949p-1};
alignas(64) inline constexpr double kPowLogCLo[64] = {
    -0x1.d12bf89dfaf60p-56, 0x1.07bb7f5aae567p-60, 0x1.4863f501fda67p-57, 0x1.f119e79f40af4p-59,
    0x1.fd8e8cc786676p-57, 0x1.98dc4a74f5539p-58, 0x1.f0f9449d09a6fp-57, -0x1.5be41b06e36f6p-61,
    -0x1.4ef1a1c718c01p-58, -0x1.0be4fa2f11c07p-57, -0x1.a27ffc9cb04f3p-59, -0x1.99dad32e3848cp-57,
    -0x1.0bd0ff2086d0cp-61, 0x1.90f87244276f2p-59, 0x1.43262817eda5bp-61, 0x1.e9a084e2495d3p-61,
    -0x1.d70b977e426afp-58, -0x1.27597bcf45294p-63, 0x1.9db057278adc6p-59, -0x1.f4850f40e51c9p-59,
    -0x1.0868f1ace3ee3p-61, 0x1.7a34d25ca8edbp-62, 0x0.0p+0, 0x1.d49b0ada3a0c8p-60,
    0x1.af90b696d7e10p-59, -0x1.4171a24e24942p-58, -0x1.1df362ae68bc6p-60, 0x1.0446f0f41f7cbp-59,
    0x1.ad360c66fed99p-58, -0x1.9855ac57fff35p-60, -0x1.f6dc21221666bp-57, -0x1.f84eecba83c8ep-59,
    0x1.a70644c9f70f2p-60, 0x1.cb858f16e12d5p-57, 0x1.94718f85f92e0p-61, 0x1.47523d83ea177p-58,
    0x1.a46a0cfd5da7cp-56, 0x1.05c3d2cf67559p-56, -0x1.cc2d296ee388cp-56, 0x1.0f48164c23670p-58,
    0x1.c2e2205e47646p-56, -0x1.3c83c71cbe6b3p-57, 0x1.30395ac11db40p-57, -0x1.8ba864ee95507p-60,
    0x1.a63236ae58807p-64, -0x1.295fe9031806bp-57, 0x1.16520bc0d0f59p-56, -0x1.d821361d7bb7ep-57,
    -0x1.7e86fec6d27fap-57, 0x1.7f26898edf303p-56, -0x1.2ca22c62da46ap-55, -0x1.ad7c3f850c087p-55,
    0x1.a3fc6c5fa8c00p-56, 0x1.4c4fd1a9dbc73p-55, -0x1.4d870dd18a9cfp-55, 0x1.f985970c7a96cp-59,
    -0x1.4e04c59d14c4dp-56, 0x1.310adce7d69eap-55, -0x1.1bdaa8e20ced3p-55, -0x1.29efcee6040b5p-55,
    -0x1.c8fcac637214fp-58, -0x1.355746781a69ap-56, 0x1.484a01a34cd41p-57, -0x1.4a5abe9400f2fp-55};
alignas(64) inline constexpr double kPowExp2Hi[64] = {
    0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
    0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
    0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
    0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
    0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
    0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
    0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
    0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
    0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
    0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
    0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
    0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0};
alignas(64) inline constexpr double kPowExp2Rel[64] = {
    0x0.0p+0, -0x1.160139cd8dc5dp-56, 0x1.cd2523567f613p-55, 0x1.0f74e61e6c861p-57,
    0x1.79aa65d837b6dp-54, 0x1.ebe3d702f9cd1p-60, -0x1.556522a2fbd0ep-54, -0x1.1c923b9d5f416p-54,
    -0x1.01b15eaa59348p-55, 0x1.b898c3f1353bfp-55, 0x1.aecf73e3a2f60p-54, 0x1.a6f4144a6c38dp-55,
    0x1.68efde3a8a894p-54, 0x1.0472b981fe7f2p-55, 0x1.2f7e16d09ab31p-55, 0x1.b3782720c0ab4p-55,
    0x1.34d754db0abb6p-55, 0x1.fdd395dd3f84ap-55, -0x1.24aedcc4b5068p-54, -0x1.1d1e83e9436d2p-56,
    0x1.59f48a72a4c6dp-55, -0x1.8a78f4817895bp-58, 0x1.363ed60c2ac11p-59, 0x1.ecce1daa10379p-57,
    0x1.690cebb7aafb0p-56, -0x1.f94340071a38ep-55, -0x1.8dec6bd0f385fp-56, 0x1.3350518fdd78ep-54,
    0x1.063e1e21c5409p-54, 0x1.432e62b64c035p-54, -0x1.c33c53bef4da8p-55, -0x1.3cedd78565858p-54,
    -0x1.3b3efbf5e2228p-54, -0x1.367efb86da9eep-57, -0x1.81f647e5a3ecfp-56, -0x1.619321e55e68ap-55,
    -0x1.b32dcb94da51dp-56, 0x1.5ebe1abd66c55p-57, -0x1.369b6f13b3734p-54, -0x1.4d450d872576ep-54,
    0x1.db72fc1f0eab4p-55, 0x1.bf68359f35f44p-56, -0x1.da9b88b6c1e29p-58, -0x1.2434322f4f9aap-54,
    0x1.1affc2b91ce27p-56, -0x1.7c50422622263p-55, -0x1.1bbd1d3bcbb15p-54, 0x1.469846e735ab3p-55,
    0x1.c1a7792cb3387p-55, -0x1.5c3d956dcaebap-58, -0x1.8d6f438ad9334p-57, 0x1.4ffd70a5fddcdp-56,
    0x1.36eae30af0cb3p-56, 0x1.4e08fd10959acp-55, 0x1.76b2c6c921968p-57, -0x1.fad5d3ffffa6fp-55,
    0x1.4a385a63d07a7p-56, 0x1.e5a50d5c192acp-55, -0x1.2d52107b43e1fp-55, 0x1.4b604603a88d3p-56,
    -0x1.ff7128fd391f0p-55, 0x1.ec3bc41aa2008p-55, 0x1.a64a931d185eep-55, 0x1.7893b4d91cd9dp-56};

// t[i & 63] per lane, by the ISA's gather (AVX-512: the masked form, as GCC 12 warns that the
// plain one reads an undefined register).
template <class D>
typename D::V pow_lut64(const double* t, typename D::VI i) {
#if defined(__AVX512F__)
  return _mm512_mask_i64gather_pd(_mm512_setzero_pd(), 0xff, (__m512i)(i & 63), t, 8);
#else
  return _mm256_i64gather_pd(t, (__m256i)(i & 63), 8);
#endif
}

// 2^(b log2 a) for a > 0, or only for a normal when !Subnormal (other lanes give garbage that
// pow_special replaces).
template <class D, bool Subnormal>
[[gnu::always_inline]] inline typename D::V pow_core(typename D::V a, typename D::V b) {
  using V = typename D::V;
  using VI = typename D::VI;
  auto c = [](double v) { return D::set1(v); };
  VI ia = (VI)a;
  if constexpr (Subnormal)
    ia = ia < 0x0010000000000000 ? (VI)(a * 0x1p52) - (int64_t(52) << 52) : ia;  // scaled to normal
  // z in [0.82421875, 1.6484375): 1 is the middle of interval 22.
  const VI tmp = ia - 0x3fea600000000000, i = tmp >> 46;
  const V z = (V)(ia - (tmp & int64_t(0xfff0000000000000u))), k = D::from_int(tmp >> 52);
  const V invc = pow_lut64<D>(kPowInvC, i);
  const V ph = z * invc, pl = D::fma(z, invc, -ph), rh = ph - 1.0;  // r = rh + pl exactly
  const V ih = c(0x1.71547652b82fep+0), mh2 = c(-0x1.71547652b82fep-1);
  const V q1h = rh * mh2, q1l = D::fma(rh, mh2, -q1h);
  const V r2 = rh * D::fma(pl, c(2.0), rh);
  V cp = c(0x1.484b13d7c02a9p-3);  // (1/ln2)(1/3 - r/4 + ... + r^6/9)
  cp = D::fma(cp, rh, c(-0x1.71547652b82fep-3));
  cp = D::fma(cp, rh, c(0x1.a61762a7aded9p-3));
  cp = D::fma(cp, rh, c(-0x1.ec709dc3a03fdp-3));
  cp = D::fma(cp, rh, c(0x1.2776c50ef9bfep-2));
  cp = D::fma(cp, rh, c(-0x1.71547652b82fep-2));
  cp = D::fma(cp, rh, c(0x1.ec709dc3a03fdp-2));
  V lo = D::fma(pl, mh2, c(0x1.777d0ffda0d24p-56));
  lo = D::fma(rh, c(-0x1.777d0ffda0d24p-57), lo);
  lo = D::fma(r2, cp, lo) + q1l;
  const V Ph = ih + q1h, Pl = ((ih - Ph) + q1h) + lo;
  const V sh = rh * Ph, sl = D::fma(rh, Ph, -sh) + D::fma(rh, Pl, pl * Ph);
  const V ch = pow_lut64<D>(kPowLogCHi, i);
  const V th = k + ch, tl = (k - th) + ch;
  const V lh = th + sh, ll = ((th - lh) + sh) + (tl + pow_lut64<D>(kPowLogCLo, i) + sl);
  const V yh0 = b * lh, yl0 = D::fma(b, ll, D::fma(b, lh, -yh0));
  const V yh = clamp<D>(yh0, -1100.0, 1100.0), yl = clamp<D>(yl0, -0x1p-5, 0x1p-5);
  constexpr double kShift = 0x1.8p52 / 64;  // rounds y to 64ths, 64 n + j in the low bits
  const V kd = (yh + yl) + kShift;
  const VI ki = (VI)kd;
  const V kr = kd - kShift, f = (yh - kr) + yl;
  V e = c(0x1.ffcbfc588b0c7p-17);  // (2^f - 1) / f = sum (ln2)^m f^(m-1) / m!, m <= 7
  e = D::fma(e, f, c(0x1.430912f86c787p-13));
  e = D::fma(e, f, c(0x1.5d87fe78a6731p-10));
  e = D::fma(e, f, c(0x1.3b2ab6fba4e77p-7));
  e = D::fma(e, f, c(0x1.c6b08d704a0c0p-5));
  e = D::fma(e, f, c(0x1.ebfbdff82c58fp-3));
  e = D::fma(e, f, c(0x1.62e42fefa39efp-1));
  const V t = pow_lut64<D>(kPowExp2Hi, ki);
  return D::ldexp(D::fma(t, f * e + pow_lut64<D>(kPowExp2Rel, ki), t), D::floor(kr));
}

// Whether any lane needs more than the core without its subnormal scaling: a not a positive,
// normal, finite number (a subnormal a is scaled first; 0, negative, inf and NaN are C99's
// special cases), b inf or NaN, and for double a = 1 (whose log2 the tables give as about
// 1e-18, not 0; float's give 0 exactly, so 1^b is 1 for any finite b). b = 0 needs nothing:
// 2^0 is 1 exactly. AVX-512 classifies each operand in one instruction (vfpclass: 0xff is every
// class but positive normal, 0x99 NaN and +-inf).
template <class S>
[[gnu::always_inline]] inline bool pow_rare(typename S::V a, typename S::V b) {
#if defined(__AVX512DQ__)
  if constexpr (kF32<S>) return !_kortestz_mask16_u8(_mm512_fpclass_ps_mask((__m512)a, 0xff), _mm512_fpclass_ps_mask((__m512)b, 0x99));
  else
    return (_mm512_fpclass_pd_mask((__m512d)a, 0xff) | _mm512_fpclass_pd_mask((__m512d)b, 0x99) |
            _mm512_cmp_pd_mask((__m512d)a, _mm512_set1_pd(1), _CMP_EQ_OQ)) != 0;
#else
  using T = typename S::T;
  const auto normal = a >= T(kF32<S> ? 0x1p-126f : 0x1p-1022) && a < T(__builtin_inf());
  if constexpr (kF32<S>) return S::any(!normal || !(S::abs(b) < T(__builtin_inf())));
  else return S::any(!normal || a == 1 || !(S::abs(b) < T(__builtin_inf())));
#endif
}

// C99's special cases over r = 2^(b log2|a|).
template <class S>
[[gnu::always_inline]] inline typename S::V pow_special(typename S::V a, typename S::V b, typename S::V r) {
  using V = typename S::V;
  using VI = typename S::VI;
  const V ax = S::abs(a), inf = S::set1(__builtin_inf()), one = S::set1(1);
  r = ax == 0 ? (b < 0 ? inf : V{}) : r;
  r = ax == inf ? (b < 0 ? V{} : inf) : r;
  r = S::abs(b) == inf ? ((ax > 1) == (b > 0) ? inf : V{}) : r;
  r = ax == 1 ? one : r;
  const V half = b * typename S::T(0.5);
  r = S::rint(b) == b && S::rint(half) != half && (VI)a < 0 ? -r : r;  // an odd power keeps the sign
  r = (a < 0 && a != -inf && S::rint(b) != b) || a != a || b != b ? S::set1(__builtin_nan("")) : r;
  return b == 0 || a == 1 ? one : r;
}

// Inlined into the row loop, which then keeps the constants in registers across vectors.
// The usual vector (every a positive and normal, every b finite) takes the core alone.
template <class S>
[[gnu::always_inline]] inline typename S::V vpowf(typename S::V a, typename S::V b) {
  if (!pow_rare<S>(a, b)) [[likely]] return powf_core<S, false>(a, b);
  return pow_special<S>(a, b, powf_core<S, true>(S::abs(a), b));
}
template <class S>
[[gnu::always_inline]] inline typename S::V vpow(typename S::V a, typename S::V b) {
  if (!pow_rare<S>(a, b)) [[likely]] return pow_core<S, false>(a, b);
  return pow_special<S>(a, b, pow_core<S, true>(S::abs(a), b));
}

#endif

}  // namespace gg::kernels::GG_SIMD_NS
