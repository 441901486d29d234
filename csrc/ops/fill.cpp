// fill (ones/zeros of a given shape), ones_like, zeros_like: constants that carry no gradient.
#include <algorithm>

#include "ops/op.h"

namespace gg {

namespace {
Kernel fill_kernel(double value) {
  return [value](const Tensor* const*, Tensor& out) {
    dispatch_dtype(out.type.dtype, [&](auto t) {
      using T = decltype(t);
      std::fill(out.data<T>(), out.data<T>() + out.type.numel(), T(value));
    });
  };
}
}  // namespace

OpDef op_input() {
  OpDef d;
  d.name = "input";
  d.infer = [](const std::vector<const Type*>&, const Attrs&) -> Type {
    throw std::logic_error("input nodes are made by Graph::add_input");
  };
  return d;
}

// fill {shape, value, dtype}: dtype 0 = f32, 1 = f64.
OpDef op_fill() {
  OpDef d;
  d.name = "fill";
  d.infer = [](const std::vector<const Type*>&, const Attrs& a) {
    const int64_t dt = attr_int(a, "dtype", 0);
    if (dt != 0 && dt != 1) throw DTypeError("fill: dtype must be float32 or float64");
    Type t{static_cast<DType>(dt), attr_ints(a, "shape")};
    for (int64_t s : t.shape)
      if (s < 0) throw ShapeError("fill: negative dimension in shape " + shape_str(t.shape));
    return t;
  };
  d.compile = [](const std::vector<const Type*>&, const Type&, const Attrs& a) {
    return fill_kernel(attr_float(a, "value", 0.0));
  };
  d.blocks_grad = true;
  return d;
}

OpDef op_ones_like() {
  OpDef d;
  d.name = "ones_like";
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs&) { return *in[0]; };
  d.compile = [](const std::vector<const Type*>&, const Type&, const Attrs&) { return fill_kernel(1.0); };
  d.blocks_grad = true;
  return d;
}

OpDef op_zeros_like() {
  OpDef d = op_ones_like();
  d.name = "zeros_like";
  d.compile = [](const std::vector<const Type*>&, const Type&, const Attrs&) { return fill_kernel(0.0); };
  return d;
}

}  // namespace gg
