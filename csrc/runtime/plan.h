// A compiled graph: one prepared kernel per node over numbered value slots, run in order.
#pragma once
#include <vector>

#include "ir/graph.h"
#include "ops/op.h"
#include "runtime/tensor.h"

namespace gg {

class Plan {
 public:
  explicit Plan(const Graph& g);
  // Checks the inputs against the graph's input types, runs every step, returns the outputs.
  // Holds no Python state: the caller may release the GIL around it. Const and reentrant: each
  // call has its own slots, so one plan may run on several threads at once.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) const;

  const std::vector<Type>& input_types() const { return input_types_; }

 private:
  struct Step {
    Kernel kernel;            // empty for an alias
    std::vector<int> inputs;  // slots
    int out = 0;
    int alias = -1;           // slot whose storage the output shares
    Type type;
    std::vector<int> release;  // slots last read by this step
  };
  int n_slots_ = 0;
  std::vector<Type> input_types_;
  std::vector<int> input_slots_, output_slots_;
  std::vector<Step> steps_;
};

// Runs one op eagerly (PyNative mode): the same shape rule and kernel as in a graph.
Tensor run_op(const OpDef& op, const std::vector<Tensor>& inputs, const Attrs& attrs);

}  // namespace gg
