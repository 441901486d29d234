// bce_with_logits(x, y, [weight], [pos_weight]) {reduction, has_weight, has_pos_weight}
//   l = weight * (pos_weight * y * softplus(-x) + (1 - y) * softplus(x)), then mean, sum or none.
// bce_with_logits_grad(x, y, [weight], [pos_weight], [g]) {..., wrt, unit_grad}: the elementwise
// derivative of that loss with respect to one operand, scaled by the adjoint g (made by the vjp
// below); with unit_grad=1 there is no g operand and g is 1 (the simplify pass drops a fill(1)).
// bce_with_logits_and_grad(x, y, [weight], [pos_weight], [g]) {reduction, ...}: both the loss and
// its logits gradient in one pass over x (fuse_bce makes it), packed into one flat buffer as
// ops/bce.h lays out; view nodes hand out the two parts.
#include "ops/bce.h"

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
    dispatch_dtype(dtype, [&](auto t) {
      using T = decltype(t);
      const Operands<T> p(x, l);
      kernels::bce_forward<T>(bc, p.x, p.y, p.w, p.pw, static_cast<T*>(o), r);
    });
  };
}

BceWrt wrt_of(const Attrs& a) {
  const std::string& w = attr_str(a, "wrt");
  if (w == "logits") return BceWrt::Logits;
  if (w == "label") return BceWrt::Label;
  if (w == "weight") return BceWrt::Weight;
  if (w == "pos_weight") return BceWrt::PosWeight;
  throw std::invalid_argument("bce_with_logits_grad: unknown wrt '" + w + "'");
}

Kernel compile_backward(const std::vector<const Type*>& in, const Type&, const Attrs& a) {
  const Layout l(a, true);
  const Reduction r = reduction_of(a);
  const BceWrt wrt = wrt_of(a);
  return [bc = layout_broadcast(in, l), l, r, wrt, dtype = in[0]->dtype](const void* const* x, void* o) {
    dispatch_dtype(dtype, [&](auto t) {
      using T = decltype(t);
      const Operands<T> p(x, l);
      kernels::bce_backward<T>(bc, p.x, p.y, p.w, p.pw, p.g, static_cast<T*>(o), r, wrt);
    });
  };
}

// Folding uses the reference kernels on one element of each uniform operand, in double.
std::optional<double> fold_forward(const std::vector<std::optional<double>>& in, const std::vector<const Type*>& types,
                                   const Type&, const Attrs& a) {
  for (const auto& v : in)
    if (!v) return std::nullopt;
  const Layout l(a, false);
  const double w = l.weight < 0 ? 1.0 : *in[l.weight], pw = l.pos_weight < 0 ? 1.0 : *in[l.pos_weight];
  double loss = 0;
  kernels::bce_forward_ref<double>(kernels::Broadcast({}, {{}, {}, {}, {}}), &*in[0], &*in[1], &w, &pw, &loss,
                                   Reduction::None);
  return reduction_of(a) == Reduction::Sum ? loss * static_cast<double>(types[0]->numel()) : loss;
}

std::optional<double> fold_backward(const std::vector<std::optional<double>>& in, const std::vector<const Type*>& types,
                                    const Type&, const Attrs& a) {
  for (const auto& v : in)
    if (!v) return std::nullopt;
  const Layout l(a, true);
  const double w = l.weight < 0 ? 1.0 : *in[l.weight], pw = l.pos_weight < 0 ? 1.0 : *in[l.pos_weight];
  double g = l.grad < 0 ? 1.0 : *in[l.grad], d = 0;
  if (reduction_of(a) == Reduction::Mean) g /= static_cast<double>(types[0]->numel());
  kernels::bce_backward_ref<double>(kernels::Broadcast({}, {{}, {}, {}, {}, {}}), &*in[0], &*in[1], &w, &pw, &g, &d,
                                    Reduction::None, wrt_of(a));
  return d;
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
    dispatch_dtype(dtype, [&](auto t) {
      using T = decltype(t);
      const Operands<T> p(x, l);
      T* out = static_cast<T*>(o);
      kernels::bce_forward_backward<T>(bc, p.x, p.y, p.w, p.pw, p.g, out, out + grad_at, r);
    });
  };
}

void vjp(VjpContext& c, std::vector<int>& grads) {
  const Attrs& a = c.fwd().attrs;
  const Layout l(a, false);
  const char* names[] = {"logits", "label", nullptr, nullptr};
  if (l.weight >= 0) names[l.weight] = "weight";
  if (l.pos_weight >= 0) names[l.pos_weight] = "pos_weight";
  std::vector<int> operands = c.fwd().inputs;
  operands.push_back(c.grad);
  for (int i = 0; i < l.count; ++i) {
    if (!c.needs[i]) continue;
    Attrs ga = a;
    ga["wrt"] = std::string(names[i]);
    const int d = c.emit("bce_with_logits_grad", operands, ga);  // logits' shape
    const Shape& s = c.in_type(i).shape;
    grads[i] = s == c.in_type(0).shape ? d : c.emit("sum_to", {d}, {{"shape", s}});
  }
}
}  // namespace

OpDef op_bce_with_logits() {
  OpDef d;
  d.name = "bce_with_logits";
  d.min_inputs = 2;
  d.max_inputs = 4;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) { return check("bce_with_logits", in, a, false); };
  d.compile = compile_forward;
  d.vjp = vjp;
  d.fold = fold_forward;
  return d;
}

OpDef op_bce_with_logits_and_grad() {
  OpDef d;
  d.name = "bce_with_logits_and_grad";
  d.min_inputs = 2;
  d.max_inputs = 5;
  d.infer = infer_fused;
  d.compile = compile_fused;
  return d;
}

OpDef op_bce_with_logits_grad() {
  OpDef d;
  d.name = "bce_with_logits_grad";
  d.min_inputs = 2;
  d.max_inputs = 5;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    check("bce_with_logits_grad", in, a, true);
    wrt_of(a);
    return *in[0];
  };
  d.compile = compile_backward;
  d.fold = fold_backward;
  d.inplace_input = 0;  // elementwise over the logits' shape; each element read before written
  return d;
}

}  // namespace gg
