// reshape(x) {shape}: the same elements under a new shape; shares x's storage.
#include "ops/op.h"

namespace gg {

OpDef op_reshape() {
  OpDef d;
  d.name = "reshape";
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    Type t{in[0]->dtype, attr_ints(a, "shape")};
    if (t.numel() != in[0]->numel())
      throw ShapeError("reshape: cannot reshape " + in[0]->str() + " to " + shape_str(t.shape));
    return t;
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    grads[0] = c.emit("reshape", {c.grad}, {{"shape", c.in_type(0).shape}});
  };
  d.alias_input = 0;
  d.fold = [](const std::vector<std::optional<double>>& in, const std::vector<const Type*>&, const Type&,
              const Attrs&) { return in[0]; };
  return d;
}

}  // namespace gg
