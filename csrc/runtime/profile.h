// The profiler: per-kernel times of the plans that run, kept for the last N calls of each plan.
// Off by default; Plan::run tests enabled() once per call and, when it is off, takes the loop it
// always took. The reporting (annotated dump, top nodes, Chrome trace) is in Python.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace gg {

class Plan;

namespace profile {

extern std::atomic<bool> g_enabled;
inline bool enabled() { return g_enabled.load(std::memory_order_relaxed); }

void start(int last_n);  // records from now on, keeping each plan's last `last_n` calls
void stop();
void reset();           // forgets everything recorded
void forget(const Plan* plan);  // the plan is being destroyed: keep its record, drop the pointer

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Times one call: construct before the first kernel, lap() after each, commit() at the end
// (a call that throws is not recorded).
class Timer {
 public:
  Timer(const Plan& plan, size_t steps) : plan_(plan), start_(now_ns()) { ends_.reserve(steps); }
  void lap() { ends_.push_back(now_ns()); }
  void lap_batch(int count);  // the last `count` steps ran as one batch
  void commit();

 private:
  const Plan& plan_;
  int64_t start_;
  std::vector<int64_t> ends_;
};

// What was recorded, for the Python side.
struct StepRecord {
  int node;                     // the value the kernel writes
  std::string value, op;        // its name in the dump ("%3") and its op
  double bytes, flops;          // moved / computed per call (flops: 0 where not counted)
};
struct CallRecord {
  int64_t start_ns;
  uint64_t thread;
  std::vector<int64_t> step_ns;  // each kernel's duration
};
struct PlanRecord {
  std::string name, text;  // the graph's name and the plan's describe()
  int64_t calls = 0;       // all calls recorded, including those no longer kept
  std::vector<StepRecord> steps;
  std::vector<CallRecord> last;  // the last N calls, oldest first
};
std::vector<PlanRecord> snapshot();

}  // namespace profile
}  // namespace gg
