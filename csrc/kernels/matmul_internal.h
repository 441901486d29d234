// Internals shared by the matmul driver (matmul.cpp) and the per-ISA kernel files.
//
// BLIS layout: C is computed in MC x NC blocks over KC-deep slices of the reduction.
// op(A)[ic:ic+MC, pc:pc+KC] is packed into MR-tall panels (row p holds MR consecutive rows of
// column p); op(B)[pc:pc+KC, jc:jc+NC] into NR-wide panels (KC x NR each, row p holds NR
// consecutive columns), or read in place when it is small and not transposed. Packed panels are
// zero-padded to full MR / NR.
#pragma once
#include <array>
#include <cstdint>

#include "kernels/cpu.h"

namespace gg::kernels::detail {

struct Blocking {
  int mr, nr;      // register tile (nr is a whole number of vectors)
  int mc, kc, nc;  // cache blocks: MC x KC of A, KC x NC of B
  // Which panel stays in L1 while the other streams past it. false: B panels outer, A panels
  // inner; the KC x NR B panel stays in L1, the MC x KC A block in L2. true: A panels outer, B
  // panels inner; the MR x KC A panel stays in L1, the KC x NC B block in L2, and the kernel
  // prefetches B rows into L1 ahead of use.
  bool stream_b;
};

// The one table of block sizes, indexed [isa][0 = float, 1 = double]. The microkernels take
// their mr/nr from here at compile time, so changing a tile here changes the kernel. (Zen 4
// takes float K blocks up to 512 deep: for_this_cpu in matmul.cpp.)
// Zen 5 (48 KiB L1d, 1 MiB L2 per core) and Sapphire Rapids (48 KiB, 2 MiB). AVX2: the 16 KiB
// B panel and a 6 KiB A panel share L1 easily. AVX-512: a 32 KiB B panel and the 14 KiB A
// panels streaming past it filled L1, so the A panel stays there instead, and KC x NC of B is
// 1 MiB of L2. On 1 thread against the B-in-L1 order (alternating runs in one process, Sapphire
// Rapids): 64^3 to 512^3 1.01-1.03x, 1024^3 1.04x, 2048^3 1.10x, 64x784x512 with bias and relu
// 1.085x, 512x1024x1024 1.05x; on 2 threads 1024^3 1.04x, 2048^3 1.09x, 2048x1024x4096 1.05x,
// x^T dz at 4096x2048x1024 1.12x. NC 512 or 768 rather than 1024: 0.97-1.0x. The same order on
// AVX2 measured 0.96-0.97x at 64^3 and 128^3 (1.04x from 1024^3).
inline constexpr Blocking kBlocking[3][2] = {
    /* Portable */ {{4, 8, 128, 256, 2048, false}, {4, 4, 128, 256, 2048, false}},
    /* Avx2     */ {{6, 16, 144, 256, 4096, false}, {6, 8, 144, 256, 4096, false}},
    /* Avx512   */ {{14, 32, 224, 256, 1024, true}, {14, 16, 224, 256, 512, true}},
};
// How many k steps ahead a stream_b kernel fetches B rows (4 to 16 measured the same).
inline constexpr int kPrefetchRows = 8;
inline constexpr int kMaxMr = 14, kMaxNv = 2;
static_assert([] {
  for (const auto& isa : kBlocking)
    for (const Blocking& b : isa)
      if (b.mr > kMaxMr || b.mc % b.mr != 0) return false;
  return true;
}());

template <class T>
constexpr Blocking blocking(Isa isa) {
  return kBlocking[static_cast<int>(isa)][sizeof(T) == 8];
}

// What the microkernel does with a finished tile, in this order:
//   v = alpha * tile (+ c if load_c) (+ bias[j]); relu: v = v > 0 ? v : 0 (NaN gives 0);
//   mask: v = mask[i, j] > 0 ? v : 0.
// load_c is set for every K block after the first and, with beta = 1, for the first too; bias,
// relu and mask only on the last K block. Pointers are already at the tile's (i, j).
template <class T>
struct TileEpilogue {
  T alpha = 1;
  bool load_c = false;
  bool relu = false;
  const T* bias = nullptr;
  const T* mask = nullptr;
  int64_t ldm = 0;
};

// c[0:mr, 0:nr] (row stride ldc) = epilogue(sum_p A(i, p) * pb[p*ldb + j]), A(i, p) at pa[i + p*as]
// (a packed panel, as = MR, or op(A) in place with trans_a, as = m) or, for the row kernels, at
// pa[i*as + p] (op(A) in place without trans_a, as = k). pb is a packed B panel (ldb = NR) or
// op(B) in place (ldb = n, only ever with nr == NR). A kernel of NV vectors is called for tiles
// of (NV - 1) * W < nr <= NV * W columns (the driver picks it by the panel's width). The tile sum always starts from zero and the
// epilogue runs the same operations for every element, so a value never depends on which tile
// or which kernel computed it. The transposed forms (kTransposed reading A as rows,
// kColumnsTransposed as columns) compute a tile of C^T (the driver swapped the operands): tile
// element (i, j) is C[j, i], stored at c[j*ldc + i], masked by mask[j*ldm + i], biased by bias[i].
template <class T>
using MicroKernel = void (*)(int64_t kc, const T* pa, int64_t as, const T* pb, int64_t ldb, T* c, int64_t ldc,
                             int nr, const TileEpilogue<T>& e);
template <class T>
using UkrTable = std::array<std::array<std::array<MicroKernel<T>, kMaxMr>, kMaxNv>, 4>;  // [form][nv-1][mr-1]
enum UkrForm { kColumns = 0, kRows = 1, kTransposed = 2, kColumnsTransposed = 3 };
constexpr bool reads_a_by_rows(int form) { return form == kRows || form == kTransposed; }
constexpr bool stores_transposed(int form) { return form == kTransposed || form == kColumnsTransposed; }

// Direct path for small and matrix-vector problems, compiled once per ISA:
//   c[0:m, 0:n] = op(A) op(B), no packing. See small_gemm in matmul_small.h.
template <class T>
using SmallGemm = void (*)(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a,
                           bool trans_b, int64_t i0, int64_t i1, int64_t j0, int64_t j1);

// dst[p*R + r] = src[r*rs + p*cs] for r < rows (zero for rows <= r < R), p < kc.
template <class T>
using Pack = void (*)(const T* src, int64_t rs, int64_t cs, int64_t rows, int64_t kc, int R, T* dst);

// Which large operands are read in place rather than packed (beyond the rules every kernel set
// shares; matmul.cpp says why and what was measured): op(A) without trans_a when its rows are at
// most a_row_bytes apart; op(A) with trans_a when it is used by at most at_uses panels of B
// columns, and op(B) without trans_b when it is used by at most b_uses panels of A rows, each
// when its stored rows are at most stride_bytes apart. kInPlaceUnfolded where the packed-panel
// kernel does not fold broadcasts (AVX-512 float on AMD), where these were measured.
struct InPlace {
  int64_t a_row_bytes;
  int64_t at_uses, b_uses, stride_bytes;
};
inline constexpr InPlace kInPlace{1 << 10, 0, 0, 0}, kInPlaceUnfolded{4 << 10, 25, 64, (3 << 10) + 256};

template <class T>
struct KernelSet {
  Blocking blk;
  int width;  // elements per vector: B panels are nv * width wide, 1 <= nv <= blk.nr / width
  InPlace in_place;
  UkrTable<T> ukr;
  Pack<T> pack;
  SmallGemm<T> small;
};

// One per ISA; each lives in the file compiled for that ISA.
template <class T> KernelSet<T> kernels_portable();
template <class T> KernelSet<T> kernels_avx2();
template <class T> KernelSet<T> kernels_avx512(bool fold_broadcasts);

}  // namespace gg::kernels::detail
