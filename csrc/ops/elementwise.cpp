// The elementwise ops: one row each, its kernel (a functor in kernels/eltwise_rows.h) and its
// derivative written in primitives. Unary rows give d out / d x from (x, y = out, g = adjoint);
// binary rows give the adjoint of each operand at the broadcast shape (summed back to the
// operand's shape here, once for all rows). A row with no rule has a zero derivative (floor);
// ops with bool results carry no gradient at all. Also select (ops.where) and cast.
#include "kernels/eltwise.h"
#include "ops/op.h"

namespace gg {

namespace {
using kernels::BinaryOp;
using kernels::UnaryOp;
using UnaryGrad = int (*)(const Builder& b, int x, int y, int g);
using BinaryGrad = int (*)(const Builder& b, int a, int bb, int y, int g);

int k(const Builder& b, double v, int like) { return b.scalar_like(v, like); }

struct UnaryRowDef {
  const char* name;
  UnaryOp kernel;
  UnaryGrad grad;
};

const UnaryRowDef kUnary[] = {
    {"neg", UnaryOp::Neg, [](const Builder& b, int, int, int g) { return b.neg(g); }},
    {"abs", UnaryOp::Abs, [](const Builder& b, int x, int, int g) { return b.mul(g, b.unary("sign", x)); }},
    {"sign", UnaryOp::Sign, nullptr},
    {"exp", UnaryOp::Exp, [](const Builder& b, int, int y, int g) { return b.mul(g, y); }},
    {"log", UnaryOp::Log, [](const Builder& b, int x, int, int g) { return b.div(g, x); }},
    {"log1p", UnaryOp::Log1p, [](const Builder& b, int x, int, int g) { return b.div(g, b.add(x, k(b, 1, x))); }},
    {"expm1", UnaryOp::Expm1, [](const Builder& b, int x, int y, int g) { return b.mul(g, b.add(y, k(b, 1, x))); }},
    {"sqrt", UnaryOp::Sqrt, [](const Builder& b, int, int y, int g) { return b.div(g, b.mul(y, k(b, 2, y))); }},
    {"rsqrt", UnaryOp::Rsqrt,  // d x^-1/2 = -x^-3/2 / 2 = -y^3 / 2
     [](const Builder& b, int, int y, int g) { return b.mul(g, b.mul(k(b, -0.5, y), b.mul(y, b.unary("square", y)))); }},
    {"square", UnaryOp::Square, [](const Builder& b, int x, int, int g) { return b.mul(g, b.mul(x, k(b, 2, x))); }},
    {"reciprocal", UnaryOp::Reciprocal, [](const Builder& b, int, int y, int g) { return b.neg(b.mul(g, b.unary("square", y))); }},
    {"sin", UnaryOp::Sin, [](const Builder& b, int x, int, int g) { return b.mul(g, b.unary("cos", x)); }},
    {"cos", UnaryOp::Cos, [](const Builder& b, int x, int, int g) { return b.neg(b.mul(g, b.unary("sin", x))); }},
    {"tanh", UnaryOp::Tanh, [](const Builder& b, int, int y, int g) { return b.mul(g, b.sub(k(b, 1, y), b.unary("square", y))); }},
    {"sigmoid", UnaryOp::Sigmoid, [](const Builder& b, int, int y, int g) { return b.mul(g, b.mul(y, b.sub(k(b, 1, y), y))); }},
    {"relu", UnaryOp::Relu, [](const Builder& b, int x, int, int g) { return b.op("relu_grad", {x, g}); }},
    {"softplus", UnaryOp::Softplus, [](const Builder& b, int x, int, int g) { return b.mul(g, b.unary("sigmoid", x)); }},
    {"gelu", UnaryOp::Gelu,  // d x Phi(x) = Phi(x) + x phi(x)
     [](const Builder& b, int x, int, int g) {
       const int cdf = b.mul(k(b, 0.5, x), b.add(k(b, 1, x), b.unary("erf", b.mul(x, k(b, 0.70710678118654752440, x)))));
       const int pdf = b.mul(k(b, 0.39894228040143267794, x), b.unary("exp", b.mul(b.unary("square", x), k(b, -0.5, x))));
       return b.mul(g, b.add(cdf, b.mul(x, pdf)));
     }},
    {"gelu_tanh", UnaryOp::GeluTanh,  // t = tanh(c (x + a x^3)): (1 + t) / 2 + x (1 - t^2) c (1 + 3 a x^2) / 2
     [](const Builder& b, int x, int, int g) {
       const int x2 = b.unary("square", x);
       const int t = b.unary("tanh", b.mul(k(b, 0.79788456080286535588, x), b.add(x, b.mul(k(b, 0.044715, x), b.mul(x2, x)))));
       const int inner = b.mul(k(b, 0.79788456080286535588, x), b.add(k(b, 1, x), b.mul(k(b, 3 * 0.044715, x), x2)));
       const int d = b.add(b.mul(k(b, 0.5, x), b.add(k(b, 1, x), t)),
                           b.mul(b.mul(k(b, 0.5, x), x), b.mul(b.sub(k(b, 1, x), b.unary("square", t)), inner)));
       return b.mul(g, d);
     }},
    {"erf", UnaryOp::Erf,  // 2 / sqrt(pi) exp(-x^2)
     [](const Builder& b, int x, int, int g) {
       return b.mul(g, b.mul(k(b, 1.12837916709551257390, x), b.unary("exp", b.neg(b.unary("square", x)))));
     }},
    {"atan", UnaryOp::Atan, [](const Builder& b, int x, int, int g) { return b.div(g, b.add(k(b, 1, x), b.unary("square", x))); }},
    {"floor", UnaryOp::Floor, nullptr},
    {"ceil", UnaryOp::Ceil, nullptr},
    {"round", UnaryOp::Round, nullptr},
    {"logical_not", UnaryOp::LogicalNot, nullptr},
    {"isnan", UnaryOp::IsNan, nullptr},
    {"isinf", UnaryOp::IsInf, nullptr},
    {"isfinite", UnaryOp::IsFinite, nullptr},
};

struct BinaryRowDef {
  const char* name;
  BinaryOp kernel;
  BinaryGrad da, db;
};

// max/min: the adjoint goes to the larger (smaller) operand, half to each on a tie.
int pick(const Builder& b, const char* cmp, int a, int o, int g) {
  const int zero = k(b, 0, g);
  return b.select(b.op(cmp, {a, o}), g, b.select(b.op("eq", {a, o}), b.mul(g, k(b, 0.5, g)), zero));
}

const BinaryRowDef kBinary[] = {
    {"add", BinaryOp::Add, [](const Builder&, int, int, int, int g) { return g; },
     [](const Builder&, int, int, int, int g) { return g; }},
    {"sub", BinaryOp::Sub, [](const Builder&, int, int, int, int g) { return g; },
     [](const Builder& b, int, int, int, int g) { return b.neg(g); }},
    {"mul", BinaryOp::Mul, [](const Builder& b, int, int o, int, int g) { return b.mul(g, o); },
     [](const Builder& b, int a, int, int, int g) { return b.mul(g, a); }},
    {"div", BinaryOp::Div, [](const Builder& b, int, int o, int, int g) { return b.div(g, o); },
     [](const Builder& b, int, int o, int y, int g) { return b.neg(b.div(b.mul(g, y), o)); }},
    {"pow", BinaryOp::Pow,  // d a^b = b a^(b-1) da + a^b log(a) db; 0 where b = 0 (resp. a = 0)
     [](const Builder& b, int a, int o, int, int g) {
       const int d = b.mul(o, b.op("pow", {a, b.sub(o, k(b, 1, o))}));
       return b.select(b.op("eq", {o, k(b, 0, o)}), k(b, 0, g), b.mul(g, d));
     },
     [](const Builder& b, int a, int, int y, int g) {
       const int d = b.mul(y, b.unary("log", a));
       return b.select(b.op("eq", {a, k(b, 0, a)}), k(b, 0, g), b.mul(g, d));
     }},
    {"maximum", BinaryOp::Maximum, [](const Builder& b, int a, int o, int, int g) { return pick(b, "gt", a, o, g); },
     [](const Builder& b, int a, int o, int, int g) { return pick(b, "gt", o, a, g); }},
    {"minimum", BinaryOp::Minimum, [](const Builder& b, int a, int o, int, int g) { return pick(b, "lt", a, o, g); },
     [](const Builder& b, int a, int o, int, int g) { return pick(b, "lt", o, a, g); }},
    {"floor_divide", BinaryOp::FloorDiv, nullptr, nullptr},
    {"mod", BinaryOp::Mod, [](const Builder&, int, int, int, int g) { return g; },  // a - floor(a / b) b
     [](const Builder& b, int a, int o, int, int g) { return b.neg(b.mul(g, b.op("floor_divide", {a, o}))); }},
    {"eq", BinaryOp::Eq, nullptr, nullptr},
    {"ne", BinaryOp::Ne, nullptr, nullptr},
    {"lt", BinaryOp::Lt, nullptr, nullptr},
    {"le", BinaryOp::Le, nullptr, nullptr},
    {"gt", BinaryOp::Gt, nullptr, nullptr},
    {"ge", BinaryOp::Ge, nullptr, nullptr},
    {"logical_and", BinaryOp::LogicalAnd, nullptr, nullptr},
    {"logical_or", BinaryOp::LogicalOr, nullptr, nullptr},
    // relu's backward, one pass: the adjoint g where x > 0. Linear in g, flat in x.
    {"relu_grad", BinaryOp::ReluGrad, nullptr,
     [](const Builder& b, int a, int, int, int g) { return b.op("relu_grad", {a, g}); }},
};

void check_accepts(const std::string& op, const kernels::KernelInfo& info, const Type& t) {
  if (!(info.accepts & kernels::dtype_class(t.dtype))) {
    std::string kinds;
    if (info.accepts & kernels::kFloat) kinds = "float";
    if (info.accepts & kernels::kInt) kinds += kinds.empty() ? "int" : " or int";
    if (info.accepts & kernels::kBool) kinds += kinds.empty() ? "bool" : " or bool";
    throw DTypeError(op + ": expected " + kinds + " operands, got " + t.str());
  }
}

DType result_of(const kernels::KernelInfo& info, DType in) {
  return info.result == kernels::Result::Bool ? DType::Bool : in;
}

Shape broadcast_all(const std::string& op, const std::vector<const Type*>& in) {
  Shape out = in[0]->shape;
  for (size_t i = 1; i < in.size(); ++i) {
    Shape next;
    if (!kernels::broadcast_shapes(out, in[i]->shape, next)) {
      std::string shapes;
      for (const Type* t : in) shapes += (shapes.empty() ? "" : " and ") + t->str();
      throw ShapeError(op + ": shapes " + shapes + " cannot be broadcast together");
    }
    out = std::move(next);
  }
  return out;
}

std::vector<Shape> shapes_of(const std::vector<const Type*>& in) {
  std::vector<Shape> s;
  for (const Type* t : in) s.push_back(t->shape);
  return s;
}

OpDef unary_op(const UnaryRowDef& r) {
  const kernels::KernelInfo& info = kernels::unary_info(r.kernel);
  OpDef d;
  d.name = r.name;
  d.min_inputs = d.max_inputs = 1;
  d.elementwise = true;
  d.infer = [&r, &info](const std::vector<const Type*>& in, const Attrs&) {
    check_accepts(r.name, info, *in[0]);
    return Type{result_of(info, in[0]->dtype), in[0]->shape};
  };
  d.compile = [&r](const std::vector<const Type*>& in, const Type&, const Attrs&) -> Kernel {
    return [bc = kernels::Broadcast(in[0]->shape, {in[0]->shape}), k = r.kernel, dt = in[0]->dtype](
               const void* const* x, void* out) { kernels::unary(k, dt, bc, x[0], out); };
  };
  if (info.result == kernels::Result::Bool) {
    d.blocks_grad = true;
  } else {
    d.inplace_input = 0;
    d.vjp = [&r](VjpContext& c, std::vector<int>& grads) {
      if (r.grad) grads[0] = r.grad(c.b, c.in(0), c.out, c.grad);
    };
  }
  return d;
}

OpDef binary_op(const BinaryRowDef& r) {
  const kernels::KernelInfo& info = kernels::binary_info(r.kernel);
  OpDef d;
  d.name = r.name;
  d.min_inputs = d.max_inputs = 2;
  d.elementwise = true;
  d.infer = [&r, &info](const std::vector<const Type*>& in, const Attrs&) {
    require_same_dtype(r.name, in);
    check_accepts(r.name, info, *in[0]);
    return Type{result_of(info, in[0]->dtype), broadcast_all(r.name, in)};
  };
  d.compile = [&r](const std::vector<const Type*>& in, const Type& out, const Attrs&) -> Kernel {
    return [bc = kernels::Broadcast(out.shape, shapes_of(in)), k = r.kernel, dt = in[0]->dtype](
               const void* const* x, void* o) { kernels::binary(k, dt, bc, x[0], x[1], o); };
  };
  if (info.result == kernels::Result::Bool) {
    d.blocks_grad = true;
  } else {
    d.inplace_input = 0;  // out[i] = f(a[i], b[j]): each element read before it is written
    d.vjp = [&r](VjpContext& c, std::vector<int>& grads) {
      for (int i = 0; i < 2; ++i) {
        const BinaryGrad rule = i == 0 ? r.da : r.db;
        if (c.needs[i] && rule) grads[i] = c.b.sum_to(rule(c.b, c.in(0), c.in(1), c.out, c.grad), c.in_type(i).shape);
      }
    };
  }
  return d;
}

// select(cond, a, b): cond ? a : b, all three broadcast together (ops.where).
OpDef select_op() {
  OpDef d;
  d.name = "select";
  d.min_inputs = d.max_inputs = 3;
  d.elementwise = true;
  d.infer = [](const std::vector<const Type*>& in, const Attrs&) {
    if (in[0]->dtype != DType::Bool) throw DTypeError("select: the condition must be bool, got " + in[0]->str());
    require_same_dtype("select", {in[1], in[2]});
    return Type{in[1]->dtype, broadcast_all("select", in)};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs&) -> Kernel {
    return [bc = kernels::Broadcast(out.shape, shapes_of(in)), dt = out.dtype](const void* const* x, void* o) {
      kernels::select(dt, bc, x[0], x[1], x[2], o);
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    const int zero = c.b.scalar_like(0, c.grad);
    if (c.needs[1]) grads[1] = c.b.sum_to(c.b.select(c.in(0), c.grad, zero), c.in_type(1).shape);
    if (c.needs[2]) grads[2] = c.b.sum_to(c.b.select(c.in(0), zero, c.grad), c.in_type(2).shape);
  };
  return d;
}

// cast(x) {dtype}: numpy's conversions; the gradient of a float cast is cast back.
OpDef cast_op() {
  OpDef d;
  d.name = "cast";
  d.attrs = {"dtype"};
  d.min_inputs = d.max_inputs = 1;
  d.elementwise = true;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    const int64_t code = attr_int(a, "dtype", -1);
    if (!valid_dtype(code)) throw DTypeError("cast: unknown dtype code " + std::to_string(code));
    return Type{static_cast<DType>(code), in[0]->shape};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs&) -> Kernel {
    return [from = in[0]->dtype, to = out.dtype, n = out.numel()](const void* const* x, void* o) {
      kernels::cast(from, to, x[0], o, n);
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    if (is_float(c.out_type().dtype)) grads[0] = c.b.cast(c.grad, c.in_type(0).dtype);
  };
  return d;
}
}  // namespace

std::vector<OpDef> elementwise_ops() {
  std::vector<OpDef> ops;
  for (const UnaryRowDef& r : kUnary) ops.push_back(unary_op(r));
  for (const BinaryRowDef& r : kBinary) ops.push_back(binary_op(r));
  ops.push_back(select_op());
  ops.push_back(cast_op());
  return ops;
}

}  // namespace gg
