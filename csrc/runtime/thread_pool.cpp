#include "runtime/thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace gg {

namespace {

int cores_available() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::atomic<int> g_num_threads{cores_available()};

// Set while a thread runs a parallel_for body, so nested calls run inline instead of
// deadlocking on the pool they are already part of.
thread_local bool t_in_parallel = false;

// Persistent workers that sleep on a condition variable between jobs. One job at a time:
// `dispatch` is taken with try_lock, and a caller that finds the pool busy runs its loop
// inline (correct, just not parallel) rather than queueing behind another caller.
// The pool is never destroyed: workers may still be parked when static destructors run, and
// joining them at exit buys nothing.
class Pool {
 public:
  static constexpr int kMaxParticipants = 256;  // threads beyond it are not used
  // A participant's remaining indices [front, back) as front | back << 32 (n < 2^31: checked by
  // parallel_for), one cache line each.
  struct alignas(64) Run {
    std::atomic<uint64_t> v{0};
  };
  static uint64_t pack(int64_t front, int64_t back) { return uint64_t(front) | uint64_t(back) << 32; }

  // Returns false if another thread is using the pool; the caller then runs inline.
  bool run(int64_t n, int threads, const std::function<void(int64_t)>& f) {
    std::unique_lock<std::mutex> dispatch(dispatch_, std::try_to_lock);
    if (!dispatch.owns_lock()) return false;
    check_load();
    const int helpers = static_cast<int>(std::min<int64_t>({threads, n, kMaxParticipants})) - 1;
    {
      std::lock_guard<std::mutex> lock(mu_);
      while (static_cast<int>(workers_.size()) < helpers) {
        const int id = static_cast<int>(workers_.size());
        workers_.emplace_back([this, id] { worker(id); });
      }
      fn_ = &f;
      helpers_ = helpers;
      // Participant s (the caller is 0, worker id is s - 1) owns indices [n*s/P, n*(s+1)/P).
      const int64_t parts = helpers + 1;
      for (int64_t s = 0; s < parts; ++s)
        runs_[s].v.store(pack(n * s / parts, n * (s + 1) / parts), std::memory_order_relaxed);
      pending_.store(helpers, std::memory_order_relaxed);
      error_ = nullptr;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    work(0);
    // Workers finish their last index quickly; spin briefly, then sleep.
    for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin < 4096) {
        __builtin_ia32_pause();
      } else {
        std::unique_lock<std::mutex> lock(mu_);
        done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
      }
    }
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  // Each participant runs its own run of indices in order, then takes the last remaining index
  // of another's run, one at a time, until none is left. The same participant thus gets the same
  // part of every call's range, so a kernel called again with the same cut (a weight update
  // every step) finds its part of the data in its own core's cache, while a participant held
  // up by another process still has its work taken over. Against handing indices out in one
  // shared sequence, which interleaved the two threads' parts (2 threads, alternating runs):
  // the Quick Start step 1.07-1.09x at batch 64, 1.02-1.03x at batch 512; its k = 64 weight
  // updates 1.25-1.3x. Index 0 is never taken over: it is always the caller's first, which
  // matmul's shared packing relies on. The result of each index must not depend on which
  // thread runs it (the kernels' partitions guarantee that).
  void work(int self) {
    t_in_parallel = true;
    const int parts = helpers_ + 1;
    for (int o = 0; o < parts; ++o) {
      for (int64_t i; take(runs_[(self + o) % parts], o == 0, i);) {
        try {
          (*fn_)(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu_);
          if (!error_) error_ = std::current_exception();
        }
      }
    }
    t_in_parallel = false;
  }

  // The next index of one's own run (its front), or the last of another's (its back).
  static bool take(Run& r, bool own, int64_t& i) {
    uint64_t v = r.v.load(std::memory_order_relaxed);
    do {
      const int64_t front = static_cast<int64_t>(v & 0xffffffffu), back = static_cast<int64_t>(v >> 32);
      if (front >= back || (!own && back == 1)) return false;
      i = own ? front : back - 1;
    } while (!r.v.compare_exchange_weak(v, own ? v + 1 : v - (uint64_t(1) << 32), std::memory_order_relaxed));
    return true;
  }

  void worker(int id) {
    uint64_t seen = 0;
    for (;;) {
      // Kernels dispatch jobs back to back (pack, compute, ...), and a compiled step runs its
      // large kernels a few microseconds apart: a spin catches the next job without a futex
      // wake-up, which costs about 10 us in a VM. How long: see check_load.
      const int spins = spin_budget_.load(std::memory_order_relaxed);
      for (int spin = 0; spin < spins && generation_.load(std::memory_order_acquire) == seen; ++spin)
        __builtin_ia32_pause();
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return generation_.load() != seen && id < helpers_; });
        seen = generation_.load();
      }
      work(id + 1);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu_);  // pairs with the caller's predicate check
        done_.notify_one();
      }
    }
  }

  // An idle worker spins long (2048 pauses, tens of microseconds on Zen 4) while nothing else
  // wants the cores, short (128) when something does: a spinning worker then takes a core from
  // the other process, and is preempted mid-task while the caller waits for it. "Wants": the
  // runnable count in /proc/loadavg (ours included) above the cores we may use, looked at every
  // 100 ms. Measured on Zen 4, the Quick Start step's products at batch 64 on 2 threads with
  // 10 us of other work between them (alternating in one process): 2048 pauses 0.92-0.95x the
  // time of 128; with a second such process on the 2 cores, 2048 always was 1.12-1.15x slower,
  // this rule 0.99-1.01x.
  void check_load() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_check_) return;
    next_check_ = now + std::chrono::milliseconds(100);
    int running = 1 << 30;  // unknown (no /proc): as if busy
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
      double load[3];
      int total = 0;
      if (std::fscanf(f, "%lf %lf %lf %d/%d", &load[0], &load[1], &load[2], &running, &total) != 5) running = 1 << 30;
      std::fclose(f);
    }
    spin_budget_.store(running <= cores_available() ? 2048 : 128, std::memory_order_relaxed);
  }
  std::chrono::steady_clock::time_point next_check_{};  // under dispatch_
  std::atomic<int> spin_budget_{128};

  std::mutex dispatch_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int64_t)>* fn_ = nullptr;
  int helpers_ = 0;
  std::atomic<uint64_t> generation_{0};  // written under mu_, read lock-free while spinning
  Run runs_[kMaxParticipants];
  std::atomic<int> pending_{0};
  std::exception_ptr error_;
};

std::atomic<Pool*> g_pool{nullptr};

// A forked child (e.g. Python multiprocessing) has none of the parent's worker threads, and
// the parent's pool may have been mid-job: the child abandons it and builds a fresh one.
void forget_pool_in_child() { g_pool.store(nullptr, std::memory_order_relaxed); }

Pool& pool() {
  Pool* p = g_pool.load(std::memory_order_acquire);
  if (p) return *p;
  static const int registered = pthread_atfork(nullptr, nullptr, forget_pool_in_child);
  (void)registered;
  auto* fresh = new Pool;
  if (g_pool.compare_exchange_strong(p, fresh, std::memory_order_acq_rel)) return *fresh;
  delete fresh;  // another thread won the race
  return *p;
}

}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: n must be >= 1");
  g_num_threads.store(n, std::memory_order_relaxed);
}
int get_num_threads() { return g_num_threads.load(std::memory_order_relaxed); }

void parallel_for(int64_t n, const std::function<void(int64_t)>& f) {
  if (n <= 0) return;
  const int threads = get_num_threads();
  if (threads > 1 && n > 1 && n < (int64_t(1) << 31) && !t_in_parallel && pool().run(n, threads, f)) return;
  for (int64_t i = 0; i < n; ++i) f(i);
}

}  // namespace gg
