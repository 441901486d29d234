// matmul(a, b, [bias]) {trans_a, trans_b, has_bias}: numpy's rules for 1-D and 2-D operands. A
// 1-D a is a row [1,K], a 1-D b a column [K,1], and the added dim is dropped from the result.
// The transpose flags (2-D operands only) come from the gradient pass: the kernel reads A^T / B^T
// in place. The bias [N] (2-D b only) is added to every row: the fusion pass folds a following
// broadcast add into it.
#include "kernels/matmul.h"
#include "ops/op.h"

namespace gg {

namespace {
struct Dims {
  int64_t m, n, k;
};

Dims matmul_dims(const Type& a, const Type& b, bool ta, bool tb) {
  auto fail = [&](const std::string& why) -> Dims {
    throw ShapeError("matmul: " + why + ": a is " + a.str() + (ta ? " (transposed)" : "") + ", b is " + b.str() +
                     (tb ? " (transposed)" : ""));
  };
  if (a.ndim() < 1 || a.ndim() > 2 || b.ndim() < 1 || b.ndim() > 2) fail("operands must be 1-D or 2-D");
  if ((ta && a.ndim() != 2) || (tb && b.ndim() != 2)) fail("only 2-D operands can be transposed");
  const int64_t m = a.ndim() == 1 ? 1 : (ta ? a.shape[1] : a.shape[0]);
  const int64_t ka = a.ndim() == 1 ? a.shape[0] : (ta ? a.shape[0] : a.shape[1]);
  const int64_t kb = b.ndim() == 1 ? b.shape[0] : (tb ? b.shape[1] : b.shape[0]);
  const int64_t n = b.ndim() == 1 ? 1 : (tb ? b.shape[0] : b.shape[1]);
  if (ka != kb)
    fail("contraction dims differ (" + std::to_string(ka) + " vs " + std::to_string(kb) + ")");
  return {m, n, ka};
}

Type infer(const std::vector<const Type*>& in, const Attrs& at) {
  require_same_dtype("matmul", in);
  const Type &a = *in[0], &b = *in[1];
  const Dims d = matmul_dims(a, b, attr_int(at, "trans_a", 0), attr_int(at, "trans_b", 0));
  const bool has_bias = attr_int(at, "has_bias", 0);
  if (has_bias != (in.size() == 3)) throw std::invalid_argument("matmul: has_bias does not match the operand count");
  if (has_bias && (b.ndim() != 2 || in[2]->shape != Shape{d.n}))
    throw ShapeError("matmul: bias " + in[2]->str() + " must be [" + std::to_string(d.n) + "] with a 2-D b " + b.str());
  Shape s;
  if (a.ndim() == 2) s.push_back(d.m);
  if (b.ndim() == 2) s.push_back(d.n);
  return {a.dtype, s};
}

Kernel compile(const std::vector<const Type*>& in, const Type&, const Attrs& at) {
  const bool ta = attr_int(at, "trans_a", 0), tb = attr_int(at, "trans_b", 0);
  const Dims d = matmul_dims(*in[0], *in[1], ta, tb);
  const bool has_bias = in.size() == 3;
  return [d, ta, tb, has_bias, dtype = in[0]->dtype](const void* const* x, void* out) {
    dispatch_dtype(dtype, [&](auto t) {
      using T = decltype(t);
      kernels::matmul<T>(in_as<T>(x, 0), in_as<T>(x, 1), static_cast<T*>(out), d.m, d.n, d.k, ta, tb,
                         has_bias ? in_as<T>(x, 2) : nullptr);
    });
  };
}

Attrs flags(bool ta, bool tb) {
  Attrs a;
  if (ta) a["trans_a"] = int64_t{1};
  if (tb) a["trans_b"] = int64_t{1};
  return a;
}

// C = op(A) op(B), G = dC. With 2-D operands:
//   d op(A) = G op(B)^T, so dA = matmul(G, B, 0, !tb), or its transpose op(B) G^T when ta;
//   d op(B) = op(A)^T G, so dB = matmul(A, G, !ta, 0), or its transpose G^T op(A) when tb.
// A 1-D operand is reshaped to its 2-D view, so the same rule covers numpy's 1-D cases.
void vjp(VjpContext& c, std::vector<int>& grads) {
  const Type &ta_ = c.in_type(0), &tb_ = c.in_type(1);
  const bool ta = attr_int(c.fwd().attrs, "trans_a", 0), tb = attr_int(c.fwd().attrs, "trans_b", 0);
  const Dims d = matmul_dims(ta_, tb_, ta, tb);
  auto as2d = [&](int id, const Type& t, Shape s) {
    return t.ndim() == 2 ? id : c.emit("reshape", {id}, {{"shape", s}});
  };
  const int g = c.fwd().type.shape == Shape{d.m, d.n} ? c.grad : c.emit("reshape", {c.grad}, {{"shape", Shape{d.m, d.n}}});
  auto back_to = [&](int id, const Type& t) {
    return c.g.type(id).shape == t.shape ? id : c.emit("reshape", {id}, {{"shape", t.shape}});
  };
  if (c.needs[0]) {
    const int b = as2d(c.in(1), tb_, {d.k, 1});
    const int da = ta ? c.emit("matmul", {b, g}, flags(tb, true)) : c.emit("matmul", {g, b}, flags(false, !tb));
    grads[0] = back_to(da, ta_);
  }
  if (c.needs[1]) {
    const int a = as2d(c.in(0), ta_, {1, d.k});
    const int db = tb ? c.emit("matmul", {g, a}, flags(true, ta)) : c.emit("matmul", {a, g}, flags(!ta, false));
    grads[1] = back_to(db, tb_);
  }
  if (c.needs.size() == 3 && c.needs[2]) grads[2] = c.emit("sum_to", {g}, {{"shape", Shape{d.n}}});
}

std::optional<double> fold(const std::vector<std::optional<double>>& in, const std::vector<const Type*>& types,
                           const Type&, const Attrs& at) {
  if (!in[0] || !in[1] || (in.size() == 3 && !in[2])) return std::nullopt;
  const Dims d = matmul_dims(*types[0], *types[1], attr_int(at, "trans_a", 0), attr_int(at, "trans_b", 0));
  return *in[0] * *in[1] * static_cast<double>(d.k) + (in.size() == 3 ? *in[2] : 0.0);
}
}  // namespace

OpDef op_matmul() {
  OpDef d;
  d.name = "matmul";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.infer = infer;
  d.compile = compile;
  d.vjp = vjp;
  d.fold = fold;
  return d;
}

}  // namespace gg
