// transpose(x) {perm}: x's axes permuted (out axis i is x's axis perm[i]). The simplify pass
// folds a 2-D transpose feeding a matmul into the matmul's transpose flag.
#include "kernels/transpose.h"
#include "ops/op.h"

namespace gg {

namespace {
std::vector<int64_t> inverse(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  return inv;
}
}  // namespace

OpDef op_transpose() {
  OpDef d;
  d.name = "transpose";
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    const std::vector<int64_t>& perm = attr_ints(a, "perm");
    const Shape& s = in[0]->shape;
    std::vector<bool> seen(s.size(), false);
    bool ok = perm.size() == s.size();
    for (size_t i = 0; ok && i < perm.size(); ++i) {
      ok = perm[i] >= 0 && perm[i] < static_cast<int64_t>(s.size()) && !seen[perm[i]];
      if (ok) seen[perm[i]] = true;
    }
    if (!ok) throw ShapeError("transpose: perm " + shape_str(perm) + " is not a permutation of the axes of " + in[0]->str());
    Type t{in[0]->dtype, Shape(s.size())};
    for (size_t i = 0; i < perm.size(); ++i) t.shape[i] = s[perm[i]];
    return t;
  };
  d.compile = [](const std::vector<const Type*>& in, const Type&, const Attrs& a) -> Kernel {
    return [shape = in[0]->shape, perm = attr_ints(a, "perm"), dtype = in[0]->dtype](const void* const* x, void* o) {
      dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        kernels::transpose<T>(in_as<T>(x, 0), shape, perm, static_cast<T*>(o));
      });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    grads[0] = c.emit("transpose", {c.grad}, {{"perm", inverse(attr_ints(c.fwd().attrs, "perm"))}});
  };
  d.fold = [](const std::vector<std::optional<double>>& in, const std::vector<const Type*>&, const Type&,
              const Attrs&) { return in[0]; };
  return d;
}

}  // namespace gg
