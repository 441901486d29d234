// Common-subexpression elimination: two nodes with the same op, operands and attributes compute
// the same value (every op is pure), so the later one is replaced by the earlier.
#include <map>
#include <tuple>

#include "passes/passes.h"
#include "passes/rewrite.h"

namespace gg {

Graph cse(const Graph& g) {
  Rewriter r(g);
  std::map<std::tuple<const OpDef*, std::vector<int>, Attrs>, int> seen;
  for (int v = 0; v < static_cast<int>(g.nodes.size()); ++v) {
    if (r.is_input(v)) continue;
    Node n = r.mapped(v);
    auto key = std::make_tuple(n.op, n.inputs, n.attrs);
    auto it = seen.find(key);
    if (it != seen.end()) {
      r.map[v] = it->second;
      continue;
    }
    r.map[v] = seen[key] = r.push(std::move(n));
  }
  return r.finish();
}

}  // namespace gg
