// sum_to(x) {shape}: sums x over the axes along which `shape` broadcasts to x's shape. It is the
// adjoint of broadcasting, made by the gradient pass (not differentiated itself).
#include "kernels/elementwise.h"
#include "ops/op.h"

namespace gg {

OpDef op_sum_to() {
  OpDef d;
  d.name = "sum_to";
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    const Shape& target = attr_ints(a, "shape");
    Shape b;
    if (!kernels::broadcast_shapes(target, in[0]->shape, b) || b != in[0]->shape)
      throw ShapeError("sum_to: shape " + shape_str(target) + " does not broadcast to " + in[0]->str());
    return Type{in[0]->dtype, target};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs&) -> Kernel {
    return [xs = in[0]->shape, os = out.shape, dtype = out.dtype](const void* const* x, void* o) {
      dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        kernels::sum_to<T>(in_as<T>(x, 0), xs, static_cast<T*>(o), os);
      });
    };
  };
  d.fold = [](const std::vector<std::optional<double>>& in, const std::vector<const Type*>& types, const Type& out,
              const Attrs&) -> std::optional<double> {
    if (!in[0] || out.numel() == 0) return std::nullopt;
    return *in[0] * static_cast<double>(types[0]->numel() / out.numel());  // each output sums that many
  };
  return d;
}

}  // namespace gg
