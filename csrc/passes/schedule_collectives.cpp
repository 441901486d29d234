// Collective scheduling: each collective starts as soon as its data is ready and is waited for
// only where its result is first needed, so the kernels between the two hide the transfer (the
// gradient all-reduce runs behind the rest of the backward pass, as PyTorch DDP's buckets do).
// Graph order is run order: the pass reorders nodes.
//   - A collective_start, and the nodes whose values only it reads (directly or through such
//     nodes), are placed as soon as all their inputs are.
//   - A collective_wait is placed just before the first node that reads it.
//   - A constant a start's cone reads is placed when the cone is.
//   - The other nodes keep their relative order, except that those that need a collective's
//     result come last, in the order their collectives started.
#include "passes/passes.h"

#include <algorithm>

#include "passes/rewrite.h"

namespace gg {

Graph schedule_collectives(const Graph& g) {
  const int n = static_cast<int>(g.nodes.size());
  std::vector<std::vector<int>> readers(n);
  bool any = false;
  for (int v = 0; v < n; ++v) {
    for (int in : g.nodes[v].inputs) readers[in].push_back(v);
    any |= g.nodes[v].op == &GG_OP("collective_start");
  }
  if (!any) return g;

  // A start's own cone: it and the nodes only it reads, directly or through such nodes (the
  // bucket's concat, the 1/n scaling, a gradient nothing else reads). owner[v]: that start, or -1.
  std::vector<bool> is_output(n, false), early(n, false), late(n, false);
  std::vector<int> owner(n, -1);
  for (int v : g.outputs) is_output[v] = true;
  for (int v = n - 1; v >= 0; --v) {  // readers come after: they are decided first
    const Node& node = g.nodes[v];
    late[v] = node.op == &GG_OP("collective_wait");
    if (node.op == &GG_OP("collective_start")) {
      owner[v] = v;
    } else if (node.op != &GG_OP("input") && !is_output[v] && !readers[v].empty()) {
      owner[v] = owner[readers[v][0]];
      for (int r : readers[v])
        if (owner[r] != owner[v]) owner[v] = -1;
    }
    early[v] = owner[v] >= 0;
  }

  Rewriter rw(g);
  std::vector<int> waiting;  // early nodes not placed yet, in graph order
  for (int v = 0; v < n; ++v)
    if (early[v]) waiting.push_back(v);
  auto placed = [&](int v) { return rw.map[v] >= 0; };
  auto ready = [&](int v) {  // a constant (a node of no inputs) is placed on demand
    for (int in : g.nodes[v].inputs)
      if (!placed(in) && !g.nodes[in].inputs.empty()) return false;
    return true;
  };
  // place(v): v after its inputs (late ones are placed on demand), then every early node that
  // became ready (v = -1: only those).
  auto place = [&](auto& self, int v) -> void {
    if (v >= 0 && !placed(v)) {
      for (int in : g.nodes[v].inputs) self(self, in);
      rw.map[v] = rw.push(rw.mapped(v));
    }
    for (auto it = waiting.begin(); it != waiting.end(); ++it)
      if (!placed(*it) && ready(*it)) {
        const int e = *it;
        waiting.erase(it);
        return self(self, e);  // which looks again
      }
  };
  place(place, -1);  // the early nodes that need only graph inputs
  // First what needs no collective's result; then what does, in the order the collectives
  // started (the first to finish is used first, while the later ones are still in flight).
  std::vector<bool> needs_wait(n, false);
  for (int v = 0; v < n; ++v)
    for (int in : g.nodes[v].inputs) needs_wait[v] = needs_wait[v] || late[in] || needs_wait[in];
  for (int v = 0; v < n; ++v)
    if (!placed(v) && !early[v] && !late[v] && !needs_wait[v]) place(place, v);
  std::vector<int> key(n, -1), rest;  // key: the latest position of a start v waits for
  for (int v = 0; v < n; ++v) {
    for (int in : g.nodes[v].inputs) key[v] = std::max(key[v], key[in]);
    if (late[v]) key[v] = placed(g.nodes[v].inputs[0]) ? rw.map[g.nodes[v].inputs[0]] : n;
    if (!placed(v)) rest.push_back(v);
  }
  std::stable_sort(rest.begin(), rest.end(), [&](int a, int b) { return key[a] < key[b]; });
  for (int v : rest) place(place, v);
  return rw.finish();
}

}  // namespace gg
