// The two ops convolutions and pooling are built from: im2col unfolds the sliding windows of an
// NCHW tensor into columns (a convolution is then one matmul, a pooling one reduction), and its
// adjoint col2im sums columns back into the image. Each is the other's vjp, so gradients of any
// order stay within this file and the matmul/reduce ops.
#include <algorithm>

#include "ops/op.h"
#include "runtime/thread_pool.h"

namespace gg {

namespace {

// The window geometry both ops share. padding is [top, bottom, left, right]: 'same' padding
// may put one more row at the bottom than at the top, as MindSpore does.
struct Window {
  int64_t n = 0, c = 0, h = 0, w = 0;  // the image
  int64_t kh, kw, sh, sw, pt, pb, pl, pr, dh, dw;
  int64_t oh = 0, ow = 0;  // output positions per axis

  Window(const std::string& op, const Attrs& a) {
    auto pair = [&](const char* name, size_t len) {
      const std::vector<int64_t>& v = attr_ints(a, name);
      if (v.size() != len)
        throw ShapeError(op + ": " + name + " must have " + std::to_string(len) + " values, got " + shape_str(v));
      return v;
    };
    const auto k = pair("kernel", 2), s = pair("stride", 2), p = pair("padding", 4), d = pair("dilation", 2);
    kh = k[0], kw = k[1], sh = s[0], sw = s[1], pt = p[0], pb = p[1], pl = p[2], pr = p[3], dh = d[0], dw = d[1];
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1 || pt < 0 || pb < 0 || pl < 0 || pr < 0)
      throw ShapeError(op + ": kernel " + shape_str(k) + ", stride " + shape_str(s) + " and dilation " + shape_str(d) +
                       " must be positive and padding " + shape_str(p) + " non-negative");
  }

  // Fixes the image shape and the output positions; a window larger than the padded image is an error.
  void image(const std::string& op, const Shape& x) {
    n = x[0], c = x[1], h = x[2], w = x[3];
    const int64_t eh = dh * (kh - 1) + 1, ew = dw * (kw - 1) + 1;  // the dilated window
    if (h + pt + pb < eh || w + pl + pr < ew)
      throw ShapeError(op + ": the window " + shape_str({eh, ew}) + " (kernel " + shape_str({kh, kw}) + ", dilation " +
                       shape_str({dh, dw}) + ") is larger than the padded image " +
                       shape_str({h + pt + pb, w + pl + pr}) + " of input " + shape_str(x));
    oh = (h + pt + pb - eh) / sh + 1;
    ow = (w + pl + pr - ew) / sw + 1;
  }
  Shape cols() const { return {n, c * kh * kw, oh * ow}; }

  // The output columns [lo, hi) whose input column ow * sw - pl + j * dw lies inside the image.
  std::pair<int64_t, int64_t> valid_cols(int64_t j) const {
    const int64_t off = j * dw - pl;  // input column of output column 0
    const int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
    const int64_t hi = w - off <= 0 ? 0 : std::min(ow, (w - off + sw - 1) / sw);
    return {std::min(lo, hi), hi};
  }

  // Runs f(plane) for each of the n * c image planes, on the pool when the work is big enough
  // to pay for waking it (2^15 elements: some 10 us of copying). Planes own disjoint outputs,
  // so the result does not depend on the thread count.
  template <class F>
  void each_plane(F&& f) const {
    const int64_t planes = n * c, work = planes * kh * kw * oh * ow;
    if (planes > 1 && work >= (int64_t{1} << 15)) parallel_for(planes, f);
    else
      for (int64_t p = 0; p < planes; ++p) f(p);
  }
};

void check_dtype(const std::string& op, const Type& x) {
  if (x.dtype != DType::F32 && x.dtype != DType::F64)
    throw DTypeError(op + ": input must be float32 or float64, got " + x.str());
}

// cols[n, (c*kh + i)*kw + j, oh*OW + ow] = x[n, c, oh*sh - pt + i*dh, ow*sw - pl + j*dw],
// or pad_value outside the image.
template <class T>
void im2col_kernel(const Window& g, T pad, const T* x, T* out) {
  const int64_t L = g.oh * g.ow;
  g.each_plane([&](int64_t p) {
    const T* src = x + p * g.h * g.w;
    T* dst = out + p * g.kh * g.kw * L;  // plane (n, c) owns rows c*kh*kw.. of batch n: contiguous
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j, dst += L) {
        const auto [lo, hi] = g.valid_cols(j);
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          T* row = dst + oy * g.ow;
          const int64_t iy = oy * g.sh - g.pt + i * g.dh;
          if (iy < 0 || iy >= g.h) {
            std::fill(row, row + g.ow, pad);
            continue;
          }
          const int64_t base = iy * g.w + j * g.dw - g.pl;  // (an index: may be negative before lo)
          // plain loops, not memcpy/fill calls: rows are short (10 to 30 elements in LeNet)
          for (int64_t ox = 0; ox < lo; ++ox) row[ox] = pad;
          if (g.sw == 1)
            for (int64_t ox = lo; ox < hi; ++ox) row[ox] = src[base + ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox) row[ox] = src[base + ox * g.sw];
          for (int64_t ox = hi; ox < g.ow; ++ox) row[ox] = pad;
        }
      }
  });
}

// The adjoint: each column entry is added to the pixel it was read from (padding drops).
template <class T>
void col2im_kernel(const Window& g, const T* cols, T* x) {
  const int64_t L = g.oh * g.ow;
  g.each_plane([&](int64_t p) {
    T* dst = x + p * g.h * g.w;
    std::fill(dst, dst + g.h * g.w, T(0));
    const T* src = cols + p * g.kh * g.kw * L;
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j, src += L) {  // in a fixed order: the sums are deterministic
        const auto [lo, hi] = g.valid_cols(j);
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t iy = oy * g.sh - g.pt + i * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          const int64_t base = iy * g.w + j * g.dw - g.pl;
          const T* row = src + oy * g.ow;
          if (g.sw == 1)
            for (int64_t ox = lo; ox < hi; ++ox) dst[base + ox] += row[ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox) dst[base + ox * g.sw] += row[ox];
        }
      }
  });
}

Attrs window_attrs(const Attrs& a) {
  Attrs w;
  for (const char* k : {"kernel", "stride", "padding", "dilation"}) w[k] = a.at(k);
  return w;
}

// im2col(x) {kernel, stride, padding, dilation, pad_value?}: x [N, C, H, W] to [N, C*kh*kw, OH*OW].
// pad_value (default 0) fills positions outside the image: max pooling pads with -inf. The op is
// affine in x, so its vjp is col2im whatever the pad value.
OpDef im2col() {
  OpDef d;
  d.name = "im2col";
  d.attrs = {"kernel", "stride", "padding", "dilation", "pad_value"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    check_dtype("im2col", *in[0]);
    if (in[0]->ndim() != 4) throw ShapeError("im2col: input must be 4-d [N, C, H, W], got " + in[0]->str());
    Window g("im2col", a);
    g.image("im2col", in[0]->shape);
    return Type{in[0]->dtype, g.cols()};
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs& a) -> Kernel {
    Window g("im2col", a);
    g.image("im2col", in[0]->shape);
    return [g, pad = attr_float(a, "pad_value", 0.0), dt = out.dtype](const void* const* x, void* o) {
      dispatch_float(dt, "im2col", [&](auto t) {
        using T = decltype(t);
        im2col_kernel<T>(g, static_cast<T>(pad), in_as<T>(x, 0), static_cast<T*>(o));
      });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    Attrs a = window_attrs(c.attrs);
    a["shape"] = c.in_type(0).shape;
    grads[0] = c.b.op(GG_OP("col2im"), {c.grad}, a);
  };
  return d;
}

// col2im(cols) {kernel, stride, padding, dilation, shape}: the [N, C, H, W] tensor `shape` whose
// pixels are the sums of the column entries im2col would read from them.
OpDef col2im() {
  OpDef d;
  d.name = "col2im";
  d.attrs = {"kernel", "stride", "padding", "dilation", "shape"};
  d.min_inputs = d.max_inputs = 1;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    check_dtype("col2im", *in[0]);
    const Shape& img = attr_ints(a, "shape");
    if (img.size() != 4 || std::any_of(img.begin(), img.end(), [](int64_t s) { return s < 0; }))
      throw ShapeError("col2im: shape must be 4-d [N, C, H, W], got " + shape_str(img));
    Window g("col2im", a);
    g.image("col2im", img);
    if (in[0]->shape != g.cols())
      throw ShapeError("col2im: columns " + in[0]->str() + " are not what im2col gives for image " + shape_str(img) +
                       " (" + shape_str(g.cols()) + ")");
    return Type{in[0]->dtype, img};
  };
  d.compile = [](const std::vector<const Type*>&, const Type& out, const Attrs& a) -> Kernel {
    Window g("col2im", a);
    g.image("col2im", out.shape);
    return [g, dt = out.dtype](const void* const* x, void* o) {
      dispatch_float(dt, "col2im", [&](auto t) {
        using T = decltype(t);
        col2im_kernel<T>(g, in_as<T>(x, 0), static_cast<T*>(o));
      });
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    grads[0] = c.b.op(GG_OP("im2col"), {c.grad}, window_attrs(c.attrs));
  };
  return d;
}

}  // namespace

std::vector<OpDef> conv_ops() { return {im2col(), col2im()}; }

}  // namespace gg
