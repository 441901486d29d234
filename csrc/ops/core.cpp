// The ops every graph has: input, the constants (fill, ones_like, zeros_like), stop_gradient
// and view.
#include <algorithm>

#include "ops/op.h"

namespace gg {

namespace {
Kernel fill_kernel(const Type& type, double value) {
  return [value, dtype = type.dtype, n = type.numel()](const void* const*, void* out) {
    dispatch_all(dtype, "fill", [&](auto t) {
      using T = decltype(t);
      T* o = static_cast<T*>(out);
      const T v = static_cast<T>(value);
      for (int64_t i = 0; i < n; ++i) o[i] = v;
    });
  };
}

OpDef input() {
  OpDef d;
  d.name = "input";
  d.attrs = {"name", "kind"};
  d.infer = [](const std::vector<const Type*>&, const Attrs&) -> Type {
    throw std::logic_error("input nodes are made by Graph::add_input");
  };
  return d;
}

// fill {shape, value, dtype}: a constant of any dtype (the DType codes of ir/types.h).
OpDef fill() {
  OpDef d;
  d.name = "fill";
  d.attrs = {"shape", "value", "dtype"};
  d.infer = [](const std::vector<const Type*>&, const Attrs& a) {
    const int64_t dt = attr_int(a, "dtype", 0);
    if (!valid_dtype(dt)) throw DTypeError("fill: unknown dtype code " + std::to_string(dt));
    Type t{static_cast<DType>(dt), attr_ints(a, "shape")};
    for (int64_t s : t.shape)
      if (s < 0) throw ShapeError("fill: negative dimension in shape " + shape_str(t.shape));
    return t;
  };
  d.compile = [](const std::vector<const Type*>&, const Type& out, const Attrs& a) {
    return fill_kernel(out, attr_float(a, "value", 0.0));
  };
  d.blocks_grad = true;
  return d;
}

OpDef fill_like(const char* name, double value) {
  OpDef d;
  d.name = name;
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs&) { return *in[0]; };
  d.compile = [value](const std::vector<const Type*>&, const Type& out, const Attrs&) { return fill_kernel(out, value); };
  d.blocks_grad = true;
  return d;
}

OpDef stop_gradient() {
  OpDef d;
  d.name = "stop_gradient";
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs&) { return *in[0]; };
  d.blocks_grad = true;
  d.keeps_values = true;
  d.alias_input = 0;
  return d;
}

// view(x) {offset, shape}: elements [offset, offset + numel(shape)) of x, flat, under a new
// shape; shares x's storage. The fusion pass uses it to hand out the parts of a packed output.
OpDef view() {
  OpDef d;
  d.name = "view";
  d.attrs = {"offset", "shape"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    Type t{in[0]->dtype, attr_ints(a, "shape")};
    const int64_t offset = attr_int(a, "offset", 0);
    if (offset < 0 || t.numel() < 0 || offset + t.numel() > in[0]->numel())
      throw ShapeError("view: elements [" + std::to_string(offset) + ", " + std::to_string(offset + t.numel()) +
                       ") are not inside " + in[0]->str());
    return t;
  };
  d.alias_input = 0;
  d.keeps_values = true;
  d.view_offset = [](const Attrs& a) { return attr_int(a, "offset", 0); };
  return d;
}
}  // namespace

std::vector<OpDef> core_ops() {
  return {input(), fill(), fill_like("ones_like", 1.0), fill_like("zeros_like", 0.0), stop_gradient(), view()};
}

}  // namespace gg
