// bce_with_logits(x, y, [weight], [pos_weight]) {reduction, has_weight, has_pos_weight}
//   l = weight * (pos_weight * y * softplus(-x) + (1 - y) * softplus(x)), then mean, sum or none.
// bce_with_logits_grad(x, y, [weight], [pos_weight], [g]) {..., unit_grad}: the elementwise
// derivative of that loss with respect to the logits, scaled by the adjoint g (made by the vjp
// below); with unit_grad=1 there is no g operand and g is 1 (the simplify pass drops a fill(1)).
// Both have a decomposition into primitives: the gradients the fused kernels do not give
// (label, weight, pos_weight; any second order) come from differentiating that.
// bce_with_logits_and_grad(x, y, [weight], [pos_weight], [g]) {reduction, ...}: both the loss and
// its logits gradient in one pass over x (fuse_bce makes it), packed into one flat buffer as
// ops/bce.h lays out; view nodes hand out the two parts.
#include "ops/bce.h"

#include <algorithm>

#include "passes/autodiff.h"

#include "kernels/bce.h"
#include "kernels/elementwise.h"
#include "ops/op.h"

namespace gg {

namespace {
using kernels::BceWrt;
using kernels::Reduction;

Reduction reduction_of(const Attrs& a) {
  const std::string& r = attr_str(a, "reduction");
  if (r == "mean") return Reduction::Mean;
  if (r == "sum") return Reduction::Sum;
  if (r == "none") return Reduction::None;
  throw std::invalid_argument("bce_with_logits: reduction must be 'mean', 'sum' or 'none', got '" + r + "'");
}

// Where the optional operands sit among the inputs (-1: absent).
struct Layout {
  int weight = -1, pos_weight = -1, grad = -1, count = 2;
  explicit Layout(const Attrs& a, bool with_grad) {
    if (attr_int(a, "has_weight", 0)) weight = count++;
    if (attr_int(a, "has_pos_weight", 0)) pos_weight = count++;
    if (with_grad && !attr_int(a, "unit_grad", 0)) grad = count++;
  }
};

// Checks operand types; returns the loss type.
Type check(const std::string& op, const std::vector<const Type*>& in, const Attrs& a, bool with_grad) {
  const Layout l(a, with_grad);
  if (static_cast<int>(in.size()) != l.count)
    throw std::invalid_argument(op + ": expected " + std::to_string(l.count) + " inputs, got " +
                                std::to_string(in.size()));
  require_same_dtype(op, in);
  const Type& x = *in[0];
  if (x.dtype != DType::F32 && x.dtype != DType::F64) throw DTypeError(op + ": no kernel for " + x.str() + " (float32 and float64)");
  if (in[1]->shape != x.shape)
    throw ShapeError(op + ": label shape " + in[1]->str() + " must equal the logits shape " + x.str());
  for (int i : {l.weight, l.pos_weight}) {
    if (i < 0) continue;
    Shape b;
    if (!kernels::broadcast_shapes(in[i]->shape, x.shape, b) || b != x.shape)
      throw ShapeError(op + ": " + (i == l.weight ? "weight " : "pos_weight ") + in[i]->str() +
                       " does not broadcast to the logits shape " + x.str());
  }
  const Reduction r = reduction_of(a);
  const Type loss{x.dtype, r == Reduction::None ? x.shape : Shape{}};
  if (l.grad >= 0 && in[l.grad]->shape != loss.shape)
    throw ShapeError(op + ": gradient " + in[l.grad]->str() + " must have the loss shape " + loss.str());
  return loss;
}

kernels::Broadcast layout_broadcast(const std::vector<const Type*>& in, const Layout& l) {
  auto shape_or_scalar = [&](int i) { return i < 0 ? Shape{} : in[i]->shape; };
  std::vector<Shape> shapes = {in[0]->shape, in[1]->shape, shape_or_scalar(l.weight), shape_or_scalar(l.pos_weight)};
  if (l.grad >= 0) shapes.push_back(in[l.grad]->shape);
  return kernels::Broadcast(in[0]->shape, shapes);
}

// The operand pointers a BCE kernel takes, from the node's inputs as Layout places them; an
// absent adjoint (unit_grad) is a scalar 1.
template <class T>
struct Operands {
  static constexpr T kOne = 1;
  const T *x, *y, *w, *pw, *g;
  Operands(const void* const* in, const Layout& l)
      : x(in_as<T>(in, 0)),
        y(in_as<T>(in, 1)),
        w(l.weight < 0 ? nullptr : in_as<T>(in, l.weight)),
        pw(l.pos_weight < 0 ? nullptr : in_as<T>(in, l.pos_weight)),
        g(l.grad < 0 ? &kOne : in_as<T>(in, l.grad)) {}
};

Kernel compile_forward(const std::vector<const Type*>& in, const Type&, const Attrs& a) {
  const Layout l(a, false);
  const Reduction r = reduction_of(a);
  return [bc = layout_broadcast(in, l), l, r, dtype = in[0]->dtype](const void* const* x, void* o) {
    dispatch_float(dtype, "bce_with_logits", [&](auto t) {
      using T = decltype(t);
      const Operands<T> p(x, l);
      kernels::bce_forward<T>(bc, p.x, p.y, p.w, p.pw, static_cast<T*>(o), r);
    });
  };
}

Kernel compile_backward(const std::vector<const Type*>& in, const Type&, const Attrs& a) {
  const Layout l(a, true);
  const Reduction r = reduction_of(a);
  return [bc = layout_broadcast(in, l), l, r, dtype = in[0]->dtype](const void* const* x, void* o) {
    dispatch_float(dtype, "bce_with_logits", [&](auto t) {
      using T = decltype(t);
      const Operands<T> p(x, l);
      kernels::bce_backward<T>(bc, p.x, p.y, p.w, p.pw, p.g, static_cast<T*>(o), r, BceWrt::Logits);
    });
  };
}

Type infer_fused(const std::vector<const Type*>& in, const Attrs& a) {
  const Type loss = check("bce_with_logits_and_grad", in, a, true);
  return {loss.dtype, Shape{bce_fused_grad_offset(loss.numel()) + in[0]->numel()}};
}

Kernel compile_fused(const std::vector<const Type*>& in, const Type&, const Attrs& a) {
  const Layout l(a, true);
  const Reduction r = reduction_of(a);
  const int64_t grad_at = bce_fused_grad_offset(r == Reduction::None ? in[0]->numel() : 1);
  return [bc = layout_broadcast(in, l), l, r, grad_at, dtype = in[0]->dtype](const void* const* x, void* o) {
    dispatch_float(dtype, "bce_with_logits", [&](auto t) {
      using T = decltype(t);
      const Operands<T> p(x, l);
      T* out = static_cast<T*>(o);
      kernels::bce_forward_backward<T>(bc, p.x, p.y, p.w, p.pw, p.g, out, out + grad_at, r);
    });
  };
}

// The loss and its logits gradient in primitives, from the node's operands as Layout places them.
struct Parts {
  int x, y, w = -1, pw = -1, g = -1;
  Parts(const std::vector<int>& in, const Layout& l)
      : x(in[0]), y(in[1]), w(l.weight < 0 ? -1 : in[l.weight]), pw(l.pos_weight < 0 ? -1 : in[l.pos_weight]),
        g(l.grad < 0 ? -1 : in[l.grad]) {}
};

int reduce(const Builder& b, int v, Reduction r) {
  if (r == Reduction::None) return v;
  std::vector<int64_t> all(b.type(v).ndim());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  const int s = b.reduce_sum(v, all, false);
  return r == Reduction::Sum ? s : b.div(s, b.scalar_like(static_cast<double>(b.type(v).numel()), v));
}

// w (pw y softplus(-x) + (1 - y) softplus(x)), reduced.
int decompose_loss(const Builder& b, const std::vector<int>& in, const Attrs& a) {
  const Parts p(in, Layout(a, false));
  const int one = b.scalar_like(1, p.x);
  int pos = b.mul(p.y, b.unary("softplus", b.neg(p.x)));
  if (p.pw >= 0) pos = b.mul(p.pw, pos);
  int l = b.add(pos, b.mul(b.sub(one, p.y), b.unary("softplus", p.x)));
  if (p.w >= 0) l = b.mul(p.w, l);
  return reduce(b, l, reduction_of(a));
}

// w ((1 - y) sigmoid(x) - pw y sigmoid(-x)) g, with g / numel for the mean.
int decompose_grad(const Builder& b, const std::vector<int>& in, const Attrs& a) {
  const Parts p(in, Layout(a, true));
  const int one = b.scalar_like(1, p.x);
  int pos = b.mul(p.y, b.unary("sigmoid", b.neg(p.x)));
  if (p.pw >= 0) pos = b.mul(p.pw, pos);
  int d = b.sub(b.mul(b.sub(one, p.y), b.unary("sigmoid", p.x)), pos);
  if (p.w >= 0) d = b.mul(p.w, d);
  if (p.g >= 0) d = b.mul(d, p.g);
  if (reduction_of(a) == Reduction::Mean) d = b.div(d, b.scalar_like(static_cast<double>(b.type(p.x).numel()), p.x));
  return d;
}

// The logits' gradient through the fused kernel; the other operands' through the decomposition.
void vjp(VjpContext& c, std::vector<int>& grads) {
  // The logits are another operand too: the decomposition gives their whole gradient.
  if (std::find(c.inputs.begin() + 1, c.inputs.end(), c.inputs[0]) != c.inputs.end()) return vjp_by_decomposition(c, grads);
  VjpContext rest = c;
  rest.needs[0] = false;
  if (std::find(rest.needs.begin(), rest.needs.end(), true) != rest.needs.end()) vjp_by_decomposition(rest, grads);
  if (c.needs[0]) {
    std::vector<int> operands = c.inputs;
    operands.push_back(c.grad);
    grads[0] = c.b.op(GG_OP("bce_with_logits_grad"), operands, c.attrs);
  }
}
}  // namespace

std::vector<OpDef> bce_ops() {
  const std::vector<std::string> attrs = {"reduction", "has_weight", "has_pos_weight"};
  OpDef f;
  f.name = "bce_with_logits";
  f.attrs = attrs;
  f.min_inputs = 2;
  f.max_inputs = 4;
  f.infer = [](const std::vector<const Type*>& in, const Attrs& a) { return check("bce_with_logits", in, a, false); };
  f.compile = compile_forward;
  f.vjp = vjp;
  f.decompose = decompose_loss;

  OpDef g;
  g.name = "bce_with_logits_grad";
  g.attrs = {"reduction", "has_weight", "has_pos_weight", "unit_grad"};
  g.min_inputs = 2;
  g.max_inputs = 5;
  g.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    check("bce_with_logits_grad", in, a, true);
    return *in[0];
  };
  g.compile = compile_backward;
  g.decompose = decompose_grad;
  g.inplace_input = 0;  // elementwise over the logits' shape; each element read before written

  OpDef fused;
  fused.name = "bce_with_logits_and_grad";
  fused.attrs = g.attrs;
  fused.min_inputs = 2;
  fused.max_inputs = 5;
  fused.infer = infer_fused;
  fused.compile = compile_fused;
  return {f, g, fused};
}

}  // namespace gg
