#include "runtime/tensor.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <utility>

namespace gg {

namespace {
// Small buffers freed lately, kept for the next Storage of the same rounded size: a loop of
// compiled calls on small tensors then allocates no memory (glibc consolidates its fast bins on
// each aligned_alloc of a few KB, which costs more than the kernel itself at 1e3 elements).
class Recycler {
 public:
  static constexpr size_t kMaxBytes = 64 << 10;
  void* take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Slot& s : slots_)
      if (s.data && s.bytes == bytes) return std::exchange(s.data, nullptr);
    return nullptr;
  }
  void give(void* data, size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Slot& s = slots_[next_++ % kSlots];  // the oldest goes
      std::swap(s.data, data);
      s.bytes = bytes;
    }
    std::free(data);
  }

 private:
  static constexpr int kSlots = 8;
  struct Slot {
    void* data = nullptr;
    size_t bytes = 0;
  };
  std::mutex mutex_;
  Slot slots_[kSlots];
  unsigned next_ = 0;
};
// Never destroyed: Storages may be freed during static destruction.
Recycler& recycler() {
  static Recycler* r = new Recycler;
  return *r;
}
}  // namespace

Storage::Storage(size_t n) : bytes(n) {
  // Round up so aligned_alloc's size rule holds; at least one line so data is never null. A
  // large buffer is 2 MiB aligned and asks for transparent huge pages (as numpy does): touching
  // a fresh 40 MB output then takes 20 page faults, not 10,000.
  constexpr size_t kHuge = size_t(2) << 20;
  const size_t align = n >= 2 * kHuge ? kHuge : 64;
  const size_t rounded = n == 0 ? 64 : (n + align - 1) / align * align;
  if (rounded <= Recycler::kMaxBytes && (data = recycler().take(rounded))) return;
  data = rounded < n ? nullptr : std::aligned_alloc(align, rounded);
  if (!data) throw AllocError("out of memory: cannot allocate " + std::to_string(n) + " bytes");
  if (align == kHuge) madvise(data, rounded, MADV_HUGEPAGE);  // advice only: failure is harmless
}

Storage::~Storage() {
  if (external) return;
  const size_t rounded = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;  // as allocated (64-byte aligned below 4 MiB)
  if (rounded <= Recycler::kMaxBytes) recycler().give(data, rounded);
  else std::free(data);
}

Tensor Tensor::empty(const Type& type) {
  const size_t bytes = type.checked_bytes();  // an absurd shape is a MemoryError, never a wrap-around
  try {
    return Tensor{type, std::make_shared<Storage>(bytes)};
  } catch (const AllocError& e) {
    throw AllocError(std::string(e.what()) + " for " + type.str());
  }
}

}  // namespace gg
