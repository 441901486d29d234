// Constant folding: a node whose value is a uniform constant becomes a fill of that value.
// Constants are fills (and ones_like / zeros_like); an op that only moves elements keeps its
// constant input's value; an elementwise op over constants is computed by running its own
// kernel on 0-d operands, so a folded value is bit for bit what the kernel would have given.
// Nothing else folds (a sum of n copies of c is not n * c in floating point).
#include <cmath>
#include <cstring>

#include "passes/passes.h"
#include "passes/rewrite.h"

namespace gg {

namespace {
std::optional<double> constant_of(const Node& n) {
  if (n.op == &GG_OP("fill")) return attr_float(n.attrs, "value", 0.0);
  if (n.op == &GG_OP("ones_like")) return 1.0;
  if (n.op == &GG_OP("zeros_like")) return 0.0;
  return std::nullopt;
}

// The value of op(constants) from the op's kernel on 0-d operands; nullopt when a fill's double
// cannot hold it exactly (an int64 beyond 2**53).
std::optional<double> run_elementwise(const Node& n, const std::vector<double>& values, const std::vector<Type>& types) {
  std::vector<const Type*> scalar_types;
  std::vector<Tensor> operands;
  operands.reserve(values.size());  // scalar_types points into it
  for (size_t i = 0; i < values.size(); ++i) {
    operands.push_back(Tensor::empty(Type{types[i].dtype, {}}));
    scalar_types.push_back(&operands.back().type);
    Kernel fill = op_def("fill").compile({}, operands.back().type, {{"value", values[i]}});
    fill(nullptr, operands.back().ptr());
  }
  const Type out_type{n.type.dtype, {}};
  std::vector<const void*> args;
  for (const Tensor& t : operands) args.push_back(t.ptr());
  Tensor out = Tensor::empty(out_type);
  n.op->compile(scalar_types, out_type, n.attrs)(args.data(), out.ptr());
  std::optional<double> v;
  dispatch_all(out_type.dtype, "fold", [&](auto t) {
    using T = decltype(t);
    const T x = *out.data<T>();
    if (static_cast<T>(static_cast<double>(x)) == x || x != x) v = static_cast<double>(x);
  });
  if (v && out_type.dtype == DType::I64 && std::fabs(*v) > 9007199254740992.0) v.reset();  // 2**53: not exact
  return v;
}
}  // namespace

Graph fold(const Graph& g) {
  Rewriter r(g);
  for (int v = 0; v < static_cast<int>(g.nodes.size()); ++v) {
    if (r.is_input(v)) continue;
    Node n = r.mapped(v);
    std::optional<double> value = constant_of(n);
    if (!value && !n.inputs.empty() && (n.op->keeps_values || n.op->elementwise)) {
      std::vector<double> values;
      std::vector<Type> types;
      for (int id : n.inputs) {
        const std::optional<double> c = constant_of(r.out.nodes[id]);
        if (!c) break;
        values.push_back(*c);
        types.push_back(r.out.type(id));
      }
      if (values.size() == n.inputs.size()) {
        if (n.op->elementwise) {
          value = run_elementwise(n, values, types);
        } else if (std::memcmp(&values[0], &values.back(), sizeof(double)) == 0 && types[0].dtype == n.type.dtype) {
          value = values[0];  // moved elements of one constant (every operand the same)
        }
      }
    }
    if (value && n.op != &GG_OP("fill")) {
      n.attrs = {{"shape", n.type.shape}, {"value", *value}, {"dtype", static_cast<int64_t>(n.type.dtype)}};
      n.op = &GG_OP("fill");
      n.inputs.clear();
    }
    r.map[v] = r.push(std::move(n));
  }
  return r.finish();
}

}  // namespace gg
