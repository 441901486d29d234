// The worker pool: every index runs exactly once, nested and concurrent calls complete,
// exceptions reach the caller, a forked child can use it, a held-up thread's indices are taken
// over by the others, and index 0 always runs on the calling thread.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "check.h"
#include "runtime/thread_pool.h"

namespace {

void check_each_index_once() {
  for (int threads : {1, 2, 3, 8, 300}) {  // 300: more than the pool's participants
    gg::set_num_threads(threads);
    for (int64_t n : {0, 1, 2, 5, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      gg::parallel_for(n, [&](int64_t i) { hits[size_t(i)].fetch_add(1); });
      bool once = true;
      for (auto& h : hits) once = once && h.load() == 1;
      CHECK_MSG(once, "threads=%d n=%lld", threads, (long long)n);
    }
  }
}

// The caller is held up on its first index (index 0, its own): the worker runs its own run of
// indices, then takes over the rest of the caller's, from the back.
void check_held_up_caller() {
  gg::set_num_threads(2);
  const auto caller = std::this_thread::get_id();
  for (int round = 0; round < 3; ++round) {
    std::vector<std::atomic<int>> hits(16);
    std::atomic<int> by_other_in_callers_run{0};
    gg::parallel_for(16, [&](int64_t i) {
      const bool on_caller = std::this_thread::get_id() == caller;
      if (i == 0) {
        CHECK(on_caller);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      if (i < 8 && !on_caller) ++by_other_in_callers_run;
      hits[size_t(i)].fetch_add(1);
    });
    for (auto& h : hits) CHECK(h.load() == 1);
    CHECK_MSG(by_other_in_callers_run.load() == 7, "round %d: the worker took %d of the caller's 7 others", round,
              by_other_in_callers_run.load());
  }
}

// Each participant starts on its own contiguous run (what keeps a kernel's part of a buffer on
// one core from call to call): with the worker held up on its first index (8, the first of its
// run), the caller runs its own 0..7, then takes over 15..9.
void check_own_run_first() {
  gg::set_num_threads(2);
  const auto caller = std::this_thread::get_id();
  std::vector<std::atomic<int>> on_caller(16);
  gg::parallel_for(16, [&](int64_t i) {
    if (std::this_thread::get_id() == caller) on_caller[size_t(i)] = 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(i == 8 ? 300 : 10));  // the worker wakes meanwhile
  });
  for (int i = 0; i < 16; ++i) CHECK_MSG(on_caller[size_t(i)].load() == (i != 8), "index %d", i);
}

void check_nested() {
  gg::set_num_threads(2);
  std::atomic<int64_t> sum{0};
  gg::parallel_for(8, [&](int64_t i) { gg::parallel_for(8, [&](int64_t j) { sum += i * 8 + j; }); });
  CHECK(sum.load() == 64 * 63 / 2);
}

void check_concurrent_callers() {
  gg::set_num_threads(2);
  std::atomic<int64_t> sum{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&] {
      for (int r = 0; r < 200; ++r) gg::parallel_for(16, [&](int64_t i) { sum += i; });
    });
  for (auto& t : callers) t.join();
  CHECK(sum.load() == int64_t(4) * 200 * (16 * 15 / 2));
}

void check_exception() {
  gg::set_num_threads(2);
  bool caught = false;
  try {
    gg::parallel_for(100, [](int64_t i) {
      if (i == 57) throw std::runtime_error("boom");
    });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  CHECK(caught);
  std::atomic<int> after{0};
  gg::parallel_for(10, [&](int64_t) { ++after; });  // the pool still works
  CHECK(after.load() == 10);
}

// A child forked after the pool has run (as Python multiprocessing does) gets a working pool.
void check_fork() {
  gg::set_num_threads(2);
  std::atomic<int> before{0};
  gg::parallel_for(4, [&](int64_t) { ++before; });
  const pid_t pid = fork();
  if (pid == 0) {
    std::atomic<int64_t> sum{0};
    gg::parallel_for(100, [&](int64_t i) { sum += i; });
    _exit(sum.load() == 4950 ? 0 : 1);
  }
  int status = -1;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace

int main() {
  CHECK(gg::get_num_threads() >= 1);
  bool threw = false;
  try {
    gg::set_num_threads(0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
  check_each_index_once();
  check_held_up_caller();
  check_own_run_first();
  check_nested();
  check_concurrent_callers();
  check_exception();
  check_fork();
  return CHECK_MAIN_RESULT();
}
