#include "passes/autodiff.h"

#include <algorithm>
#include <stdexcept>

#include "ops/op.h"

namespace gg {

std::vector<int> backprop(Graph& g, int begin, int end, const std::vector<std::pair<int, int>>& seeds,
                          const std::vector<int>& wrt) {
  // needs[v]: v is a float value that depends on a wrt value through ops that pass gradients.
  const int n = end;
  std::vector<bool> needs(n, false);
  for (int v : wrt) needs.at(v) = is_float(g.type(v).dtype);
  for (int v = begin; v < end; ++v) {
    const Node& node = g.nodes[v];
    if (node.op->blocks_grad || !is_float(node.type.dtype)) continue;
    for (int in : node.inputs) needs[v] = needs[v] || needs[in];
  }

  // adjoint[v]: the id of dOut/dv in g, or -1 while nothing has flowed into v.
  std::vector<int> adjoint(n, -1);
  auto accumulate = [&](int v, int grad) {
    if (!(g.type(grad) == g.type(v)))
      throw std::logic_error("autodiff: a vjp produced " + g.type(grad).str() + " for a value of type " + g.type(v).str());
    adjoint[v] = adjoint[v] < 0 ? grad : g.add(GG_OP("add"), {adjoint[v], grad}, {}, g.nodes[v].loc, true);
  };
  for (const auto& [v, adj] : seeds)
    if (needs[v]) accumulate(v, adj);

  for (int v = end - 1; v >= begin; --v) {
    if (adjoint[v] < 0 || !needs[v] || g.nodes[v].op == &GG_OP("input")) continue;
    const Node node = g.nodes[v];  // a copy: the vjp appends to g.nodes
    VjpContext ctx{Builder{g, node.loc, true}, v, adjoint[v], node.inputs, node.attrs, {}, {}};
    for (int in : node.inputs) {
      ctx.needs.push_back(needs[in]);
      ctx.types.push_back(g.type(in));
    }
    ctx.types.push_back(node.type);
    std::vector<int> grads(node.inputs.size(), -1);
    if (node.op->vjp) node.op->vjp(ctx, grads);
    else if (node.op->decompose) vjp_by_decomposition(ctx, grads);
    else throw std::invalid_argument(node.op->name + ": this op has no gradient rule");
    for (size_t j = 0; j < grads.size(); ++j)
      if (grads[j] >= 0 && ctx.needs[j]) accumulate(node.inputs[j], grads[j]);
  }
  std::vector<int> out;
  for (int v : wrt) out.push_back(adjoint[v]);
  return out;
}

void vjp_by_decomposition(VjpContext& c, std::vector<int>& grads) {
  const Builder& b = c.b;
  const int begin = static_cast<int>(b.g.nodes.size());
  const int value = b.g.nodes[c.out].op->decompose(b, c.inputs, c.attrs);
  const int end = static_cast<int>(b.g.nodes.size());
  // Backprop over the decomposition, whose leaves are the op's inputs (ids below begin). A value
  // that is several operands gets its whole gradient once, at its first.
  std::vector<int> wrt;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    if (c.needs[i] && std::find(wrt.begin(), wrt.end(), c.inputs[i]) == wrt.end()) wrt.push_back(c.inputs[i]);
  const std::vector<int> found = backprop(b.g, begin, end, {{value, c.grad}}, wrt);
  for (size_t k = 0; k < wrt.size(); ++k)
    grads[std::find(c.inputs.begin(), c.inputs.end(), wrt[k]) - c.inputs.begin()] = found[k];
}

Graph autodiff(const Graph& fwd, const std::vector<int>& wrt, int n_diff, const std::vector<int>& seeds) {
  if (n_diff < 0 || n_diff > static_cast<int>(fwd.outputs.size()))
    throw std::invalid_argument("autodiff: n_diff out of range");
  if (!seeds.empty() && static_cast<int>(seeds.size()) != n_diff)
    throw std::invalid_argument("autodiff: one seed per differentiated output");
  Graph g = fwd;
  const int n = static_cast<int>(fwd.nodes.size());
  std::vector<std::pair<int, int>> pairs;
  for (int k = 0; k < n_diff; ++k) {
    const int out = fwd.outputs[k];
    if (!is_float(fwd.type(out).dtype)) continue;  // an int or bool output carries no gradient
    pairs.push_back({out, seeds.empty() ? g.add(GG_OP("ones_like"), {out}, {}, fwd.nodes[out].loc, true) : seeds[k]});
  }
  std::vector<int> wrt_ids;
  for (int i : wrt) wrt_ids.push_back(fwd.inputs.at(i));
  const std::vector<int> grads = backprop(g, 0, n, pairs, wrt_ids);
  for (size_t k = 0; k < wrt.size(); ++k) {
    const int in = wrt_ids[k];
    g.outputs.push_back(grads[k] >= 0 ? grads[k] : g.add(GG_OP("zeros_like"), {in}, {}, fwd.nodes[in].loc, true));
  }
  return g;
}

}  // namespace gg
