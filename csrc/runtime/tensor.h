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
  // Memory someone else allocated (a numpy array, a DLPack producer): released by dropping owner,
  // never freed here. Such storage is still never written by graphgrad.
  std::shared_ptr<void> owner;  // (its deleter releases the memory; its pointer may be null)
  bool external = false;
  void* raw = nullptr;  // what the C library allocated (data is raw aligned up), when not external
  explicit Storage(size_t bytes);  // 64-byte aligned; throws std::bad_alloc
  Storage(void* memory, size_t bytes, std::shared_ptr<void> owner)
      : data(memory), bytes(bytes), owner(std::move(owner)), external(true) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct Tensor {
  Type type;
  std::shared_ptr<Storage> storage;
  size_t offset = 0;  // bytes into storage: a view (the parts of a fused kernel's output)

  static Tensor empty(const Type& type);
  // empty()'s storage alone (no copy of the type): for a caller that builds the Tensor itself.
  static std::shared_ptr<Storage> new_storage(const Type& type);
  void* ptr() const { return static_cast<char*>(storage->data) + offset; }
  template <class T>
  T* data() const { return static_cast<T*>(ptr()); }
};

}  // namespace gg
