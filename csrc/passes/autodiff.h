#pragma once
#include <vector>

#include "ir/graph.h"

namespace gg {

struct VjpContext;

// Reverse-mode autodiff, graph to graph. Returns a graph that computes fwd's outputs followed by
// one gradient per entry of `wrt` (indices into fwd.inputs): the gradient of the sum of the first
// `n_diff` outputs, each seeded with ones (or with the values `seeds` names, one per
// differentiated output, when given). An input the outputs do not depend on gets zeros.
Graph autodiff(const Graph& fwd, const std::vector<int>& wrt, int n_diff, const std::vector<int>& seeds = {});

// The core of it, in place: appends to g the gradient of nodes [begin, end) of g seeded with
// (value, adjoint) pairs, and returns the gradient of each value in `wrt` (-1: none flows).
// Gradient nodes take the line of the forward node they differentiate.
std::vector<int> backprop(Graph& g, int begin, int end, const std::vector<std::pair<int, int>>& seeds,
                          const std::vector<int>& wrt);

// The vjp of an op through its decomposition: emits the op's value in primitives and
// backpropagates c.grad through those nodes; fills grads for the inputs c.needs.
void vjp_by_decomposition(VjpContext& c, std::vector<int>& grads);

}  // namespace gg
