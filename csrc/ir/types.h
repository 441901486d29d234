// Value types of the IR: a dtype and a shape. `f32[5,3]` is how a type prints.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace gg {

// The codes are the Python side's DType.code and the `dtype` attribute of fill and cast.
enum class DType : uint8_t { F32 = 0, F64 = 1, F16 = 2, I32 = 3, I64 = 4, Bool = 5 };
constexpr int kNumDTypes = 6;
using Shape = std::vector<int64_t>;

inline size_t dtype_size(DType d) {
  constexpr size_t sizes[kNumDTypes] = {4, 8, 2, 4, 8, 1};
  return static_cast<int>(d) < kNumDTypes ? sizes[static_cast<int>(d)] : 0;
}
inline const char* dtype_short(DType d) {
  constexpr const char* names[kNumDTypes] = {"f32", "f64", "f16", "i32", "i64", "bool"};
  return static_cast<int>(d) < kNumDTypes ? names[static_cast<int>(d)] : "?";
}
inline bool is_float(DType d) { return d == DType::F32 || d == DType::F64 || d == DType::F16; }
inline bool is_int(DType d) { return d == DType::I32 || d == DType::I64; }
inline bool valid_dtype(int64_t code) { return code >= 0 && code < kNumDTypes; }

std::string shape_str(const Shape& s);  // "[5,3]"

struct Type {
  DType dtype = DType::F32;
  Shape shape;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  // bytes(), after checking that the element and byte counts fit in memory at all (no overflow);
  // throws AllocError otherwise.
  size_t checked_bytes() const;
  size_t bytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
  int ndim() const { return static_cast<int>(shape.size()); }
  std::string str() const { return dtype_short(dtype) + shape_str(shape); }
  bool operator==(const Type&) const = default;
};

// A shape rule failed (raised as ValueError in Python).
struct ShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Operand dtypes or attribute types are wrong (raised as TypeError in Python).
struct DTypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A tensor too large to exist or to allocate (raised as MemoryError in Python).
struct AllocError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace gg
