// Dead-code elimination: drops every node no output depends on. Graph inputs stay (they are the
// call signature), as do their ids' order; the other nodes are renumbered densely.
#include "passes/passes.h"

#include "ops/op.h"

namespace gg {

Graph dce(const Graph& g) {
  const int n = static_cast<int>(g.nodes.size());
  std::vector<bool> live(n, false);
  for (int id : g.inputs) live[id] = true;
  for (int id : g.outputs) live[id] = true;
  for (int i = n - 1; i >= 0; --i)
    if (live[i])
      for (int in : g.nodes[i].inputs) live[in] = true;

  Graph out;
  out.name = g.name;
  std::vector<int> remap(n, -1);
  for (int i = 0; i < n; ++i) {
    if (!live[i]) continue;
    Node node = g.nodes[i];
    for (int& in : node.inputs) in = remap[in];
    remap[i] = static_cast<int>(out.nodes.size());
    out.nodes.push_back(std::move(node));
  }
  for (int id : g.inputs) out.inputs.push_back(remap[id]);
  for (int id : g.outputs) out.outputs.push_back(remap[id]);
  return out;
}

}  // namespace gg
