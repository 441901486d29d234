#include "runtime/comm.h"

#include <chrono>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace gg::comm {

namespace {
std::mutex mutex;
std::shared_ptr<Backend> current;
std::unordered_map<const void*, std::pair<std::shared_ptr<Backend>, int64_t>> pending;  // work -> handle
std::atomic<int64_t> last_progress_ns{0};

std::shared_ptr<Backend> backend_for(const Collective& c) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!current)
    throw std::runtime_error(c.kind + " of '" + c.name + "': no communication backend; call "
                             "graphgrad.communication.init() first");
  return current;
}
}  // namespace

void set_backend(std::shared_ptr<Backend> backend) {
  std::lock_guard<std::mutex> lock(mutex);
  current = std::move(backend);
}

void start(const Collective& c, const void* in, const Type& in_type, void* work, const Type& work_type) {
  std::shared_ptr<Backend> b = backend_for(c);
  const int64_t handle = b->start(c, in, in_type, work, work_type);
  std::lock_guard<std::mutex> lock(mutex);
  pending[work] = {std::move(b), handle};
  in_flight.fetch_add(1, std::memory_order_relaxed);
}

void wait(const void* work, const std::string& name) {
  std::pair<std::shared_ptr<Backend>, int64_t> entry;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = pending.find(work);
    if (it == pending.end()) throw std::logic_error("collective_wait of '" + name + "': nothing was started");
    entry = it->second;
  }
  entry.first->wait(entry.second);  // if this throws, the collective stays pending: its memory is not reused
  std::lock_guard<std::mutex> lock(mutex);
  pending.erase(work);
  in_flight.fetch_sub(1, std::memory_order_relaxed);
}

void progress() {
  // At most one backend call every 20 us: a step's small kernels need not each pay for one.
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  if (now - last_progress_ns.load(std::memory_order_relaxed) < 20'000) return;
  last_progress_ns.store(now, std::memory_order_relaxed);
  std::shared_ptr<Backend> b;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (pending.empty()) return;
    b = pending.begin()->second.first;
  }
  b->progress();
}

bool in_flight_within(const void* begin, size_t bytes) {
  if (in_flight.load(std::memory_order_relaxed) == 0) return false;
  const char* lo = static_cast<const char*>(begin);
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& [work, entry] : pending)
    if (static_cast<const char*>(work) >= lo && static_cast<const char*>(work) < lo + bytes) return true;
  return false;
}

}  // namespace gg::comm
