// Ops that move elements without computing: reshape, broadcast_to, transpose, slice and its
// adjoint unslice, concat, gather and its adjoint scatter_add; and one_hot. Each vjp is another
// op of this file, so gradients of any order stay within it.
#include <algorithm>
#include <cstring>

#include "kernels/eltwise.h"
#include "kernels/transpose.h"
#include "ops/op.h"

namespace gg {

namespace {
std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t d = s.size(); d-- > 1;) st[d - 1] = st[d] * s[d];
  return st;
}

OpDef reshape() {
  OpDef d;
  d.name = "reshape";
  d.attrs = {"shape"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    Type t{in[0]->dtype, attr_ints(a, "shape")};
    for (int64_t s : t.shape)
      if (s < 0) throw ShapeError("reshape: negative dimension in " + shape_str(t.shape));
    if (t.numel() != in[0]->numel())
      throw ShapeError("reshape: cannot reshape " + in[0]->str() + " to " + shape_str(t.shape));
    return t;
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) { grads[0] = c.b.reshape(c.grad, c.in_type(0).shape); };
  d.alias_input = 0;
  d.keeps_values = true;
  return d;
}

OpDef broadcast_to() {
  OpDef d;
  d.name = "broadcast_to";
  d.attrs = {"shape"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    const Shape& target = attr_ints(a, "shape");
    Shape b;
    if (!kernels::broadcast_shapes(in[0]->shape, target, b) || b != target)
      throw ShapeError("broadcast_to: " + in[0]->str() + " cannot be broadcast to " + shape_str(target));
    return Type{in[0]->dtype, target};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs&) -> Kernel {
    return [bc = kernels::Broadcast(out.shape, {in[0]->shape}), dt = out.dtype](const void* const* x, void* o) {
      kernels::unary(kernels::UnaryOp::Copy, dt, bc, x[0], o);
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) { grads[0] = c.b.sum_to(c.grad, c.in_type(0).shape); };
  d.keeps_values = true;
  return d;
}

std::vector<int64_t> inverse(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  return inv;
}

// transpose(x) {perm}: out axis i is x's axis perm[i]. The simplify pass folds a 2-D transpose
// feeding a matmul into the matmul's transpose flag.
OpDef transpose() {
  OpDef d;
  d.name = "transpose";
  d.attrs = {"perm"};
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
    return [shape = in[0]->shape, perm = attr_ints(a, "perm"), size = dtype_size(in[0]->dtype)](const void* const* x,
                                                                                                 void* o) {
      auto move = [&](auto t) {
        using T = decltype(t);
        kernels::transpose<T>(in_as<T>(x, 0), shape, perm, static_cast<T*>(o));
      };
      if (size == 1) move(uint8_t{});
      else if (size == 2) move(uint16_t{});
      else if (size == 4) move(uint32_t{});
      else move(uint64_t{});
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    grads[0] = c.b.op(GG_OP("transpose"), {c.grad}, {{"perm", inverse(attr_ints(c.attrs, "perm"))}});
  };
  d.keeps_values = true;
  return d;
}

// The strided box of slice / unslice: per axis a start, a step (non-zero) and a count (the
// slice's shape). `full` is the sliced tensor's shape.
struct Box {
  std::vector<int64_t> start, step;
  Shape count;
  Box(const Attrs& a) : start(attr_ints(a, "start")), step(attr_ints(a, "step")), count(attr_ints(a, "shape")) {}
  void check(const std::string& op, const Shape& full) const {
    bool ok = start.size() == full.size() && step.size() == full.size() && count.size() == full.size();
    for (size_t d = 0; ok && d < full.size(); ++d) {
      const int64_t last = start[d] + (count[d] - 1) * step[d];
      ok = step[d] != 0 && count[d] >= 0 &&
           (count[d] == 0 || (start[d] >= 0 && start[d] < full[d] && last >= 0 && last < full[d]));
    }
    if (!ok)
      throw ShapeError(op + ": start " + shape_str(start) + ", step " + shape_str(step) + ", shape " + shape_str(count) +
                       " do not lie inside " + shape_str(full));
  }
  // Where the box's first element sits in `full`, and the step per box axis.
  std::pair<int64_t, std::vector<int64_t>> walk_of(const Shape& full) const {
    const std::vector<int64_t> st = strides_of(full);
    int64_t base = 0;
    std::vector<int64_t> steps(full.size());
    for (size_t d = 0; d < full.size(); ++d) {
      base += start[d] * st[d];
      steps[d] = step[d] * st[d];
    }
    return {base, steps};
  }
};

// slice(x) {start, step, shape}: the strided box of x (Python's x[a:b:c, ...]).
OpDef slice() {
  OpDef d;
  d.name = "slice";
  d.attrs = {"start", "step", "shape"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    Box(a).check("slice", in[0]->shape);
    return Type{in[0]->dtype, attr_ints(a, "shape")};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs& a) -> Kernel {
    auto [base, steps] = Box(a).walk_of(in[0]->shape);
    return [base, steps, shape = out.shape, size = dtype_size(out.dtype)](const void* const* x, void* o) {
      const char* src = static_cast<const char*>(x[0]);
      char* dst = static_cast<char*>(o);
      kernels::strided_walk(shape, steps, base,
                            [&](int64_t i, int64_t s) { std::memcpy(dst + i * size, src + s * size, size); });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    Attrs a = c.attrs;
    a["full"] = c.in_type(0).shape;
    grads[0] = c.b.op(GG_OP("unslice"), {c.grad}, a);
  };
  d.keeps_values = true;
  return d;
}

// unslice(g) {start, step, shape, full}: zeros of shape `full` with g in the box: slice's adjoint.
OpDef unslice() {
  OpDef d;
  d.name = "unslice";
  d.attrs = {"start", "step", "shape", "full"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    const Shape& full = attr_ints(a, "full");
    Box(a).check("unslice", full);
    if (in[0]->shape != attr_ints(a, "shape"))
      throw ShapeError("unslice: operand " + in[0]->str() + " is not the box " + shape_str(attr_ints(a, "shape")));
    return Type{in[0]->dtype, full};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs& a) -> Kernel {
    auto [base, steps] = Box(a).walk_of(out.shape);
    return [base, steps, shape = in[0]->shape, size = dtype_size(out.dtype), bytes = out.bytes()](const void* const* x,
                                                                                                   void* o) {
      const char* src = static_cast<const char*>(x[0]);
      char* dst = static_cast<char*>(o);
      std::memset(dst, 0, bytes);
      kernels::strided_walk(shape, steps, base,
                            [&](int64_t i, int64_t s) { std::memcpy(dst + s * size, src + i * size, size); });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    Attrs a = c.attrs;
    a.erase("full");
    grads[0] = c.b.op(GG_OP("slice"), {c.grad}, a);
  };
  return d;
}

// concat(x0, x1, ...) {axis}: joined along axis (ops.cat / ops.concat); the vjp slices.
OpDef concat() {
  OpDef d;
  d.name = "concat";
  d.attrs = {"axis"};
  d.min_inputs = 1;
  d.max_inputs = 64;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    require_same_dtype("concat", in);
    const int nd = in[0]->ndim();
    if (nd == 0) throw ShapeError("concat: cannot join 0-d tensors (use stack)");
    const int64_t axis = normalize_axes("concat", {attr_int(a, "axis", 0)}, nd)[0];
    Type t = *in[0];
    t.shape[axis] = 0;
    for (const Type* x : in) {
      bool ok = x->ndim() == nd;
      for (int k = 0; ok && k < nd; ++k) ok = k == axis || x->shape[k] == in[0]->shape[k];
      if (!ok) throw ShapeError("concat: " + x->str() + " does not match " + in[0]->str() + " outside axis " + std::to_string(axis));
      t.shape[axis] += x->shape[axis];
    }
    return t;
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs& a) -> Kernel {
    const int64_t axis = normalize_axes("concat", {attr_int(a, "axis", 0)}, out.ndim())[0];
    int64_t outer = 1;
    for (int64_t k = 0; k < axis; ++k) outer *= out.shape[k];
    const size_t inner = out.bytes() / static_cast<size_t>(std::max<int64_t>(1, outer * out.shape[axis])) *
                         (out.numel() ? 1 : 0);
    std::vector<size_t> widths;  // bytes of one outer row of each input
    for (const Type* x : in) widths.push_back(static_cast<size_t>(x->shape[axis]) * inner);
    return [outer, widths](const void* const* x, void* o) {
      char* dst = static_cast<char*>(o);
      for (int64_t r = 0; r < outer; ++r)
        for (size_t i = 0; i < widths.size(); ++i) {
          std::memcpy(dst, static_cast<const char*>(x[i]) + r * widths[i], widths[i]);
          dst += widths[i];
        }
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    const int nd = c.out_type().ndim();
    const int64_t axis = normalize_axes("concat", {attr_int(c.attrs, "axis", 0)}, nd)[0];
    int64_t at = 0;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      const Shape& s = c.in_type(static_cast<int>(i)).shape;
      if (c.needs[i]) {
        std::vector<int64_t> start(nd, 0), step(nd, 1);
        start[axis] = at;
        grads[i] = c.b.op(GG_OP("slice"), {c.grad}, {{"start", start}, {"step", step}, {"shape", s}});
      }
      at += s[axis];
    }
  };
  d.keeps_values = true;
  return d;
}

// The index walk of gather / scatter_add: x is [outer, n, inner] around `axis`, the indices
// are flat [m], the gathered tensor [outer, m, inner].
struct Gather {
  int64_t outer = 1, n = 1, inner = 1, m = 1;
  Gather(const Shape& x, const Type& idx, int64_t axis) : n(x[axis]), m(idx.numel()) {
    for (int64_t k = 0; k < axis; ++k) outer *= x[k];
    for (size_t k = axis + 1; k < x.size(); ++k) inner *= x[k];
  }
  // Reads index j (int32 or int64), wrapping negatives as numpy; out of range throws.
  static int64_t index(const void* idx, bool wide, int64_t j, int64_t n) {
    int64_t i = wide ? static_cast<const int64_t*>(idx)[j] : static_cast<const int32_t*>(idx)[j];
    if (i < 0) i += n;
    if (i < 0 || i >= n) {
      const int64_t raw = wide ? static_cast<const int64_t*>(idx)[j] : static_cast<const int32_t*>(idx)[j];
      throw std::out_of_range("gather: index " + std::to_string(raw) + " is out of range for an axis of size " +
                              std::to_string(n));
    }
    return i;
  }
};

Type gather_type(const std::string& op, const Type& x, const Type& idx, int64_t& axis) {
  if (!is_int(idx.dtype)) throw DTypeError(op + ": indices must be int32 or int64, got " + idx.str());
  if (x.ndim() == 0) throw ShapeError(op + ": cannot index a 0-d tensor");
  axis = normalize_axes(op, {axis}, x.ndim())[0];
  Shape s(x.shape.begin(), x.shape.begin() + axis);
  s.insert(s.end(), idx.shape.begin(), idx.shape.end());
  s.insert(s.end(), x.shape.begin() + axis + 1, x.shape.end());
  return {x.dtype, s};
}

// gather(x, indices) {axis}: x's slices at the indices along axis (numpy's take).
OpDef gather() {
  OpDef d;
  d.name = "gather";
  d.attrs = {"axis"};
  d.min_inputs = d.max_inputs = 2;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    int64_t axis = attr_int(a, "axis", 0);
    return gather_type("gather", *in[0], *in[1], axis);
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs& a) -> Kernel {
    const int64_t axis = normalize_axes("gather", {attr_int(a, "axis", 0)}, in[0]->ndim())[0];
    return [w = Gather(in[0]->shape, *in[1], axis), wide = in[1]->dtype == DType::I64, size = dtype_size(out.dtype)](
               const void* const* x, void* o) {
      const size_t row = static_cast<size_t>(w.inner) * size;
      const char* src = static_cast<const char*>(x[0]);
      char* dst = static_cast<char*>(o);
      for (int64_t j = 0; j < w.m; ++j) {
        const int64_t i = Gather::index(x[1], wide, j, w.n);
        for (int64_t r = 0; r < w.outer; ++r) std::memcpy(dst + (r * w.m + j) * row, src + (r * w.n + i) * row, row);
      }
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    if (c.needs[0])
      grads[0] = c.b.op(GG_OP("scatter_add"), {c.grad, c.in(1)},
                        {{"axis", attr_int(c.attrs, "axis", 0)}, {"shape", c.in_type(0).shape}});
  };
  d.keeps_values = true;
  d.may_fail = true;
  return d;
}

// scatter_add(g, indices) {axis, shape}: zeros of `shape` with g's slices added at the indices
// along axis (repeated indices add up): gather's adjoint.
OpDef scatter_add() {
  OpDef d;
  d.name = "scatter_add";
  d.attrs = {"axis", "shape"};
  d.min_inputs = d.max_inputs = 2;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    const Type x{in[0]->dtype, attr_ints(a, "shape")};
    int64_t axis = attr_int(a, "axis", 0);
    if (!(gather_type("scatter_add", x, *in[1], axis) == *in[0]))
      throw ShapeError("scatter_add: " + in[0]->str() + " is not what gathering " + in[1]->str() + " from " + x.str() + " gives");
    return x;
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs& a) -> Kernel {
    const int64_t axis = normalize_axes("scatter_add", {attr_int(a, "axis", 0)}, out.ndim())[0];
    return [w = Gather(out.shape, *in[1], axis), wide = in[1]->dtype == DType::I64, dt = out.dtype, bytes = out.bytes()](
               const void* const* x, void* o) {
      std::memset(o, 0, bytes);
      dispatch<float, double>(dt, "scatter_add", [&](auto t) {
        using T = decltype(t);
        const T* g = in_as<T>(x, 0);
        T* dst = static_cast<T*>(o);
        for (int64_t j = 0; j < w.m; ++j) {  // in index order: a fixed summation order
          const int64_t i = Gather::index(x[1], wide, j, w.n);
          for (int64_t r = 0; r < w.outer; ++r)
            for (int64_t k = 0; k < w.inner; ++k) dst[(r * w.n + i) * w.inner + k] += g[(r * w.m + j) * w.inner + k];
        }
      });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    if (c.needs[0]) grads[0] = c.b.op(GG_OP("gather"), {c.grad, c.in(1)}, {{"axis", attr_int(c.attrs, "axis", 0)}});
  };
  d.may_fail = true;
  return d;
}

// check_index(i) {size, message, ignore}: i itself, once every element of it is in [0, size) or
// equals `ignore` (if given); otherwise the call fails with a ValueError of `message`, its "{i}"
// replaced by the element. With it a compiled step checks what no shape rule can: that class
// labels are in range (ignore: the loss's ignore_index), that a per-step learning-rate list has
// a value for this step.
OpDef check_index() {
  OpDef d;
  d.name = "check_index";
  d.attrs = {"size", "message", "ignore"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs&) {
    if (!is_int(in[0]->dtype)) throw DTypeError("check_index: the index must be int32 or int64, got " + in[0]->str());
    return *in[0];
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs& a) -> Kernel {
    const bool has_ignore = a.count("ignore") > 0;
    return [m = in[0]->numel(), size = attr_int(a, "size", 0), message = attr_str(a, "message"), has_ignore,
            ignore = has_ignore ? attr_int(a, "ignore", 0) : 0, wide = in[0]->dtype == DType::I64,
            bytes = out.bytes()](const void* const* x, void* o) {
      for (int64_t j = 0; j < m; ++j) {
        const int64_t i = wide ? in_as<int64_t>(x, 0)[j] : in_as<int32_t>(x, 0)[j];
        if ((i >= 0 && i < size) || (has_ignore && i == ignore)) continue;
        std::string text = message;
        if (const size_t at = text.find("{i}"); at != std::string::npos) text.replace(at, 3, std::to_string(i));
        throw std::invalid_argument(text);
      }
      std::memcpy(o, x[0], bytes);
    };
  };
  d.blocks_grad = true;
  d.may_fail = true;
  return d;
}

// one_hot(indices) {depth}: bool [..., depth], true where the last axis' position equals the
// index (an index outside [0, depth) gives a row of false).
OpDef one_hot() {
  OpDef d;
  d.name = "one_hot";
  d.attrs = {"depth"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    if (!is_int(in[0]->dtype)) throw DTypeError("one_hot: indices must be int32 or int64, got " + in[0]->str());
    const int64_t depth = attr_int(a, "depth", -1);
    if (depth < 0) throw ShapeError("one_hot: depth must be >= 0, got " + std::to_string(depth));
    Shape s = in[0]->shape;
    s.push_back(depth);
    return Type{DType::Bool, s};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type&, const Attrs& a) -> Kernel {
    return [m = in[0]->numel(), depth = attr_int(a, "depth", -1), wide = in[0]->dtype == DType::I64](
               const void* const* x, void* o) {
      bool* out = static_cast<bool*>(o);
      std::fill(out, out + m * depth, false);
      for (int64_t j = 0; j < m; ++j) {
        const int64_t i = wide ? in_as<int64_t>(x, 0)[j] : in_as<int32_t>(x, 0)[j];
        if (i >= 0 && i < depth) out[j * depth + i] = true;
      }
    };
  };
  return d;
}
}  // namespace

std::vector<OpDef> shape_ops() {
  return {reshape(), broadcast_to(), transpose(), slice(),       unslice(),
          concat(),  gather(),       scatter_add(), check_index(), one_hot()};
}

}  // namespace gg
