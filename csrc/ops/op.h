// The op table. One op lives in one place: its file registers a name, a shape rule, a kernel
// (compiled once per node into a closure that knows its shapes) and a vjp rule.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/tensor.h"

namespace gg {

// A kernel prepared for fixed operand types (it knows their shapes): reads the operands' data,
// writes the preallocated output.
using Kernel = std::function<void(const void* const* in, void* out)>;

// What a vjp rule sees: the forward node, its adjoint, and which inputs want a gradient. It adds
// nodes to `g` with emit() (marked as gradient nodes, with the forward node's line). fwd() and in_type()
// refer to the forward graph, which does not change, so they stay valid across emit().
struct VjpContext {
  Graph& g;
  const Graph& forward;
  int node;                 // the forward node
  int grad;                 // the adjoint of its output (same type)
  std::vector<bool> needs;  // per input: is a gradient wanted

  const Node& fwd() const { return forward.nodes[node]; }
  int in(int i) const { return fwd().inputs[i]; }
  const Type& in_type(int i) const { return forward.type(in(i)); }
  int emit(const std::string& op, std::vector<int> inputs, Attrs attrs = {}) {
    return g.add(op, std::move(inputs), std::move(attrs), fwd().loc, true);
  }
};

struct OpDef {
  std::string name;
  int min_inputs = 0, max_inputs = 0;
  // Output type from input types and attributes; throws ShapeError / DTypeError.
  Type (*infer)(const std::vector<const Type*>& in, const Attrs& attrs) = nullptr;
  // Kernel for these operand types (nullptr for ops whose output aliases an input).
  Kernel (*compile)(const std::vector<const Type*>& in, const Type& out, const Attrs& attrs) = nullptr;
  // Fills one gradient id per input (-1: no contribution). nullptr: not differentiable.
  void (*vjp)(VjpContext& ctx, std::vector<int>& input_grads) = nullptr;
  // Constant folding: the output's value when it is a constant fill, given which inputs are
  // constant fills (nullopt: not constant). nullptr or nullopt: the node does not fold.
  std::optional<double> (*fold)(const std::vector<std::optional<double>>& in, const std::vector<const Type*>& types,
                                const Type& out, const Attrs& attrs) = nullptr;
  bool blocks_grad = false;  // the output carries no gradient back (stop_gradient, ones_like, ...)
  int alias_input = -1;      // the output shares this input's storage (reshape, stop_gradient, view)
  int64_t (*view_offset)(const Attrs& attrs) = nullptr;  // an alias's first element within its input
  int inplace_input = -1;    // the kernel may write its output over this input (same type),
                             // elementwise with no read after write; the memory plan uses it
};

const OpDef& op_def(const std::string& name);  // throws std::invalid_argument for unknown ops
const std::vector<const OpDef*>& all_ops();

// Shared checks for shape rules.
void require_same_dtype(const std::string& op, const std::vector<const Type*>& in);

}  // namespace gg

namespace gg {
// Calls f(float{}) or f(double{}) by dtype: kernels are templates over the element type.
template <class F>
auto dispatch_dtype(DType d, F&& f) {
  return d == DType::F32 ? f(float{}) : f(double{});
}

template <class T>
const T* in_as(const void* const* in, int i) { return static_cast<const T*>(in[i]); }
}  // namespace gg
