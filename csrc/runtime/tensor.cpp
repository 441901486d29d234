#include "runtime/tensor.h"

#include <sys/mman.h>

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
    void* data = nullptr;
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
  for (Slot& s : slots) std::free(s.data);
}

Recycler* recycler() {
  if (t_recycler || t_recycler_gone) return t_recycler;
  thread_local Recycler r;  // constructed (and its destructor registered) on this first use
  return t_recycler = &r;
}

void* recycled(size_t bytes) {
  if (Recycler* r = recycler())
    for (Recycler::Slot& s : r->slots)
      if (s.data && s.bytes == bytes) return std::exchange(s.data, nullptr);
  return nullptr;
}

void recycle(void* data, size_t bytes) {
  if (Recycler* r = recycler()) {
    Recycler::Slot& s = r->slots[r->next++ % Recycler::kSlots];  // the oldest goes
    std::swap(s.data, data);
    s.bytes = bytes;
  }
  std::free(data);
}
}  // namespace

Storage::Storage(size_t n) : bytes(n) {
  // Round up so aligned_alloc's size rule holds; at least one line so data is never null. A
  // large buffer is 2 MiB aligned and asks for transparent huge pages (as numpy does): touching
  // a fresh 40 MB output then takes 20 page faults, not 10,000.
  constexpr size_t kHuge = size_t(2) << 20;
  const size_t align = n >= 2 * kHuge ? kHuge : 64;
  const size_t rounded = n == 0 ? 64 : (n + align - 1) / align * align;
  if (rounded <= Recycler::kMaxBytes && (data = recycled(rounded))) return;
  data = rounded < n ? nullptr : std::aligned_alloc(align, rounded);
  if (!data) throw AllocError("out of memory: cannot allocate " + std::to_string(n) + " bytes");
  if (align == kHuge) madvise(data, rounded, MADV_HUGEPAGE);  // advice only: failure is harmless
}

Storage::~Storage() {
  if (external) return;
  const size_t rounded = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;  // as allocated (64-byte aligned below 4 MiB)
  if (rounded <= Recycler::kMaxBytes) recycle(data, rounded);
  else std::free(data);
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
