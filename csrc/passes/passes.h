// The optimisation passes: each a function from graph to graph, one per file.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"

namespace gg {

Graph dce(const Graph& g);  // dce.cpp

struct Stage {
  std::string name;
  Graph graph;
};

// Runs the passes in order and returns the graph after each; with `check`, verify()s each one.
std::vector<Stage> optimize(const Graph& g, bool check);

}  // namespace gg
