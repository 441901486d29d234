// verify() catches each broken invariant; the passes keep them.
#include <stdexcept>

#include "check.h"
#include "ir/graph.h"
#include "passes/autodiff.h"
#include "passes/passes.h"

using namespace gg;

namespace {
bool verify_throws(const Graph& g) {
  try {
    verify(g);
  } catch (const std::logic_error&) {
    return true;
  }
  return false;
}

Graph linear() {
  Graph g;
  g.name = "linear";
  const int x = g.add_input({DType::F32, {4, 5}}, "x", "arg");
  const int w = g.add_input({DType::F32, {5, 3}}, "w", "param");
  const int b = g.add_input({DType::F32, {3}}, "b", "param");
  const int z = g.add("add", {g.add("matmul", {x, w}), b});
  g.outputs = {g.add("bce_with_logits", {z, g.add("zeros_like", {z})}, {{"reduction", std::string("mean")}})};
  return g;
}
}  // namespace

int main() {
  const Graph g = linear();
  CHECK(!verify_throws(g));

  Graph wrong_type = g;
  wrong_type.nodes[3].type.shape = {4, 4};  // matmul's rule says [4,3]
  CHECK(verify_throws(wrong_type));

  Graph use_before_def = g;
  use_before_def.nodes[3].inputs[0] = 5;
  CHECK(verify_throws(use_before_def));

  Graph bad_output = g;
  bad_output.outputs.push_back(99);
  CHECK(verify_throws(bad_output));

  Graph lost_input = g;
  lost_input.inputs.pop_back();
  CHECK(verify_throws(lost_input));

  // The gradient pass and every pass keep the invariants.
  const Graph grad = autodiff(g, {1, 2}, 1);
  CHECK(!verify_throws(grad));
  CHECK(grad.outputs.size() == 3);
  CHECK(grad.type(grad.outputs[1]) == (Type{DType::F32, {5, 3}}));
  CHECK(grad.type(grad.outputs[2]) == (Type{DType::F32, {3}}));
  for (const Stage& s : optimize(grad, true)) CHECK(!verify_throws(s.graph));

  // DCE drops what no output needs and keeps the inputs.
  Graph dead = g;
  dead.add("ones_like", {dead.inputs[0]});
  const Graph cleaned = dce(dead);
  CHECK(cleaned.nodes.size() == g.nodes.size());
  CHECK(cleaned.inputs.size() == 3);
  CHECK(!verify_throws(cleaned));

  // A shape error quotes the IR line it would have made.
  Graph h = g;
  try {
    h.add("add", {h.inputs[0], h.inputs[1]}, {}, "model.py:7");
    CHECK(false);
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    CHECK_MSG(msg.find("add(%x, %w) where %x: f32[4,5], %w: f32[5,3]   # model.py:7") != std::string::npos, "%s",
              msg.c_str());
  }
  CHECK(h.nodes.size() == g.nodes.size());  // the failed add left the graph as it was
  return CHECK_MAIN_RESULT();
}
