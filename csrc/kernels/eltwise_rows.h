// The elementwise functors and the rows generated from them, generic over Vec<T> (simd.h).
// Included once by eltwise_avx512.cpp, eltwise_avx2.cpp and eltwise.cpp (portable), each of
// which gets its own copy in its own namespace (see simd.h on why: no shared inline code).
//
// A functor has a scalar form f() over the compute type (float for f16, else the dtype itself)
// and, where the math maps onto vector operators or vmath.h's functions, a vector form v<S>()
// that the float32/float64 rows use, one vector at a time with a masked tail (so a single element, as constant folding
// computes it, takes the very same instructions as the main loop). Math goes through GCC
// builtins, never std:: inline functions.
#pragma once
#include <type_traits>

#include "kernels/eltwise.h"
#include "kernels/simd.h"
#include "kernels/vmath.h"

namespace gg::kernels::GG_SIMD_NS {

namespace fn {
template <class T> using V = typename Vec<T>::V;
template <class T> constexpr bool is_fp = std::is_floating_point_v<T>;

#define GG_MATH1(name)                                              \
  template <class T> inline T name(T x) {                           \
    if constexpr (sizeof(T) == 4) return __builtin_##name##f(x);    \
    else return __builtin_##name(x);                                \
  }
GG_MATH1(exp) GG_MATH1(log) GG_MATH1(log1p) GG_MATH1(expm1) GG_MATH1(sqrt) GG_MATH1(sin) GG_MATH1(cos)
GG_MATH1(tanh) GG_MATH1(atan) GG_MATH1(erf) GG_MATH1(floor) GG_MATH1(ceil) GG_MATH1(roundeven) GG_MATH1(fabs)
#undef GG_MATH1
template <class T> inline T pow(T a, T b) {
  if constexpr (sizeof(T) == 4) return __builtin_powf(a, b);
  else return __builtin_pow(a, b);
}
template <class T> inline T fmod(T a, T b) {
  if constexpr (sizeof(T) == 4) return __builtin_fmodf(a, b);
  else return __builtin_fmod(a, b);
}

// Integer division and remainder rounding towards -inf as Python does; x / 0 is 0 (no trap),
// and MIN / -1 wraps (no trap).
template <class T> inline T int_floor_div(T a, T b) {
  if (b == 0) return 0;
  if (b == -1) return static_cast<T>(0 - static_cast<std::make_unsigned_t<T>>(a));
  T q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}
template <class T> inline T int_mod(T a, T b) {
  if (b == 0 || b == -1) return 0;
  T r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
template <class T> inline T int_pow(T a, T b) {
  if (b < 0) return a == 1 ? 1 : a == -1 ? (b % 2 ? -1 : 1) : 0;
  T r = 1;
  for (; b; b >>= 1, a *= a)
    if (b & 1) r *= a;
  return r;
}

// Unary.
struct Neg {
  template <class T> static T f(T x) { return -x; }
  template <class S> static typename S::V v(typename S::V x) { return -x; }
};
struct Abs {
  template <class T> static T f(T x) {
    if constexpr (is_fp<T>) return fabs(x);
    else return x < 0 ? -x : x;
  }
  template <class S> static typename S::V v(typename S::V x) { return S::abs(x); }
};
struct Sign {  // 0 for 0 and NaN (MindSpore's sign)
  template <class T> static T f(T x) { return x > 0 ? T(1) : x < 0 ? T(-1) : T(0); }
};
struct Exp {
  template <class T> static T f(T x) { return exp(x); }
  template <class S> static typename S::V v(typename S::V x) { return vexp<S>(x); }
};
struct Log {
  template <class T> static T f(T x) { return log(x); }
  template <class S> static typename S::V v(typename S::V x) { return vlog<S>(x); }
};
struct Log1p {
  template <class T> static T f(T x) { return log1p(x); }
  template <class S> static typename S::V v(typename S::V x) { return vlog1p<S>(x); }
};
struct Expm1 {
  template <class T> static T f(T x) { return expm1(x); }
  template <class S> static typename S::V v(typename S::V x) { return vexpm1<S>(x); }
};
struct Sqrt {
  template <class T> static T f(T x) { return sqrt(x); }
  template <class S> static typename S::V v(typename S::V x) { return S::sqrt(x); }
};
struct Rsqrt {
  template <class T> static T f(T x) { return T(1) / sqrt(x); }
  template <class S> static typename S::V v(typename S::V x) { return S::set1(1) / S::sqrt(x); }
};
struct Square {
  template <class T> static T f(T x) { return x * x; }
  template <class S> static typename S::V v(typename S::V x) { return x * x; }
};
struct Reciprocal {
  template <class T> static T f(T x) { return T(1) / x; }
  template <class S> static typename S::V v(typename S::V x) { return S::set1(1) / x; }
};
struct Sin {
  template <class T> static T f(T x) { return sin(x); }
  template <class S> static typename S::V v(typename S::V x) { return vsin<S>(x); }
};
struct Cos {
  template <class T> static T f(T x) { return cos(x); }
  template <class S> static typename S::V v(typename S::V x) { return vcos<S>(x); }
};
struct Tanh {
  template <class T> static T f(T x) { return tanh(x); }
  template <class S> static typename S::V v(typename S::V x) { return vtanh<S>(x); }
};
struct Sigmoid {  // exp of a non-positive argument only: no overflow
  template <class T> static T f(T x) {
    const T e = exp(-fabs(x));
    return x >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e);
  }
  template <class S> static typename S::V v(typename S::V x) { return vsigmoid<S>(x); }
};
struct Relu {  // NaN gives 0 (MindSpore's relu)
  template <class T> static T f(T x) { return x > 0 ? x : T(0); }
  template <class S> static typename S::V v(typename S::V x) { return x > 0 ? x : typename S::V{}; }
};
struct Softplus {  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
  template <class T> static T f(T x) { return (x > 0 ? x : T(0)) + log1p(exp(-fabs(x))); }
  template <class S> static typename S::V v(typename S::V x) { return vsoftplus<S>(x); }
};
struct Gelu {  // x * Phi(x), Phi the normal CDF
  template <class T> static T f(T x) { return T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440))); }
  template <class S> static typename S::V v(typename S::V x) {
    using T = typename S::T;
    return S::set1(T(0.5)) * x * (S::set1(T(1)) + verf<S>(x * S::set1(T(0.70710678118654752440))));
  }
};
struct GeluTanh {
  template <class T> static T f(T x) {
    return T(0.5) * x * (T(1) + tanh(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x)));
  }
  template <class S> static typename S::V v(typename S::V x) {
    using T = typename S::T;
    const auto inner = S::set1(T(0.79788456080286535588)) * (x + S::set1(T(0.044715)) * x * x * x);
    return S::set1(T(0.5)) * x * (S::set1(T(1)) + vtanh<S>(inner));
  }
};
struct Erf {
  template <class T> static T f(T x) { return erf(x); }
  template <class S> static typename S::V v(typename S::V x) { return verf<S>(x); }
};
struct Atan { template <class T> static T f(T x) { return atan(x); } };
struct Floor {
  template <class T> static T f(T x) { return floor(x); }
  template <class S> static typename S::V v(typename S::V x) { return S::floor(x); }
};
struct Ceil {
  template <class T> static T f(T x) { return ceil(x); }
  template <class S> static typename S::V v(typename S::V x) { return S::ceil(x); }
};
struct Round {  // half to even
  template <class T> static T f(T x) { return roundeven(x); }
  template <class S> static typename S::V v(typename S::V x) { return S::rint(x); }
};
struct LogicalNot { template <class T> static bool f(T x) { return !x; } };
struct IsNan {
  template <class T> static bool f(T x) {
    if constexpr (is_fp<T>) return x != x;
    else return false;
  }
};
struct IsInf {
  template <class T> static bool f(T x) {
    if constexpr (is_fp<T>) return fabs(x) == __builtin_inf();
    else return false;
  }
};
struct IsFinite {
  template <class T> static bool f(T x) {
    if constexpr (is_fp<T>) return x - x == 0;  // false for inf and NaN
    else return true;
  }
};
struct Copy {
  template <class T> static T f(T x) { return x; }
  template <class S> static typename S::V v(typename S::V x) { return x; }
};

// Binary.
struct Add {
  template <class T> static T f(T a, T b) { return a + b; }
  template <class S> static typename S::V v(typename S::V a, typename S::V b) { return a + b; }
};
struct Sub {
  template <class T> static T f(T a, T b) { return a - b; }
  template <class S> static typename S::V v(typename S::V a, typename S::V b) { return a - b; }
};
struct Mul {
  template <class T> static T f(T a, T b) { return a * b; }
  template <class S> static typename S::V v(typename S::V a, typename S::V b) { return a * b; }
};
struct Div {
  template <class T> static T f(T a, T b) { return a / b; }
  template <class S> static typename S::V v(typename S::V a, typename S::V b) { return a / b; }
};
struct Pow {
  template <class T> static T f(T a, T b) {
    if constexpr (is_fp<T>) return pow(a, b);
    else return int_pow(a, b);
  }
  // float32 by vmath.h's vpowf, float64 by its vpow.
  template <class S>
    requires(S::W > 1)
  static typename S::V v(typename S::V a, typename S::V b) {
    if constexpr (sizeof(typename S::T) == 4) return vpowf<S>(a, b);
    else return vpow<S>(a, b);
  }
  // A scalar exponent of 2, -1 or 0.5 is one correctly rounded operation, as exact as pow: x * x
  // (numpy's x ** 2), 1 / x, sqrt(x) + 0 (pow's +0 for -0) with +inf for -inf. float32 also
  // takes any integer exponent up to 16 in magnitude by repeated multiplication in double (no
  // rounding that reaches the float result). Returns false for any other exponent.
  template <class T>
    requires(std::is_same_v<T, float> || std::is_same_v<T, double>)
  static bool row_b(const T* a, T b, T* out, int64_t n) {
    using S = Vec<T>;
    using V = typename S::V;
    auto each = [&](auto op) {
      for_lanes_aligned<S>(n, out, [&](int64_t i, int m) { S::store(out + i, op(S::load(a + i, m)), m); });
      return true;
    };
    if (b == 2) return each([](V x) { return x * x; });
    if (b == -1) return each([](V x) { return S::set1(1) / x; });
    if (b == T(0.5))
      return each([](V x) { return x == S::set1(-__builtin_inf()) ? S::set1(__builtin_inf()) : S::sqrt(x) + S::set1(0); });
    if constexpr (S::W > 1 && sizeof(T) == 4) {
      if (b != roundeven(b) || fabs(b) > 16) return false;
      using D = Vec<double>;
      const int k = static_cast<int>(fabs(b));
      auto power = [&](typename D::V x) {
        typename D::V r = D::set1(1);
        for (int e = k; e; e >>= 1, x = x * x)
          if (e & 1) r = r * x;
        return b < 0 ? D::set1(1) / r : r;
      };
      return each([&](V x) {
        typename D::V lo, hi;
        S::to_f64(x, lo, hi);
        return S::from_f64(power(lo), power(hi));
      });
    }
    return false;
  }
};
struct Maximum {  // NaN in either gives NaN (numpy's maximum)
  template <class T> static T f(T a, T b) { return a > b || a != a ? a : b; }
  template <class S> static typename S::V v(typename S::V a, typename S::V b) { return a > b || a != a ? a : b; }
};
struct Minimum {
  template <class T> static T f(T a, T b) { return a < b || a != a ? a : b; }
  template <class S> static typename S::V v(typename S::V a, typename S::V b) { return a < b || a != a ? a : b; }
};
struct FloorDiv {  // floats: numpy's (and Python's) divmod quotient, so a == b * (a // b) + a % b
  template <class T> static T f(T a, T b) {
    if constexpr (is_fp<T>) {
      if (b == 0) return a / b;
      const T mod = fmod(a, b);
      T div = (a - mod) / b;  // very nearly an integer
      if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
      if (div == 0) return __builtin_copysign(T(0), a / b);
      const T q = floor(div);
      return div - q > T(0.5) ? q + T(1) : q;
    } else {
      return int_floor_div(a, b);
    }
  }
};
struct Mod {  // the sign of the divisor, as Python's %
  template <class T> static T f(T a, T b) {
    if constexpr (is_fp<T>) {
      T r = fmod(a, b);
      return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
    } else {
      return int_mod(a, b);
    }
  }
};
struct ReluGrad {  // relu's backward: the adjoint b where the input a was positive
  template <class T> static T f(T a, T b) { return a > 0 ? b : T(0); }
  template <class S> static typename S::V v(typename S::V a, typename S::V b) { return a > 0 ? b : typename S::V{}; }
};
struct Eq { template <class T> static bool f(T a, T b) { return a == b; } };
struct Ne { template <class T> static bool f(T a, T b) { return a != b; } };
struct Lt { template <class T> static bool f(T a, T b) { return a < b; } };
struct Le { template <class T> static bool f(T a, T b) { return a <= b; } };
struct Gt { template <class T> static bool f(T a, T b) { return a > b; } };
struct Ge { template <class T> static bool f(T a, T b) { return a >= b; } };
struct LogicalAnd { template <class T> static bool f(T a, T b) { return a && b; } };
struct LogicalOr { template <class T> static bool f(T a, T b) { return a || b; } };
}  // namespace fn

template <class T> using compute_t = std::conditional_t<std::is_same_v<T, _Float16>, float, T>;

// The vector path: float/double rows of functors with a vector form and a same-typed result.
template <class F, class T, class O>
constexpr bool vector_row = (std::is_same_v<T, float> || std::is_same_v<T, double>)&&std::is_same_v<T, O> &&
                            requires(typename Vec<T>::V x) { F::template v<Vec<T>>(x); };
template <class F, class T, class O>
constexpr bool vector_row2 = (std::is_same_v<T, float> || std::is_same_v<T, double>)&&std::is_same_v<T, O> &&
                             requires(typename Vec<T>::V x) { F::template v<Vec<T>>(x, x); };

template <class F, class T, class O>
void unary_row(const void* xp, int64_t sx, void* op, int64_t n) {
  const T* x = static_cast<const T*>(xp);
  O* out = static_cast<O*>(op);
  if constexpr (vector_row<F, T, O>) {
    using S = Vec<T>;
    if (sx) {
      for_lanes_aligned<S>(n, out, [&](int64_t i, int m) { S::store(out + i, F::template v<S>(S::load(x + i, m)), m); });
    } else {
      const auto y = F::template v<S>(S::set1(*x));
      for_lanes_aligned<S>(n, out, [&](int64_t i, int m) { S::store(out + i, y, m); });
    }
  } else {
    using C = compute_t<T>;
    if (sx) {
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<O>(F::f(static_cast<C>(x[i])));
    } else {
      const O y = static_cast<O>(F::f(static_cast<C>(*x)));
      for (int64_t i = 0; i < n; ++i) out[i] = y;
    }
  }
}

template <class F, class T, class O>
void binary_row(const void* ap, int64_t sa, const void* bp, int64_t sb, void* op, int64_t n) {
  const T* a = static_cast<const T*>(ap);
  const T* b = static_cast<const T*>(bp);
  O* out = static_cast<O*>(op);
  if constexpr (requires { F::row_b(a, *a, out, n); }) {
    if (sa && !sb && F::row_b(a, *b, out, n)) return;  // the functor's own row for a scalar b
  }
  if constexpr (vector_row2<F, T, O>) {
    using S = Vec<T>;
    // One body per stride case, so each loop is a plain vector loop.
    auto run = [&](auto load_a, auto load_b) {
      for_lanes_aligned<S>(n, out, [&](int64_t i, int m) { S::store(out + i, F::template v<S>(load_a(i, m), load_b(i, m)), m); });
    };
    const auto va = S::set1(*a), vb = S::set1(*b);
    auto la = [&](int64_t i, int m) { return S::load(a + i, m); };
    auto lb = [&](int64_t i, int m) { return S::load(b + i, m); };
    auto ca = [&](int64_t, int) { return va; };
    auto cb = [&](int64_t, int) { return vb; };
    if (sa && sb) run(la, lb);
    else if (sa) run(la, cb);
    else if (sb) run(ca, lb);
    else run(ca, cb);
  } else {
    using C = compute_t<T>;
    auto run = [&](int64_t sa_, int64_t sb_) {
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<O>(F::f(static_cast<C>(a[i * sa_]), static_cast<C>(b[i * sb_])));
    };
    if (sa && sb) run(1, 1);
    else if (sa) run(1, 0);
    else if (sb) run(0, 1);
    else run(0, 0);
  }
}

template <Result R, class T> using result_t = std::conditional_t<R == Result::Bool, bool, T>;

// row[dtype] = make(T{}, O{}) for every dtype T of Mask, O its result type.
template <int Mask, Result R, class Row, class Make>
void fill_rows(Row* row, Make make) {
  auto put = [&](DType d, auto t) { row[int(d)] = make(t, result_t<R, decltype(t)>{}); };
  if constexpr (Mask & kFloat) {
    put(DType::F32, float{});
    put(DType::F64, double{});
    put(DType::F16, _Float16{});
  }
  if constexpr (Mask & kInt) {
    put(DType::I32, int32_t{});
    put(DType::I64, int64_t{});
  }
  if constexpr (Mask & kBool) put(DType::Bool, bool{});
}

const detail::EltwiseRows& eltwise_rows() {
  static const detail::EltwiseRows rows = [] {
    detail::EltwiseRows t{};
#define GG_FILL_UNARY(name, mask, result)                                 \
  fill_rows<mask, Result::result>(t.unary[int(UnaryOp::name)], [](auto a, auto o) { \
    return &unary_row<fn::name, decltype(a), decltype(o)>;                  \
  });
#define GG_FILL_BINARY(name, mask, result)                                  \
  fill_rows<mask, Result::result>(t.binary[int(BinaryOp::name)], [](auto a, auto o) { \
    return &binary_row<fn::name, decltype(a), decltype(o)>;                 \
  });
    GG_UNARY_KERNELS(GG_FILL_UNARY)
    GG_BINARY_KERNELS(GG_FILL_BINARY)
#undef GG_FILL_UNARY
#undef GG_FILL_BINARY
    return t;
  }();
  return rows;
}

}  // namespace gg::kernels::GG_SIMD_NS
