// Constant folding: a node whose value is a uniform constant (a fill, ones_like, or an op over
// constant fills, as each op's fold rule says) becomes a fill of that value.
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace gg {

namespace {
std::optional<double> constant_of(const Graph& g, int id) {
  const Node& n = g.nodes[id];
  if (n.op->name != "fill") return std::nullopt;
  return attr_float(n.attrs, "value", 0.0);
}
}  // namespace

Graph fold(const Graph& g) {
  Rewriter r(g);
  for (int v = 0; v < static_cast<int>(g.nodes.size()); ++v) {
    if (r.is_input(v)) continue;
    Node n = r.mapped(v);
    std::optional<double> value;
    if (n.op->fold && n.op->name != "fill") {
      std::vector<std::optional<double>> in;
      std::vector<const Type*> types;
      for (int id : n.inputs) {
        in.push_back(constant_of(r.out, id));
        types.push_back(&r.out.type(id));
      }
      value = n.op->fold(in, types, n.type, n.attrs);
    }
    if (value) {
      n.attrs = {{"shape", n.type.shape}, {"value", *value}, {"dtype", static_cast<int64_t>(n.type.dtype)}};
      n.op = &op_def("fill");
      n.inputs.clear();
    }
    r.map[v] = r.push(std::move(n));
  }
  return r.finish();
}

}  // namespace gg
