// Rebuilding a graph node by node: the common frame of the passes. `map[old id]` is the id of
// the value that replaces it in the new graph.
#pragma once
#include <vector>

#include "ir/graph.h"
#include "ops/op.h"

namespace gg {

struct Rewriter {
  const Graph& old;
  Graph out;
  std::vector<int> map;

  explicit Rewriter(const Graph& g) : old(g), map(g.nodes.size(), -1) {
    out.name = g.name;
    for (int id : g.inputs) {  // inputs first, in order: they are the call signature
      map[id] = static_cast<int>(out.nodes.size());
      out.nodes.push_back(g.nodes[id]);
      out.inputs.push_back(map[id]);
    }
  }

  // Node `v` of the old graph with its inputs mapped into the new one.
  Node mapped(int v) const {
    Node n = old.nodes[v];
    for (int& in : n.inputs) in = map[in];
    return n;
  }
  int push(Node n) {
    out.nodes.push_back(std::move(n));
    return static_cast<int>(out.nodes.size()) - 1;
  }
  bool is_input(int v) const { return old.nodes[v].op == &GG_OP("input"); }

  Graph finish() {
    for (int id : old.outputs) out.outputs.push_back(map[id]);
    return std::move(out);
  }
};

}  // namespace gg
