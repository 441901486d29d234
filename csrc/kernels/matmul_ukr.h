// Microkernel and packing templates, instantiated by each ISA file under its own -m flags.
// In an unnamed namespace so the per-ISA copies are never merged by the linker (an AVX-512
// instantiation must not stand in for the portable one).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "kernels/matmul_internal.h"

namespace gg::kernels::detail {
namespace {

// The epilogue of TileEpilogue for one vector x of `lanes` elements (at most a full vector),
// output row at cp, bias and mask already at the vector's first element.
template <class S>
[[gnu::always_inline]] inline typename S::V epilogue_vector(typename S::V x, typename S::T* cp, int lanes,
                                                           const typename S::T* bias, const typename S::T* mask,
                                                           const TileEpilogue<typename S::T>& e) {
  using T = typename S::T;
  constexpr int W = S::kWidth;
  const auto load = [&](const T* p) { return lanes == W ? S::loadu(p) : S::load_partial(p, lanes); };
  if (e.alpha != T(1)) x = S::mul(x, S::set1(e.alpha));
  if (e.load_c) x = S::add(x, load(cp));
  if (bias) x = S::add(x, load(bias));
  if (e.relu) x = S::max0(x);
  if (mask) x = S::keep_if_positive(load(mask), x);
  return x;
}

// The transposed form: the MR x (NV*W) tile acc is C^T; C's rows j < nr get MR elements each.
// The tile is stored to the stack first and its columns become vectors from there, through
// S::transpose (W x W in registers) where the traits have one, and element by element otherwise.
// Transposing straight from acc kept acc live beside the transposes' registers; GCC then gave
// acc a stack home, and with folded broadcasts (whose asm needs its accumulator in a register)
// the k loop stored every accumulator after each FMA, 0.55x the speed at 64x512x512.
template <class S, int MR, int NV>
[[gnu::always_inline]] inline void store_transposed(const typename S::V (&acc)[MR][NV], typename S::T* c, int64_t ldc,
                                                   int nr, const TileEpilogue<typename S::T>& e) {
  using T = typename S::T;
  using V = typename S::V;
  constexpr int W = S::kWidth;
  alignas(64) T tile[MR][NV * W];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) S::storeu(&tile[i][v * W], acc[i][v]);
  for (int v = 0; v < NV && v * W < nr; ++v) {
    V col[W];
    if constexpr (requires { S::transpose(col); }) {
#pragma GCC unroll 16
      for (int i = 0; i < W; ++i) col[i] = i < MR ? S::loadu(&tile[i][v * W]) : S::zero();
      S::transpose(col);
    } else {
      alignas(64) T row[W] = {};
      for (int j = 0; j < W; ++j) {
        for (int i = 0; i < MR; ++i) row[i] = tile[i][v * W + j];
        col[j] = S::loadu(row);
      }
    }
    // Every row's epilogue before any store: a partial row's load right after the partial store
    // of the row before it waits for that store to retire (their 64-byte spans overlap), which
    // was 42% of w += (-lr) x^T dz at 512x64x10.
    const int rows = std::min(W, nr - v * W);
    for (int j = 0; j < rows; ++j) {
      const int64_t r = v * W + j;
      col[j] = epilogue_vector<S>(col[j], c + r * ldc, MR, e.bias, e.mask ? e.mask + r * e.ldm : nullptr, e);
    }
    for (int j = 0; j < rows; ++j) {
      if (MR == W) S::storeu(c + (v * W + j) * ldc, col[j]);
      else S::store_partial(c + (v * W + j) * ldc, col[j], MR);
    }
  }
}

// Whether the traits S fold a broadcast of A into the FMA (AVX-512's {1toN} memory operand).
template <class S>
constexpr bool folds_broadcasts = requires(const typename S::T* p, typename S::V v) { S::fma_broadcast(p, v, v); };

// One MR x (NV * S::kWidth) tile held in registers. S wraps one vector type (load, broadcast,
// fma, ...). Per k step: NV vector loads of the B row, MR broadcasts of A, MR * NV FMAs. Edge
// tiles get their own MR (no padded rows computed) and masked loads and stores for a partial
// last vector (no bounce buffer). A is read as columns (kColumns: element (i, p) at pa[i + p*as],
// a packed panel with as = MR, or op(A) in place with trans_a) or as rows (kRows, kTransposed:
// at pa[i*as + p], op(A) in place without trans_a). For rows, the MR row addresses are kept as
// a base pointer every third row plus 0, 1 or 2 row strides (x86 scaled-index addressing), so
// 5 pointers, not 14, step along k; where broadcasts fold, a base pointer every other row, since
// a folded FMA must address its row by the base alone (an indexed memory operand would split it
// into two uops again). The transposed forms store the tile transposed (MicroKernel).
// kStreamB (Blocking::stream_b): the B rows come from L2, so each is fetched into L1
// kPrefetchRows steps before it is used.
template <class S, int kForm, int MR, int NV, bool kStreamB>
void ukr_simd(int64_t kc, const typename S::T* pa, int64_t as, const typename S::T* pb, int64_t ldb,
              typename S::T* c, int64_t ldc, int nr, const TileEpilogue<typename S::T>& e) {
  using T = typename S::T;
  using V = typename S::V;
  constexpr int W = S::kWidth;
  constexpr bool by_rows = reads_a_by_rows(kForm), transposed = stores_transposed(kForm);
  constexpr bool kFoldBroadcasts = folds_broadcasts<S>;
  constexpr int RB = kFoldBroadcasts ? 2 : 3, NB = (MR + RB - 1) / RB;
  const char* base[NB];
  const int64_t row_bytes = as * int64_t(sizeof(T));
  for (int q = 0; q < NB; ++q) base[q] = reinterpret_cast<const char*>(pa) + RB * q * row_bytes;
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = S::zero();
  // The epilogue's reads (C when accumulating, the relu mask) are started now, so they arrive
  // while the k loop runs. C that is only written is not: without it a k = 10 product measured
  // 1.04-1.10x faster (1.08-1.12x with the mask at 512 rows; the loop is too short for the line
  // to arrive first), and k = 64 to 512 the same within 2% (alternating runs in one process).
  const auto prefetch_tile = [&]<int kWrite>(const T* at, int64_t ld) {
    if constexpr (transposed) {  // C^T's tile: rows j < nr of C, MR elements each
#pragma GCC unroll 32
      for (int j = 0; j < NV * W; ++j)
        if (j < nr) {
          __builtin_prefetch(at + j * ld, kWrite);
          __builtin_prefetch(at + j * ld + MR - 1, kWrite);
        }
    } else {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        __builtin_prefetch(at + i * ld, kWrite);
        __builtin_prefetch(at + i * ld + NV * W - 1, kWrite);
      }
    }
  };
  if (e.load_c) prefetch_tile.template operator()<1>(c, ldc);
  if (e.mask) prefetch_tile.template operator()<0>(e.mask, e.ldm);
  // Every other row's broadcast folded into its FMAs (S::fma_broadcast, AVX-512's {1to16}): a k
  // step of 28 FMAs (MR 14, NV 2) is then 37 fused uops rather than 44, which matters when
  // another hardware thread shares the core, as a VM's neighbour does. On Intel only
  // (fold_broadcasts() in matmul.h), where it was measured in alternating runs in one process
  // (Sapphire Rapids): 512^3 to 2048^3 and the train step's 512-row products 1.04-1.11x on 1
  // thread and 0.98-1.12x on 2 while the core was shared, 0.98-1.01x while it was not (256^3
  // 0.99-1.01x); the Quick Start step (BM_quickstart_step's sequence, batch 64 and 512, 1 and 2
  // threads) 0.98-1.12x, median 1.015 of 16 runs; float64 (14x16 tiles) 0.99-1.09x from 256^3
  // up, 1.0-1.04x at 16^3 to 128^3. Folding every row (30 loads a step rather than 23) measured
  // 1.0-1.07x slower than every other row. A read as rows in place folds too (the forward
  // products of a batch of 64, swapped, read the weight so): on 1 thread, the old and new
  // kernels' processes alternating over 10 rounds while the core was shared, 0.93x the time
  // at 64x784x512 and 64x512x512 (x w^T with bias and relu), 0.955x and 0.96x at 128^3 and 256^3,
  // the swapped narrow w += x^T dz at 512x64x10 0.94x, the products that read packed panels
  // 0.99-1.01x; BM_quickstart_step over 20 rounds 0.98x at batch 64, 1.0x at 512.
#pragma GCC unroll 2
  for (int64_t p = 0; p < kc; ++p) {
    if constexpr (kStreamB)
      for (int line = 0; line < NV * W * int(sizeof(T)); line += 64)
        __builtin_prefetch(reinterpret_cast<const char*>(pb + kPrefetchRows * ldb) + line);
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = S::loadu(pb + v * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const T* ap = by_rows ? reinterpret_cast<const T*>(base[i / RB] + (i % RB) * row_bytes) : pa + i;
      if constexpr (kFoldBroadcasts) {
        if (i % 2 == 0) {
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[i][v] = S::fma_broadcast(ap, bv[v], acc[i][v]);
          continue;
        }
      }
      const V ai = S::broadcast(ap);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = S::fma(ai, bv[v], acc[i][v]);
    }
    if constexpr (by_rows) {
#pragma GCC unroll 8
      for (int q = 0; q < NB; ++q) base[q] += sizeof(T);
    } else {
      pa += as;
    }
    pb += ldb;
  }
  if constexpr (transposed) {
    return store_transposed<S, MR, NV>(acc, c, ldc, nr, e);
  }
  // The epilogue one operation at a time over the whole tile, in epilogue_vector's order, so
  // each is tested once per tile rather than once per vector: per vector, the SGD update's
  // w += (-lr) x^T dz ran 1.16-1.22x slower at k = 64, the relu mask at 512x10x512 1.5x, bias
  // and relu at 512x784x512 1.04x (alternating runs in one process).
  const auto finish = [&]<bool kFull>() __attribute__((always_inline)) {
    const int last = nr - (NV - 1) * W;  // lanes of the last vector (1..W; W when kFull)
    const auto load = [&](const T* at, int v) {
      return kFull || v < NV - 1 ? S::loadu(at) : S::load_partial(at, last);
    };
    if (e.alpha != T(1)) {
      const V alpha = S::set1(e.alpha);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = S::mul(acc[i][v], alpha);
    }
    if (e.load_c)
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = S::add(acc[i][v], load(c + i * ldc + v * W, v));
    if (e.bias)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const V b = load(e.bias + v * W, v);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) acc[i][v] = S::add(acc[i][v], b);
      }
    if (e.relu)
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = S::max0(acc[i][v]);
    if (e.mask)
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = S::keep_if_positive(load(e.mask + i * e.ldm + v * W, v), acc[i][v]);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        if (kFull || v < NV - 1) S::storeu(c + i * ldc + v * W, acc[i][v]);
        else S::store_partial(c + i * ldc + v * W, acc[i][v], last);
      }
  };
  if (nr == NV * W) finish.template operator()<true>();
  else finish.template operator()<false>();
}

// The portable microkernel: the same computation and epilogue in scalar C++.
template <class T, int kForm, int MR, int NR>
void ukr_scalar(int64_t kc, const T* pa, int64_t as, const T* pb, int64_t ldb, T* c, int64_t ldc, int nr,
                const TileEpilogue<T>& e) {
  constexpr bool by_rows = reads_a_by_rows(kForm), trans = stores_transposed(kForm);
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += (by_rows ? pa[i * as + p] : pa[i + p * as]) * pb[j];
    pb += ldb;
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < nr; ++j) {
      const int64_t at = trans ? j * ldc + i : i * ldc + j, mask_at = trans ? j * e.ldm + i : i * e.ldm + j;
      T x = acc[i][j];
      if (e.alpha != T(1)) x *= e.alpha;
      if (e.load_c) x += c[at];
      if (e.bias) x += e.bias[trans ? i : j];
      if (e.relu) x = x > T(0) ? x : T(0);
      if (e.mask) x = e.mask[mask_at] > T(0) ? x : T(0);
      c[at] = x;
    }
}

// The tables [form][nv - 1][mr - 1] of microkernels for every edge shape of a PMR-row tile; the
// transposed forms only where a vector holds a whole column of the tile (PMR <= W).
template <class S, int PMR, int NVMAX, bool kStreamB>
UkrTable<typename S::T> ukr_table_simd() {
  static_assert(NVMAX >= 1 && NVMAX <= kMaxNv && PMR <= kMaxMr);
  UkrTable<typename S::T> t{};
  [&]<int... Ms>(std::integer_sequence<int, Ms...>) {
    const auto fill = [&]<int kForm>() {
      ((t[kForm][0][Ms] = ukr_simd<S, kForm, Ms + 1, 1, kStreamB>), ...);
      if constexpr (NVMAX == 2) ((t[kForm][1][Ms] = ukr_simd<S, kForm, Ms + 1, 2, kStreamB>), ...);
    };
    fill.template operator()<kColumns>();
    fill.template operator()<kRows>();
    if constexpr (PMR <= S::kWidth) {
      fill.template operator()<kTransposed>();
      fill.template operator()<kColumnsTransposed>();
    }
  }(std::make_integer_sequence<int, PMR>{});
  return t;
}
template <class T, int PMR, int NR>
UkrTable<T> ukr_table_scalar() {
  UkrTable<T> t{};
  [&]<int... Ms>(std::integer_sequence<int, Ms...>) {
    ((t[kColumns][0][Ms] = ukr_scalar<T, kColumns, Ms + 1, NR>), ...);
    ((t[kRows][0][Ms] = ukr_scalar<T, kRows, Ms + 1, NR>), ...);
    ((t[kTransposed][0][Ms] = ukr_scalar<T, kTransposed, Ms + 1, NR>), ...);
    ((t[kColumnsTransposed][0][Ms] = ukr_scalar<T, kColumnsTransposed, Ms + 1, NR>), ...);
  }(std::make_integer_sequence<int, PMR>{});
  return t;
}

// Packs a `rows` x kc slice (element (r, p) at src[r*rs + p*cs]) into a panel of R-row
// columns: dst[p*R + r], rows past `rows` zero-filled. This is where transposes happen: A
// panels (R = MR) read op(A) rows, B panels (R = NR) read op(B) columns.
template <class T>
void pack_panel(const T* src, int64_t rs, int64_t cs, int64_t rows, int64_t kc, int R, T* dst) {
  if (rs == 1) {  // the R values for one p are contiguous: straight copies
    for (int64_t p = 0; p < kc; ++p) {
      const T* s = src + p * cs;
      T* d = dst + p * R;
      for (int64_t r = 0; r < rows; ++r) d[r] = s[r];
      for (int64_t r = rows; r < R; ++r) d[r] = T(0);
    }
    return;
  }
  // Strided: each of the `rows` source runs is contiguous in p; walk them side by side.
  for (int64_t p = 0; p < kc; ++p) {
    T* d = dst + p * R;
    for (int64_t r = 0; r < rows; ++r) d[r] = src[r * rs + p * cs];
    for (int64_t r = rows; r < R; ++r) d[r] = T(0);
  }
}

}  // namespace
}  // namespace gg::kernels::detail
