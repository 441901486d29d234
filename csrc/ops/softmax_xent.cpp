// softmax_cross_entropy(x, labels) {reduction, ignore_index}: the cross-entropy of the logits x
// [N, C] at int32/int64 class indices labels [N], PyTorch's and MindSpore's rule: row r's loss is
// logsumexp(x[r]) - x[r, labels[r]]; rows whose label is ignore_index count for nothing; 'mean'
// divides the sum by the number of rows not ignored; a label outside [0, C) gives NaN.
// softmax_cross_entropy_grad(x, labels, g) {...}: its gradient with respect to x times the
// adjoint g, one pass over each row (kernels/softmax). It has a decomposition into primitives,
// so gradients of any order come from differentiating that. Labels carry no gradient.
#include "kernels/softmax.h"
#include "ops/op.h"

namespace gg {

namespace {
bool is_mean(const std::string& op, const Attrs& a) {
  const std::string& r = attr_str(a, "reduction");
  if (r != "mean" && r != "sum") throw std::invalid_argument(op + ": reduction must be 'mean' or 'sum', got '" + r + "'");
  return r == "mean";
}

// Checks operand types (the adjoint's too, when with_grad); returns the loss type.
Type check(const std::string& op, const std::vector<const Type*>& in, const Attrs& a, bool with_grad) {
  is_mean(op, a);
  const Type& x = *in[0];
  if (x.dtype != DType::F32 && x.dtype != DType::F64) throw DTypeError(op + ": no kernel for " + x.str() + " (float32 and float64)");
  if (x.ndim() != 2) throw ShapeError(op + ": logits must be [N, C], got " + x.str());
  if (!is_int(in[1]->dtype) || in[1]->shape != Shape{x.shape[0]})
    throw ShapeError(op + ": labels must be int32 or int64 of shape [" + std::to_string(x.shape[0]) + "], got " + in[1]->str());
  const Type loss{x.dtype, Shape{}};
  if (with_grad && !(*in[2] == loss)) throw ShapeError(op + ": gradient " + in[2]->str() + " must have the loss type " + loss.str());
  return loss;
}

// The kernel of both ops: the loss, or (with_grad) the gradient times the adjoint operand.
Kernel compile(const std::vector<const Type*>& in, const Attrs& a, bool with_grad) {
  return [rows = in[0]->shape[0], n = in[0]->shape[1], dt = in[0]->dtype, wide = in[1]->dtype == DType::I64,
          ignore = attr_int(a, "ignore_index", -100), mean = is_mean("softmax_cross_entropy", a),
          with_grad](const void* const* x, void* o) {
    dispatch_float(dt, "softmax_cross_entropy", [&](auto t) {
      using T = decltype(t);
      T* out = static_cast<T*>(o);
      const T g = with_grad ? *in_as<T>(x, 2) : T(1);
      T* grad = with_grad ? out : nullptr;
      const T loss = wide ? kernels::softmax_xent_rows<T>(in_as<T>(x, 0), in_as<int64_t>(x, 1), rows, n, ignore, mean, g, grad)
                          : kernels::softmax_xent_rows<T>(in_as<T>(x, 0), in_as<int32_t>(x, 1), rows, n, ignore, mean, g, grad);
      if (!with_grad) *out = loss;
    });
  };
}

// (softmax(x) - onehot(labels)) * coef per row: coef is g / count (mean) or g for the rows
// counted, 0 for out-of-range labels, and 0 * coef for ignored ones, as the kernel.
int decompose_grad(const Builder& b, const std::vector<int>& in, const Attrs& a) {
  const int x = in[0], labels = in[1], g = in[2];
  const int64_t n = b.type(x).shape[0], c = b.type(x).shape[1];
  const DType dt = b.type(x).dtype, it = b.type(labels).dtype;
  const int keep = b.op("ne", {labels, b.scalar(static_cast<double>(attr_int(a, "ignore_index", -100)), it)});
  const int in_range = b.op("logical_and", {b.op("ge", {labels, b.scalar(0, it)}), b.op("lt", {labels, b.scalar(static_cast<double>(c), it)})});
  const int bad = b.op("logical_and", {keep, b.op("logical_not", {in_range})});
  const int kept = b.cast(keep, dt);
  const int scale = is_mean("softmax_cross_entropy_grad", a) ? b.div(g, b.reduce_sum(kept, {0}, false)) : g;
  const int coef = b.select(bad, b.scalar(0, dt), b.mul(kept, scale));
  const int hot = b.cast(b.op("one_hot", {labels}, {{"depth", c}}), dt);
  const int p = b.op("softmax", {x}, {{"axis", int64_t{1}}});
  return b.mul(b.sub(p, hot), b.reshape(coef, {n, 1}));
}
}  // namespace

std::vector<OpDef> softmax_xent_ops() {
  OpDef f;
  f.name = "softmax_cross_entropy";
  f.attrs = {"reduction", "ignore_index"};
  f.min_inputs = f.max_inputs = 2;
  f.infer = [](const std::vector<const Type*>& in, const Attrs& a) { return check("softmax_cross_entropy", in, a, false); };
  f.compile = [](const std::vector<const Type*>& in, const Type&, const Attrs& a) { return compile(in, a, false); };
  f.vjp = [](VjpContext& c, std::vector<int>& grads) {
    if (c.needs[0]) grads[0] = c.b.op(GG_OP("softmax_cross_entropy_grad"), {c.in(0), c.in(1), c.grad}, c.attrs);
  };

  OpDef g;
  g.name = "softmax_cross_entropy_grad";
  g.attrs = f.attrs;
  g.min_inputs = g.max_inputs = 3;
  g.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    check("softmax_cross_entropy_grad", in, a, true);
    return *in[0];
  };
  g.compile = [](const std::vector<const Type*>& in, const Type&, const Attrs& a) { return compile(in, a, true); };
  g.decompose = decompose_grad;
  return {f, g};
}

}  // namespace gg
