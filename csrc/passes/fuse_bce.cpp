// When a graph needs both the BCE loss and its logits gradient over the same operands (a
// value_and_grad of a BCE loss), one kernel computes both in one pass over the logits, with one
// exp per element: bce_with_logits_and_grad, whose packed output two views hand out.
#include "ops/bce.h"
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace gg {

Graph fuse_bce(const Graph& g) {
  const int n = static_cast<int>(g.nodes.size());
  // partner[F] = G and partner[G] = F for each forward F and logits gradient G that fuse.
  std::vector<int> partner(n, -1);
  for (int gv = 0; gv < n; ++gv) {
    const Node& gn = g.nodes[gv];
    if (gn.op != &GG_OP("bce_with_logits_grad")) continue;
    const bool unit = attr_int(gn.attrs, "unit_grad", 0);
    std::vector<int> operands = gn.inputs;
    if (!unit) operands.pop_back();  // the adjoint
    Attrs forward_attrs = gn.attrs;
    forward_attrs.erase("unit_grad");
    for (int fv = 0; fv < n; ++fv) {
      const Node& fn = g.nodes[fv];
      // The adjoint must exist before the forward node, where the fused node will stand.
      if (fn.op == &GG_OP("bce_with_logits") && partner[fv] < 0 && fn.inputs == operands && fn.attrs == forward_attrs &&
          (unit || gn.inputs.back() < fv)) {
        partner[fv] = gv;
        partner[gv] = fv;
        break;
      }
    }
  }

  Rewriter r(g);
  std::vector<int> packed(n, -1);  // for each fused G: the fused node in the new graph
  for (int v = 0; v < n; ++v) {
    if (r.is_input(v)) continue;
    const Node& node = g.nodes[v];
    if (partner[v] >= 0 && node.op == &GG_OP("bce_with_logits")) {
      const Node& gn = g.nodes[partner[v]];
      Node fused = r.mapped(partner[v]);  // the gradient's operands, adjoint included
      const int p = r.out.add(GG_OP("bce_with_logits_and_grad"), fused.inputs, fused.attrs, node.loc);
      r.map[v] = r.out.add(GG_OP("view"), {p}, {{"offset", int64_t{0}}, {"shape", node.type.shape}}, node.loc);
      const int64_t grad_at = bce_fused_grad_offset(node.type.numel());
      packed[partner[v]] = r.out.add(GG_OP("view"), {p}, {{"offset", grad_at}, {"shape", gn.type.shape}}, gn.loc, true);
    } else if (packed[v] >= 0) {
      r.map[v] = packed[v];
    } else {
      r.map[v] = r.push(r.mapped(v));
    }
  }
  return r.finish();
}

}  // namespace gg
