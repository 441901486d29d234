// Whole graphs through the C++ API, no Python: the value and gradient of the linear + BCE model,
//   loss = bce_with_logits(x @ w + b, y, reduction=mean),  gradients w.r.t. w and b,
// built as the front end builds it (forward graph -> autodiff -> optimize, last stage -> Plan).
// The timed loop is plan.run(inputs) alone, so this is the floor under a Python call.
//
// Arguments: {size, threads}; sizes are the ones bench/compare.py uses (batch x in -> out).
// GFLOPs is a rate counter over the matmuls the final graph actually runs (summed from their
// shapes), not a textbook 3 * 2*B*I*O: with no gradient w.r.t. x the backward has one matmul.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "ir/graph.h"
#include "passes/autodiff.h"
#include "passes/passes.h"
#include "runtime/plan.h"
#include "runtime/thread_pool.h"

using namespace gg;

namespace {

struct Size {
  const char* name;
  int64_t batch, in, out;  // batch 0: the tutorial's 1-D x
};
constexpr Size kSizes[] = {
    {"seed", 0, 5, 3}, {"small", 64, 256, 128}, {"medium", 512, 1024, 1024}, {"large", 2048, 4096, 1024}};

Shape rows(int64_t batch, int64_t n) { return batch ? Shape{batch, n} : Shape{n}; }

// The graph the Python front end builds for value_and_grad(fn, None, weights=[w, b]).
Graph model_grad(const Size& s) {
  Graph g;
  g.name = std::string("linear_bce_") + s.name;
  const int x = g.add_input({DType::F32, rows(s.batch, s.in)}, "x", "arg");
  const int y = g.add_input({DType::F32, rows(s.batch, s.out)}, "y", "arg");
  const int w = g.add_input({DType::F32, {s.in, s.out}}, "w", "param");
  const int b = g.add_input({DType::F32, {s.out}}, "b", "param");
  const int z = g.add("add", {g.add("matmul", {x, w}), b});
  g.outputs = {g.add("bce_with_logits", {z, y}, {{"reduction", std::string("mean")}})};
  return autodiff(g, {w, b}, 1);
}

Graph optimized(const Size& s) { return optimize(model_grad(s), false).back().graph; }

// Logits of order 1 (x ~ U(-1,1), w scaled by 1/sqrt(in)) so the BCE is in its usual range.
std::vector<Tensor> inputs(const Graph& g, const Size& s) {
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<Tensor> in;
  for (int id : g.inputs) {
    Tensor t = Tensor::empty(g.type(id));
    const float scale = id == g.inputs[2] ? 1.0f / std::sqrt(float(s.in)) : 1.0f;
    for (int64_t i = 0; i < t.type.numel(); ++i) t.data<float>()[i] = scale * u(rng);
    if (id == g.inputs[1])  // labels in [0, 1]
      for (int64_t i = 0; i < t.type.numel(); ++i) t.data<float>()[i] = 0.5f + 0.5f * t.data<float>()[i];
    in.push_back(t);
  }
  return in;
}

double matmul_flops(const Graph& g) {
  double f = 0;
  for (const Node& n : g.nodes) {
    if (n.op->name != "matmul") continue;
    const Type &a = g.type(n.inputs[0]), &out = n.type;
    const int64_t k = attr_int(n.attrs, "trans_a", 0) ? a.shape.front() : a.shape.back();
    f += 2.0 * double(out.numel()) * double(k);
  }
  return f;
}

void Args(benchmark::internal::Benchmark* b) {
  for (int size = 0; size < 4; ++size)
    for (int threads : {1, 2}) b->Args({size, threads});
  b->ArgNames({"size", "threads"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

// One training step's value and gradients: plan.run on prepared inputs.
void BM_linear_bce_value_and_grad(benchmark::State& st) {
  const Size& s = kSizes[st.range(0)];
  set_num_threads(int(st.range(1)));
  const Graph g = optimized(s);
  const Plan plan(g);
  const auto in = inputs(g, s);
  st.SetLabel(std::string(s.name) + " kernels=" + std::to_string(plan.kernel_count()));
  for (auto _ : st) {
    auto out = plan.run(in);
    benchmark::DoNotOptimize(out[0].data<float>());
  }
  st.counters["GFLOPs"] = benchmark::Counter(matmul_flops(g) * double(st.iterations()) / 1e9,
                                             benchmark::Counter::kIsRate);
}
BENCHMARK(BM_linear_bce_value_and_grad)->Apply(Args);

// What a first call pays in C++ (no tracing): autodiff + the pass pipeline + the memory plan.
void BM_linear_bce_compile(benchmark::State& st) {
  const Size& s = kSizes[st.range(0)];
  for (auto _ : st) {
    const Plan plan(optimized(s));
    benchmark::DoNotOptimize(plan.kernel_count());
  }
  st.SetLabel(s.name);
}
BENCHMARK(BM_linear_bce_compile)->Arg(0)->ArgName("size")->Unit(benchmark::kMicrosecond);

}  // namespace
