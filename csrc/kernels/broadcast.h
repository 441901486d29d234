// Broadcast: an elementwise iteration over an output shape with numpy broadcasting.
//
// Operand 0 is the output (contiguous, `out_shape`); operands 1.. are contiguous inputs whose
// shapes broadcast to out_shape (right-aligned, size-1 or missing dims repeat). Dims merge when
// every operand is either contiguous across them or broadcast across them, so the usual cases
// (same shape, scalar, bias row) become a single flat loop in which each operand's inner stride
// is 1 (contiguous) or 0 (repeated). Kernels vectorise those two cases.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace gg::kernels {

using Shape = std::vector<int64_t>;

struct Broadcast {
  static constexpr int kMaxOperands = 6;
  int n_operands = 0;
  int64_t numel = 0;                                     // elements of the output
  std::vector<int64_t> dims;                             // merged dims, outer .. inner (>= 1 entry)
  std::vector<std::array<int64_t, kMaxOperands>> strides;  // per merged dim, per operand (elements)

  Broadcast() = default;
  Broadcast(const Shape& out_shape, const std::vector<Shape>& input_shapes);

  int64_t inner() const { return dims.back(); }
  int64_t inner_stride(int operand) const { return strides.back()[operand]; }
  int64_t rows() const { return numel / (dims.back() ? dims.back() : 1); }

  // Calls f(offsets) once per inner row, offsets[i] the element offset of operand i at the row's
  // start, rows in row-major order (so reductions over rows have a fixed order).
  template <class F>
  void for_each_row(F&& f) const {
    if (numel == 0) return;
    const int nd = static_cast<int>(dims.size());
    std::array<int64_t, kMaxOperands> off{};
    std::vector<int64_t> idx(nd, 0);
    for (int64_t r = 0, nr = rows(); r < nr; ++r) {
      f(off);
      for (int d = nd - 2; d >= 0; --d) {  // odometer over the outer dims
        if (++idx[d] < dims[d]) {
          for (int o = 0; o < n_operands; ++o) off[o] += strides[d][o];
          break;
        }
        for (int o = 0; o < n_operands; ++o) off[o] -= strides[d][o] * (dims[d] - 1);
        idx[d] = 0;
      }
    }
  }
};

// numpy broadcasting of two shapes; returns false if they do not broadcast.
bool broadcast_shapes(const Shape& a, const Shape& b, Shape& out);

}  // namespace gg::kernels
