// Check scheduling: a node that may fail at run time (OpDef::may_fail: an index checked against
// its range) runs first when it reads only the graph's inputs and nodes moved first before it.
// The memory plan lets no output written before such a node take over a Parameter's buffer, so
// that a failed call changes nothing; run first, the checks (a learning-rate list's position
// against the step count, then the list's gather) leave the updates free to write in place.
// Graph order is run order: the pass reorders nodes and changes no value.
#include "passes/passes.h"

#include <algorithm>

#include "passes/rewrite.h"

namespace gg {

Graph schedule_checks(const Graph& g) {
  const int n = static_cast<int>(g.nodes.size());
  std::vector<bool> first(n, false);
  std::vector<int> order;
  for (int v = 0; v < n; ++v) {  // inputs come before their readers: one pass decides
    const Node& node = g.nodes[v];
    first[v] = node.op->may_fail && std::all_of(node.inputs.begin(), node.inputs.end(), [&](int in) {
      return first[in] || g.nodes[in].op == &GG_OP("input");
    });
    if (first[v]) order.push_back(v);
  }
  if (order.empty()) return g;
  Rewriter rw(g);
  for (int v = 0; v < n; ++v)
    if (!rw.is_input(v) && !first[v]) order.push_back(v);
  for (int v : order) rw.map[v] = rw.push(rw.mapped(v));
  return rw.finish();
}

}  // namespace gg
