#include "runtime/profile.h"

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ops/op.h"
#include "runtime/plan.h"

namespace gg::profile {

std::atomic<bool> g_enabled{false};

namespace {

struct Entry {
  PlanRecord record;
  std::deque<CallRecord> last;
};

std::mutex g_mutex;
int g_last_n = 100;
std::atomic<bool> g_ever{false};  // a plan's destructor skips the lock when nothing was recorded
std::unordered_map<const Plan*, std::shared_ptr<Entry>> g_live;
std::vector<std::shared_ptr<Entry>> g_order;  // first seen first; kept after the plan is gone

// Work the dump can state per call. A matmul's flops come from its operand shapes; for other
// kernels the bytes they read and write give GB/s. (An op-table field would be the better home.)
double flops_of(const Graph& g, int v) {
  const Node& n = g.nodes[v];
  const bool update = n.op == &GG_OP("matmul_update");  // c - s * a b: a is its second operand
  if (n.op != &GG_OP("matmul") && !update) return 0;
  const Type& a = g.type(n.inputs[update]);
  const int64_t k = a.shape.empty() ? 1 : attr_int(n.attrs, "trans_a", 0) ? a.shape.front() : a.shape.back();
  return 2.0 * double(n.type.numel()) * double(k);
}

std::shared_ptr<Entry> entry_for(const Plan& plan) {  // under g_mutex
  auto& e = g_live[&plan];
  if (e) return e;
  e = std::make_shared<Entry>();
  const Graph& g = plan.graph();
  const std::vector<std::string> names = value_names(g);
  e->record.name = g.name;
  e->record.text = plan.describe();
  for (int i = 0; i < plan.kernel_count(); ++i) {
    const int v = plan.step_output(i);
    double bytes = double(g.type(v).bytes());
    for (int in : plan.step_inputs(i)) bytes += double(g.type(in).bytes());
    e->record.steps.push_back({v, names[v], g.nodes[v].op->name, bytes, flops_of(g, v)});
  }
  g_order.push_back(e);
  return e;
}

}  // namespace

void start(int last_n) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_last_n = last_n < 1 ? 1 : last_n;
  g_ever = true;
  g_enabled = true;
}

void stop() { g_enabled = false; }

void reset() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_live.clear();
  g_order.clear();
}

void forget(const Plan* plan) {
  if (!g_ever) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  g_live.erase(plan);
}

// A batch's steps run together (Plan::batch_updates): its time is shared among them by flops.
void Timer::lap_batch(int count) {
  const int64_t end = now_ns(), begin = ends_.empty() ? start_ : ends_.back();
  const int first = static_cast<int>(ends_.size());
  std::vector<double> flops(static_cast<size_t>(count));
  for (int b = 0; b < count; ++b) flops[size_t(b)] = flops_of(plan_.graph(), plan_.step_output(first + b));
  const double total = std::accumulate(flops.begin(), flops.end(), 0.0);
  double done = 0;
  for (int b = 0; b < count; ++b) {
    done += total > 0 ? flops[size_t(b)] / total : 1.0 / count;
    ends_.push_back(b + 1 == count ? end : begin + static_cast<int64_t>(done * double(end - begin)));
  }
}

void Timer::commit() {
  if (ends_.size() != static_cast<size_t>(plan_.kernel_count())) return;
  CallRecord call{start_, std::hash<std::thread::id>{}(std::this_thread::get_id()), {}};
  call.step_ns.resize(ends_.size());
  int64_t prev = start_;
  for (size_t i = 0; i < ends_.size(); ++i) {
    call.step_ns[i] = ends_[i] - prev;
    prev = ends_[i];
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  std::shared_ptr<Entry> e = entry_for(plan_);
  e->record.calls++;
  e->last.push_back(std::move(call));
  while (e->last.size() > static_cast<size_t>(g_last_n)) e->last.pop_front();
}

std::vector<PlanRecord> snapshot() {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::vector<PlanRecord> out;
  for (const auto& e : g_order) {
    out.push_back(e->record);
    out.back().last.assign(e->last.begin(), e->last.end());
  }
  return out;
}

}  // namespace gg::profile
