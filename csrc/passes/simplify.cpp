// Algebraic simplification, after folding has turned constants into fills:
//   mul(x, 1) -> x when the result has x's type     reshape(x) to x's shape -> x
//   reshape(reshape(x)) -> reshape(x)               stop_gradient(x) -> x (gradients are built)
//   a fill(1) as a BCE weight, pos_weight or adjoint -> dropped (it multiplies by one)
//   transpose(transpose(x)) -> one transpose; transpose by the identity -> x
//   matmul(transpose(a), b) -> matmul(a, b) {trans_a} (2-D; likewise for b): no transposed copy
//   transpose(matmul(a, b)) -> matmul(b, a) with flipped flags (C^T = B^T A^T), when nothing
//   else reads the matmul
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace gg {

namespace {
bool is_fill(const Graph& g, int id, double value) {
  const Node& n = g.nodes[id];
  return n.op == &GG_OP("fill") && attr_float(n.attrs, "value", 0.0) == value;
}

bool is_identity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

// Drops the BCE operands that are fill(1): weight, pos_weight and (for the gradient) the adjoint.
void drop_unit_bce_operands(const Graph& g, Node& n) {
  const bool grad = n.op == &GG_OP("bce_with_logits_grad");
  std::vector<int> kept = {n.inputs[0], n.inputs[1]};
  size_t next = 2;
  for (const char* flag : {"has_weight", "has_pos_weight"}) {
    if (!attr_int(n.attrs, flag, 0)) continue;
    const int id = n.inputs[next++];
    if (is_fill(g, id, 1.0)) n.attrs.erase(flag);
    else kept.push_back(id);
  }
  if (grad && !attr_int(n.attrs, "unit_grad", 0)) {
    const int id = n.inputs[next];
    if (is_fill(g, id, 1.0)) n.attrs["unit_grad"] = int64_t{1};
    else kept.push_back(id);
  }
  n.inputs = kept;
}
}  // namespace

Graph simplify(const Graph& g) {
  std::vector<int> readers(g.nodes.size(), 0);
  for (const Node& node : g.nodes)
    for (int in : node.inputs) ++readers[in];
  for (int out : g.outputs) ++readers[out];
  Rewriter r(g);
  const Graph& out = r.out;
  for (int v = 0; v < static_cast<int>(g.nodes.size()); ++v) {
    if (r.is_input(v)) continue;
    Node n = r.mapped(v);
    const OpDef* op = n.op;
    int same = -1;  // the node is that existing value
    if (op == &GG_OP("mul")) {  // x * 1 is x exactly (x + 0 is not: -0 + 0 is +0)
      for (int k = 0; k < 2; ++k)
        if (is_fill(out, n.inputs[1 - k], 1.0) && out.type(n.inputs[k]) == n.type) same = n.inputs[k];
    } else if (op == &GG_OP("reshape")) {
      const int src = n.inputs[0];
      if (out.type(src) == n.type) same = src;
      else if (out.nodes[src].op == &GG_OP("reshape")) n.inputs[0] = out.nodes[src].inputs[0];
    } else if (op == &GG_OP("transpose")) {
      const int src = n.inputs[0];
      if (out.nodes[src].op == &GG_OP("transpose")) {  // compose: out axis i = src axis perm[i]
        const std::vector<int64_t>& inner = attr_ints(out.nodes[src].attrs, "perm");
        std::vector<int64_t> perm = attr_ints(n.attrs, "perm");
        for (int64_t& p : perm) p = inner[p];
        n.inputs[0] = out.nodes[src].inputs[0];
        n.attrs["perm"] = perm;
      }
      const Node& mm = out.nodes[n.inputs[0]];
      if (out.type(n.inputs[0]) == n.type && is_identity(attr_ints(n.attrs, "perm"))) {
        same = n.inputs[0];
      } else if (mm.op == &GG_OP("matmul") && mm.inputs.size() == 2 && n.type.ndim() == 2 &&
                 out.type(mm.inputs[0]).ndim() == 2 && out.type(mm.inputs[1]).ndim() == 2 &&
                 readers[g.nodes[v].inputs[0]] == 1) {
        Attrs flags;
        if (!attr_int(mm.attrs, "trans_b", 0)) flags["trans_a"] = int64_t{1};
        if (!attr_int(mm.attrs, "trans_a", 0)) flags["trans_b"] = int64_t{1};
        n.op = mm.op;
        n.inputs = {mm.inputs[1], mm.inputs[0]};
        n.attrs = flags;
      }
    } else if (op == &GG_OP("matmul")) {
      for (int k = 0; k < 2; ++k) {
        const Node& src = out.nodes[n.inputs[k]];
        if (src.op != &GG_OP("transpose") || src.type.ndim() != 2 || out.type(n.inputs[1 - k]).ndim() > 2) continue;
        const char* flag = k == 0 ? "trans_a" : "trans_b";
        n.inputs[k] = src.inputs[0];
        if (attr_int(n.attrs, flag, 0)) n.attrs.erase(flag);
        else n.attrs[flag] = int64_t{1};
      }
    } else if (op == &GG_OP("stop_gradient")) {
      same = n.inputs[0];
    } else if (op == &GG_OP("bce_with_logits") || op == &GG_OP("bce_with_logits_grad")) {
      drop_unit_bce_operands(out, n);
    }
    r.map[v] = same >= 0 ? same : r.push(std::move(n));
  }
  return r.finish();
}

}  // namespace gg
