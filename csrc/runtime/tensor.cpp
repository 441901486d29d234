#include "runtime/tensor.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <utility>

namespace gg {

namespace {
// Small buffers freed lately, kept for the next Storage of the same rounded size: a loop of
// compiled calls on small tensors then allocates no memory (glibc consolidates its fast bins on
// each aligned_alloc of a few KB, which costs more than the kernel itself at 1e3 elements).
// One cache per thread, so taking and giving back take no lock: such a loop frees its last
// result and allocates the next on the one thread, and a mutex here cost about as much as the
// rest of the allocation. A buffer freed on one thread and wanted on another is just allocated
// anew; a thread's buffers are freed when it exits.
struct Recycler {
  static constexpr size_t kMaxBytes = 64 << 10;
  static constexpr int kSlots = 8;
  struct Slot {
    void* data = nullptr;  // as Storage::data and raw
    void* raw = nullptr;
    size_t bytes = 0;
  };
  Slot slots[kSlots];
  unsigned next = 0;
  ~Recycler();
};
// This thread's Recycler once it exists, null before and after (a Storage may die later in the
// thread's exit, or in static destruction: then buffers go straight back to the C library). A
// plain pointer, so the usual call reads one thread-local and runs no initialisation check.
thread_local Recycler* t_recycler = nullptr;
thread_local bool t_recycler_gone = false;

Recycler::~Recycler() {
  t_recycler = nullptr;
  t_recycler_gone = true;
  for (Slot& s : slots) std::free(s.raw);
}

Recycler* recycler() {
  if (t_recycler || t_recycler_gone) return t_recycler;
  thread_local Recycler r;  // constructed (and its destructor registered) on this first use
  return t_recycler = &r;
}

bool recycled(size_t bytes, void*& data, void*& raw) {
  if (Recycler* r = recycler())
    for (Recycler::Slot& s : r->slots)
      if (s.data && s.bytes == bytes) {
        data = std::exchange(s.data, nullptr);
        raw = std::exchange(s.raw, nullptr);
        return true;
      }
  return false;
}

void recycle(void* data, void* raw, size_t bytes) {
  if (Recycler* r = recycler()) {
    Recycler::Slot& s = r->slots[r->next++ % Recycler::kSlots];  // the oldest goes
    std::swap(s.data, data);
    std::swap(s.raw, raw);
    s.bytes = bytes;
  }
  std::free(raw);
}
}  // namespace

Storage::Storage(size_t n) : bytes(n) {
  // Round up so aligned_alloc's size rule holds; at least one line so data is never null. A
  // large buffer is 2 MiB aligned and asks for transparent huge pages (as numpy does): touching
  // a fresh 40 MB output then takes 20 page faults, not 10,000.
  constexpr size_t kHuge = size_t(2) << 20;
  const size_t align = n >= 2 * kHuge ? kHuge : 64;
  const size_t rounded = n == 0 ? 64 : (n + align - 1) / align * align;
  if (rounded < n || rounded > SIZE_MAX - 64) throw AllocError("out of memory: cannot allocate " + std::to_string(n) + " bytes");
  if (rounded <= Recycler::kMaxBytes && recycled(rounded, data, raw)) return;
  if (align == kHuge) {
    data = raw = std::aligned_alloc(align, rounded);
    if (raw) madvise(data, rounded, MADV_HUGEPAGE);  // advice only: failure is harmless
  } else {
    // malloc and align by hand rather than aligned_alloc: glibc's memalign carves each block out
    // of a larger free one, so a loop that frees its result and makes the next got fresh memory
    // every call (cold in cache, and page faults once the heap is trimmed), where malloc hands
    // back the block just freed: a compiled neg or square of 10^5 floats went from 0.96-0.99x
    // numpy's speed to 1.05-1.18x.
    raw = std::malloc(rounded + 64);
    data = raw ? reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(raw) + 63) & ~uintptr_t(63)) : nullptr;
  }
  if (!raw) throw AllocError("out of memory: cannot allocate " + std::to_string(n) + " bytes");
}

Storage::~Storage() {
  if (external) return;
  const size_t rounded = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;  // as allocated (64-byte aligned below 4 MiB)
  if (rounded <= Recycler::kMaxBytes) recycle(data, raw, rounded);
  else std::free(raw);
}

std::shared_ptr<Storage> Tensor::new_storage(const Type& type) {
  const size_t bytes = type.checked_bytes();  // an absurd shape is a MemoryError, never a wrap-around
  try {
    return std::make_shared<Storage>(bytes);
  } catch (const AllocError& e) {
    throw AllocError(std::string(e.what()) + " for " + type.str());
  }
}

Tensor Tensor::empty(const Type& type) { return Tensor{type, new_storage(type)}; }

}  // namespace gg
