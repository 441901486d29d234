#include "passes/autodiff.h"

#include <stdexcept>

#include "ops/op.h"

namespace gg {

Graph autodiff(const Graph& fwd, const std::vector<int>& wrt, int n_diff) {
  Graph g = fwd;
  const int n = static_cast<int>(fwd.nodes.size());
  if (n_diff < 0 || n_diff > static_cast<int>(fwd.outputs.size()))
    throw std::invalid_argument("autodiff: n_diff out of range");

  // needs[v]: v depends on a wrt input through ops that pass gradients back.
  std::vector<bool> needs(n, false);
  for (int i : wrt) needs.at(fwd.inputs.at(i)) = true;
  for (int v = 0; v < n; ++v) {
    const Node& node = fwd.nodes[v];
    if (node.op->blocks_grad) continue;
    for (int in : node.inputs) needs[v] = needs[v] || needs[in];
  }

  // adjoint[v]: the id of dOut/dv in g, or -1 while nothing has flowed into v.
  std::vector<int> adjoint(n, -1);
  auto accumulate = [&](int v, int grad) {
    if (!(g.type(grad) == fwd.type(v)))
      throw std::logic_error("autodiff: a vjp produced " + g.type(grad).str() + " for a value of type " + fwd.type(v).str());
    adjoint[v] = adjoint[v] < 0 ? grad : g.add("add", {adjoint[v], grad}, {}, fwd.nodes[v].loc, true);
  };

  for (int k = 0; k < n_diff; ++k) {
    const int out = fwd.outputs[k];
    if (needs[out]) accumulate(out, g.add("ones_like", {out}, {}, fwd.nodes[out].loc, true));
  }

  for (int v = n - 1; v >= 0; --v) {
    const Node& node = fwd.nodes[v];
    if (adjoint[v] < 0 || !needs[v] || node.op->name == "input") continue;
    if (!node.op->vjp) throw std::invalid_argument(node.op->name + ": this op has no gradient rule");
    VjpContext ctx{g, fwd, v, adjoint[v], {}};
    for (int in : node.inputs) ctx.needs.push_back(needs[in]);
    std::vector<int> grads(node.inputs.size(), -1);
    node.op->vjp(ctx, grads);
    for (size_t j = 0; j < grads.size(); ++j)
      if (grads[j] >= 0 && ctx.needs[j]) accumulate(node.inputs[j], grads[j]);
  }

  for (int i : wrt) {
    const int in = fwd.inputs[i];
    g.outputs.push_back(adjoint[in] >= 0 ? adjoint[in] : g.add("zeros_like", {in}, {}, fwd.nodes[in].loc, true));
  }
  return g;
}

}  // namespace gg
