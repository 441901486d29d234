#include "runtime/tensor.h"

#include <cstdlib>

namespace gg {

Storage::Storage(size_t n) : bytes(n) {
  // Round up so aligned_alloc's size rule holds; at least one line so data is never null.
  const size_t rounded = n == 0 ? 64 : (n + 63) / 64 * 64;
  data = rounded < n ? nullptr : std::aligned_alloc(64, rounded);
  if (!data) throw AllocError("out of memory: cannot allocate " + std::to_string(n) + " bytes");
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
