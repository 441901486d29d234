#include "runtime/comm.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace gg::comm {

namespace {
std::mutex mutex;
std::shared_ptr<Backend> current;
std::unordered_map<const void*, std::pair<std::shared_ptr<Backend>, int64_t>> pending;  // work -> handle
std::atomic<int> pending_count{0};  // pending.size(), read without the lock by every plan run

// MPI moves a non-blocking collective along only inside MPI calls, and a matmul of several
// milliseconds makes none: while collectives are in flight this thread calls progress() every
// 500 us (a few microseconds each), so the transfer runs behind long kernels too. Each call
// takes the core from this rank's compute for a moment, so not more often.
std::thread progress_thread;
std::condition_variable wake;
bool stopping = false;

void progress_loop() {
  std::unique_lock<std::mutex> lock(mutex);
  while (!stopping) {
    if (pending.empty()) {
      wake.wait(lock);
      continue;
    }
    std::shared_ptr<Backend> b = pending.begin()->second.first;
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    try {
      b->progress();
    } catch (...) {  // the wait reports what went wrong
    }
    lock.lock();
  }
}

void stop_progress_thread() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  if (progress_thread.joinable()) progress_thread.join();
  std::lock_guard<std::mutex> lock(mutex);
  stopping = false;
}

std::shared_ptr<Backend> backend_for(const Collective& c) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!current)
    throw std::runtime_error(c.kind + " of '" + c.name + "': no communication backend; call "
                             "graphgrad.communication.init() first");
  return current;
}
}  // namespace

void set_backend(std::shared_ptr<Backend> backend) {
  stop_progress_thread();
  std::lock_guard<std::mutex> lock(mutex);
  current = std::move(backend);
}

void start(const Collective& c, const void* in, const Type& in_type, void* work, const Type& work_type) {
  std::shared_ptr<Backend> b = backend_for(c);
  const int64_t handle = b->start(c, in, in_type, work, work_type);
  std::lock_guard<std::mutex> lock(mutex);
  pending[work] = {std::move(b), handle};
  pending_count.store(static_cast<int>(pending.size()), std::memory_order_relaxed);
  if (!progress_thread.joinable()) progress_thread = std::thread(progress_loop);
  wake.notify_one();
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
  pending_count.store(static_cast<int>(pending.size()), std::memory_order_relaxed);
}

bool in_flight_within(const void* begin, size_t bytes) {
  if (pending_count.load(std::memory_order_relaxed) == 0) return false;  // every run without collectives
  const char* lo = static_cast<const char*>(begin);
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& [work, entry] : pending)
    if (static_cast<const char*>(work) >= lo && static_cast<const char*>(work) < lo + bytes) return true;
  return false;
}

}  // namespace gg::comm
