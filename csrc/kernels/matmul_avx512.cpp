// AVX-512 matmul kernels (this file is compiled with -mavx512f/dq/vl/bw -mfma).
// gcc 12's AVX-512 shuffle/unpack intrinsics start from _mm512_undefined_*(), which trips a
// false -W(maybe-)uninitialized once inlined (GCC PR105593, fixed in gcc 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <type_traits>

#include "kernels/matmul_internal.h"
#include "kernels/matmul_small.h"
#include "kernels/matmul_ukr.h"

namespace gg::kernels::detail {
namespace {

// In-register transposes (packing, transposed tiles): v[i] holds row i, afterwards v[q] holds column q.
[[gnu::always_inline]] inline void transpose(__m512 v[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    v[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    v[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    v[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    v[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(v[i], v[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(v[i], v[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_f32x4(v[i + 8], v[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(v[i + 8], v[i + 12], 0xdd);
  }
  for (int i = 0; i < 8; ++i) {
    v[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    v[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
}

[[gnu::always_inline]] inline void transpose(__m512d v[8]) {
  __m512d t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm512_unpacklo_pd(v[i], v[i + 1]);
    t[i + 1] = _mm512_unpackhi_pd(v[i], v[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm512_shuffle_f64x2(t[i], t[i + 2], 0x88);
    u[i + 1] = _mm512_shuffle_f64x2(t[i + 1], t[i + 3], 0x88);
    u[i + 2] = _mm512_shuffle_f64x2(t[i], t[i + 2], 0xdd);
    u[i + 3] = _mm512_shuffle_f64x2(t[i + 1], t[i + 3], 0xdd);
  }
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm512_shuffle_f64x2(u[i], u[i + 4], 0x88);
    v[i + 4] = _mm512_shuffle_f64x2(u[i], u[i + 4], 0xdd);
  }
}

// kFold: the microkernel folds every other broadcast of A into its FMAs (fma_broadcast exists
// only then; see ukr_simd and fold_broadcasts() in matmul.h).
template <bool kFold>
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
  // c + broadcast(*a) * b in one instruction, the broadcast a memory operand (see ukr_simd).
  // Written in asm because compilers keep a broadcast used twice in a register.
  static V fma_broadcast(const T* a, V b, V c)
    requires kFold
  {
    asm("vfmadd231ps %1%{1to16%}, %2, %0" : "+v"(c) : "m"(*a), "v"(b));
    return c;
  }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V set1(T x) { return _mm512_set1_ps(x); }
  static V load_partial(const T* p, int count) { return _mm512_maskz_loadu_ps(__mmask16((1u << count) - 1), p); }
  static void store_partial(T* p, V v, int count) { _mm512_mask_storeu_ps(p, __mmask16((1u << count) - 1), v); }
  // v > 0 ? v : 0, as relu: MAXPS gives its second operand when either is NaN (and for -0 vs +0).
  static V max0(V v) { return _mm512_max_ps(v, zero()); }
  static V keep_if_positive(V m, V v) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(m, zero(), _CMP_GT_OQ), v); }
  static T hsum(V v) { return _mm512_reduce_add_ps(v); }
  static void transpose(V v[16]) { detail::transpose(v); }
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
  static V fma_broadcast(const T* a, V b, V c) {  // as F32x16's
    asm("vfmadd231pd %1%{1to8%}, %2, %0" : "+v"(c) : "m"(*a), "v"(b));
    return c;
  }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static V set1(T x) { return _mm512_set1_pd(x); }
  static V load_partial(const T* p, int count) { return _mm512_maskz_loadu_pd(__mmask8((1u << count) - 1), p); }
  static void store_partial(T* p, V v, int count) { _mm512_mask_storeu_pd(p, __mmask8((1u << count) - 1), v); }
  static V max0(V v) { return _mm512_max_pd(v, zero()); }
  static V keep_if_positive(V m, V v) { return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(m, zero(), _CMP_GT_OQ), v); }
  static T hsum(V v) { return _mm512_reduce_add_pd(v); }
};

__m512 maskz_loadu(__mmask16 m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
__m512d maskz_loadu(__mmask8 m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
void mask_storeu(float* p, __mmask16 m, __m512 v) { _mm512_mask_storeu_ps(p, m, v); }
void mask_storeu(double* p, __mmask8 m, __m512d v) { _mm512_mask_storeu_pd(p, m, v); }

// pack_panel with vector copies: the transposing case (rows strided, p contiguous: op(A) without
// trans_a, op(B) with trans_b) W x W at a time through a register transpose instead of one scalar
// per element, the straight case a masked vector at a time; masks cover the edges in k and in R.
template <class S>
void pack(const typename S::T* src, int64_t rs, int64_t cs, int64_t rows, int64_t kc, int R,
          typename S::T* dst) {
  using T = typename S::T;
  constexpr int W = S::kWidth;
  using Mask = std::conditional_t<W == 16, __mmask16, __mmask8>;
  if (rs == 1) {
    // The R values for one p are contiguous (op(A) with trans_a, op(B) without trans_b): one
    // masked load and store per vector, the zero padding from the load's mask. The scalar copy
    // this replaces cost a quarter of a 64^3 product.
    for (int64_t p = 0; p < kc; ++p) {
      const T* s = src + p * cs;
      T* d = dst + p * R;
      for (int r0 = 0; r0 < R; r0 += W) {
        const int lanes = std::min(W, R - r0);
        const int valid = static_cast<int>(std::clamp<int64_t>(rows - r0, 0, lanes));
        mask_storeu(d + r0, static_cast<Mask>((1u << lanes) - 1), maskz_loadu(static_cast<Mask>((1u << valid) - 1), s + r0));
      }
    }
    return;
  }
  if (cs != 1) return pack_panel<T>(src, rs, cs, rows, kc, R, dst);
  for (int r0 = 0; r0 < R; r0 += W) {
    const int lanes = std::min(W, R - r0);
    const int valid = static_cast<int>(std::clamp<int64_t>(rows - r0, 0, lanes));
    const Mask store_mask = static_cast<Mask>((1u << lanes) - 1);
    for (int64_t p = 0; p < kc; p += W) {
      const int64_t cols = std::min<int64_t>(W, kc - p);
      const Mask load_mask = static_cast<Mask>((1u << cols) - 1);
      typename S::V v[W];
      for (int i = 0; i < W; ++i)
        v[i] = i < valid ? maskz_loadu(load_mask, src + (r0 + i) * rs + p) : S::zero();
      transpose(v);
      for (int q = 0; q < cols; ++q) mask_storeu(dst + (p + q) * R + r0, store_mask, v[q]);
    }
  }
}

template <class S>
KernelSet<typename S::T> make() {
  using T = typename S::T;
  constexpr Blocking blk = blocking<T>(Isa::Avx512);
  static_assert(blk.nr % S::kWidth == 0);
  // Four vectors of dot-product partial sums per output, four outputs at a time: 16 FMA chains
  // (measured a few percent better than 8 on the L3-bound matrix-vector shapes).
  return {blk, S::kWidth, folds_broadcasts<S> ? kInPlace : kInPlaceUnfolded,
          ukr_table_simd<S, blk.mr, blk.nr / S::kWidth, blk.stream_b>(), pack<S>, small_gemm<S, 4>};
}

}  // namespace

template <> KernelSet<float> kernels_avx512<float>(bool fold) {
  return fold ? make<F32x16<true>>() : make<F32x16<false>>();
}
// float64's folding was measured on Intel only: folded everywhere.
template <> KernelSet<double> kernels_avx512<double>(bool) { return make<F64x8>(); }

}  // namespace gg::kernels::detail
