// stop_gradient(x): x's value, through which no gradient flows back.
#include "ops/op.h"

namespace gg {

OpDef op_stop_gradient() {
  OpDef d;
  d.name = "stop_gradient";
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs&) { return *in[0]; };
  d.blocks_grad = true;
  d.alias_input = 0;
  d.fold = [](const std::vector<std::optional<double>>& in, const std::vector<const Type*>&, const Type&,
              const Attrs&) { return in[0]; };
  return d;
}

}  // namespace gg
