// view(x) {offset, shape}: elements [offset, offset + numel(shape)) of x, flat, under a new shape;
// shares x's storage. The fusion pass uses it to hand out the parts of a kernel's packed output.
#include "ops/op.h"

namespace gg {

OpDef op_view() {
  OpDef d;
  d.name = "view";
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
  d.view_offset = [](const Attrs& a) { return attr_int(a, "offset", 0); };
  return d;
}

}  // namespace gg
