// im2col and col2im through the op table: im2col against a direct loop for several window
// geometries and both dtypes, on 1 and 2 threads (bit-identical); col2im as its adjoint
// (<im2col(x), c> == <x, col2im(c)>); the shape rules' errors.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "ops/op.h"
#include "runtime/thread_pool.h"

using namespace gg;

namespace {

struct Geometry {
  Shape x;
  std::vector<int64_t> kernel, stride, padding, dilation;
  Attrs attrs() const { return {{"kernel", kernel}, {"stride", stride}, {"padding", padding}, {"dilation", dilation}}; }
};

const Geometry kCases[] = {
    {{1, 1, 4, 4}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {1, 1}},
    {{2, 3, 7, 6}, {3, 2}, {2, 1}, {1, 2, 0, 1}, {1, 2}},
    {{1, 2, 5, 9}, {1, 3}, {1, 3}, {2, 2, 3, 3}, {1, 1}},  // padding wider than a window
    {{2, 8, 20, 20}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}},  // big enough to run on the pool
};

template <class T>
std::vector<T> run(const std::string& op, const Type& in, const Attrs& a, const std::vector<T>& x, Type* out_type) {
  const OpDef& d = op_def(op);
  *out_type = d.infer({&in}, a);
  std::vector<T> out(static_cast<size_t>(out_type->numel()));
  const void* ptrs[] = {x.data()};
  d.compile({&in}, *out_type, a)(ptrs, out.data());
  return out;
}

template <class T>
void check_case(const Geometry& g) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(-1, 1);
  const Type xt{dtype_of<T>::value, g.x};
  std::vector<T> x(static_cast<size_t>(xt.numel()));
  for (T& v : x) v = static_cast<T>(u(rng));
  Type ct;
  set_num_threads(1);
  const std::vector<T> cols = run<T>("im2col", xt, g.attrs(), x, &ct);
  set_num_threads(2);
  CHECK(run<T>("im2col", xt, g.attrs(), x, &ct) == cols);

  // the direct loop, one output entry at a time
  const int64_t N = g.x[0], C = g.x[1], H = g.x[2], W = g.x[3], kh = g.kernel[0], kw = g.kernel[1];
  const int64_t oh = (H + g.padding[0] + g.padding[1] - g.dilation[0] * (kh - 1) - 1) / g.stride[0] + 1;
  const int64_t ow = (W + g.padding[2] + g.padding[3] - g.dilation[1] * (kw - 1) - 1) / g.stride[1] + 1;
  CHECK((ct.shape == Shape{N, C * kh * kw, oh * ow}));
  size_t bad = 0, at = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = 0; j < kw; ++j)
          for (int64_t y = 0; y < oh; ++y)
            for (int64_t z = 0; z < ow; ++z, ++at) {
              const int64_t r = y * g.stride[0] - g.padding[0] + i * g.dilation[0];
              const int64_t s = z * g.stride[1] - g.padding[2] + j * g.dilation[1];
              const T want = r < 0 || r >= H || s < 0 || s >= W ? T(0) : x[((n * C + c) * H + r) * W + s];
              bad += cols[at] != want;
            }
  CHECK_MSG(bad == 0, "%zu of %zu im2col entries differ", bad, cols.size());

  // col2im is the adjoint, on 1 and 2 threads alike
  std::vector<T> c(cols.size());
  for (T& v : c) v = static_cast<T>(u(rng));
  Attrs back = g.attrs();
  back["shape"] = g.x;
  Type it;
  set_num_threads(1);
  const std::vector<T> img = run<T>("col2im", ct, back, c, &it);
  set_num_threads(2);
  CHECK(run<T>("col2im", ct, back, c, &it) == img);
  CHECK(it == xt);
  double lhs = 0, rhs = 0;
  for (size_t k = 0; k < c.size(); ++k) lhs += double(cols[k]) * double(c[k]);
  for (size_t k = 0; k < x.size(); ++k) rhs += double(x[k]) * double(img[k]);
  CHECK_MSG(std::fabs(lhs - rhs) <= 1e-4 * (1 + std::fabs(lhs)), "<im2col(x), c> = %g, <x, col2im(c)> = %g", lhs, rhs);
}

template <class E>
bool throws(const std::string& op, const Type& in, const Attrs& a, const std::string& text) {
  try {
    op_def(op).infer({&in}, a);
  } catch (const E& e) {
    if (std::string(e.what()).find(text) != std::string::npos) return true;
    std::fprintf(stderr, "unexpected message: %s\n", e.what());
  }
  return false;
}

void check_errors() {
  const Attrs a = kCases[0].attrs();
  CHECK(throws<ShapeError>("im2col", {DType::F32, {1, 4, 4}}, a, "im2col: input must be 4-d"));
  CHECK(throws<DTypeError>("im2col", {DType::I32, {1, 1, 4, 4}}, a, "im2col: input must be float32 or float64"));
  CHECK(throws<ShapeError>("im2col", {DType::F32, {1, 1, 1, 4}}, a, "larger than the padded image [1,4]"));
  Attrs bad = a;
  bad["stride"] = std::vector<int64_t>{1};
  CHECK(throws<ShapeError>("im2col", {DType::F32, {1, 1, 4, 4}}, bad, "im2col: stride must have 2 values"));
  Attrs back = a;
  back["shape"] = Shape{1, 1, 4, 4};
  CHECK(throws<ShapeError>("col2im", {DType::F32, {1, 4, 8}}, back, "col2im: columns f32[1,4,8] are not what"));
}

}  // namespace

int main() {
  for (const Geometry& g : kCases) {
    check_case<float>(g);
    check_case<double>(g);
  }
  check_errors();
  return CHECK_MAIN_RESULT();
}
