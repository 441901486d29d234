// AVX2 + FMA matmul kernels (this file is compiled with -mavx2 -mfma).
#include <immintrin.h>

#include "kernels/matmul_internal.h"
#include "kernels/matmul_small.h"
#include "kernels/matmul_ukr.h"

namespace gg::kernels::detail {
namespace {

struct F32x8 {
  using T = float;
  using V = __m256;
  static constexpr int kWidth = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const T* p) { return _mm256_load_ps(p); }
  static V loadu(const T* p) { return _mm256_loadu_ps(p); }
  static void storeu(T* p, V v) { _mm256_storeu_ps(p, v); }
  static V broadcast(const T* p) { return _mm256_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V set1(T x) { return _mm256_set1_ps(x); }
  static __m256i lanes_below(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static V load_partial(const T* p, int count) { return _mm256_maskload_ps(p, lanes_below(count)); }
  static void store_partial(T* p, V v, int count) { _mm256_maskstore_ps(p, lanes_below(count), v); }
  // v > 0 ? v : 0, as relu: MAXPS gives its second operand when either is NaN (and for -0 vs +0).
  static V max0(V v) { return _mm256_max_ps(v, zero()); }
  static V keep_if_positive(V m, V v) { return _mm256_and_ps(_mm256_cmp_ps(m, zero(), _CMP_GT_OQ), v); }
  static T hsum(V v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
};

struct F64x4 {
  using T = double;
  using V = __m256d;
  static constexpr int kWidth = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const T* p) { return _mm256_load_pd(p); }
  static V loadu(const T* p) { return _mm256_loadu_pd(p); }
  static void storeu(T* p, V v) { _mm256_storeu_pd(p, v); }
  static V broadcast(const T* p) { return _mm256_set1_pd(*p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
  static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
  static V set1(T x) { return _mm256_set1_pd(x); }
  static __m256i lanes_below(int count) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static V load_partial(const T* p, int count) { return _mm256_maskload_pd(p, lanes_below(count)); }
  static void store_partial(T* p, V v, int count) { _mm256_maskstore_pd(p, lanes_below(count), v); }
  static V max0(V v) { return _mm256_max_pd(v, zero()); }
  static V keep_if_positive(V m, V v) { return _mm256_and_pd(_mm256_cmp_pd(m, zero(), _CMP_GT_OQ), v); }
  static T hsum(V v) {
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
};

template <class S>
KernelSet<typename S::T> make() {
  using T = typename S::T;
  constexpr Blocking blk = blocking<T>(Isa::Avx2);
  static_assert(blk.nr % S::kWidth == 0);
  // Two vectors of dot-product partial sums per output, four outputs at a time: 8 FMA chains.
  return {blk, S::kWidth, kInPlace, ukr_table_simd<S, blk.mr, blk.nr / S::kWidth, blk.stream_b>(),
          pack_panel<T>, small_gemm<S, 2>};
}

}  // namespace

template <> KernelSet<float> kernels_avx2<float>() { return make<F32x8>(); }
template <> KernelSet<double> kernels_avx2<double>() { return make<F64x4>(); }

}  // namespace gg::kernels::detail
