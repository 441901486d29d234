// AVX-512 matmul kernels (this file is compiled with -mavx512f/dq/vl/bw -mfma).
#include <immintrin.h>

#include "kernels/matmul_internal.h"
#include "kernels/matmul_small.h"
#include "kernels/matmul_ukr.h"

namespace gg::kernels::detail {
namespace {

struct F32x16 {
  using T = float;
  using V = __m512;
  static constexpr int kWidth = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const T* p) { return _mm512_load_ps(p); }
  static V loadu(const T* p) { return _mm512_loadu_ps(p); }
  static void storeu(T* p, V v) { _mm512_storeu_ps(p, v); }
  static V broadcast(const T* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
};

struct F64x8 {
  using T = double;
  using V = __m512d;
  static constexpr int kWidth = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const T* p) { return _mm512_load_pd(p); }
  static V loadu(const T* p) { return _mm512_loadu_pd(p); }
  static void storeu(T* p, V v) { _mm512_storeu_pd(p, v); }
  static V broadcast(const T* p) { return _mm512_set1_pd(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
};

template <class S>
KernelSet<typename S::T> make() {
  using T = typename S::T;
  constexpr Blocking blk = blocking<T>(Isa::Avx512);
  static_assert(blk.nr % S::kWidth == 0);
  // Two vectors of dot-product lanes per output; four outputs at a time hide the FMA latency.
  return {blk, ukr_simd<S, blk.mr, blk.nr / S::kWidth>, pack_panel<T>, small_gemm<T, 2 * S::kWidth>};
}

}  // namespace

template <> KernelSet<float> kernels_avx512<float>() { return make<F32x16>(); }
template <> KernelSet<double> kernels_avx512<double>() { return make<F64x8>(); }

}  // namespace gg::kernels::detail
