// matmul: dispatch between the direct path (matrix-vector and tiny products) and the blocked
// BLIS-style path, the epilogue, threading, and the portable kernels. The blocked path packs an
// operand only when it is reused and does not fit in L1 (small products pack nothing), runs one
// microkernel per edge shape, and hands threads disjoint rectangles of C. Every choice depends on
// the shape alone, never on the thread count, so neither do the results. The ISA-specific
// kernels live in matmul_avx2.cpp / matmul_avx512.cpp.
#include "kernels/matmul.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include "kernels/cpu.h"
#include "kernels/matmul_internal.h"
#include "kernels/matmul_small.h"
#include "kernels/matmul_ukr.h"
#include "runtime/thread_pool.h"

namespace gg::kernels {

template <class T>
void matmul_ref(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b) {
  std::fill(c, c + m * n, T(0));
  for (int64_t i = 0; i < m; ++i) {
    T* crow = c + i * n;
    for (int64_t p = 0; p < k; ++p) {
      const T av = trans_a ? a[p * m + i] : a[i * k + p];
      if (trans_b) {
        for (int64_t j = 0; j < n; ++j) crow[j] += av * b[j * k + p];
      } else {
        const T* brow = b + p * n;
        for (int64_t j = 0; j < n; ++j) crow[j] += av * brow[j];
      }
    }
  }
}

namespace detail {
template <class T>
KernelSet<T> kernels_portable() {
  constexpr Blocking blk = blocking<T>(Isa::Portable);
  return {blk, blk.nr, kInPlace, ukr_table_scalar<T, blk.mr, blk.nr>(), pack_panel<T>,
          small_gemm<ScalarTraits<T>, 4>};
}
}  // namespace detail

namespace {

using namespace detail;

// What fold_broadcasts() says, from the CPU's vendor. The Quick Start step on Zen 5, alternating
// with and without folding in one process (15 to 21 rounds, three runs): without, 0.965-0.994x
// the time on one thread and 0.985-1.0x on two. On Sapphire Rapids folding measured 1.04-1.11x
// faster while another hardware thread shared the core, 0.98-1.01x while none did. On Zen 4
// (AVX-512 on 256-bit halves) the step's products with folding took 1.0x the time with operands
// cycled through L3 and 1.02x hot (alternating processes, 10 rounds).
std::atomic<bool>& fold_flag() {
  static std::atomic<bool> fold{[] {
    __builtin_cpu_init();
    return !__builtin_cpu_is("amd");
  }()};
  return fold;
}

// Zen 4 (AMD family 19h, the only members of which have AVX-512) takes float K blocks up to 512
// deep rather than the table's 256: fewer tiles, each of which ends in an epilogue that costs
// about what 6 to 9 of its k steps do (at k = 64 the k loop alone ran at the FMA probe and the
// tile's stores and epilogue took 9 to 11% of the update's time), and fewer passes over C.
// Alternating calls in one process: the Quick Start step's 512-row products 0.95 to 0.97x the
// time on 1 thread (its updates 0.98 to 1.0x), 0.94 to 0.98x on 2 (updates 0.99 to 1.02x);
// 1024^3, 2048^3 (also with trans_a or trans_b) and 2048x1024x4096 0.97 to 0.99x on 1 thread,
// 0.95 to 0.99x on 2; 512^3 1.0x and 0.96x; smaller products 1.0x (one K block either way), the
// batch-64 ones 0.97 to 1.0x; K blocks of 400 measured between the two. The step's products in
// order, alternating steps in one process: batch 512 0.987x on 1 thread and 0.977x on 2 (with
// nothing changed the same alternation read 0.994 and 0.995x), of which the 10-column h2 w3^T
// 1.04 to 1.10x (4 to 10 us); batch 64 1.0x. Zen 5 and Intel keep 256: not measured with 512.
// Both AVX-512 sets take it, so folding still changes no bits.
template <class T>
KernelSet<T> for_this_cpu(KernelSet<T> s) {
  __builtin_cpu_init();
  if (sizeof(T) == 4 && __builtin_cpu_is("amdfam19h")) s.blk.kc = 512;
  return s;
}

// Only the active ISA's set is ever built: building a higher one could execute instructions
// this CPU lacks.
template <class T>
const KernelSet<T>& kernel_set(Isa isa) {
  switch (isa) {
    case Isa::Avx512: {
      if (fold_broadcasts()) {
        static const KernelSet<T> s = for_this_cpu(kernels_avx512<T>(true));
        return s;
      }
      static const KernelSet<T> s = for_this_cpu(kernels_avx512<T>(false));
      return s;
    }
    case Isa::Avx2: {
      static const KernelSet<T> s = kernels_avx2<T>();
      return s;
    }
    default: {
      static const KernelSet<T> s = kernels_portable<T>();
      return s;
    }
  }
}

// Per-thread packing buffers, kept between calls: a fresh multi-megabyte allocation per call
// would be returned to the OS and page-faulted back in every time.
class Scratch {
 public:
  ~Scratch() { std::free(p_); }
  template <class T>
  T* get(int64_t count) {
    const size_t bytes = (static_cast<size_t>(count) * sizeof(T) + 63) & ~size_t(63);
    if (bytes > cap_) {
      std::free(p_);
      p_ = std::aligned_alloc(64, bytes);
      if (!p_) throw std::bad_alloc();
      cap_ = bytes;
    }
    return static_cast<T*>(p_);
  }

 private:
  void* p_ = nullptr;
  size_t cap_ = 0;
};
thread_local Scratch t_pack_a, t_pack_b, t_shared;
// Numbers the calls whose threads each pack a copy of the shared operand (gemm_blocked).
std::atomic<uint64_t> g_copy_calls{0};

// Below these sizes threads cost more (wake-up, duplicated packing) than they save. The choice of
// path never depends on the thread count, so results do not either.
constexpr int64_t kParallelFlops = int64_t(1) << 22;    // ~ 128^3 * 2
constexpr int64_t kMinTaskFlops = int64_t(1) << 21;     // a task is worth a pool hand-off
// A thread that runs out of its own tasks takes over another's (parallel_for), so finer ones
// balance a thread that was held up (on a shared machine a core is often busy for a while). 4 per
// thread against 2, on 2 threads in alternating runs: 1.03-1.18x at 256^3, 1024^3, 512x784x512,
// 64x784x512 and w += x^T dz; the Quick Start step's five products took 0.92x the time at batch
// 64 and 0.97x at batch 512. 8 per thread was slower again. (Measured when tasks were handed out
// in one shared sequence; with each thread's own run first, 1, 2 and 4 per thread measured alike
// on the whole step, within the runs' spread.)
constexpr int64_t kTasksPerThread = 4;
constexpr int64_t kSmallFlops = int64_t(2) * 4 * 4 * 4;  // direct loops at or below this (measured crossover:
                                                         // 6^3 and 8^3 run 1.7-2.6x faster blocked)
// Matrix-vector products are bound by memory bandwidth, which a second core adds to early.
constexpr int64_t kParallelGemvFlops = int64_t(1) << 20;
// An operand is read in place, unpacked, when it fits in L1 whole, or when it is used once:
// A when B has a single panel of columns (packing would copy every element to read it once).
// B, not transposed, also when it is used by at most kDirectBUses panels of A rows (batch 64
// on AVX-512): its rows then stream from L2 a few times, which measured 1.1-1.3x faster than
// packing it at 64x512x512 and 64x784x512 (1 thread, alternating runs on a busy machine).
// A, not transposed, also when its rows are at most InPlace::a_row_bytes apart and spread over
// L1's sets (rows_spread): the row kernel then reads them in place, skipping the packing
// transpose. Up to 1 KiB (kInPlace) this measured 128^3 142 -> 152 GFLOP/s, 512x128x128 144 ->
// 159, 256^3 +2%, within 1% of packing at 1024x256x1024 and 2048x128x2048 (1 thread,
// interleaved). Intel keeps that: with AMD's rules below (its row kernel folding broadcasts as
// its packed panels do), Sapphire Rapids measured 1.05-1.09x the time at 512x784x512 and 512^3
// (x w^T), 1.15-1.16x at w += x^T dz with k = 64 (1 thread, alternating in one process, a
// shared core). Where the packed-panel kernel does not fold (kInPlaceUnfolded: AVX-512 float on
// AMD), on Zen 5 in alternating runs in one process:
// - A rows up to 4 KiB apart: 1 thread 0.95-0.98x the time at 512x784x512, 512^3, 256x640x256,
//   512x384x512 and 1024x1000x1024 (with and without trans_b), 0.98-0.99x at 1024x768x1024, 1.0x
//   at 2048x784x1024; 2 threads 0.83-0.98x, 2048x784x1024 1.0-1.02x; the Quick Start step at
//   batch 512 0.98x on 1 thread, 0.93-0.99x on 2, batch 64 0.99-1.0x.
// - B used by up to 64 panels of A rows (m <= 896), its rows up to 3.25 KiB apart (n <= 832
//   floats): packing it costs about 1/m of the product, reading it in place a little per k step
//   whatever m is (the strided rows' TLB entries and L1 sets). 1 thread 0.94-0.98x the time at
//   512x784x512, 512^3, 256x640x256, 512x384x512, 784x512x512 and x^T dz at 512x512x784 and
//   512^3; 2 threads 0.95-0.97x; 1.0x at m = 896 and at n = 832; neutral at m = 1024 (1.0x at
//   1024x512x768) and 2048 (1.0-1.02x); slower with rows 4000 or 4096 bytes apart (n = 1000:
//   1.03-1.08x, n = 1024: 1.04-1.11x). The Quick Start step at batch 512: 0.98-0.99x on 1
//   thread, 0.99-1.01x on 2.
// - op(A) with trans_a (x^T dz, the weight gradient) read as columns in place, MR contiguous
//   values a k step, when used by up to 25 panels of B columns (n <= 800) and A's stored rows
//   are up to 3.25 KiB apart (m <= 832): packing it costs about 1/n of the product. 1 thread
//   0.96-0.98x the time at m = 256 to 896 with n = 512 or 784 (k = 256 to 1024); 2 threads
//   0.90-0.99x; with n = 1024 and 2048 1.02-1.03x slower on 1 thread (excluded), 1.0x at
//   784x512x1536. The Quick Start step at batch 512: 0.99x on 1 thread, 0.94x on 2; batch 64
//   1.0x.
constexpr int64_t kDirectBytes = 32 << 10;
constexpr int64_t kDirectBUses = 5;
// At most this many of the MR row streams may start in one L1 set (12 ways on Zen 5 and
// Sapphire Rapids): 7 (rows 2 KiB apart) measured faster than packing; rows 4 KiB apart put
// all 14 in one set.
constexpr int kRowsPerSet = 7;
// An operand every task would pack in full is packed once per thread instead, up to this size
// (above it the copies per task stream from memory either way).
constexpr int64_t kSharedPackBytes = 4 << 20;
// What gemm_blocked weighs each element of a task's duplicated packing as, in FMAs: more than the
// copy's own load and store (which often miss L2, against 32 FMAs a cycle), because every task's
// copy of a large operand also pushes the others' out of the caches. 1024 against 256, on 2
// threads in alternating runs: 1.10-1.12x at 2048x4096x1024 (the large linear step's forward
// product: 2 tasks rather than 8), 1.02-1.06x at 1024^3 to 2048^3, 0.98-1.03x at x^T dz
// 4096x2048x1024, 4096x1024x4096 and 1024x2048x4096.
constexpr int64_t kFmasPerCopy = 1024;
// The swapped path (gemm_blocked) runs K in one block, so its packed B panel is k x NR: at most
// kSwapMaxK deep. Its transposed tile stores cost about 200 cycles a tile, which k below
// kSwapMinK does not repay (64x64x512: 0.95x packing B; 64x128x512: 1.1x; 64x256x512: 1.23x).
constexpr int64_t kSwapMaxK = 1024, kSwapMinK = 128;
// Where B panels stay in L1 (Blocking::stream_b false), an m x n matrix read in the epilogue (C
// with accumulate, or the relu mask) and K at most this: a tile's k loop is short, so that
// matrix's traffic (from L3 once it outgrows L2) is a large share, and tiles go along C's rows
// (row panels of A outer, B panels inner) so that the prefetchers stream it in; the B panels of
// the block then come from L2 rather than L1, cheap at this depth. w += (-lr) x^T dz at 784x64x512: 1.21x, 512x64x512: 1.14x; dz w with the relu
// mask at 512x10x512: 1.24x. Where C is only written it measured 0.9x at k = 10, 0.97x at 64^3.
constexpr int64_t kRowOrderMaxK = 128;

// Whether `rows` rows row_bytes apart start in at most kRowsPerSet of any one L1 set (64-byte
// lines, 64 sets: addresses 4 KiB apart share a set).
bool rows_spread(int64_t row_bytes, int rows) {
  int per_set[64] = {};
  for (int i = 0; i < rows; ++i)
    if (++per_set[(i * row_bytes / 64) % 64] > kRowsPerSet) return false;
  return true;
}

// Serial calls go straight to f: wrapping it in a std::function costs a heap allocation, which
// is measurable on a 16x16x16 product.
template <class F>
void run(bool parallel, int64_t tasks, const F& f) {
  if (parallel) {
    parallel_for(tasks, f);
  } else {
    for (int64_t t = 0; t < tasks; ++t) f(t);
  }
}

// A 64-bit division costs 20-odd cycles, and a 16^3 product makes several: a single panel or
// block (a <= b), the usual case at small sizes, skips it.
int64_t ceil_div(int64_t a, int64_t b) { return a <= b ? a > 0 : (a + b - 1) / b; }

// K blocks of equal depth, k / KC of them rounded down after adding a quarter: k = 784 as 262 +
// 261 + 261 at KC 256, not 3 x 256 + 16 (each block is a pass over C; 64x784x512 with bias and
// relu 1.02-1.05x, 1 thread, three alternating runs; 300^3 to 600^3 and 512x784x512 1.0-1.03x).
int64_t kc_for(int64_t k, int64_t KC) { return ceil_div(k, std::max<int64_t>(1, (k + KC / 4) / KC)); }

// The epilogue after the direct path (which overwrites C) or for k == 0 (v = 0 there).
template <class T>
void finish(T* c, int64_t n, const Epilogue<T>& ep, bool zero, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j) {
      T x = zero ? (ep.accumulate ? c[i * n + j] : T(0)) : c[i * n + j];
      if (ep.bias) x += ep.bias[j];
      if (ep.relu) x = x > T(0) ? x : T(0);
      if (ep.relu_mask) x = ep.relu_mask[i * n + j] > T(0) ? x : T(0);
      c[i * n + j] = x;
    }
}

// out[j] = sum over p of op(B)[p, j], p in order (the same bits as the blocked path's sums).
template <class T>
void col_sums(const T* b, int64_t n, int64_t k, bool tb, T* out) {
  for (int64_t j = 0; j < n; ++j) out[j] = T(0);
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) out[j] += tb ? b[j * k + p] : b[p * n + j];
}

// Direct path; large matrix-vector products split the output rows (or columns when m is 1).
template <class T>
void gemm_small(const KernelSet<T>& ks, const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k,
                bool ta, bool tb, const Epilogue<T>& ep) {
  const int threads = get_num_threads();
  const bool parallel = threads > 1 && 2 * m * n * k >= kParallelGemvFlops;
  const bool split_rows = m >= n;
  const int64_t extent = split_rows ? m : n;
  const bool post = ep.bias || ep.relu || ep.relu_mask;
  // One contiguous run per thread: finer pieces would make the axpy forms stream narrow
  // strips of a row-major matrix, which the prefetchers handle poorly.
  const int64_t tasks = parallel ? std::min<int64_t>(extent, threads) : 1;
  run(parallel, tasks, [&](int64_t t) {
    const int64_t lo = extent * t / tasks, hi = extent * (t + 1) / tasks;
    const int64_t i0 = split_rows ? lo : 0, i1 = split_rows ? hi : m;
    const int64_t j0 = split_rows ? 0 : lo, j1 = split_rows ? n : hi;
    ks.small(a, b, c, m, n, k, ta, tb, i0, i1, j0, j1);
    if (post) finish(c, n, ep, false, i0, i1, j0, j1);
  });
  if (ep.col_sum_b) col_sums(b, n, k, tb, ep.col_sum_b);
}

// What one call of the blocked path works with: the shape, operand strides, tile choice.
template <class T>
struct Problem {
  const KernelSet<T>& ks;
  const T *a, *b;
  T* c;
  int64_t m, n, k;
  int64_t a_ri, a_cp;  // op(A)[i,p] = a[i*a_ri + p*a_cp]
  int64_t b_rp, b_cj;  // op(B)[p,j] = b[p*b_rp + j*b_cj]
  int MR, NR;          // microkernel: MR rows (edges fewer), NR a whole number of vectors
  int64_t m_pad, n_pad;  // m and n rounded up to MR and NR
  bool direct_a;       // A is read in place (as columns with trans_a, else as rows)
  bool direct_b;       // full B panels are read in place (b_cj == 1)
  bool trans_c;        // this is C^T = op(B)^T op(A)^T: element (i, j) is stored at c[j*m + i]
  int64_t kc;          // K block depth
  const Epilogue<T>& ep;
  // Or all of A / B packed once, shared by the tasks: K block pc at m_pad * pc (n_pad * pc),
  // the panel of row i (column j) at i * kc (j * kc) within it.
  const T* packed_a = nullptr;
  const T* packed_b = nullptr;
};

// Both packers read an operand along its rows where its rows run across the panels: kPackRows
// rows of every panel at a time rather than one panel down the whole K block. While one chunk of
// a panel is packed, the next chunk of that panel (kPackRows rows down, the same columns) is
// fetched, if the operand is larger than kFetchAheadBytes and so likely comes from L3 or
// memory: the hardware prefetchers had not brought it by the time the packer came back to it.
// On Zen 5, packing took 8-19% of a one-thread 512^3 or 512x784x512 A^T B (timed inside the
// driver), 3-6% with these fetches. The Quick Start step alternating with and without them in
// one process (15 to 21 rounds): batch 512 0.92-0.96x the time on one thread and 0.91-0.94x on
// two; batch 64 0.99-1.01x (its operands, 128 to 200 KB, are below the bound; fetching them
// too measured 1.005-1.01x). The columnwise packers (A without trans_a, B with trans_b) read
// long runs of each row, which the prefetchers follow: fetching their next panel measured
// 0.99-1.01x.
constexpr int64_t kPackRows = 16;
constexpr int64_t kFetchAheadBytes = 512 << 10;

// Asks for the cache lines of `rows` rows of `cols` elements at src, rows `ld` elements apart.
template <class T>
void prefetch_rows(const T* src, int64_t ld, int64_t rows, int64_t cols) {
  const int64_t bytes = cols * int64_t(sizeof(T));
  for (int64_t r = 0; r < rows; ++r) {
    const uintptr_t begin = reinterpret_cast<uintptr_t>(src + r * ld);
    for (uintptr_t line = begin & ~uintptr_t(63); line < begin + bytes; line += 64)
      __builtin_prefetch(reinterpret_cast<const void*>(line));
  }
}

// Packs op(A)[ic:i1, pc:pc+kc] into MR-row panels at dst. With trans_a the MR values of a panel
// for one p are contiguous and A's row p runs across all the panels, so A is read kPackRows rows
// at a time: panel by panel, each read 56 bytes from each of kc rows a row apart. w += (-lr)
// x^T dz at 512x512x784 and 512x512x512, alternating runs: 1.03-1.05x on 1 thread and 1.04-1.05x
// on 2 with the operands in cache, 1.04-1.07x and 1.09x with all three cycled through L3 as in a
// train step; 1024^3 with trans_a 1.04-1.06x; k = 64 (one chunk of panels per 16 rows) 0.97-1.01x.
template <class T>
T* pack_a_block(const Problem<T>& P, T* dst, int64_t ic, int64_t i1, int64_t pc, int64_t kc) {
  const bool by_rows = P.a_ri == 1, fetch = by_rows && P.m * P.k * int64_t(sizeof(T)) > kFetchAheadBytes;
  const int64_t step = by_rows ? kPackRows : kc;
  for (int64_t p0 = 0; p0 < kc; p0 += step)
    for (int64_t i = ic; i < i1; i += P.MR) {
      const T* src = P.a + i * P.a_ri + (pc + p0) * P.a_cp;
      const int64_t rows = std::min<int64_t>(P.MR, i1 - i);
      if (fetch) prefetch_rows(src + step * P.a_cp, P.a_cp, std::min(step, kc - p0 - step), rows);
      P.ks.pack(src, P.a_ri, P.a_cp, rows, std::min(step, kc - p0), P.MR, dst + (i - ic) * kc + p0 * P.MR);
    }
  return dst;
}

// Packs the NR-wide panels of op(B)[pc:pc+kc, jc:j1] that are not read in place (panel jp at
// dst + jp*NR*kc) and, when col_sums, adds their column sums over this K block to col_sum_b.
// When op(B) rows are contiguous (B not transposed) it packs kPackRows rows of every panel at a
// time, so B is read along its rows: packing one panel down the whole K block read 128 bytes
// from each of kc rows, a page apart at n = 1024, and those loads were two thirds of the
// packing time and 8% of a 1024^3 product's.
template <class T>
void pack_b_panels(const Problem<T>& P, T* dst, int64_t jc, int64_t j1, int64_t pc, int64_t kc, bool col_sums) {
  const int NR = P.NR;
  const bool by_rows = P.b_cj == 1, fetch = by_rows && P.k * P.n * int64_t(sizeof(T)) > kFetchAheadBytes;
  const int64_t step = by_rows ? kPackRows : kc;
  for (int64_t p0 = 0; p0 < kc; p0 += step) {
    const int64_t rows = std::min(step, kc - p0);
    for (int64_t j = jc; j < j1; j += NR) {
      const int64_t nr = std::min<int64_t>(NR, j1 - j);
      const bool in_place = P.direct_b && nr == NR;
      T* panel = dst + (j - jc) * kc + p0 * NR;
      const T* from = P.b + (pc + p0) * P.b_rp + j * P.b_cj;
      if (!in_place && fetch) prefetch_rows(from + step * P.b_rp, P.b_rp, std::min(step, kc - p0 - step), nr);
      if (!in_place) P.ks.pack(from, P.b_cj, P.b_rp, nr, rows, NR, panel);
      if (col_sums) {  // from the rows just packed (or about to be read): in cache either way
        const T* src = in_place ? P.b + (pc + p0) * P.n + j : panel;
        const int64_t ld = in_place ? P.n : NR;
        T* out = P.ep.col_sum_b + j;
        if (pc + p0 == 0)
          for (int64_t s = 0; s < nr; ++s) out[s] = T(0);
        for (int64_t p = 0; p < rows; ++p)
          for (int64_t s = 0; s < nr; ++s) out[s] += src[p * ld + s];
      }
    }
  }
}

// C[i0:i1, j0:j1] by the BLIS loop nest jc (NC) -> pc (KC, pack B) -> ic (MC, pack A) -> jr -> ir
// (ir -> jr with Blocking::stream_b, or when the epilogue reads an m x n matrix and K is shallow:
// kRowOrderMaxK).
// Every element is reduced over the same KC blocks in the same order whatever the range, so how
// the output is cut into ranges (by the thread count) never changes a bit.
template <class T>
void gemm_range(const Problem<T>& P, int64_t i0, int64_t i1, int64_t j0, int64_t j1, bool col_sums_here) {
  const KernelSet<T>& ks = P.ks;
  const int MR = P.MR, NR = P.NR;
  const int64_t KC = P.kc, NC = ks.blk.nc, k = P.k, n = P.n;
  // Equal M blocks (a multiple of MR) rather than full ones plus a sliver; one block needs no
  // divisions.
  const int64_t mrange = i1 - i0;
  const int64_t MC = mrange <= ks.blk.mc ? mrange : ceil_div(ceil_div(mrange, ceil_div(mrange, ks.blk.mc)), MR) * MR;
  T* own_b = P.packed_b ? nullptr : t_pack_b.get<T>(std::min(KC, k) * std::min(NC, P.n_pad));
  // Packed A panels and A in place with trans_a are read as columns; A in place otherwise as rows.
  const bool rows = P.direct_a && P.a_cp == 1;
  // A partial last panel (n not a multiple of NR) runs the kernel of its own width: the full one
  // would compute the padding (48^3: 1.15x, 100^3: 1.06x, w += x^T dz at n = 784: 1.03x).
  const auto& ukrs = ks.ukr[P.trans_c ? (rows ? kTransposed : kColumnsTransposed) : rows ? kRows : kColumns];
  const int64_t as = !P.direct_a ? MR : rows ? P.a_ri : P.a_cp;
  const Epilogue<T>& ep = P.ep;

  for (int64_t jc = j0; jc < j1; jc += NC) {
    const int64_t nc = std::min(NC, j1 - jc), n_panels = ceil_div(nc, NR);
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc);
      const bool last = pc + kc == k;
      const T* pb = P.packed_b ? P.packed_b + P.n_pad * pc + jc * kc : own_b;
      if (!P.packed_b) pack_b_panels(P, own_b, jc, jc + nc, pc, kc, col_sums_here);
      for (int64_t ic = i0; ic < i1; ic += MC) {
        const int64_t mc = std::min(MC, i1 - ic), m_panels = ceil_div(mc, MR);
        const bool pack_a = !P.direct_a && !P.packed_a;
        const T* pa = P.packed_a ? P.packed_a + P.m_pad * pc + ic * kc : nullptr;
        if (pack_a) pa = pack_a_block(P, t_pack_a.get<T>(m_panels * MR * kc), ic, ic + mc, pc, kc);
        const bool row_order = ks.blk.stream_b || ((ep.accumulate || ep.relu_mask) && k <= kRowOrderMaxK);
        const int64_t outer = row_order ? m_panels : n_panels, inner = row_order ? n_panels : m_panels;
        for (int64_t o = 0; o < outer; ++o) {
          for (int64_t q = 0; q < inner; ++q) {
            const int64_t jp = row_order ? q : o, ip = row_order ? o : q;
            const int64_t j = jc + jp * NR;
            const int nr = static_cast<int>(std::min<int64_t>(NR, j1 - j));
            const bool in_place = P.direct_b && nr == NR;
            const T* bp = in_place ? P.b + pc * n + j : pb + jp * NR * kc;
            const int64_t ldb = in_place ? n : NR;
            const int64_t i = ic + ip * MR;
            const int mr = static_cast<int>(std::min<int64_t>(MR, i1 - i));
            TileEpilogue<T> e;
            e.alpha = ep.alpha;
            e.load_c = pc > 0 || ep.accumulate;
            const int64_t at = P.trans_c ? j * P.m + i : i * n + j, ldc = P.trans_c ? P.m : n;
            if (last) {
              e.bias = ep.bias ? ep.bias + (P.trans_c ? i : j) : nullptr;
              e.relu = ep.relu;
              e.mask = ep.relu_mask ? ep.relu_mask + at : nullptr;
              e.ldm = ldc;
            }
            const T* ap = P.direct_a ? P.a + i * P.a_ri + pc * P.a_cp : pa + ip * MR * kc;
            ukrs[(nr - 1) / ks.width][mr - 1](kc, ap, as, bp, ldb, P.c + at, ldc, nr, e);
          }
        }
      }
    }
  }
}

// Threads take disjoint rectangles of C, each running the whole loop nest with its own packing:
// one hand-off per call and no barrier between K blocks (on a shared machine a barrier waits for
// the slowest, possibly preempted, thread every time). The cut goes across whichever dimension
// duplicates the smaller operand's packing: cutting N makes every task pack its rows of A,
// cutting M makes every task pack B. Several tasks per thread (kTasksPerThread) let a thread that
// was held up do less.
template <class T>
struct Blocked {
  Problem<T> P;
  int64_t tasks, panels, dup;
  bool split_n, own_copy;
  uint64_t call;  // numbers the call for the per-thread copies (own_copy)
};

template <class T>
Blocked<T> prepare_blocked(const KernelSet<T>& ks, const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k,
                           bool ta, bool tb, const Epilogue<T>& ep) {
  // C^T = op(B)^T op(A)^T instead, with the tiles stored transposed, in two cases:
  // - C = A B^T with both stored k-contiguous and few rows of A (x w^T, a Dense layer's forward
  //   at batch 64): packing B would transpose all of it to use it a few times, a fifth of the
  //   time at 64x784x512. Swapped, B is read in place as rows and A (the small one) is packed.
  // - C = A^T B narrower than 3/4 of a vector (x^T dz, the weight gradient of a Dense layer
  //   into 10 classes): its tiles would fill n of W lanes and load a broadcast per FMA.
  //   Swapped, both operands are read in place. w += (-lr) x^T dz, 1 thread, alternating runs:
  //   512x64x10 1.48x, 784x64x10 1.29x, 512x512x10 2.6x; x^T dz with 32 to 512 rows, 10
  //   columns and k = 32 to 256 1.07-2.5x. A partial last panel (of NR rows) among few (40
  //   to 100 rows) measured 0.8-0.95x at k = 32 to 64, and k below 2W lost too. Without ta,
  //   op(A)^T needs a transposing pack: 0.72x at 512x512x10.
  // The same problem with A and B, m and n exchanged, and each transpose flag the other's
  // negation. One K block, so each tile is transposed once; k beyond kSwapMaxK would make the
  // B panel too deep. Only kernel sets whose vector holds a tile's column have the transposed
  // forms (the table's entry).
  const int W = ks.width;
  const bool has_transposed = ks.ukr[kTransposed][0][0] != nullptr;
  const bool wide_b = !ta && tb && m <= kDirectBUses * ks.blk.mr && m < n && k >= kSwapMinK;
  const bool narrow_c = ta && 4 * n <= 3 * W && k >= 2 * W && (m % ks.blk.nr == 0 || m >= 4 * ks.blk.nr);
  const bool swap = has_transposed && !ep.col_sum_b && k <= kSwapMaxK && (wide_b || narrow_c);
  if (swap) {
    std::swap(a, b);
    std::swap(m, n);
    std::swap(ta, tb);
    ta = !ta;
    tb = !tb;
  }
  const int nv = static_cast<int>(std::min<int64_t>(ks.blk.nr / W, ceil_div(n, W)));
  const int NR = nv * W;
  // The fewest row panels, of equal height: 16 rows as 8 + 8 rather than 14 + 2, whose 2-row
  // tile waits on FMA latency (2 chains per vector) for as long as the 14-row one computes.
  // The kernels take any height up to the table's, and every height costs the same per FMA
  // when the chains cover the latency, so large m loses nothing (MR stays 13 or 14).
  // m_panels panels of MR rows still cover m exactly: (m_panels - 1) * MR <= (m_panels - 1) *
  // blk.mr < m. The panel counts are computed once (divisions are dear at small sizes).
  const int64_t m_panels = ceil_div(m, ks.blk.mr), n_panels = ceil_div(n, NR);
  const int MR = static_cast<int>(ceil_div(m, m_panels));
  const InPlace& ip = ks.in_place;
  const bool direct_a = swap || n <= NR || m * k * int64_t(sizeof(T)) <= kDirectBytes ||
                        (!ta && k * int64_t(sizeof(T)) <= ip.a_row_bytes && rows_spread(k * int64_t(sizeof(T)), MR)) ||
                        (ta && n_panels <= ip.at_uses && m * int64_t(sizeof(T)) <= ip.stride_bytes);
  const bool direct_b = !tb && (m <= kDirectBUses * ks.blk.mr || k * n * int64_t(sizeof(T)) <= kDirectBytes ||
                                (m_panels <= ip.b_uses && n * int64_t(sizeof(T)) <= ip.stride_bytes));
  Problem<T> P{ks, a, b, c, m, n, k, ta ? 1 : k, ta ? m : 1, tb ? 1 : n, tb ? k : 1,
               MR, NR, m_panels * MR, n_panels * NR, direct_a, direct_b, swap, swap ? k : kc_for(k, ks.blk.kc), ep};
  const int threads = get_num_threads();
  const int64_t flops = 2 * m * n * k;
  const bool split_n = m <= n ? n_panels >= 2 : m_panels < 2;
  const int64_t panels = split_n ? n_panels : m_panels;
  // The operand every task packs in full (A when cutting N, B when cutting M), unless it is read
  // in place; below kSharedPackBytes it is packed once per thread instead (below).
  const int64_t dup = split_n ? (direct_a ? 0 : P.m_pad * k) : (direct_b && n % NR == 0 ? 0 : P.n_pad * k);
  const bool shared = dup * int64_t(sizeof(T)) <= kSharedPackBytes;
  int64_t tasks = threads > 1 && flops >= kParallelFlops
                      ? std::max<int64_t>(1, std::min({panels, kTasksPerThread * threads, flops / kMinTaskFlops}))
                      : 1;
  // Fewer tasks (down to one per thread) where the copies of that operand would outweigh the
  // balance that more tasks buy, and a whole number per thread: 3 tasks on 2 threads leave one
  // thread twice the other's work. On 2 threads, in alternating runs: fewer tasks at 1024^3 (A
  // just over kSharedPackBytes; 3 rather than 8) 1.09-1.22x; then 4 rather than 3, 1.07-1.25x;
  // then kFmasPerCopy 1024 rather than 256 (2 tasks from 1024^3 to 2048^3, and 2 rather than 8 at
  // 2048x4096x1024) as its comment says. With one task per thread, a thread held up by another
  // process on its core holds up the product (2 tasks at 1024^3 measured once 0.88x of 3).
  // (Whole numbers only here, where tasks are large: the small products' 3 tasks made 4, 160^3
  // for one, ran 0.89x.)
  if (!shared && tasks > threads) {
    tasks = std::max<int64_t>(threads, std::min(tasks, flops / (2 * dup * kFmasPerCopy)));
    tasks = std::min(panels, tasks + (threads - tasks % threads) % threads);
  }
  // Cutting N, every task would pack all of A; cutting M, all of B: each copy costs about 1/n
  // (1/m) of the task's FMAs in time (15% for a 256^3 product in 4 tasks). Below
  // kSharedPackBytes each thread packs it once instead, in its first task of the call, and its
  // other tasks reuse that copy. This had been one copy packed by all threads together before the
  // computing hand-off; a copy per thread, read from its own core's cache rather than half from
  // the other's, measured 1.02-1.22x on 2 threads (alternating runs: 384^3 to 768^3, 64x512x512
  // with bias and relu, dz w^T with the relu mask, w += (-lr) x^T dz at 512x64x512).
  const bool own_copy = tasks > 1 && dup > 0 && shared;
  const uint64_t call = own_copy ? g_copy_calls.fetch_add(1, std::memory_order_relaxed) + 1 : 0;
  return {P, tasks, panels, dup, split_n, own_copy, call};
}

// Task t of a prepared call: its rectangle of C, with the thread's copy of the shared operand.
template <class T>
void run_blocked_task(const Blocked<T>& B, int64_t t) {
  const Problem<T>& P = B.P;
  const int64_t m = P.m, n = P.n, k = P.k, tasks = B.tasks, panels = B.panels, dup = B.dup;
  const bool split_n = B.split_n, col_sums = P.ep.col_sum_b != nullptr;
  if (tasks == 1) return gemm_range(P, 0, m, 0, n, col_sums);
  const int64_t lo = panels * t / tasks, hi = panels * (t + 1) / tasks;
  Problem<T> Q = P;
  if (B.own_copy) {
    // Task 0 is always the calling thread's first (parallel_for), so that thread packs here and
    // adds B's column sums.
    thread_local uint64_t t_copy_call = 0;
    T* copy = t_shared.get<T>(dup);
    if (t_copy_call != B.call) {
      for (int64_t pc = 0; pc < k; pc += P.kc) {
        const int64_t kc = std::min(P.kc, k - pc);
        if (split_n) pack_a_block(P, copy + P.m_pad * pc, 0, m, pc, kc);
        else pack_b_panels(P, copy + P.n_pad * pc, 0, n, pc, kc, col_sums && t == 0);
      }
      t_copy_call = B.call;
    }
    (split_n ? Q.packed_a : Q.packed_b) = copy;
  }
  if (split_n)
    gemm_range(Q, 0, m, lo * P.NR, std::min(n, hi * P.NR), col_sums);
  else
    gemm_range(Q, lo * P.MR, std::min(m, hi * P.MR), 0, n, col_sums && t == 0 && !B.own_copy);
}

template <class T>
void gemm_blocked(const KernelSet<T>& ks, const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k,
                  bool ta, bool tb, const Epilogue<T>& ep) {
  const Blocked<T> B = prepare_blocked(ks, a, b, c, m, n, k, ta, tb, ep);
  if (B.tasks == 1) return run_blocked_task(B, 0);
  parallel_for(B.tasks, [&](int64_t t) { run_blocked_task(B, t); });
}

// One queued product of a batch: its epilogue (which the prepared problem refers to) and its
// prepared form.
struct Queued {
  virtual ~Queued() = default;
  virtual int64_t tasks() const = 0;
  virtual void run(int64_t t) const = 0;
};
template <class T>
struct QueuedBlocked final : Queued {
  Epilogue<T> ep;
  Blocked<T> blocked;
  QueuedBlocked(const KernelSet<T>& ks, const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool ta,
                bool tb, const Epilogue<T>& e)
      : ep(e), blocked(prepare_blocked(ks, a, b, c, m, n, k, ta, tb, ep)) {}
  int64_t tasks() const override { return blocked.tasks; }
  void run(int64_t t) const override { run_blocked_task(blocked, t); }
};
thread_local bool t_batching = false;
thread_local std::vector<std::unique_ptr<Queued>> t_batch;

}  // namespace

bool fold_broadcasts() { return fold_flag().load(std::memory_order_relaxed); }
void set_fold_broadcasts(bool on) { fold_flag().store(on, std::memory_order_relaxed); }

void begin_batch() {
  if (t_batching) throw std::logic_error("matmul: begin_batch inside a batch");
  t_batching = true;
}

void cancel_batch() {
  t_batching = false;
  t_batch.clear();
}

void end_batch() {
  t_batching = false;
  std::vector<std::unique_ptr<Queued>> jobs;
  jobs.swap(t_batch);
  std::vector<int64_t> first{0};  // the batch's task numbers where each job's tasks begin
  for (const auto& j : jobs) first.push_back(first.back() + j->tasks());
  parallel_for(first.back(), [&](int64_t i) {
    const size_t j = static_cast<size_t>(std::upper_bound(first.begin(), first.end(), i) - first.begin()) - 1;
    jobs[j]->run(i - first[j]);
  });
}

template <class T>
void matmul(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
            const Epilogue<T>& ep) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    finish(c, n, ep, true, 0, m, 0, n);
    if (ep.col_sum_b) std::fill(ep.col_sum_b, ep.col_sum_b + n, T(0));
    return;
  }
  const KernelSet<T>& ks = kernel_set<T>(active_isa());
  // The direct path overwrites C, so it takes only the epilogues that act on its result.
  const bool overwrite = !ep.accumulate && ep.alpha == T(1);
  if (overwrite && (m == 1 || n == 1 || 2 * m * n * k <= kSmallFlops))
    gemm_small(ks, a, b, c, m, n, k, trans_a, trans_b, ep);
  else if (t_batching && !ep.col_sum_b)
    t_batch.push_back(std::make_unique<QueuedBlocked<T>>(ks, a, b, c, m, n, k, trans_a, trans_b, ep));
  else
    gemm_blocked(ks, a, b, c, m, n, k, trans_a, trans_b, ep);
}

template void matmul_ref<float>(const float*, const float*, float*, int64_t, int64_t, int64_t, bool, bool);
template void matmul_ref<double>(const double*, const double*, double*, int64_t, int64_t, int64_t, bool, bool);
template void matmul<float>(const float*, const float*, float*, int64_t, int64_t, int64_t, bool, bool,
                            const Epilogue<float>&);
template void matmul<double>(const double*, const double*, double*, int64_t, int64_t, int64_t, bool, bool,
                             const Epilogue<double>&);

}  // namespace gg::kernels
