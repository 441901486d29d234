// fill (ones/zeros of a given shape), ones_like, zeros_like: constants that carry no gradient.
#include <algorithm>

#include "ops/op.h"

namespace gg {

namespace {
Kernel fill_kernel(const Type& type, double value) {
  return [value, dtype = type.dtype, n = type.numel()](const void* const*, void* out) {
    dispatch_dtype(dtype, [&](auto t) {
      using T = decltype(t);
      std::fill(static_cast<T*>(out), static_cast<T*>(out) + n, T(value));
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
  d.compile = [](const std::vector<const Type*>&, const Type& out, const Attrs& a) {
    return fill_kernel(out, attr_float(a, "value", 0.0));
  };
  d.blocks_grad = true;
  d.fold = [](const std::vector<std::optional<double>>&, const std::vector<const Type*>&, const Type&,
              const Attrs& a) -> std::optional<double> { return attr_float(a, "value", 0.0); };
  return d;
}

OpDef op_ones_like() {
  OpDef d;
  d.name = "ones_like";
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs&) { return *in[0]; };
  d.compile = [](const std::vector<const Type*>&, const Type& out, const Attrs&) { return fill_kernel(out, 1.0); };
  d.blocks_grad = true;
  d.fold = [](const std::vector<std::optional<double>>&, const std::vector<const Type*>&, const Type&,
              const Attrs&) -> std::optional<double> { return 1.0; };  // whatever its input holds
  return d;
}

OpDef op_zeros_like() {
  OpDef d = op_ones_like();
  d.name = "zeros_like";
  d.compile = [](const std::vector<const Type*>&, const Type& out, const Attrs&) { return fill_kernel(out, 0.0); };
  d.fold = [](const std::vector<std::optional<double>>&, const std::vector<const Type*>&, const Type&,
              const Attrs&) -> std::optional<double> { return 0.0; };
  return d;
}

}  // namespace gg
