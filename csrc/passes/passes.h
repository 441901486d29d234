// The optimisation passes: each a function from graph to graph, one per file.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"

namespace gg {

Graph fold(const Graph& g);      // fold.cpp: constant folding into fills
Graph simplify(const Graph& g);  // simplify.cpp: algebraic identities
Graph cse(const Graph& g);       // cse.cpp: common subexpressions
Graph fuse_bias(const Graph& g);  // fuse_bias.cpp: bias add into the matmul epilogue
Graph fuse_relu(const Graph& g);  // fuse_relu.cpp: relu and relu_grad into the matmul epilogue
Graph fuse_bce(const Graph& g);   // fuse_bce.cpp: BCE loss and logits gradient in one kernel
Graph fuse_update(const Graph& g);  // fuse_update.cpp: an SGD update accumulated in its matmul
Graph dce(const Graph& g);       // dce.cpp: dead code
Graph schedule_updates(const Graph& g);      // schedule_updates.cpp: weight updates right after the last read
Graph schedule_collectives(const Graph& g);  // schedule_collectives.cpp: start early, wait late
Graph schedule_checks(const Graph& g);       // schedule_checks.cpp: checks on the inputs first

struct Stage {
  std::string name;
  Graph graph;
};

// Runs the passes in order and returns the graph after each; with `check`, verify()s each one.
std::vector<Stage> optimize(const Graph& g, bool check);

}  // namespace gg
