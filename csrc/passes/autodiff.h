#pragma once
#include <vector>

#include "ir/graph.h"

namespace gg {

// Reverse-mode autodiff, graph to graph. Returns a graph that computes fwd's outputs followed by
// one gradient per entry of `wrt` (indices into fwd.inputs): the gradient of the sum of the first
// `n_diff` outputs, each seeded with ones. An input the outputs do not depend on gets zeros.
Graph autodiff(const Graph& fwd, const std::vector<int>& wrt, int n_diff);

}  // namespace gg
