// Reductions over any axes {axes, keep_dims}: reduce_sum, reduce_max, reduce_min, reduce_prod;
// argmax / argmin {axis, keep_dims} (int64); softmax, log_softmax {axis} and logsumexp {axis,
// keep_dims}. mean and the like are written in these by the front end.
#include <algorithm>
#include <cmath>
#include <limits>
#include <cstring>

#include "kernels/elementwise.h"
#include "kernels/softmax.h"
#include "ops/op.h"

namespace gg {

namespace {
// The reduced shape with the reduced axes kept as 1s: the layout of the output either way.
Shape keep_shape(const Shape& s, const std::vector<int64_t>& axes) {
  Shape k = s;
  for (int64_t a : axes) k[a] = 1;
  return k;
}

Shape reduced_shape(const Shape& s, const std::vector<int64_t>& axes, bool keep) {
  if (keep) return keep_shape(s, axes);
  Shape out;
  for (size_t i = 0; i < s.size(); ++i)
    if (std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) == axes.end()) out.push_back(s[i]);
  return out;
}

std::vector<int64_t> axes_of(const std::string& op, const Attrs& a, const Type& x) {
  return normalize_axes(op, attr_ints(a, "axes"), x.ndim());
}

// Each output element combines its inputs in row-major order: a fixed order for any threads.
template <class T, class F>
void reduce_rows(const T* x, const Shape& xs, T* out, const Shape& keep, T init, F f) {
  int64_t n_out = 1;
  for (int64_t d : keep) n_out *= d;
  for (int64_t i = 0; i < n_out; ++i) out[i] = init;
  const kernels::Broadcast bc(xs, {keep});
  const int64_t n = bc.inner(), so = bc.inner_stride(1);
  bc.for_each_row([&](const auto& off) {
    const T* px = x + off[0];
    T* po = out + off[1];
    for (int64_t i = 0; i < n; ++i) po[i * so] = f(po[i * so], px[i]);
  });
}

OpDef reduction(const char* name) {
  OpDef d;
  d.name = name;
  d.attrs = {"axes", "keep_dims"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [op = std::string(name)](const std::vector<const Type*>& in, const Attrs& a) {
    if (in[0]->dtype == DType::Bool || in[0]->dtype == DType::F16)
      throw DTypeError(op + ": no kernel for " + in[0]->str() + " (cast it first)");
    return Type{in[0]->dtype, reduced_shape(in[0]->shape, axes_of(op, a, *in[0]), attr_int(a, "keep_dims", 0))};
  };
  return d;
}

// The adjoint of a reduction, broadcast back over the reduced axes.
int spread(const VjpContext& c, int v) {
  const Shape keep = keep_shape(c.in_type(0).shape, axes_of(c.b.g.nodes[c.out].op->name, c.attrs, c.in_type(0)));
  return c.b.broadcast_to(c.b.reshape(v, keep), c.in_type(0).shape);
}

OpDef reduce_sum() {
  OpDef d = reduction("reduce_sum");
  d.compile = [](const std::vector<const Type*>& in, const Type&, const Attrs& a) -> Kernel {
    const Shape keep = keep_shape(in[0]->shape, axes_of("reduce_sum", a, *in[0]));
    return [xs = in[0]->shape, keep, dt = in[0]->dtype](const void* const* x, void* o) {
      if (dt == DType::F32) return kernels::sum_to(in_as<float>(x, 0), xs, static_cast<float*>(o), keep);
      if (dt == DType::F64) return kernels::sum_to(in_as<double>(x, 0), xs, static_cast<double*>(o), keep);
      dispatch<int32_t, int64_t>(dt, "reduce_sum", [&](auto t) {
        using T = decltype(t);
        reduce_rows<T>(in_as<T>(x, 0), xs, static_cast<T*>(o), keep, T(0), [](T s, T v) { return s + v; });
      });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) { grads[0] = spread(c, c.grad); };
  return d;
}

// max / min: NaN wins (numpy); the adjoint is shared equally by the elements equal to the result.
template <bool Max>
OpDef reduce_extreme() {
  OpDef d = reduction(Max ? "reduce_max" : "reduce_min");
  d.compile = [](const std::vector<const Type*>& in, const Type&, const Attrs& a) -> Kernel {
    const Shape keep = keep_shape(in[0]->shape, axes_of(Max ? "reduce_max" : "reduce_min", a, *in[0]));
    return [xs = in[0]->shape, keep, dt = in[0]->dtype](const void* const* x, void* o) {
      dispatch<float, double, int32_t, int64_t>(dt, "reduce_max", [&](auto t) {
        using T = decltype(t);
        const T init = std::numeric_limits<T>::has_infinity ? (Max ? -1 : 1) * std::numeric_limits<T>::infinity()
                                                            : (Max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max());
        reduce_rows<T>(in_as<T>(x, 0), xs, static_cast<T*>(o), keep, init, [](T s, T v) {
          if (s != s) return s;
          return (Max ? v > s : v < s) || v != v ? v : s;
        });
      });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    const Builder& b = c.b;
    const int hit = b.cast(b.op(GG_OP("eq"), {c.in(0), spread(c, c.out)}), c.in_type(0).dtype);
    const std::vector<int64_t> axes = axes_of(b.g.nodes[c.out].op->name, c.attrs, c.in_type(0));
    const int count = b.reduce_sum(hit, axes, true);
    grads[0] = b.mul(hit, b.div(spread(c, c.grad), count));
  };
  return d;
}

// prod: its adjoint is g * prod / x where x != 0; at a zero, the product of the others (the
// product of the non-zeros if it is the only zero, else 0). The division is by x with its zeros
// replaced by 1, so no branch holds a NaN that a second derivative would multiply by 0.
OpDef reduce_prod() {
  OpDef d = reduction("reduce_prod");
  d.compile = [](const std::vector<const Type*>& in, const Type&, const Attrs& a) -> Kernel {
    const Shape keep = keep_shape(in[0]->shape, axes_of("reduce_prod", a, *in[0]));
    return [xs = in[0]->shape, keep, dt = in[0]->dtype](const void* const* x, void* o) {
      dispatch<float, double, int32_t, int64_t>(dt, "reduce_prod", [&](auto t) {
        using T = decltype(t);
        reduce_rows<T>(in_as<T>(x, 0), xs, static_cast<T*>(o), keep, T(1), [](T s, T v) { return s * v; });
      });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    const Builder& b = c.b;
    const int x = c.in(0), one = b.scalar_like(1, x), zero = b.scalar_like(0, x);
    const std::vector<int64_t> axes = axes_of("reduce_prod", c.attrs, c.in_type(0));
    const int is_zero = b.op(GG_OP("eq"), {x, zero});
    const int safe = b.select(is_zero, one, x);
    const int zeros = b.reduce_sum(b.cast(is_zero, c.in_type(0).dtype), axes, true);
    Attrs keep = c.attrs;
    keep["keep_dims"] = int64_t{1};
    const int others = b.select(b.op(GG_OP("eq"), {zeros, one}), b.op(GG_OP("reduce_prod"), {safe}, keep), zero);
    grads[0] = b.mul(spread(c, c.grad), b.select(is_zero, spread(c, others), b.div(spread(c, c.out), safe)));
  };
  return d;
}

// [outer, n, inner] around one axis: the layout argmax and softmax walk.
struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
  AxisView(const Shape& s, int64_t axis) : n(s[axis]) {
    for (int64_t k = 0; k < axis; ++k) outer *= s[k];
    for (size_t k = axis + 1; k < s.size(); ++k) inner *= s[k];
  }
};

int64_t axis_of(const std::string& op, const Attrs& a, const Type& x) {
  if (x.ndim() == 0) throw ShapeError(op + ": needs at least 1 dimension, got " + x.str());
  return normalize_axes(op, {attr_int(a, "axis", -1)}, x.ndim())[0];
}

// argmax / argmin {axis, keep_dims}: the first index of the extreme (of the first NaN).
template <bool Max>
OpDef arg_extreme() {
  OpDef d;
  d.name = Max ? "argmax" : "argmin";
  d.attrs = {"axis", "keep_dims"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    const char* op = Max ? "argmax" : "argmin";
    if (in[0]->dtype == DType::Bool || in[0]->dtype == DType::F16) throw DTypeError(std::string(op) + ": no kernel for " + in[0]->str());
    const int64_t axis = axis_of(op, a, *in[0]);
    if (in[0]->shape[axis] == 0) throw ShapeError(std::string(op) + ": the reduced axis of " + in[0]->str() + " is empty");
    return Type{DType::I64, reduced_shape(in[0]->shape, {axis}, attr_int(a, "keep_dims", 0))};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type&, const Attrs& a) -> Kernel {
    return [v = AxisView(in[0]->shape, axis_of("argmax", a, *in[0])), dt = in[0]->dtype](const void* const* x, void* o) {
      dispatch<float, double, int32_t, int64_t>(dt, "argmax", [&](auto t) {
        using T = decltype(t);
        const T* px = in_as<T>(x, 0);
        int64_t* out = static_cast<int64_t*>(o);
        for (int64_t r = 0; r < v.outer; ++r)
          for (int64_t k = 0; k < v.inner; ++k) {
            const T* p = px + r * v.n * v.inner + k;
            int64_t best = 0;
            for (int64_t i = 1; i < v.n && p[best * v.inner] == p[best * v.inner]; ++i) {
              const T e = p[i * v.inner];
              if ((Max ? e > p[best * v.inner] : e < p[best * v.inner]) || e != e) best = i;
            }
            out[r * v.inner + k] = best;
          }
      });
    };
  };
  d.blocks_grad = true;
  return d;
}

// softmax / log_softmax {axis} and logsumexp {axis, keep_dims}: max-shifted, so no exp
// overflows. Rows along the last axis take kernels/softmax (SIMD, threads); another axis the
// strided loop here.
template <kernels::SoftmaxMode Mode>
OpDef softmax() {
  constexpr bool kLse = Mode == kernels::SoftmaxMode::LogSumExp;
  constexpr const char* kName = Mode == kernels::SoftmaxMode::Softmax      ? "softmax"
                                : Mode == kernels::SoftmaxMode::LogSoftmax ? "log_softmax"
                                                                           : "logsumexp";
  OpDef d;
  d.name = kName;
  d.attrs = kLse ? std::vector<std::string>{"axis", "keep_dims"} : std::vector<std::string>{"axis"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    if (in[0]->dtype != DType::F32 && in[0]->dtype != DType::F64)
      throw DTypeError(std::string(kName) + ": no kernel for " + in[0]->str() + " (float32 and float64)");
    const int64_t axis = axis_of(kName, a, *in[0]);
    if (!kLse) return *in[0];
    return Type{in[0]->dtype, reduced_shape(in[0]->shape, {axis}, attr_int(a, "keep_dims", 0))};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type&, const Attrs& a) -> Kernel {
    return [v = AxisView(in[0]->shape, axis_of(kName, a, *in[0])), dt = in[0]->dtype](const void* const* x, void* o) {
      dispatch_float(dt, kName, [&](auto t) {
        using T = decltype(t);
        const T* px = in_as<T>(x, 0);
        T* out = static_cast<T*>(o);
        if (v.inner == 1) return kernels::softmax_rows<T>(px, out, v.outer, v.n, Mode);
        const int64_t step = kLse ? 1 : v.n * v.inner;  // output stride per outer row
        for (int64_t r = 0; r < v.outer; ++r)
          for (int64_t k = 0; k < v.inner; ++k) {
            const T* p = px + r * v.n * v.inner + k;
            T* q = out + r * (kLse ? v.inner : step) + k;
            T m = -std::numeric_limits<T>::infinity();
            for (int64_t i = 0; i < v.n; ++i) m = p[i * v.inner] > m || p[i * v.inner] != p[i * v.inner] ? p[i * v.inner] : m;
            if (m == -std::numeric_limits<T>::infinity()) m = 0;  // all -inf: exp(-inf - 0) = 0, not NaN
            T s = 0;
            for (int64_t i = 0; i < v.n; ++i) {
              const T e = std::exp(p[i * v.inner] - m);
              if (Mode == kernels::SoftmaxMode::Softmax) q[i * v.inner] = e;
              s += e;
            }
            if (kLse) *q = m == std::numeric_limits<T>::infinity() ? m : m + std::log(s);  // +inf in: +inf
            else if (Mode == kernels::SoftmaxMode::LogSoftmax)  // (x - m) - log(s): exact for a huge m
              for (int64_t i = 0; i < v.n; ++i) q[i * v.inner] = (p[i * v.inner] - m) - std::log(s);
            else  // an all--inf row (s = 0) gives zeros, as MindSpore's, not 0 * inf = NaN
              for (int64_t i = 0; i < v.n; ++i) q[i * v.inner] *= s == 0 ? T(0) : T(1) / s;
          }
      });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    const Builder& b = c.b;
    const std::vector<int64_t> axis = {axis_of(kName, c.attrs, c.in_type(0))};
    if (Mode == kernels::SoftmaxMode::LogSoftmax) {  // g - softmax(x) * sum(g)
      grads[0] = b.sub(c.grad, b.mul(b.unary("exp", c.out), b.reduce_sum(c.grad, axis, true)));
    } else if (Mode == kernels::SoftmaxMode::Softmax) {  // y * (g - sum(g * y))
      grads[0] = b.mul(c.out, b.sub(c.grad, b.reduce_sum(b.mul(c.grad, c.out), axis, true)));
    } else {  // g * exp(x - lse) = g * softmax(x), g and lse spread over the axis
      const Shape keep = keep_shape(c.in_type(0).shape, axis);
      const int lse = b.reshape(c.out, keep), g = b.reshape(c.grad, keep);
      grads[0] = b.mul(g, b.unary("exp", b.sub(c.in(0), lse)));
    }
  };
  return d;
}
}  // namespace

std::vector<OpDef> reduce_ops() {
  return {reduce_sum(), reduce_extreme<true>(), reduce_extreme<false>(), reduce_prod(), arg_extreme<true>(),
          arg_extreme<false>(), softmax<kernels::SoftmaxMode::Softmax>(), softmax<kernels::SoftmaxMode::LogSoftmax>(),
          softmax<kernels::SoftmaxMode::LogSumExp>()};
}

}  // namespace gg
