// matmul: dispatch between the direct small path and the packed BLIS-style path, threading,
// and the portable kernels. The ISA-specific kernels live in matmul_avx2.cpp / matmul_avx512.cpp.
#include "kernels/matmul.h"

#include <algorithm>
#include <cstdlib>
#include <new>

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
  return {blk, ukr_scalar<T, blk.mr, blk.nr>, pack_panel<T>, small_gemm<ScalarTraits<T>, 4>};
}
}  // namespace detail

namespace {

using namespace detail;

// Only the active ISA's set is ever built: building a higher one could execute instructions
// this CPU lacks.
template <class T>
const KernelSet<T>& kernel_set(Isa isa) {
  switch (isa) {
    case Isa::Avx512: {
      static const KernelSet<T> s = kernels_avx512<T>();
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
thread_local Scratch t_pack_a, t_pack_b;

// Below these sizes threads cost more (wake-up, split packing) than they save. The choice of
// path never depends on the thread count, so results do not either.
constexpr int64_t kParallelFlops = int64_t(1) << 22;    // ~ 128^3 * 2
constexpr int64_t kSmallFlops = int64_t(2) * 8 * 8 * 8;  // direct loops at or below this (measured crossover)
// Matrix-vector products are bound by memory bandwidth, which a second core adds to early.
constexpr int64_t kParallelGemvFlops = int64_t(1) << 20;

void run(bool parallel, int64_t tasks, const std::function<void(int64_t)>& f) {
  if (parallel) {
    parallel_for(tasks, f);
  } else {
    for (int64_t t = 0; t < tasks; ++t) f(t);
  }
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The bias epilogue: adds bias[j0..j1) to rows [i0, i1) of C while that block is still in cache.
template <class T>
void add_bias(T* c, int64_t n, const T* bias, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j) c[i * n + j] += bias[j];
}

// Direct path; large matrix-vector products split the output rows (or columns when m is 1).
template <class T>
void gemm_small(const KernelSet<T>& ks, const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k,
                bool ta, bool tb, const T* bias) {
  const int threads = get_num_threads();
  const bool parallel = threads > 1 && 2 * m * n * k >= kParallelGemvFlops;
  const bool split_rows = m >= n;
  const int64_t extent = split_rows ? m : n;
  // One contiguous run per thread: finer pieces would make the axpy forms stream narrow
  // strips of a row-major matrix, which the prefetchers handle poorly.
  const int64_t tasks = parallel ? std::min<int64_t>(extent, threads) : 1;
  run(parallel, tasks, [&](int64_t t) {
    const int64_t lo = extent * t / tasks, hi = extent * (t + 1) / tasks;
    if (split_rows)
      ks.small(a, b, c, m, n, k, ta, tb, lo, hi, 0, n);
    else
      ks.small(a, b, c, m, n, k, ta, tb, 0, m, lo, hi);
    if (bias) {
      if (split_rows) add_bias(c, n, bias, lo, hi, 0, n);
      else add_bias(c, n, bias, 0, m, lo, hi);
    }
  });
}

// BLIS loop nest: jc (NC) -> pc (KC, pack B) -> ic (MC, pack A) -> jr (NR) -> ir (MR).
// Threads split the ic blocks and, when there are too few of those, the jr panels: disjoint
// pieces of C, each reduced over K in the same order, so any thread count gives the same bits.
template <class T>
void gemm_packed(const KernelSet<T>& ks, const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k,
                 bool ta, bool tb, const T* bias) {
  const int MR = ks.blk.mr, NR = ks.blk.nr;
  const int64_t KC = ks.blk.kc, NC = ks.blk.nc;
  // Equal M blocks (a multiple of MR) rather than full ones plus a sliver, so threads get
  // equal work.
  const int64_t MC = ceil_div(ceil_div(m, ceil_div(m, ks.blk.mc)), MR) * MR;
  const int64_t m_blocks = ceil_div(m, MC);
  const int64_t a_ri = ta ? 1 : k, a_cp = ta ? m : 1;  // op(A)[i,p] = a[i*a_ri + p*a_cp]
  const int64_t b_rp = tb ? 1 : n, b_cj = tb ? k : 1;  // op(B)[p,j] = b[p*b_rp + j*b_cj]
  const int threads = get_num_threads();
  const bool parallel = threads > 1 && 2 * m * n * k >= kParallelFlops;

  T* pb = t_pack_b.get<T>(std::min(KC, k) * ceil_div(std::min(NC, n), NR) * NR);

  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = std::min(NC, n - jc);
    const int64_t n_panels = ceil_div(nc, NR);
    // Equal task counts per thread: split N only when the M blocks do not divide evenly.
    const int64_t n_chunks = parallel && m_blocks % threads ? std::min<int64_t>(threads, n_panels) : 1;
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc);
      const bool accumulate = pc > 0;
      const T* epilogue = pc + kc == k ? bias : nullptr;  // after the last K block

      const int64_t pack_tasks = parallel ? std::min<int64_t>(n_panels, 4 * threads) : 1;
      run(parallel, pack_tasks, [&](int64_t t) {
        for (int64_t jp = n_panels * t / pack_tasks; jp < n_panels * (t + 1) / pack_tasks; ++jp) {
          const int64_t j = jc + jp * NR;
          ks.pack(b + pc * b_rp + j * b_cj, b_cj, b_rp, std::min<int64_t>(NR, n - j), kc, NR, pb + jp * NR * kc);
        }
      });

      run(parallel, m_blocks * n_chunks, [&](int64_t t) {
        const int64_t ic = (t / n_chunks) * MC, mc = std::min(MC, m - ic);
        const int64_t q = t % n_chunks;
        const int64_t jp0 = n_panels * q / n_chunks, jp1 = n_panels * (q + 1) / n_chunks;
        const int64_t m_panels = ceil_div(mc, MR);
        T* pa = t_pack_a.get<T>(m_panels * MR * kc);
        for (int64_t ip = 0; ip < m_panels; ++ip) {
          const int64_t i = ic + ip * MR;
          ks.pack(a + i * a_ri + pc * a_cp, a_ri, a_cp, std::min<int64_t>(MR, m - i), kc, MR, pa + ip * MR * kc);
        }
        alignas(64) T tile[kMaxTile];  // edge tiles go through here
        for (int64_t jp = jp0; jp < jp1; ++jp) {
          const int64_t j = jc + jp * NR, nr = std::min<int64_t>(NR, n - j);
          for (int64_t ip = 0; ip < m_panels; ++ip) {
            const int64_t i = ic + ip * MR, mr = std::min<int64_t>(MR, m - i);
            T* cij = c + i * n + j;
            if (mr == MR && nr == NR) {
              ks.ukr(kc, pa + ip * MR * kc, pb + jp * NR * kc, cij, n, accumulate);
            } else {
              ks.ukr(kc, pa + ip * MR * kc, pb + jp * NR * kc, tile, NR, false);
              for (int64_t r = 0; r < mr; ++r)
                for (int64_t s = 0; s < nr; ++s)
                  cij[r * n + s] = accumulate ? tile[r * NR + s] + cij[r * n + s] : tile[r * NR + s];
            }
            if (epilogue) add_bias(c, n, epilogue, i, i + mr, j, j + nr);
          }
        }
      });
    }
  }
}

}  // namespace

template <class T>
void matmul(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
            const T* bias) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    std::fill(c, c + m * n, T(0));
    if (bias) add_bias(c, n, bias, 0, m, 0, n);
    return;
  }
  const KernelSet<T>& ks = kernel_set<T>(active_isa());
  if (m == 1 || n == 1 || 2 * m * n * k <= kSmallFlops)
    gemm_small(ks, a, b, c, m, n, k, trans_a, trans_b, bias);
  else
    gemm_packed(ks, a, b, c, m, n, k, trans_a, trans_b, bias);
}

template void matmul_ref<float>(const float*, const float*, float*, int64_t, int64_t, int64_t, bool, bool);
template void matmul_ref<double>(const double*, const double*, double*, int64_t, int64_t, int64_t, bool, bool);
template void matmul<float>(const float*, const float*, float*, int64_t, int64_t, int64_t, bool, bool, const float*);
template void matmul<double>(const double*, const double*, double*, int64_t, int64_t, int64_t, bool, bool,
                             const double*);

}  // namespace gg::kernels
