// Vector traits Vec<T> for the ISA this translation unit is compiled for, so one generic kernel
// source (elementwise_simd.h, bce_simd.h) compiles three times: *_avx512.cpp, *_avx2.cpp and the
// portable .cpp (scalar, W = 1).
//
// Everything here and in the headers that build on it lives in gg::kernels::GG_SIMD_NS (avx512,
// avx2 or portable). The ISA files are compiled with different flags, so an inline function
// shared between them under one name would be an ODR violation: the linker could keep the
// AVX-512 copy and call it on a CPU without AVX-512. For the same reason the generic kernels
// avoid std:: templates and containers (a std::min<long> instantiated in an AVX-512 file is such
// a shared copy) and the SIMD traits never call std:: math.
//
// Arithmetic uses GCC's vector extensions (__m512 etc. are vector types, so a + b, a * b,
// a < b and cond ? a : b work lane-wise); intrinsics only where operators cannot say it.
#pragma once
#include <cstdint>

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define GG_SIMD_NS avx512
#include <immintrin.h>
#elif defined(__AVX2__) && defined(__FMA__)
#define GG_SIMD_NS avx2
#include <immintrin.h>
#else
#define GG_SIMD_NS portable
#define GG_SIMD_PORTABLE 1
#include <cmath>
#endif

namespace gg::kernels::GG_SIMD_NS {

template <class T>
struct Vec;

// Lane-wise helpers shared by every Vec: |v| and max(v, 0) that keep NaN (the comparison is
// false for NaN, so a NaN lane falls through to the branch that carries it on).
// f(i, m) over [0, n) a vector at a time; the last call may have m < W lanes. Once inlined,
// Vec::load(p, m) with the constant m == W of the main loop is a plain load, so one body serves
// both the main loop and the masked tail.
template <class S, class F>
inline void for_lanes(int64_t n, F&& f) {
  int64_t i = 0;
  for (; i + S::W <= n; i += S::W) f(i, S::W);
  if (i < n) f(i, static_cast<int>(n - i));
}

// for_lanes with a partial vector first, up to the vector boundary of `align`, so the main
// loop's stores there are aligned (a 64-byte store that splits two cache lines costs two), and
// so are the loads of inputs that share its offset (the usual case: one allocator).
template <class S, class F>
inline void for_lanes_aligned(int64_t n, const void* align, F&& f) {
  constexpr uintptr_t bytes = S::W * sizeof(typename S::T);
  int64_t head = S::W == 1 ? 0 : int64_t((bytes - reinterpret_cast<uintptr_t>(align) % bytes) % bytes / sizeof(typename S::T));
  if (head > n) head = n;
  if (head) f(0, static_cast<int>(head));
  for_lanes<S>(n - head, [&](int64_t i, int m) { f(head + i, m); });
}

template <class S>
inline typename S::V max0(typename S::V v) { return v > 0 ? v : typename S::V{}; }

#if defined(__AVX512F__) && defined(__AVX512DQ__)

using f32x16_i = int32_t __attribute__((vector_size(64)));
using f64x8_i = int64_t __attribute__((vector_size(64)));

template <>
struct Vec<float> {
  using T = float;
  using V = __m512;
  using VI = f32x16_i;  // same-size integer vector: (VI)v reinterprets the bits
  static constexpr int W = 16;
  static __mmask16 mask(int m) { return static_cast<__mmask16>((1u << m) - 1); }
  static V load(const T* p) { return _mm512_loadu_ps(p); }
  static V load(const T* p, int m) { return m == W ? load(p) : _mm512_maskz_loadu_ps(mask(m), p); }
  static void store(T* p, V v) { _mm512_storeu_ps(p, v); }
  static void store(T* p, V v, int m) { m == W ? store(p, v) : _mm512_mask_storeu_ps(p, mask(m), v); }
  static V set1(T x) { return _mm512_set1_ps(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V abs(V v) { return (V)((VI)v & 0x7fffffff); }
  static V keep(V v, int m) { return m == W ? v : _mm512_maskz_mov_ps(mask(m), v); }
  // Math helpers for vmath.h (maskz forms for the same GCC 12 false positive as add_wide).
  static V sqrt(V v) { return _mm512_maskz_sqrt_ps(0xffff, v); }
  static V floor(V v) { return _mm512_maskz_roundscale_ps(0xffff, v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static V ceil(V v) { return _mm512_maskz_roundscale_ps(0xffff, v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
  static V trunc(V v) { return _mm512_maskz_roundscale_ps(0xffff, v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static V rint(V v) { return _mm512_maskz_roundscale_ps(0xffff, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }  // half to even
  static V copysign(V mag, V sgn) { return (V)(((VI)mag & 0x7fffffff) | ((VI)sgn & INT32_MIN)); }
  static bool any(VI m) { return _mm512_test_epi32_mask((__m512i)m, (__m512i)m) != 0; }
  static VI to_int(V v) { return (VI)_mm512_maskz_cvtps_epi32(0xffff, v); }  // nearest even; out of range: INT32_MIN
  static V from_int(VI i) { return _mm512_maskz_cvtepi32_ps(0xffff, (__m512i)i); }
  // v * 2^n for integer-valued n, rounded once (subnormal results too); n = NaN gives NaN.
  static V ldexp(V v, V n) { return _mm512_maskz_scalef_ps(0xffff, v, n); }
  static constexpr bool ldexp_floors = true;  // ldexp(v, n) is v * 2^floor(n) for any n
  // sign(x) min(|x|, hi) (vrange); a NaN x gives +-hi.
  static V clamp_abs(V x, V hi) { return _mm512_maskz_range_ps(0xffff, x, hi, 0b0010); }
  // 1/v to 2^-14 relative (1/v exactly where the ISA has no estimate): for correction terms and
  // Newton steps.
  static V rcp(V v) { return _mm512_maskz_rcp14_ps(0xffff, v); }
  static constexpr int kRcpBits = 14;
  // The hardware min / max: b when either is NaN, so hw_min(hi, x) clamps x and keeps a NaN x.
  static V hw_min(V a, V b) { return _mm512_maskz_min_ps(0xffff, a, b); }
  static V hw_max(V a, V b) { return _mm512_maskz_max_ps(0xffff, a, b); }
  // |x| = m 2^e, m in [1, 2), subnormals included (vgetmant / vgetexp): for x = 0, e = -inf; for
  // inf, e = inf; NaN gives NaN. Only AVX-512 has these; vmath.h tests for them.
  static V getmant(V x) { return _mm512_maskz_getmant_ps(0xffff, x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero); }
  static V getexp(V x) { return _mm512_maskz_getexp_ps(0xffff, x); }
  // t[i & 31] per lane for a 32-entry table: two registers and one permute, no gather (the
  // permute reads only the index's low 5 bits).
  static V lut32(const T* t, VI i) { return _mm512_permutex2var_ps(load(t), (__m512i)i, load(t + 16)); }
  // Wide accumulator for float sums: two double vectors (low and high eight lanes).
  struct Wide { __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd(); };
  static void add_wide(Wide& acc, V v) {  // (maskz forms: the plain ones trip a GCC 12
                                          // -Wmaybe-uninitialized false positive)
    acc.lo += _mm512_maskz_cvtps_pd(0xff, _mm512_maskz_extractf32x8_ps(0xff, v, 0));
    acc.hi += _mm512_maskz_cvtps_pd(0xff, _mm512_maskz_extractf32x8_ps(0xff, v, 1));
  }
  static double sum_wide(const Wide& acc) { return sum_lanes<double, 8>(acc.lo + acc.hi); }
  // The low and high eight lanes as doubles, and back (each rounded once): for math done in double.
  // (Intrinsics: GCC 12 splits __builtin_convertvector of these widths into four-lane pieces.)
  static void to_f64(V v, __m512d& lo, __m512d& hi) {
    lo = _mm512_maskz_cvtps_pd(0xff, _mm512_maskz_extractf32x8_ps(0xff, v, 0));
    hi = _mm512_maskz_cvtps_pd(0xff, _mm512_maskz_extractf32x8_ps(0xff, v, 1));
  }
  static V from_f64(__m512d lo, __m512d hi) {
    return __builtin_shufflevector(_mm512_maskz_cvtpd_ps(0xff, lo), _mm512_maskz_cvtpd_ps(0xff, hi), 0, 1, 2, 3, 4, 5, 6,
                                   7, 8, 9, 10, 11, 12, 13, 14, 15);
  }
  static T hsum(V v) { return sum_lanes<float, 16>(v); }
  // A fixed pairwise tree over the lanes: the same order on every call.
  template <class E, int N, class U>
  static E sum_lanes(U v) {
    E a[N];
    __builtin_memcpy(a, &v, sizeof a);
    for (int w = N / 2; w >= 1; w /= 2)
      for (int i = 0; i < w; ++i) a[i] += a[i + w];
    return a[0];
  }
};

template <>
struct Vec<double> {
  using T = double;
  using V = __m512d;
  using VI = f64x8_i;
  static constexpr int W = 8;
  static __mmask8 mask(int m) { return static_cast<__mmask8>((1u << m) - 1); }
  static V load(const T* p) { return _mm512_loadu_pd(p); }
  static V load(const T* p, int m) { return m == W ? load(p) : _mm512_maskz_loadu_pd(mask(m), p); }
  static void store(T* p, V v) { _mm512_storeu_pd(p, v); }
  static void store(T* p, V v, int m) { m == W ? store(p, v) : _mm512_mask_storeu_pd(p, mask(m), v); }
  static V set1(T x) { return _mm512_set1_pd(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V abs(V v) { return (V)((VI)v & 0x7fffffffffffffffLL); }
  static V keep(V v, int m) { return m == W ? v : _mm512_maskz_mov_pd(mask(m), v); }
  static V sqrt(V v) { return _mm512_maskz_sqrt_pd(0xff, v); }
  static V floor(V v) { return _mm512_maskz_roundscale_pd(0xff, v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static V ceil(V v) { return _mm512_maskz_roundscale_pd(0xff, v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
  static V trunc(V v) { return _mm512_maskz_roundscale_pd(0xff, v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static V rint(V v) { return _mm512_maskz_roundscale_pd(0xff, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V copysign(V mag, V sgn) { return (V)(((VI)mag & 0x7fffffffffffffffLL) | ((VI)sgn & INT64_MIN)); }
  static bool any(VI m) { return _mm512_test_epi64_mask((__m512i)m, (__m512i)m) != 0; }
  static VI to_int(V v) { return (VI)_mm512_maskz_cvtpd_epi64(0xff, v); }  // nearest even; out of range: INT64_MIN
  static V from_int(VI i) { return _mm512_maskz_cvtepi64_pd(0xff, (__m512i)i); }
  static V ldexp(V v, V n) { return _mm512_maskz_scalef_pd(0xff, v, n); }
  // t[i & 15] per lane: two registers and one permute (it reads only the index's low 4 bits).
  static V lut16(const T* t, VI i) { return _mm512_permutex2var_pd(load(t), (__m512i)i, load(t + 8)); }
  static V rcp(V v) { return _mm512_maskz_rcp14_pd(0xff, v); }
  static constexpr int kRcpBits = 14;
  static V hw_min(V a, V b) { return _mm512_maskz_min_pd(0xff, a, b); }
  static V hw_max(V a, V b) { return _mm512_maskz_max_pd(0xff, a, b); }
  static V getmant(V x) { return _mm512_maskz_getmant_pd(0xff, x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero); }
  static V getexp(V x) { return _mm512_maskz_getexp_pd(0xff, x); }
  static T hsum(V v) { return Vec<float>::sum_lanes<double, 8>(v); }
};

#elif defined(__AVX2__) && defined(__FMA__)

using f32x8_i = int32_t __attribute__((vector_size(32)));
using f64x4_i = int64_t __attribute__((vector_size(32)));

template <>
struct Vec<float> {
  using T = float;
  using V = __m256;
  using VI = f32x8_i;
  static constexpr int W = 8;
  static VI mask(int m) { return VI{0, 1, 2, 3, 4, 5, 6, 7} < m; }  // all-ones lanes below m
  static V load(const T* p) { return _mm256_loadu_ps(p); }
  static V load(const T* p, int m) { return m == W ? load(p) : _mm256_maskload_ps(p, (__m256i)mask(m)); }
  static void store(T* p, V v) { _mm256_storeu_ps(p, v); }
  static void store(T* p, V v, int m) { m == W ? store(p, v) : _mm256_maskstore_ps(p, (__m256i)mask(m), v); }
  static V set1(T x) { return _mm256_set1_ps(x); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V abs(V v) { return (V)((VI)v & 0x7fffffff); }
  static V keep(V v, int m) { return m == W ? v : (V)((VI)v & mask(m)); }
  static V sqrt(V v) { return _mm256_sqrt_ps(v); }
  static V floor(V v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static V ceil(V v) { return _mm256_round_ps(v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
  static V trunc(V v) { return _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static V rint(V v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V copysign(V mag, V sgn) { return (V)(((VI)mag & 0x7fffffff) | ((VI)sgn & INT32_MIN)); }
  static bool any(VI m) { return _mm256_movemask_ps((__m256)m) != 0; }
  static VI to_int(V v) { return (VI)_mm256_cvtps_epi32(v); }
  static V from_int(VI i) { return _mm256_cvtepi32_ps((__m256i)i); }
  static V rcp(V v) { return _mm256_rcp_ps(v); }  // 1.5 * 2^-12 relative
  static constexpr int kRcpBits = 11;
  static V hw_min(V a, V b) { return _mm256_min_ps(a, b); }
  static V hw_max(V a, V b) { return _mm256_max_ps(a, b); }
  // Two steps, each by a normal power of two, so a subnormal result is rounded only once.
  static V ldexp(V v, V n) {
    n = n < -252.0f ? set1(-252.0f) : n;  // beyond these v * 2^n is 0 or inf anyway
    n = n > 254.0f ? set1(254.0f) : n;
    const VI ni = to_int(n), n1 = ni >> 1, n2 = ni - n1;
    return v * (V)((n1 + 127) << 23) * (V)((n2 + 127) << 23);
  }
  struct Wide { __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd(); };
  static void add_wide(Wide& acc, V v) {
    acc.lo += __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3), __m256d);
    acc.hi += __builtin_convertvector(__builtin_shufflevector(v, v, 4, 5, 6, 7), __m256d);
  }
  static double sum_wide(const Wide& acc) { return sum_lanes<double, 4>(acc.lo + acc.hi); }
  static void to_f64(V v, __m256d& lo, __m256d& hi) {
    lo = __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3), __m256d);
    hi = __builtin_convertvector(__builtin_shufflevector(v, v, 4, 5, 6, 7), __m256d);
  }
  static V from_f64(__m256d lo, __m256d hi) {
    return __builtin_shufflevector(__builtin_convertvector(lo, __m128), __builtin_convertvector(hi, __m128), 0, 1, 2, 3, 4,
                                   5, 6, 7);
  }
  static T hsum(V v) { return sum_lanes<float, 8>(v); }
  template <class E, int N, class U>
  static E sum_lanes(U v) {
    E a[N];
    __builtin_memcpy(a, &v, sizeof a);
    for (int w = N / 2; w >= 1; w /= 2)
      for (int i = 0; i < w; ++i) a[i] += a[i + w];
    return a[0];
  }
};

template <>
struct Vec<double> {
  using T = double;
  using V = __m256d;
  using VI = f64x4_i;
  static constexpr int W = 4;
  static VI mask(int m) { return VI{0, 1, 2, 3} < m; }
  static V load(const T* p) { return _mm256_loadu_pd(p); }
  static V load(const T* p, int m) { return m == W ? load(p) : _mm256_maskload_pd(p, (__m256i)mask(m)); }
  static void store(T* p, V v) { _mm256_storeu_pd(p, v); }
  static void store(T* p, V v, int m) { m == W ? store(p, v) : _mm256_maskstore_pd(p, (__m256i)mask(m), v); }
  static V set1(T x) { return _mm256_set1_pd(x); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V abs(V v) { return (V)((VI)v & 0x7fffffffffffffffLL); }
  static V keep(V v, int m) { return m == W ? v : (V)((VI)v & mask(m)); }
  static T hsum(V v) { return Vec<float>::sum_lanes<double, 4>(v); }
  static V sqrt(V v) { return _mm256_sqrt_pd(v); }
  static V floor(V v) { return _mm256_round_pd(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static V ceil(V v) { return _mm256_round_pd(v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
  static V trunc(V v) { return _mm256_round_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static V rint(V v) { return _mm256_round_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V copysign(V mag, V sgn) { return (V)(((VI)mag & 0x7fffffffffffffffLL) | ((VI)sgn & INT64_MIN)); }
  static bool any(VI m) { return _mm256_movemask_pd((__m256d)m) != 0; }
  // AVX2 has no double <-> int64 conversion: the 1.5 * 2^52 trick, exact for |v| < 2^51 (to_int
  // rounds to nearest even; beyond that range, NaN included, the result is meaningless). The
  // integer steps wrap (unsigned lanes) rather than overflow.
  using U = uint64_t __attribute__((vector_size(32)));
  static VI to_int(V v) { return (VI)((U)(v + 6755399441055744.0) - (U)set1(6755399441055744.0)); }
  static V from_int(VI i) { return (V)((U)i + (U)set1(6755399441055744.0)) - 6755399441055744.0; }
  static V rcp(V v) { return 1.0 / v; }  // no double estimate in AVX2
  static V lut16(const T* t, VI i) { return _mm256_i64gather_pd(t, (__m256i)(i & 15), 8); }  // t[i & 15]
  static constexpr int kRcpBits = 53;
  static V hw_min(V a, V b) { return _mm256_min_pd(a, b); }
  static V hw_max(V a, V b) { return _mm256_max_pd(a, b); }
  static V ldexp(V v, V n) {
    n = n < -2044.0 ? set1(-2044.0) : n;
    n = n > 2046.0 ? set1(2046.0) : n;
    const VI ni = to_int(n), n1 = ni >> 1, n2 = ni - n1;
    return v * (V)((n1 + 1023) << 52) * (V)((n2 + 1023) << 52);
  }
};

#else

// Portable: one lane, plain scalars; the same generic kernels become scalar loops.
template <int Bytes> struct IntOf { int64_t v; };
template <> struct IntOf<4> { int32_t v; };
template <class TT>
struct Vec {
  using T = TT;
  using V = TT;
  static constexpr int W = 1;
  static V load(const T* p) { return *p; }
  static V load(const T* p, int) { return *p; }
  static void store(T* p, V v) { *p = v; }
  static void store(T* p, V v, int) { *p = v; }
  static V set1(T x) { return x; }
  static V fma(V a, V b, V c) { return a * b + c; }  // std::fma is a slow libm call without -mfma
  static V abs(V v) { return std::fabs(v); }
  static V keep(V v, int) { return v; }
  using VI = decltype(IntOf<sizeof(TT)>::v);
  static V sqrt(V v) { return std::sqrt(v); }
  static V floor(V v) { return std::floor(v); }
  static V ceil(V v) { return std::ceil(v); }
  static V trunc(V v) { return std::trunc(v); }
  static V rint(V v) { return std::nearbyint(v); }  // the default rounding mode: half to even
  static V copysign(V mag, V sgn) { return std::copysign(mag, sgn); }
  static bool any(bool m) { return m; }
  static VI to_int(V v) { return static_cast<VI>(std::nearbyint(v)); }
  static V from_int(VI i) { return static_cast<V>(i); }
  static V ldexp(V v, V n) { return std::ldexp(v, static_cast<int>(n)); }
  static V rcp(V v) { return 1 / v; }
  static constexpr int kRcpBits = 53;
  static V hw_min(V a, V b) { return a < b ? a : b; }
  static V hw_max(V a, V b) { return a > b ? a : b; }
  struct Wide { double s = 0; };
  static void add_wide(Wide& acc, V v) { acc.s += v; }
  static double sum_wide(const Wide& acc) { return acc.s; }
  static T hsum(V v) { return v; }
};

#endif

// Lane masks: what a comparison of two V gives (an integer vector of 0 / -1 lanes, or a bool
// in the portable build); select and the lane-wise ?: take them.
template <class S>
using Mask = decltype(typename S::V{} < typename S::V{});

template <class S>
inline typename S::V select(Mask<S> m, typename S::V a, typename S::V b) { return m ? a : b; }

template <class S>
inline Mask<S> is_nan(typename S::V v) { return v != v; }

template <class S>
inline Mask<S> is_inf(typename S::V v) { return S::abs(v) == S::set1(typename S::T(__builtin_inf())); }

template <class S>
inline Mask<S> is_finite(typename S::V v) { return S::abs(v) < S::set1(typename S::T(__builtin_inf())); }

// numpy's maximum / minimum: NaN if either is NaN (the hardware max returns its second operand).
template <class S>
inline typename S::V vmax(typename S::V a, typename S::V b) { return (a > b) | (a != a) ? a : b; }

template <class S>
inline typename S::V vmin(typename S::V a, typename S::V b) { return (a < b) | (a != a) ? a : b; }

// numpy's sign: -1, +1, 0 for either zero, NaN for NaN.
template <class S>
inline typename S::V sign(typename S::V v) {
  using V = typename S::V;
  const V one = S::set1(1), zero{};
  return v > zero ? one : v < zero ? -one : v == zero ? zero : v;
}

}  // namespace gg::kernels::GG_SIMD_NS
