#include "runtime/tensor.h"

#include <sys/mman.h>

#include <cstdlib>

namespace gg {

Storage::Storage(size_t n) : bytes(n) {
  // Round up so aligned_alloc's size rule holds; at least one line so data is never null. A
  // large buffer is 2 MiB aligned and asks for transparent huge pages (as numpy does): touching
  // a fresh 40 MB output then takes 20 page faults, not 10,000.
  constexpr size_t kHuge = size_t(2) << 20;
  const size_t align = n >= 2 * kHuge ? kHuge : 64;
  const size_t rounded = n == 0 ? 64 : (n + align - 1) / align * align;
  data = rounded < n ? nullptr : std::aligned_alloc(align, rounded);
  if (!data) throw AllocError("out of memory: cannot allocate " + std::to_string(n) + " bytes");
  if (align == kHuge) madvise(data, rounded, MADV_HUGEPAGE);  // advice only: failure is harmless
}

Storage::~Storage() {
  if (!external) std::free(data);
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
