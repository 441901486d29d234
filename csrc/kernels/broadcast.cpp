#include "kernels/broadcast.h"

#include <stdexcept>

namespace gg::kernels {

bool broadcast_shapes(const Shape& a, const Shape& b, Shape& out) {
  const size_t n = std::max(a.size(), b.size());
  out.assign(n, 1);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) return false;
    out[n - 1 - i] = da == 1 ? db : da;
  }
  return true;
}

Broadcast::Broadcast(const Shape& out_shape, const std::vector<Shape>& input_shapes) {
  n_operands = 1 + static_cast<int>(input_shapes.size());
  if (n_operands > kMaxOperands) throw std::logic_error("Broadcast: too many operands");
  const size_t nd = out_shape.size();
  numel = 1;
  for (int64_t d : out_shape) numel *= d;

  // Full (unmerged) strides: contiguous row-major, 0 where an input repeats.
  std::vector<std::array<int64_t, kMaxOperands>> full(nd);
  for (int o = 0; o < n_operands; ++o) {
    const Shape& s = o == 0 ? out_shape : input_shapes[o - 1];
    if (s.size() > nd) throw std::logic_error("Broadcast: input has more dims than the output");
    int64_t stride = 1;
    for (size_t i = 0; i < nd; ++i) {
      const size_t d = nd - 1 - i;
      const int64_t size = i < s.size() ? s[s.size() - 1 - i] : 1;
      if (size != out_shape[d] && size != 1) throw std::logic_error("Broadcast: shapes do not broadcast");
      full[d][o] = (size == 1 && out_shape[d] != 1) ? 0 : stride;
      stride *= size;
    }
  }

  // Merge dim d into the current inner group when, for every operand, stepping d is the same as
  // stepping the whole group (contiguous) or both repeat (stride 0). Size-1 dims drop out.
  for (size_t d = 0; d < nd; ++d) {
    if (out_shape[d] == 1) continue;
    if (!dims.empty()) {
      bool mergeable = true;
      for (int o = 0; o < n_operands && mergeable; ++o) {
        const int64_t outer = strides.back()[o], inner = full[d][o];
        mergeable = (outer == inner * out_shape[d]) || (outer == 0 && inner == 0);
      }
      if (mergeable) {
        dims.back() *= out_shape[d];
        strides.back() = full[d];
        continue;
      }
    }
    dims.push_back(out_shape[d]);
    strides.push_back(full[d]);
  }
  if (dims.empty()) {  // a scalar, or all dims of size 1
    dims.push_back(numel);
    std::array<int64_t, kMaxOperands> s{};
    for (int o = 0; o < n_operands; ++o) s[o] = 0;
    strides.push_back(s);
  }
}

}  // namespace gg::kernels
