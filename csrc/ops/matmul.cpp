// matmul(a, b, [bias], [mask]) {trans_a, trans_b, has_bias, relu, has_mask}: numpy's matmul. A
// 1-D a is a row [1,K], a 1-D b a column [K,1], the added dim dropped from the result; operands
// of 3 or more dims are stacks of matrices whose batch dims broadcast. The transpose flags (on the
// last two dims of operands with 2 or more) come from the gradient pass and simplify: the kernel
// reads A^T / B^T in place. The rest is the kernel's epilogue, in this order, made by passes from
// the ops that followed the product: the bias [N] (2-D operands only) added to every row
// (fuse_bias folds a broadcast add); relu, the relu op (fuse_relu); the mask, of the result's
// type, keeping the elements where it is > 0 and zeroing the rest: relu_grad(mask, product)
// (fuse_relu). Passes run after the gradient pass, so these forms have no vjp rule of their own.
#include <cstring>

#include "kernels/broadcast.h"
#include "kernels/matmul.h"
#include "ops/op.h"

namespace gg {

namespace {
struct Dims {
  int64_t m, n, k;
  Shape batch, batch_a, batch_b;  // the result's batch dims; each operand's
};

Dims matmul_dims(const Type& a, const Type& b, bool ta, bool tb) {
  auto fail = [&](const std::string& why) -> Dims {
    throw ShapeError("matmul: " + why + ": a is " + a.str() + (ta ? " (transposed)" : "") + ", b is " + b.str() +
                     (tb ? " (transposed)" : ""));
  };
  if (a.ndim() < 1 || b.ndim() < 1) fail("operands must have at least 1 dimension");
  if ((ta && a.ndim() < 2) || (tb && b.ndim() < 2)) fail("only operands of 2 or more dims can be transposed");
  const int na = a.ndim(), nb = b.ndim();
  const int64_t m = na == 1 ? 1 : (ta ? a.shape[na - 1] : a.shape[na - 2]);
  const int64_t ka = na == 1 ? a.shape[0] : (ta ? a.shape[na - 2] : a.shape[na - 1]);
  const int64_t kb = nb == 1 ? b.shape[0] : (tb ? b.shape[nb - 1] : b.shape[nb - 2]);
  const int64_t n = nb == 1 ? 1 : (tb ? b.shape[nb - 2] : b.shape[nb - 1]);
  if (ka != kb) fail("contraction dims differ (" + std::to_string(ka) + " vs " + std::to_string(kb) + ")");
  Dims d{m, n, ka, {}, {}, {}};
  if (na > 2) d.batch_a.assign(a.shape.begin(), a.shape.end() - 2);
  if (nb > 2) d.batch_b.assign(b.shape.begin(), b.shape.end() - 2);
  if (!kernels::broadcast_shapes(d.batch_a, d.batch_b, d.batch)) fail("batch dims cannot be broadcast together");
  return d;
}

Type infer(const std::vector<const Type*>& in, const Attrs& at) {
  require_same_dtype("matmul", in);
  if (in[0]->dtype != DType::F32 && in[0]->dtype != DType::F64)
    throw DTypeError("matmul: no kernel for " + in[0]->str() + " (float32 and float64 only; cast it first)");
  const Type &a = *in[0], &b = *in[1];
  const Dims d = matmul_dims(a, b, attr_int(at, "trans_a", 0), attr_int(at, "trans_b", 0));
  const bool has_bias = attr_int(at, "has_bias", 0), has_mask = attr_int(at, "has_mask", 0);
  if (in.size() != size_t(2 + has_bias + has_mask))
    throw std::invalid_argument("matmul: has_bias and has_mask do not match the operand count");
  if (has_bias && (a.ndim() > 2 || b.ndim() != 2 || in[2]->shape != Shape{d.n}))
    throw ShapeError("matmul: bias " + in[2]->str() + " must be [" + std::to_string(d.n) + "] with a 2-D b " + b.str());
  Shape s = d.batch;
  if (a.ndim() >= 2) s.push_back(d.m);
  if (b.ndim() >= 2) s.push_back(d.n);
  const Type out{a.dtype, s};
  if (has_mask && !(*in.back() == out))
    throw ShapeError("matmul: mask " + in.back()->str() + " must have the result's type " + out.str());
  return out;
}

Kernel compile(const std::vector<const Type*>& in, const Type&, const Attrs& at) {
  const bool ta = attr_int(at, "trans_a", 0), tb = attr_int(at, "trans_b", 0);
  const Dims d = matmul_dims(*in[0], *in[1], ta, tb);
  const bool has_bias = attr_int(at, "has_bias", 0), relu = attr_int(at, "relu", 0);
  const int mask = attr_int(at, "has_mask", 0) ? static_cast<int>(in.size()) - 1 : -1;  // its operand
  // Per result matrix, its a and b matrices (broadcast batch dims repeat them).
  std::vector<std::pair<int64_t, int64_t>> pairs;
  if (d.batch.empty()) {
    pairs.push_back({0, 0});
  } else {
    const kernels::Broadcast bc(d.batch, {d.batch_a, d.batch_b});
    bc.for_each_row([&](const auto& off) {
      for (int64_t i = 0; i < bc.inner(); ++i) pairs.push_back({off[1] + i * bc.inner_stride(1), off[2] + i * bc.inner_stride(2)});
    });
  }
  return [d, ta, tb, has_bias, relu, mask, pairs = std::move(pairs), dtype = in[0]->dtype](const void* const* x,
                                                                                          void* out) {
    dispatch_float(dtype, "matmul", [&](auto t) {
      using T = decltype(t);
      const int64_t sa = d.m * d.k, sb = d.k * d.n, sc = d.m * d.n;
      kernels::Epilogue<T> e;
      e.bias = has_bias ? in_as<T>(x, 2) : nullptr;
      e.relu = relu;
      for (size_t i = 0; i < pairs.size(); ++i) {
        const int64_t at_c = static_cast<int64_t>(i) * sc;
        e.relu_mask = mask >= 0 ? in_as<T>(x, mask) + at_c : nullptr;
        kernels::matmul<T>(in_as<T>(x, 0) + pairs[i].first * sa, in_as<T>(x, 1) + pairs[i].second * sb,
                           static_cast<T*>(out) + at_c, d.m, d.n, d.k, ta, tb, e);
      }
    });
  };
}

Attrs flags(bool ta, bool tb) {
  Attrs a;
  if (ta) a["trans_a"] = int64_t{1};
  if (tb) a["trans_b"] = int64_t{1};
  return a;
}

// C = op(A) op(B), G = dC:
//   d op(A) = G op(B)^T, so dA = matmul(G, B, 0, !tb), or its transpose op(B) G^T when ta;
//   d op(B) = op(A)^T G, so dB = matmul(A, G, !ta, 0), or its transpose G^T op(A) when tb;
// each summed over the batch dims the operand was broadcast along. A 1-D operand is reshaped to
// its 2-D view first, so the same rule covers numpy's 1-D cases.
void vjp(VjpContext& c, std::vector<int>& grads) {
  if (attr_int(c.attrs, "relu", 0) || attr_int(c.attrs, "has_mask", 0))
    throw std::logic_error("matmul: the fused relu forms are made after the gradient pass and have no vjp");
  const Builder& b = c.b;
  const Type a_t = c.in_type(0), b_t = c.in_type(1);
  const bool ta = attr_int(c.attrs, "trans_a", 0), tb = attr_int(c.attrs, "trans_b", 0);
  const Dims d = matmul_dims(a_t, b_t, ta, tb);
  Shape gs = d.batch;
  gs.push_back(d.m);
  gs.push_back(d.n);
  const int g = b.reshape(c.grad, gs);
  auto full = [&](const Type& t, Shape two) { return t.ndim() == 1 ? two : t.shape; };
  const Shape a2 = full(a_t, {1, d.k}), b2 = full(b_t, {d.k, 1});
  if (c.needs[0]) {
    const int bb = b.reshape(c.in(1), b2);
    const int da = ta ? b.op(GG_OP("matmul"), {bb, g}, flags(tb, true)) : b.op(GG_OP("matmul"), {g, bb}, flags(false, !tb));
    grads[0] = b.reshape(b.sum_to(da, a2), a_t.shape);
  }
  if (c.needs[1]) {
    const int aa = b.reshape(c.in(0), a2);
    const int db = tb ? b.op(GG_OP("matmul"), {g, aa}, flags(true, ta)) : b.op(GG_OP("matmul"), {aa, g}, flags(!ta, false));
    grads[1] = b.reshape(b.sum_to(db, b2), b_t.shape);
  }
  if (c.needs.size() == 3 && c.needs[2]) grads[2] = b.sum_to(g, Shape{d.n});
}
}  // namespace

// matmul_update(c, a, b, s) {trans_a, trans_b}: c - s * op(a) op(b), s a 0-d scale read at run
// time (a learning rate). fuse_update makes it from an SGD step, sub(w, mul(lr, matmul(...))):
// the product accumulates straight into the output (the kernel's epilogue, alpha = -s, beta =
// 1), which the memory plan places in w's own buffer when w is donated, so no gradient buffer
// exists. Within rounding of the unfused form (the k sum is added to c block by block).
OpDef matmul_update() {
  OpDef d;
  d.name = "matmul_update";
  d.attrs = {"trans_a", "trans_b"};
  d.min_inputs = d.max_inputs = 4;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& at) {
    const Type out = infer({in[1], in[2]}, at);
    require_same_dtype("matmul_update", in);
    if (in[1]->ndim() != 2 || in[2]->ndim() != 2 || !(*in[0] == out) || in[3]->ndim() != 0)
      throw ShapeError("matmul_update: needs 2-D a and b, c of their product's type " + out.str() + " and a 0-d scale");
    return out;
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs& at) -> Kernel {
    const bool ta = attr_int(at, "trans_a", 0), tb = attr_int(at, "trans_b", 0);
    const Dims d = matmul_dims(*in[1], *in[2], ta, tb);
    return [d, ta, tb, bytes = out.bytes(), dtype = out.dtype](const void* const* x, void* o) {
      if (o != x[0]) std::memcpy(o, x[0], bytes);  // not donated: start from a copy of c
      dispatch_float(dtype, "matmul_update", [&](auto t) {
        using T = decltype(t);
        kernels::Epilogue<T> e;
        e.alpha = -*in_as<T>(x, 3);
        e.accumulate = true;
        kernels::matmul<T>(in_as<T>(x, 1), in_as<T>(x, 2), static_cast<T*>(o), d.m, d.n, d.k, ta, tb, e);
      });
    };
  };
  d.inplace_input = 0;  // each element of c is read by the tile that writes it, once
  return d;
}

std::vector<OpDef> matmul_ops() {
  OpDef d;
  d.name = "matmul";
  d.attrs = {"trans_a", "trans_b", "has_bias", "relu", "has_mask"};
  d.min_inputs = 2;
  d.max_inputs = 4;
  d.infer = infer;
  d.compile = compile;
  d.vjp = vjp;
  return {d, matmul_update()};
}

}  // namespace gg
