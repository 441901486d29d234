// Fusion where it pays: add(matmul(a, b), bias) with a row bias [N] becomes matmul(a, b, bias),
// the bias added in the matmul's epilogue, when nothing else reads the matmul's result.
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace gg {

Graph fuse_bias(const Graph& g) {
  const int n = static_cast<int>(g.nodes.size());
  std::vector<int> readers(n, 0);
  for (const Node& node : g.nodes)
    for (int in : node.inputs) ++readers[in];
  for (int out : g.outputs) ++readers[out];

  // bias_of[add] = (matmul, bias) for each add that absorbs its matmul.
  std::vector<std::pair<int, int>> bias_of(n, {-1, -1});
  std::vector<bool> absorbed(n, false);
  for (int v = 0; v < n; ++v) {
    const Node& add = g.nodes[v];
    if (add.op != &GG_OP("add")) continue;
    for (int k = 0; k < 2; ++k) {
      const int mm = add.inputs[k], bias = add.inputs[1 - k];
      const Node& m = g.nodes[mm];
      if (m.op == &GG_OP("matmul") && readers[mm] == 1 && m.inputs.size() == 2 && g.type(mm) == add.type &&
          g.type(m.inputs[0]).ndim() <= 2 && g.type(m.inputs[1]).ndim() == 2 && g.type(bias).shape == Shape{add.type.shape.back()}) {
        bias_of[v] = {mm, bias};
        absorbed[mm] = true;
        break;
      }
    }
  }

  Rewriter r(g);
  for (int v = 0; v < n; ++v) {
    if (r.is_input(v) || absorbed[v]) continue;  // an absorbed matmul moves to its add
    Node node = r.mapped(v);
    if (const auto [mm, bias] = bias_of[v]; mm >= 0) {
      Node fused = r.mapped(mm);
      fused.inputs.push_back(r.map[bias]);
      fused.attrs["has_bias"] = int64_t{1};
      fused.loc = node.loc;
      node = std::move(fused);
      r.map[v] = r.push(std::move(node));
      continue;
    }
    r.map[v] = r.push(std::move(node));
  }
  return r.finish();
}

}  // namespace gg
