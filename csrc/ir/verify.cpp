// verify(): the graph invariants every pass must keep. Cheap enough to run after each pass in
// tests and under GRAPHGRAD_VERIFY=1.
#include <stdexcept>

#include "ir/graph.h"
#include "ops/op.h"

namespace gg {

void verify(const Graph& g) {
  auto fail = [&](const std::string& why) { throw std::logic_error("verify(" + g.name + "): " + why); };
  const int n = static_cast<int>(g.nodes.size());
  size_t next_input = 0;
  for (int i = 0; i < n; ++i) {
    const Node& node = g.nodes[i];
    const std::string at = "node %" + std::to_string(i);
    if (!node.op) fail(at + " has no op");
    if (node.op == &GG_OP("input")) {
      if (next_input >= g.inputs.size() || g.inputs[next_input] != i)
        fail(at + " is an input node missing from (or out of order in) the input list");
      ++next_input;
      continue;
    }
    const int arity = static_cast<int>(node.inputs.size());
    if (arity < node.op->min_inputs || arity > node.op->max_inputs) fail(at + " (" + node.op->name + ") has arity " + std::to_string(arity));
    std::vector<const Type*> types;
    for (int in : node.inputs) {
      if (in < 0 || in >= i) fail(at + " (" + node.op->name + ") uses %" + std::to_string(in) + " before it is defined");
      types.push_back(&g.nodes[in].type);
    }
    Type expected;
    try {
      expected = node.op->infer(types, node.attrs);
    } catch (const std::exception& e) {
      fail(at + " (" + node.op->name + ") breaks its shape rule: " + e.what());
    }
    if (!(expected == node.type))
      fail(at + " (" + node.op->name + ") has type " + node.type.str() + " but its shape rule gives " + expected.str());
  }
  if (next_input != g.inputs.size()) fail("the input list names nodes that are not input nodes");
  for (int out : g.outputs)
    if (out < 0 || out >= n) fail("output %" + std::to_string(out) + " does not exist");
}

}  // namespace gg
