// An SGD step's update, w - s * matmul(a, b) (s a 0-d learning rate, the product read by
// nothing else), becomes matmul_update(w, a, b, s): the weight gradient is accumulated straight
// into the new weight (in w's own buffer when the plan donates it), so it is never stored.
#include <array>

#include "passes/passes.h"
#include "passes/rewrite.h"

namespace gg {

Graph fuse_update(const Graph& g) {
  const int n = static_cast<int>(g.nodes.size());
  std::vector<int> readers(n, 0);
  for (const Node& node : g.nodes)
    for (int in : node.inputs) ++readers[in];
  for (int out : g.outputs) ++readers[out];

  // update[sub] = {w, matmul, scale}, for each sub that absorbs its mul and matmul.
  std::vector<std::array<int, 3>> update(n, {-1, -1, -1});
  for (int v = 0; v < n; ++v) {
    const Node& sub = g.nodes[v];
    if (sub.op != &GG_OP("sub") || readers[sub.inputs[1]] != 1) continue;
    const Node& mul = g.nodes[sub.inputs[1]];
    if (mul.op != &GG_OP("mul")) continue;
    for (int k = 0; k < 2; ++k) {
      const int mm = mul.inputs[k], scale = mul.inputs[1 - k];
      const Node& m = g.nodes[mm];
      if (m.op == &GG_OP("matmul") && m.inputs.size() == 2 && readers[mm] == 1 && g.type(scale).ndim() == 0 &&
          g.type(mm) == sub.type && g.type(sub.inputs[0]) == sub.type && m.type.ndim() == 2 &&
          g.type(m.inputs[0]).ndim() == 2 && g.type(m.inputs[1]).ndim() == 2) {
        update[v] = {sub.inputs[0], mm, scale};
        break;
      }
    }
  }

  Rewriter r(g);
  for (int v = 0; v < n; ++v) {
    if (r.is_input(v)) continue;
    if (const auto [w, mm, scale] = update[v]; w >= 0) {
      const Node& m = g.nodes[mm];
      Attrs flags;
      for (const char* f : {"trans_a", "trans_b"})
        if (attr_int(m.attrs, f, 0)) flags[f] = int64_t{1};
      r.map[v] = r.out.add(GG_OP("matmul_update"), {r.map[w], r.map[m.inputs[0]], r.map[m.inputs[1]], r.map[scale]},
                           flags, g.nodes[v].loc, g.nodes[v].grad);
      continue;
    }
    r.map[v] = r.push(r.mapped(v));  // an absorbed mul or matmul stays, dead, for dce
  }
  return r.finish();
}

}  // namespace gg
