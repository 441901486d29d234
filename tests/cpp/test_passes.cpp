// Each pass on small graphs: it does its rewrite, keeps verify()'s invariants, and the graph
// computes the same outputs as before (run through the executor on random inputs).
#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "check.h"
#include "ir/graph.h"
#include "passes/autodiff.h"
#include "passes/passes.h"
#include "runtime/comm.h"
#include "runtime/plan.h"

using namespace gg;

namespace {
const Attrs kMean = {{"reduction", std::string("mean")}};

int count_op(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op->name == op;
  return n;
}

std::vector<Tensor> random_inputs(const Graph& g, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-2, 2);
  std::vector<Tensor> in;
  for (int id : g.inputs) {
    Tensor t = Tensor::empty(g.type(id));
    for (int64_t i = 0; i < t.type.numel(); ++i) t.data<double>()[i] = u(rng);
    in.push_back(t);
  }
  return in;
}

// Runs both graphs on the same inputs; true if every output agrees to 1e-12.
bool same_outputs(const Graph& a, const Graph& b) {
  const auto in = random_inputs(a, 7);
  const auto x = Plan(a).run(in), y = Plan(b).run(in);
  if (x.size() != y.size()) return false;
  for (size_t k = 0; k < x.size(); ++k) {
    if (!(x[k].type == y[k].type)) return false;
    for (int64_t i = 0; i < x[k].type.numel(); ++i)
      if (std::abs(x[k].data<double>()[i] - y[k].data<double>()[i]) > 1e-12) return false;
  }
  return true;
}

bool verifies(const Graph& g) {
  try {
    verify(g);
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return false;
  }
}

// loss(x, y, w, b) = bce(x @ w + b, y, ones_like, ones_like), its gradient w.r.t. w and b.
Graph tutorial_grad() {
  Graph g;
  g.name = "function";
  const int x = g.add_input({DType::F64, {5}}, "x", "arg");
  const int y = g.add_input({DType::F64, {3}}, "y", "arg");
  const int w = g.add_input({DType::F64, {5, 3}}, "w", "arg");
  const int b = g.add_input({DType::F64, {3}}, "b", "arg");
  const int z = g.add("add", {g.add("matmul", {x, w}), b});
  Attrs a = kMean;
  a["has_weight"] = int64_t{1};
  a["has_pos_weight"] = int64_t{1};
  g.outputs = {g.add("bce_with_logits", {z, y, g.add("ones_like", {z}), g.add("ones_like", {z})}, a)};
  return autodiff(g, {2, 3}, 1);
}

// A group of one: a collective's result is its input.
struct LocalBackend : comm::Backend {
  int64_t start(const comm::Collective&, const void* in, const Type& t, void* work, const Type&) override {
    if (in != work) std::memcpy(work, in, t.bytes());
    return 0;
  }
  void wait(int64_t) override {}
  void progress() override {}
};

int position(const Graph& g, const std::string& op) {
  for (size_t v = 0; v < g.nodes.size(); ++v)
    if (g.nodes[v].op->name == op) return static_cast<int>(v);
  return -1;
}
}  // namespace

int main() {
  // fold: constants become fills, and elementwise ops and moves over fills fold (a matmul or
  // a sum does not: n * c is not what the kernel's sum of n copies of c gives).
  {
    Graph g;
    const int x = g.add_input({DType::F64, {2, 4}}, "x", "arg");
    const int ones = g.add("ones_like", {g.add_input({DType::F64, {2, 4}}, "u", "arg")});
    const int twos = g.add("fill", {}, {{"shape", Shape{4}}, {"value", 2.0}, {"dtype", int64_t{1}}});
    const int three = g.add("add", {ones, twos});                                  // every element 3
    const int moved = g.add("transpose", {three}, {{"perm", Shape{1, 0}}});
    const int s = g.add("mul", {g.add("reshape", {moved}, {{"shape", Shape{2, 4}}}), three});  // 9
    const int summed = g.add("reduce_sum", {s}, {{"axes", Shape{0}}, {"keep_dims", int64_t{0}}});
    g.outputs = {g.add("add", {x, s}), summed};
    const Graph f = fold(g);
    CHECK(verifies(f));
    CHECK(same_outputs(g, f));
    CHECK(count_op(dce(f), "mul") == 0 && count_op(dce(f), "transpose") == 0 && count_op(dce(f), "reduce_sum") == 1);
    const Node& folded = f.nodes[f.nodes[f.outputs[0]].inputs[1]];
    CHECK(folded.op->name == "fill" && attr_float(folded.attrs, "value", 0) == 9.0);
  }
  // simplify: x * 1, reshape chains, stop_gradient, unit BCE weights and adjoints.
  {
    Graph g;
    const int x = g.add_input({DType::F64, {2, 3}}, "x", "arg");
    const int y = g.add_input({DType::F64, {2, 3}}, "y", "arg");
    const int unit = g.add("fill", {}, {{"shape", Shape{3}}, {"value", 1.0}, {"dtype", int64_t{1}}});
    const int one = g.add("fill", {}, {{"shape", Shape{}}, {"value", 1.0}, {"dtype", int64_t{1}}});
    const int sum = g.add("mul", {unit, x});                                          // -> x
    const int r = g.add("reshape", {g.add("reshape", {sum}, {{"shape", Shape{6}}})}, {{"shape", Shape{3, 2}}});
    const int same = g.add("reshape", {g.add("stop_gradient", {x})}, {{"shape", Shape{2, 3}}});  // -> x
    Attrs a = kMean;
    a["has_weight"] = int64_t{1};
    const int d = g.add("bce_with_logits_grad", {same, y, one, one}, a);  // weight 1, adjoint 1
    g.outputs = {r, d};
    const Graph s = dce(simplify(g));
    CHECK(verifies(s));
    CHECK(same_outputs(g, s));
    CHECK(count_op(s, "mul") == 0 && count_op(s, "stop_gradient") == 0 && count_op(s, "fill") == 0);
    CHECK(count_op(s, "reshape") == 1);
    const Node& grad = s.nodes[s.outputs[1]];
    CHECK(grad.inputs.size() == 2 && attr_int(grad.attrs, "unit_grad", 0) == 1 && !grad.attrs.count("has_weight"));
  }
  // simplify: transposes fold into matmul flags; transpose(matmul) becomes one matmul.
  {
    Graph g;
    const int a = g.add_input({DType::F64, {4, 3}}, "a", "arg");
    const int b = g.add_input({DType::F64, {4, 5}}, "b", "arg");
    const Attrs t = {{"perm", Shape{1, 0}}};
    const int c = g.add("matmul", {g.add("transpose", {a}, t), b});              // a^T b: [3,5]
    const int bc = g.add("matmul", {b, c}, {{"trans_b", int64_t{1}}});  // b c^T: [4,3]
    const int d = g.add("transpose", {bc}, t);                         // (b c^T)^T = c b^T
    const int e = g.add("transpose", {g.add("transpose", {a}, t)}, t);          // a
    g.outputs = {c, d, e};
    const Graph s = dce(simplify(g));
    CHECK(verifies(s));
    CHECK(same_outputs(g, s));
    CHECK(count_op(s, "transpose") == 0 && count_op(s, "matmul") == 2);
    CHECK(s.outputs[2] == s.inputs[0]);
  }
  // cse: identical nodes merge; different attributes do not.
  {
    Graph g;
    const int x = g.add_input({DType::F64, {4, 4}}, "x", "arg");
    const int a = g.add("matmul", {x, x});
    const int b = g.add("matmul", {x, x});
    const int c = g.add("matmul", {x, x}, {{"trans_a", int64_t{1}}});
    g.outputs = {g.add("add", {a, b}), c};
    const Graph s = dce(cse(g));
    CHECK(verifies(s));
    CHECK(same_outputs(g, s));
    CHECK(count_op(s, "matmul") == 2);
  }
  // fuse: the bias add goes into the matmul, unless the matmul's result is read elsewhere.
  {
    Graph g;
    const int x = g.add_input({DType::F64, {4, 5}}, "x", "arg");
    const int w = g.add_input({DType::F64, {5, 3}}, "w", "arg");
    const int b = g.add_input({DType::F64, {3}}, "b", "arg");
    const int mm = g.add("matmul", {x, w});
    const int other = g.add("matmul", {x, w}, {});
    g.outputs = {g.add("add", {b, mm}), g.add("add", {other, b}), other};
    const Graph f = fuse_bias(g);
    CHECK(verifies(f));
    CHECK(same_outputs(g, f));
    CHECK(count_op(f, "matmul") == 2 && count_op(f, "add") == 1);
  }
  // fuse_bce: a loss and its logits gradient over the same operands become one kernel whose
  // packed output two views hand out; nothing else is left.
  for (const char* reduction : {"mean", "sum", "none"}) {
    Graph g;
    const int x = g.add_input({DType::F64, {3, 37}}, "x", "arg");
    const int y = g.add_input({DType::F64, {3, 37}}, "y", "arg");
    const int w = g.add_input({DType::F64, {37}}, "w", "arg");
    const int gr = g.add_input({DType::F64, std::string(reduction) == "none" ? Shape{3, 37} : Shape{}}, "g", "arg");
    Attrs a = {{"reduction", std::string(reduction)}, {"has_weight", int64_t{1}}};
    const int loss = g.add("bce_with_logits", {x, y, w}, a);
    const int dx = g.add("bce_with_logits_grad", {x, y, w, gr}, a, {}, true);
    g.outputs = {loss, dx};
    const Graph f = dce(fuse_bce(g));
    CHECK(verifies(f));
    CHECK(same_outputs(g, f));  // bit for bit, within the 1e-12 the helper allows
    CHECK(count_op(f, "bce_with_logits_and_grad") == 1 && count_op(f, "bce_with_logits") == 0);
    CHECK(count_op(f, "bce_with_logits_grad") == 0 && count_op(f, "view") == 2);
  }
  // A loss handed back from a fused kernel's large buffer is copied out: it neither pins that
  // buffer nor changes when the next call reuses the (pooled) arena.
  {
    Graph g;
    const int x = g.add_input({DType::F64, {64, 512}}, "x", "arg");
    const int y = g.add_input({DType::F64, {64, 512}}, "y", "arg");
    const int loss = g.add("bce_with_logits", {x, y}, kMean);
    g.outputs = {loss};
    const Graph grad = autodiff(g, {0}, 1);
    const Graph last = optimize(grad, true).back().graph;
    CHECK(count_op(last, "bce_with_logits_and_grad") == 1);
    const Plan p(last);
    const auto first = p.run(random_inputs(last, 1));
    const double value = first[0].data<double>()[0];
    CHECK(first[0].storage->bytes == sizeof(double));  // its own one-element buffer
    p.run(random_inputs(last, 2));
    CHECK(first[0].data<double>()[0] == value);
    CHECK(same_outputs(grad, last));
  }
  // The whole pipeline on the tutorial's gradient: three kernels, fewer than a hand-written
  // backward (matmul + bias, loss and gradient in one pass, the outer product for dw).
  {
    const Graph g = tutorial_grad();
    const auto stages = optimize(g, true);
    const Graph& last = stages.back().graph;
    CHECK(same_outputs(g, last));
    CHECK(Plan(last).kernel_count() == 3);
    CHECK(count_op(last, "matmul") == 2 && count_op(last, "bce_with_logits_and_grad") == 1);
  }
  // The memory plan reuses dead buffers: a chain of ten adds (in place) needs one arena buffer.
  {
    Graph chain;
    const int c = chain.add_input({DType::F64, {1000}}, "x", "arg");
    int u = c;
    for (int i = 0; i < 10; ++i) u = chain.add("add", {u, c});
    chain.outputs = {chain.add("bce_with_logits", {u, c}, kMean)};
    const Plan p(chain);
    CHECK_MSG(p.arena_bytes() <= 8000, "arena %zu bytes", p.arena_bytes());
    const auto in = random_inputs(chain, 3);
    const double got = p.run(in)[0].data<double>()[0];
    const Plan q(chain);
    CHECK(got == q.run(in)[0].data<double>()[0]);
  }
  // schedule_collectives: an all-reduce traced after an unrelated matmul starts before it and is
  // waited for after it; the values are the same (a group of one runs it).
  {
    comm::set_backend(std::make_shared<LocalBackend>());
    Graph g;
    const int x = g.add_input({DType::F64, {4, 4}}, "x", "arg");
    const int y = g.add_input({DType::F64, {4, 4}}, "y", "arg");
    const int m = g.add("matmul", {y, y});
    const Attrs a = {{"kind", std::string("all_reduce")}, {"n", int64_t{1}}, {"name", std::string("g")}};
    Attrs start = a;
    start["op"] = std::string("sum");
    const int s = g.add("collective_start", {g.add("exp", {x})}, start);
    g.outputs = {g.add("add", {g.add("collective_wait", {s}, a), m})};
    const Graph h = schedule_collectives(g);
    CHECK(verifies(h));
    CHECK(position(h, "collective_start") < position(h, "matmul"));
    CHECK(position(h, "matmul") < position(h, "collective_wait"));
    CHECK(same_outputs(g, h));
    comm::set_backend(nullptr);
  }
  return CHECK_MAIN_RESULT();
}
