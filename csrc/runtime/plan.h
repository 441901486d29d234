// A compiled graph: one prepared kernel per node, over buffers placed by a memory plan.
//
// Memory plan: every value is either a graph input (the caller's storage), an output root (a
// fresh Storage per call, handed back without a copy), an alias of another value (reshape,
// stop_gradient, view), or a slice of one arena per call. An output that is a small view of a
// much larger buffer (a part of a fused kernel's output) is copied out instead, so that what the
// caller keeps does not pin the whole buffer. Arena slices are placed by liveness: a
// buffer is reused once its last reader has run, and an elementwise op writes over an input
// that dies at it. Arenas are pooled, so a steady-state call allocates only its outputs. An
// output that is an input's next value (a Parameter's update) is written over that input when
// nothing reads the input after it and the caller holds the input's storage alone (buffer
// donation: a train step allocates no weight-sized buffers).
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ops/op.h"
#include "runtime/tensor.h"

namespace gg {

class Plan {
 public:
  // `donations`: (output, input) pairs where the output is the input's next value (a
  // Parameter's update): the output may be computed straight into the input's buffer.
  explicit Plan(const Graph& g, const std::vector<std::pair<int, int>>& donations = {});
  // Checks the inputs against the graph's input types, runs every step (in order; consecutive
  // independent weight updates as one batch, see batch_updates), returns the outputs.
  // Holds no Python state (the caller may release the GIL) and is reentrant: each call takes
  // its own arena, so one plan may run on several threads at once.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) const;
  // The same over inputs[0..n) and into outputs[0..graph().outputs.size()): no vectors, so the
  // call path of a small compiled graph allocates nothing but its outputs. `refs`: how many
  // references to an input's storage the caller's side holds (its tensor, and a copy it may have
  // taken); a donated input's buffer is written only when no one else holds one.
  void run(const Tensor* const* inputs, size_t n, Tensor* outputs, long refs) const;

  const Graph& graph() const { return graph_; }
  size_t arena_bytes() const { return arena_bytes_; }
  // Inputs, arena and outputs within 64 KiB: a run of a few microseconds at most, less than
  // releasing and retaking the GIL around it would cost a caller that holds it.
  bool light() const { return light_; }
  int kernel_count() const { return static_cast<int>(steps_.size()); }
  // The graph's text with each value's buffer and the planned peak.
  std::string describe() const;
  // Kernel i (in run order): the value it writes and the values it reads (for the profiler).
  int step_output(int i) const { return steps_[i].out; }
  const std::vector<int>& step_inputs(int i) const { return steps_[i].inputs; }

 private:
  enum class Where : uint8_t { Input, Output, Arena, Alias };
  struct Value {
    Where where = Where::Arena;
    size_t offset = 0;  // Arena: byte offset in the arena; Alias: byte offset in its root
    int index = 0;      // Input: input number; Output: output-root number; Alias: the root value
  };
  struct Step {
    Kernel kernel;
    std::vector<int> inputs;  // value ids
    int out = 0;
    int batch = 0;  // on the first of consecutive weight updates that run as one batch: how many
  };

  int root(int v) const { return values_[v].where == Where::Alias ? values_[v].index : v; }  // v's buffer's owner
  void batch_updates();
  void* acquire_arena() const;
  void release_arena(void* arena) const;

  Graph graph_;
  std::vector<Value> values_;
  std::vector<Step> steps_;
  std::vector<int> output_roots_;  // value ids that get a fresh Storage each call
  std::vector<int> donor_;         // per output root: the input whose buffer it may take, or -1
  std::vector<std::pair<int, size_t>> copied_from_;  // per value: (root, byte offset) it is copied out of
  size_t arena_bytes_ = 0, output_bytes_ = 0;
  bool light_ = false;

  // Arenas of finished runs: one in a lock-free slot (the usual one-caller case), more under the
  // mutex when several threads run the plan at once.
  mutable std::atomic<void*> spare_arena_{nullptr};
  mutable std::mutex pool_mutex_;
  mutable std::vector<void*> arena_pool_;

 public:
  ~Plan();
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
};

// Runs one op eagerly (PyNative mode): the same shape rule and kernel as in a graph.
Tensor run_op(const OpDef& op, const std::vector<Tensor>& inputs, const Attrs& attrs);

}  // namespace gg
