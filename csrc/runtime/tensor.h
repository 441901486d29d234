// A runtime tensor: a type and shared, immutable-after-creation storage. Kernels write only into
// storage they were handed fresh, so sharing storage between tensors (reshape, stop_gradient,
// outputs that are inputs) is always safe.
#pragma once
#include <memory>

#include "ir/types.h"

namespace gg {

struct Storage {
  void* data = nullptr;
  size_t bytes = 0;
  explicit Storage(size_t bytes);  // 64-byte aligned; throws std::bad_alloc
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct Tensor {
  Type type;
  std::shared_ptr<Storage> storage;
  size_t offset = 0;  // bytes into storage: a view (the parts of a fused kernel's output)

  static Tensor empty(const Type& type);
  void* ptr() const { return static_cast<char*>(storage->data) + offset; }
  template <class T>
  T* data() const { return static_cast<T*>(ptr()); }
};

}  // namespace gg
