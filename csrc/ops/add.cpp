// add(a, b) with numpy broadcasting. Its vjp sums the adjoint back to each operand's shape.
#include "kernels/elementwise.h"
#include "ops/op.h"

namespace gg {

namespace {
Type infer(const std::vector<const Type*>& in, const Attrs&) {
  require_same_dtype("add", in);
  Shape out;
  if (!kernels::broadcast_shapes(in[0]->shape, in[1]->shape, out))
    throw ShapeError("add: shapes " + in[0]->str() + " and " + in[1]->str() + " cannot be broadcast together");
  return {in[0]->dtype, out};
}

Kernel compile(const std::vector<const Type*>& in, const Type& out, const Attrs&) {
  kernels::Broadcast bc(out.shape, {in[0]->shape, in[1]->shape});
  return [bc, dtype = out.dtype](const void* const* x, void* o) {
    dispatch_dtype(dtype, [&](auto t) {
      using T = decltype(t);
      kernels::add<T>(bc, in_as<T>(x, 0), in_as<T>(x, 1), static_cast<T*>(o));
    });
  };
}

void vjp(VjpContext& c, std::vector<int>& grads) {
  for (int i = 0; i < 2; ++i) {
    if (!c.needs[i]) continue;
    const Shape& s = c.in_type(i).shape;
    grads[i] = s == c.fwd().type.shape ? c.grad : c.emit("sum_to", {c.grad}, {{"shape", s}});
  }
}
}  // namespace

OpDef op_add() {
  OpDef d;
  d.name = "add";
  d.min_inputs = d.max_inputs = 2;
  d.infer = infer;
  d.compile = compile;
  d.vjp = vjp;
  d.fold = [](const std::vector<std::optional<double>>& in, const std::vector<const Type*>&, const Type&,
              const Attrs&) -> std::optional<double> {
    if (in[0] && in[1]) return *in[0] + *in[1];
    return std::nullopt;
  };
  d.inplace_input = 0;  // out[i] = a[i] + b[j]: each element read before it is written
  return d;
}

}  // namespace gg
