// Vectorised exp and log1p for the softplus/sigmoid in BCE, float32 only, on the domains BCE
// needs: exp(a) for a = -|x| <= 0, and log1p(e) for e = exp(-|x|) in [0, 1].
//
// Accuracy, measured by tests/cpp/test_kernels_bce.cpp against float64 std::exp/std::log1p over
// a strided sweep of every float in the domain: exp_neg 0.98 ulp on [-104, 0] (subnormal results
// below -87.3 included), log1p01 1.14 ulp on [0, 1], and their composition log1p(exp(-|x|))
// 1.62 ulp for |x| from 0 to 1e30 and FLT_MAX; the test asserts <= 2 ulp for all three. NaN in
// gives NaN out; -inf (and anything below -104) gives exactly +0.
//
// The portable build maps both to std::exp/std::log1p (and so does float64 everywhere: the
// double BCE path is scalar).
#pragma once
#include "kernels/simd.h"

namespace gg::kernels::GG_SIMD_NS {

#if defined(__AVX2__) || defined(__AVX512F__)

// exp(a), a <= 0. a = n ln2 + r with |r| <= ln2/2 (Cody-Waite: C1 has few bits so n*C1 is
// exact), exp(r) = 1 + r + r^2 Q(r) with Q a degree-5 Chebyshev fit (error 4e-9 on Q, so the
// result is within the final rounding), then times 2^n in two halves so that results in the
// subnormal range are rounded once, not flushed.
template <class S>
typename S::V exp_neg(typename S::V a) {
  using V = typename S::V;
  using VI = typename S::VI;
  const V magic = S::set1(12582912.0f);        // 1.5 * 2^23: adding it rounds to an integer
  a = a < -104.0f ? S::set1(-104.0f) : a;      // exp(-104) < 2^-150 rounds to 0; NaN stays
  const V t = S::fma(a, S::set1(1.44269502f), magic);
  const V n = t - magic;
  const VI ni = (VI)t - (VI)magic;             // n as an integer, from the same bits
  V r = S::fma(n, S::set1(-0.693359375f), a);
  r = S::fma(n, S::set1(2.12194440e-4f), r);
  // Q(r) = b0 + b1 r + ... + b5 r^5 by Estrin (pairs, then r^2 and r^4): a shorter dependency
  // chain than Horner, so more iterations overlap.
  const V r2 = r * r, r4 = r2 * r2;
  const V q01 = S::fma(S::set1(1.666666716e-01f), r, S::set1(0.5f));
  const V q23 = S::fma(S::set1(8.333310485e-03f), r, S::set1(4.166646674e-02f));
  const V q45 = S::fma(S::set1(1.989098091e-04f), r, S::set1(1.393364160e-03f));
  const V q = S::fma(q45, r4, S::fma(q23, r2, q01));
  const V p = S::fma(r2, q, r) + 1.0f;
  const VI n1 = ni >> 1, n2 = ni - n1;          // both >= -75: normal powers of two
  const V s1 = (V)((n1 + 127) << 23), s2 = (V)((n2 + 127) << 23);
  return p * s1 * s2;
}

// log1p(e), 0 <= e <= 1. Split so the reduced argument f is exact (no rounding of 1 + e):
//   e <  0.5: log1p(e) = log1p(f),        f = e
//   e >= 0.5: log1p(e) = ln2 + log1p(f),  f = (e - 1) / 2 in [-0.25, 0] (exact: Sterbenz)
// log1p(f) = f + f^2 Q(f), Q a degree-9 Chebyshev fit on [-0.25, 0.5] (error 1e-8 on Q). ln2 is
// added as hi + lo with the rounding error of hi + f recovered (Fast2Sum, |hi| >= |f|).
template <class S>
typename S::V log1p01(typename S::V e) {
  using V = typename S::V;
  const auto big = e >= 0.5f;
  const V f = big ? (e - 1.0f) * 0.5f : e;
  const V hi = big ? S::set1(0.693147182f) : V{};
  const V lo = big ? S::set1(-1.904654323e-09f) : V{};
  // Q(f) = a0 + a1 f + ... + a9 f^9 by Estrin, as in exp_neg.
  const V f2 = f * f, f4 = f2 * f2, f8 = f4 * f4;
  const V q01 = S::fma(S::set1(3.333333433e-01f), f, S::set1(-0.5f));
  const V q23 = S::fma(S::set1(1.999992579e-01f), f, S::set1(-2.500015199e-01f));
  const V q45 = S::fma(S::set1(1.427046210e-01f), f, S::set1(-1.665666699e-01f));
  const V q67 = S::fma(S::set1(1.171611100e-01f), f, S::set1(-1.269930899e-01f));
  const V q89 = S::fma(S::set1(3.944223002e-02f), f, S::set1(-9.291868657e-02f));
  const V q03 = S::fma(q23, f2, q01), q47 = S::fma(q67, f2, q45);
  const V q = S::fma(q89, f8, S::fma(q47, f4, q03));
  const V s = hi + f;
  const V err = (hi - s) + f;
  return s + (S::fma(f2, q, lo) + err);
}

#else

template <class S>
typename S::V exp_neg(typename S::V a) { return std::exp(a); }
template <class S>
typename S::V log1p01(typename S::V e) { return std::log1p(e); }

#endif

}  // namespace gg::kernels::GG_SIMD_NS
