// ReLU into the matmul epilogue (after fuse_bias, so a layer's matmul + bias + relu is one kernel):
//   relu(matmul(...))             ->  matmul(...) {relu}
//   relu_grad(mask, matmul(...))  ->  matmul(..., mask) {has_mask}     (ReLU's backward)
// when nothing else reads the product. In a training step the forward product has other readers:
// the relu_grad(product, g) nodes of the backward pass. They read the relu's output instead
// (relu(x) > 0 exactly where x > 0, NaN included), which frees the product to fuse. The kernel
// applies the same operations to the same values as the ops it replaces: the same bits.
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace gg {

Graph fuse_relu(const Graph& g) {
  const int n = static_cast<int>(g.nodes.size());
  std::vector<std::vector<int>> users(n);
  for (int v = 0; v < n; ++v)
    for (int in : g.nodes[v].inputs) users[in].push_back(v);
  std::vector<bool> is_output(n, false);
  for (int out : g.outputs) is_output[out] = true;
  const auto plain_matmul = [&](int v) {
    const Node& m = g.nodes[v];
    return m.op == &GG_OP("matmul") && !is_output[v] && !attr_int(m.attrs, "relu", 0) && !attr_int(m.attrs, "has_mask", 0);
  };

  // fused[v] = the matmul that the relu or relu_grad v absorbs.
  std::vector<int> fused(n, -1);
  std::vector<bool> absorbed(n, false);
  for (int v = 0; v < n; ++v) {
    const Node& node = g.nodes[v];
    if (node.op == &GG_OP("relu")) {
      const int mm = node.inputs[0];
      if (!plain_matmul(mm)) continue;
      bool ok = true;  // every other reader is a later relu_grad(mm, g) with g != mm
      for (int u : users[mm]) {
        const Node& r = g.nodes[u];
        ok = ok && (u == v || (u > v && r.op == &GG_OP("relu_grad") && r.inputs[0] == mm && r.inputs[1] != mm));
      }
      if (ok) fused[v] = mm;
    } else if (node.op == &GG_OP("relu_grad")) {
      const int mask = node.inputs[0], mm = node.inputs[1];
      if (plain_matmul(mm) && users[mm].size() == 1 && g.type(mask) == node.type && g.type(mm) == node.type)
        fused[v] = mm;
    }
    if (fused[v] >= 0) absorbed[fused[v]] = true;
  }

  Rewriter r(g);
  for (int v = 0; v < n; ++v) {
    if (r.is_input(v) || absorbed[v]) continue;  // an absorbed matmul moves to its relu / relu_grad
    Node node = r.mapped(v);
    if (const int mm = fused[v]; mm >= 0) {
      Node f = r.mapped(mm);
      if (node.op == &GG_OP("relu")) {
        f.attrs["relu"] = int64_t{1};
      } else {
        f.inputs.push_back(node.inputs[0]);
        f.attrs["has_mask"] = int64_t{1};
      }
      f.loc = node.loc;
      f.grad = node.grad;
      r.map[v] = r.push(std::move(f));
      r.map[mm] = r.map[v];  // the relu_grads that read the product read the relu's output
      continue;
    }
    r.map[v] = r.push(std::move(node));
  }
  return r.finish();
}

}  // namespace gg
