#include "runtime/tensor.h"

#include <cstdlib>
#include <new>

namespace gg {

Storage::Storage(size_t n) : bytes(n) {
  // Round up so aligned_alloc's size rule holds; at least one line so data is never null.
  const size_t rounded = n == 0 ? 64 : (n + 63) / 64 * 64;
  if (rounded < n) throw std::bad_alloc();
  data = std::aligned_alloc(64, rounded);
  if (!data) throw std::bad_alloc();
}

Storage::~Storage() { std::free(data); }

Tensor Tensor::empty(const Type& type) {
  for (int64_t d : type.shape)
    if (d < 0) throw ShapeError("negative dimension in shape " + shape_str(type.shape));
  // Guard the byte count against overflow: an absurd shape is a MemoryError, never a wrap-around.
  size_t bytes = dtype_size(type.dtype);
  for (int64_t d : type.shape) {
    if (d != 0 && bytes > (size_t(1) << 62) / static_cast<size_t>(d)) throw std::bad_alloc();
    bytes *= static_cast<size_t>(d);
  }
  return Tensor{type, std::make_shared<Storage>(bytes)};
}

}  // namespace gg
