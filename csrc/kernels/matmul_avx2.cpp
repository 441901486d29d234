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
};

template <class S>
KernelSet<typename S::T> make() {
  using T = typename S::T;
  constexpr Blocking blk = blocking<T>(Isa::Avx2);
  static_assert(blk.nr % S::kWidth == 0);
  // Two vectors of dot-product lanes per output; four outputs at a time hide the FMA latency.
  return {blk, ukr_simd<S, blk.mr, blk.nr / S::kWidth>, pack_panel<T>, small_gemm<T, 2 * S::kWidth>};
}

}  // namespace

template <> KernelSet<float> kernels_avx2<float>() { return make<F32x8>(); }
template <> KernelSet<double> kernels_avx2<double>() { return make<F64x4>(); }

}  // namespace gg::kernels::detail
