// random {shape, dtype, dist, seed, low, high}: uniform [low, high), normal (mean low, stddev
// high) or integers in [low, high). Counter-based: element i of the n-th run of a node is a hash
// of (seed, n, i), so results do not depend on threads, and each run of a compiled graph draws
// fresh values (the node's counter advances per run) while a set_seed makes the whole sequence
// reproducible. The front end draws `seed` from the global seed per op, so no two ops share a
// stream; passes leave the op alone (it is not pure: CSE must not merge two of them).
#include <atomic>
#include <cmath>
#include <memory>

#include "ops/op.h"

namespace gg {

namespace {
enum Dist : int64_t { kUniform = 0, kNormal = 1, kInt = 2 };

uint64_t mix(uint64_t z) {  // splitmix64's finaliser: a bijection with full avalanche
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
double unit(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }  // [0, 1)

OpDef random_op() {
  OpDef d;
  d.name = "random";
  d.attrs = {"shape", "dtype", "dist", "seed", "low", "high"};
  d.stateful = true;
  d.blocks_grad = true;
  d.infer = [](const std::vector<const Type*>&, const Attrs& a) {
    const int64_t dt = attr_int(a, "dtype", 0), dist = attr_int(a, "dist", 0);
    if (!valid_dtype(dt)) throw DTypeError("random: unknown dtype code " + std::to_string(dt));
    const DType dtype = static_cast<DType>(dt);
    if (dist < kUniform || dist > kInt) throw std::invalid_argument("random: unknown distribution");
    if ((dist == kInt) != is_int(dtype) || dtype == DType::F16)
      throw DTypeError(std::string("random: ") + (dist == kInt ? "integers need an int dtype" : "needs float32 or float64") +
                       ", got " + dtype_short(dtype));
    Type t{dtype, attr_ints(a, "shape")};
    for (int64_t s : t.shape)
      if (s < 0) throw ShapeError("random: negative dimension in shape " + shape_str(t.shape));
    return t;
  };
  d.compile = [](const std::vector<const Type*>&, const Type& out, const Attrs& a) -> Kernel {
    auto runs = std::make_shared<std::atomic<uint64_t>>(0);
    return [runs, n = out.numel(), dtype = out.dtype, dist = attr_int(a, "dist", 0),
            seed = static_cast<uint64_t>(attr_int(a, "seed", 0)), low = attr_float(a, "low", 0.0),
            high = attr_float(a, "high", 1.0)](const void* const*, void* o) {
      const uint64_t stream = mix(seed ^ mix(runs->fetch_add(1) + 0x9e3779b97f4a7c15ull));
      auto draw = [&](int64_t i, uint64_t k) { return mix(stream + 2 * static_cast<uint64_t>(i) + k); };
      dispatch<float, double, int32_t, int64_t>(dtype, "random", [&](auto t) {
        using T = decltype(t);
        T* out = static_cast<T*>(o);
        for (int64_t i = 0; i < n; ++i) {
          if (dist == kInt) {
            const auto span = static_cast<uint64_t>(high - low);
            out[i] = static_cast<T>(low + static_cast<double>(draw(i, 0) % span));
          } else if (dist == kUniform) {
            out[i] = static_cast<T>(low + (high - low) * unit(draw(i, 0)));
          } else {  // Box-Muller on two independent uniforms; 1 - u avoids log(0)
            const double r = std::sqrt(-2.0 * std::log(1.0 - unit(draw(i, 0))));
            out[i] = static_cast<T>(low + high * r * std::cos(6.283185307179586 * unit(draw(i, 1))));
          }
        }
      });
    };
  };
  return d;
}
}  // namespace

std::vector<OpDef> random_ops() { return {random_op()}; }

}  // namespace gg
